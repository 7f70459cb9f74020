package phone

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// compoundSurnames are the two-character surnames common enough that
// masking "欧阳娜娜" as "欧****" would look wrong to a Chinese reader, who
// expects the whole surname to stay visible.
var compoundSurnames = map[string]bool{
	"欧阳": true, "司马": true, "上官": true, "诸葛": true, "东方": true,
	"皇甫": true, "尉迟": true, "公孙": true, "慕容": true, "长孙": true,
	"宇文": true, "司徒": true, "夏侯": true, "轩辕": true, "令狐": true,
	"钟离": true, "澹台": true, "独孤": true, "南宫": true, "西门": true,
}

// nameDots separate the parts of transliterated minority and foreign names
// written in Chinese ("买买提·艾力"); IMEs produce several look-alikes.
const nameDots = "·•‧・"

// MaskName masks a personal name: "张三" -> "张*", "欧阳娜娜" -> "欧阳**", "Li Lei" -> "L* L**".
func MaskName(name string) string {
	s := strings.TrimSpace(norm.NFKC.String(name))
	if s == "" {
		return ""
	}
	if first, _ := utf8.DecodeRuneInString(s); unicode.Is(unicode.Han, first) {
		return maskHanName(s)
	}
	// Latin names: keep each word's initial and one star per hidden letter,
	// the same length-preserving convention as the Chinese form.
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = keepFirstRune(w)
	}
	return strings.Join(words, " ")
}

// maskHanName keeps the surname (one character, or two for a compound
// surname) and stars the given name, one star per character.
func maskHanName(s string) string {
	s = strings.Join(strings.Fields(s), "")
	if parts := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(nameDots, r) }); len(parts) > 1 {
		for i, p := range parts {
			parts[i] = keepFirstRune(p)
		}
		return strings.Join(parts, "·")
	}
	rs := []rune(s)
	keep := 1
	if len(rs) > 2 && compoundSurnames[string(rs[:2])] {
		keep = 2
	}
	if len(rs) <= keep {
		// A lone character is the whole name; show nothing of it.
		return strings.Repeat("*", len(rs))
	}
	return string(rs[:keep]) + strings.Repeat("*", len(rs)-keep)
}

// keepFirstRune keeps the first character of w and stars the rest.
func keepFirstRune(w string) string {
	first, size := utf8.DecodeRuneInString(w)
	return string(first) + strings.Repeat("*", utf8.RuneCountInString(w[size:]))
}
