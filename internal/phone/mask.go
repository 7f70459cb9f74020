package phone

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// maskedExtension replaces any extension: its digits identify nobody, but
// showing "转***" tells the reader there is one without revealing its length.
const maskedExtension = "转***"

// Mask returns a masked display form: "138****8000", "010-****9988", "+1 ******2671", "1**"; "" for Invalid.
func Mask(n Number) string {
	var out string
	switch {
	case n.Type == Invalid:
		// Nothing we parsed is trustworthy, and Raw may be anything.
		return ""
	case n.Type == Service:
		out = keepEnds(digitsOf(n.National), 1, 0)
	case n.Country == "CN" && n.Type == FixedLine:
		// National is "010 6552 9988": the first group is the area code,
		// which is public information and helps recognize the number.
		area, rest, _ := strings.Cut(n.National, " ")
		out = area + "-" + keepEnds(digitsOf(rest), 0, 4)
	case n.Country == "CN":
		out = keepEnds(digitsOf(n.National), 3, 4)
	default:
		cc, nsn, ok := splitE164(n.E164)
		if !ok {
			return ""
		}
		out = "+" + cc + " " + keepEnds(nsn, 0, 4)
	}
	if n.Extension != "" {
		out += maskedExtension
	}
	return out
}

// MaskE164 masks an E.164 string: "+86138****8000", "+8610****9988", "+1******2671".
func MaskE164(e164 string) string {
	cc, nsn, ok := splitE164(e164)
	if !ok {
		// Not E.164: show that something is there without revealing it.
		return strings.Repeat("*", utf8.RuneCountInString(e164))
	}
	head := 0
	if cc == "86" {
		switch {
		case isCNMobileNSN(nsn):
			head = 3
		case strings.HasPrefix(nsn, "10"), strings.HasPrefix(nsn, "2"):
			head = 2 // Beijing 10 and the 2x big-city area codes
		default:
			head = 3 // other area codes (518, 755 ...) and 400/800
		}
	}
	return "+" + cc + keepEnds(nsn, head, 4)
}

// splitE164 splits "+8613800138000" into "86" and "13800138000" using the
// country-code table, which is prefix-free, so no (slow) full parse is needed.
func splitE164(e164 string) (cc, nsn string, ok bool) {
	d, found := strings.CutPrefix(e164, "+")
	if !found || !allDigits(d) || len(d) < 4 || len(d) > 15 {
		return "", "", false
	}
	for i := 1; i <= 3; i++ {
		code, _ := strconv.Atoi(d[:i])
		if phonenumbers.GetRegionCodeForCountryCode(code) != phonenumbers.UNKNOWN_REGION {
			return d[:i], d[i:], true
		}
	}
	return "", "", false
}

// keepEnds keeps head leading and tail trailing characters of s and stars
// the rest. If that would hide nothing, it keeps less, so a short value is
// never shown in full.
func keepEnds(s string, head, tail int) string {
	if head+tail >= len(s) {
		head, tail = min(head, len(s)/3), min(tail, len(s)/3)
	}
	return s[:head] + strings.Repeat("*", len(s)-head-tail) + s[len(s)-tail:]
}
