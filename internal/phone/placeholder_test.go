package phone

import "testing"

func TestIsPlaceholder(t *testing.T) {
	tests := []struct {
		raw  string
		want bool
	}{
		{"13800138000", true},
		{"+86 138 0013 8000", true},
		{"12345678901", true}, // invalid number, detected from Raw
		{"11111111111", true}, // all digits equal
		{"+86 11111111111", true},
		{"00000000", true},
		{"12345678910", true},  // 1..10 typed in a row
		{"01012345678", true},  // valid Beijing number, ascending subscriber
		{"010-87654321", true}, // descending
		{"1234567890", true},   // keyboard row, 9 wraps to 0
		{"13031415926", false},
		{"13912876543", false}, // a run of 6 is ordinary
		{"010-65529988", false},
		{"95588", false},
		{"999", false}, // emergency code, not a fake
		{"110", false},
		{"+1 415 555 2671", false},
		{"", false},
	}
	for _, tt := range tests {
		n, err := Parse(tt.raw, "CN")
		if err != nil {
			t.Fatalf("Parse(%q) error = %v", tt.raw, err)
		}
		if got := IsPlaceholder(n); got != tt.want {
			t.Errorf("IsPlaceholder(Parse(%q)) = %v, want %v (number %+v)", tt.raw, got, tt.want, n)
		}
		// Parse flags valid placeholders in Problem; invalid ones keep their reason.
		if n.Type != Invalid && (n.Problem == "placeholder") != tt.want {
			t.Errorf("Parse(%q).Problem = %q, placeholder want %v", tt.raw, n.Problem, tt.want)
		}
	}
}

func TestLongestRun(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"1", 1},
		{"13", 1},
		{"123", 3},
		{"321", 3},
		{"8901", 4},
		{"1098", 4},
		{"12321", 3},
		{"0012345678", 9},
	}
	for _, tt := range tests {
		if got := longestRun(tt.in); got != tt.want {
			t.Errorf("longestRun(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
