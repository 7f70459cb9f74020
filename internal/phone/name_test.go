package phone

import "testing"

func TestMaskName(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"张三", "张*"},
		{"李小龙", "李**"},
		{"欧阳娜娜", "欧阳**"},
		{"诸葛亮", "诸葛*"},
		{"司马", "司*"}, // just the surname: keep one character
		{"张", "*"},
		{" 张 三 ", "张*"},
		{"买买提·艾力", "买**·艾*"},
		{"Li Lei", "L* L**"},
		{"  Han   Meimei ", "H** M*****"},
		{"Ｌｉ Ｌｅｉ", "L* L**"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := MaskName(tt.in); got != tt.want {
			t.Errorf("MaskName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
