package phone

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// SplitName splits a Chinese personal name into family name and given name: the first
// character, or the first two for a compound surname (欧阳, 司马, 诸葛 …), is the family
// name — the same rule MaskName keeps visible. A name of one or two characters is one
// surname character and the rest ("司马" is 司 + 马). Names that are not Chinese, and
// transliterated names with a middle dot ("买买提·艾力"), have no family name to split
// off: they come back whole as the given name.
func SplitName(name string) (family, given string) {
	s := strings.TrimSpace(norm.NFKC.String(name))
	first, _ := utf8.DecodeRuneInString(s)
	if s == "" || !unicode.Is(unicode.Han, first) || strings.ContainsAny(s, nameDots) {
		return "", s
	}
	rs := []rune(strings.Join(strings.Fields(s), ""))
	keep := 1
	if len(rs) > 2 && compoundSurnames[string(rs[:2])] {
		keep = 2
	}
	return string(rs[:keep]), string(rs[keep:])
}
