package directory

import (
	"strings"
	"unicode"

	"github.com/mozillazg/go-pinyin"
)

// Pinyin returns the full pinyin ("zhangsan") and the initials ("zs") of a name, lowercase
// and without tones; Latin letters and digits pass through. Computed once at write time.
func Pinyin(name string) (full, initials string) {
	args := pinyin.NewArgs()
	var f, in strings.Builder
	for _, r := range name {
		switch {
		case unicode.Is(unicode.Han, r):
			py := pinyin.SinglePinyin(r, args)
			if len(py) > 0 && py[0] != "" {
				f.WriteString(py[0])
				in.WriteByte(py[0][0])
			}
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			lr := unicode.ToLower(r)
			f.WriteRune(lr)
			in.WriteRune(lr)
		}
	}
	return f.String(), in.String()
}
