package phone

import (
	"strconv"
	"testing"
	"time"
)

func TestLooksLikeResidentID(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"11010519491231002X", true},
		{"11010519491231002x", true},
		{" 11010519491231002X ", true},
		{"110105 19491231 002X", true},
		{"110105-19491231-002X", true},
		{"１１０１０５１９４９１２３１００２Ｘ", true},
		{"320706199003070015", true},
		{"110105194912310021", false}, // bad checksum
		// The following have valid checksums; only the birth date is wrong.
		{"440524188001010014", false}, // born 1880 (the GB 11643 sample)
		{"110105194913310021", false}, // month 13
		{"110105194902300020", false}, // 30 February
		{"110105209912310029", false}, // born 2099
		{"1101051949123100", false},   // too short
		{"11010519491231002Y", false},
		{"110105491231002", true},  // 15-digit, 1949-12-31
		{"110105491331002", false}, // 15-digit, month 13
		{"990105491231002", false}, // 15-digit, no such province
		{"13800138000", false},
		{"身份证11010519491231002X", false}, // whole-value check only
		{"", false},
	}
	for _, tt := range tests {
		if got := LooksLikeResidentID(tt.in); got != tt.want {
			t.Errorf("LooksLikeResidentID(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestResidentIDChecksum(t *testing.T) {
	// Build IDs with every possible check character; exactly one passes.
	base := "11010519491231002"
	passes := 0
	for _, c := range "0123456789X" {
		if isResidentID18(base + string(c)) {
			passes++
			if c != 'X' {
				t.Errorf("check character %c accepted, want X", c)
			}
		}
	}
	if passes != 1 {
		t.Errorf("%d check characters accepted, want 1", passes)
	}
}

func TestPlausibleBirthDate(t *testing.T) {
	next := time.Now().AddDate(1, 0, 0)
	tests := []struct {
		y, m, d int
		want    bool
	}{
		{1949, 12, 31, true},
		{2000, 2, 29, true},
		{1900, 2, 29, false}, // 1900 was not a leap year
		{1899, 12, 31, false},
		{1990, 0, 1, false},
		{1990, 1, 0, false},
		{1990, 4, 31, false},
		{next.Year(), int(next.Month()), next.Day(), false}, // in the future
	}
	for _, tt := range tests {
		if got := plausibleBirthDate(tt.y, tt.m, tt.d); got != tt.want {
			t.Errorf("plausibleBirthDate(%s) = %v, want %v",
				strconv.Itoa(tt.y)+"-"+strconv.Itoa(tt.m)+"-"+strconv.Itoa(tt.d), got, tt.want)
		}
	}
}
