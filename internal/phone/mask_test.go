package phone

import "testing"

func TestMask(t *testing.T) {
	tests := []struct {
		raw, want string
	}{
		{"13800138000", "138****8000"},
		{"+86 130 3141 5926", "130****5926"},
		{"13800138000#66", "138****8000转***"},
		{"010-65529988", "010-****9988"},
		{"(010)6552 9988转123", "010-****9988转***"},
		{"0518-85234567", "0518-****4567"},
		{"0771-5678901", "0771-***8901"},
		{"4008001234", "400***1234"},
		{"110", "1**"},
		{"95588", "9****"},
		{"+1 415 555 2671", "+1 ******2671"},
		{"+44 20 7183 8750", "+44 ******8750"},
		{"abc", ""},
		{"1380013800", ""},
	}
	for _, tt := range tests {
		n, err := Parse(tt.raw, "CN")
		if err != nil {
			t.Fatalf("Parse(%q) error = %v", tt.raw, err)
		}
		if got := Mask(n); got != tt.want {
			t.Errorf("Mask(Parse(%q)) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

func TestMaskHandBuiltNumber(t *testing.T) {
	// A Number read back from storage with an E164 we cannot split must not
	// be shown unmasked.
	n := Number{E164: "garbage", Type: Mobile, Country: "US"}
	if got := Mask(n); got != "" {
		t.Errorf("Mask(%+v) = %q, want empty", n, got)
	}
}

func TestMaskE164(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"+8613800138000", "+86138****8000"},
		{"+861065529988", "+8610****9988"},
		{"+862162345678", "+8621****5678"},
		{"+8651885234567", "+86518****4567"},
		{"+864008001234", "+86400***1234"},
		{"+14155552671", "+1******2671"},
		{"+442071838750", "+44******8750"},
		{"+85261234567", "+852****4567"},
		{"13800138000", "***********"}, // not E.164: masked entirely
		{"+86", "***"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := MaskE164(tt.in); got != tt.want {
			t.Errorf("MaskE164(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestKeepEnds(t *testing.T) {
	tests := []struct {
		s          string
		head, tail int
		want       string
	}{
		{"13800138000", 3, 4, "138****8000"},
		{"1234567", 3, 4, "12***67"}, // would show everything; keep less
		{"12", 1, 1, "**"},
		{"", 3, 4, ""},
	}
	for _, tt := range tests {
		if got := keepEnds(tt.s, tt.head, tt.tail); got != tt.want {
			t.Errorf("keepEnds(%q, %d, %d) = %q, want %q", tt.s, tt.head, tt.tail, got, tt.want)
		}
	}
}
