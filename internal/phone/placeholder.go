package phone

import "strings"

// famousPlaceholders are the fake numbers that appear in every Chinese form
// tutorial and test database. 13800138000 is China Mobile's old sample
// number; 12345678901 is what people type to get past a required field.
var famousPlaceholders = map[string]bool{
	"13800138000": true,
	"12345678901": true,
}

const (
	// minRepeatedDigits keeps short codes like 999 (an emergency number)
	// from being called fake while catching 00000, 11111111111.
	minRepeatedDigits = 5
	// minRunLength is the length of an ascending or descending digit run
	// that no real allocation produces in practice: 12345678, 87654321.
	minRunLength = 8
)

// IsPlaceholder reports well-known fake numbers: 13800138000, 12345678901, all digits equal, or long ascending/descending runs.
func IsPlaceholder(n Number) bool {
	d := placeholderDigits(n)
	if d == "" {
		return false
	}
	if famousPlaceholders[d] {
		return true
	}
	if len(d) >= minRepeatedDigits && strings.Count(d, d[:1]) == len(d) {
		return true
	}
	return longestRun(d) >= minRunLength
}

// placeholderDigits picks the digits a human would recognize: the national
// form for valid numbers (so Beijing's trunk 0 is included, "01012345678"),
// and the typed digits for invalid ones, because most fakes (11111111111,
// 00000000) are not valid numbers at all.
func placeholderDigits(n Number) string {
	if n.Type != Invalid {
		if n.E164 != "" && n.Country != "CN" {
			if _, nsn, ok := splitE164(n.E164); ok {
				return nsn
			}
		}
		return digitsOf(n.National)
	}
	s := strings.TrimSpace(normalizeText(n.Raw))
	d := digitsOf(s)
	switch {
	case strings.HasPrefix(s, "+86"):
		d = strings.TrimPrefix(d, "86")
	case strings.HasPrefix(s, "0086"):
		d = strings.TrimPrefix(d, "0086")
	}
	return d
}

// longestRun measures the longest run of consecutive digits going up or
// down by one, wrapping 9->0 so that the keyboard row "1234567890" counts.
func longestRun(d string) int {
	best, up, down := 1, 1, 1
	for i := 1; i < len(d); i++ {
		diff := (int(d[i]) - int(d[i-1]) + 10) % 10
		if diff == 1 {
			up++
		} else {
			up = 1
		}
		if diff == 9 {
			down++
		} else {
			down = 1
		}
		best = max(best, up, down)
	}
	return best
}
