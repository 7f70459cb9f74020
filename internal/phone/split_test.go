package phone

import "testing"

func TestSplitName(t *testing.T) {
	tests := []struct{ in, family, given string }{
		{"张三", "张", "三"},
		{"李小龙", "李", "小龙"},
		{"欧阳娜娜", "欧阳", "娜娜"},
		{"诸葛亮", "诸葛", "亮"},
		{"司马相如", "司马", "相如"},
		{"东方不败", "东方", "不败"},
		{"慕容复", "慕容", "复"},
		{"钟离春", "钟离", "春"},
		{"司马", "司", "马"},
		{"张", "张", ""},
		{" 张 三 ", "张", "三"},
		{"买买提·艾力", "", "买买提·艾力"},
		{"Li Lei", "", "Li Lei"},
		{"", "", ""},
	}
	for _, tt := range tests {
		f, g := SplitName(tt.in)
		if f != tt.family || g != tt.given {
			t.Errorf("SplitName(%q) = %q, %q; want %q, %q", tt.in, f, g, tt.family, tt.given)
		}
	}
}
