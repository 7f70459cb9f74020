package phone

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// dashes maps the dash look-alikes that Chinese input methods produce
// (—, –, −, ...) to '-'. NFKC already folds full-width '－' and small '﹣',
// but leaves these alone because they are distinct characters, not width
// variants.
var dashes = strings.NewReplacer(
	"\u2010", "-", "\u2011", "-", "\u2012", "-", "\u2013", "-",
	"\u2014", "-", "\u2015", "-", "\u2212", "-",
)

// normalizeText applies NFKC, which turns full-width digits, '＋', '（）',
// '＃', '，' and the ideographic space into their ASCII forms, then folds
// dash variants.
func normalizeText(s string) string {
	return dashes.Replace(norm.NFKC.String(s))
}

// isSeparator reports the characters people put between digit groups; they
// carry no meaning and are dropped before parsing.
func isSeparator(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\u00a0', '-', '.', '(', ')', '[', ']', '/':
		return true
	}
	return false
}

// stripSeparators removes isSeparator characters.
func stripSeparators(s string) string {
	return strings.Map(func(r rune) rune {
		if isSeparator(r) {
			return -1
		}
		return r
	}, s)
}

// digitsOf keeps only ASCII digits.
func digitsOf(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// lowerASCII lowercases ASCII letters only, so byte offsets found in the
// result are valid in the original string (strings.ToLower may change the
// length of non-ASCII text).
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
