package phone

import (
	"errors"
	"strings"
	"time"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// ErrResidentID is returned by Parse when the input is a resident ID number; its text never contains the value.
var ErrResidentID = errors.New("phone: input looks like a resident ID number (居民身份证号码), refusing to store it")

// idWeights and idCheckChars implement the GB 11643-1999 checksum
// (ISO 7064 MOD 11-2) of the 18-character resident ID.
var (
	idWeights    = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	idCheckChars = "10X98765432"
)

// oldIDProvinces lists the province prefixes of 15-digit IDs. The old format
// has no checksum, so the province code and the birth date are all we can
// check; without this, any 15-digit number with a date-like middle would be
// refused.
var oldIDProvinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true,
}

// LooksLikeResidentID reports whether s (after NFKC, ignoring spaces and dashes) is a resident ID number.
func LooksLikeResidentID(s string) bool {
	c := compactID(normalizeText(s))
	switch len(c) {
	case 18:
		return isResidentID18(c)
	case 15:
		// An old ID has no checksum, so only call it an ID when it is not
		// also a perfectly good phone number.
		return isResidentID15(c) && !isValidPhone(c)
	}
	return false
}

// compactID drops whitespace and dashes, because IDs are commonly written
// in groups ("110105 19491231 002X") and must still be caught.
func compactID(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' {
			return -1
		}
		return r
	}, s)
}

// isResidentID18 checks the 18-character format, birth date and checksum.
func isResidentID18(s string) bool {
	if len(s) != 18 || !allDigits(s[:17]) {
		return false
	}
	last := s[17]
	if last == 'x' {
		last = 'X'
	}
	if last != 'X' && (last < '0' || last > '9') {
		return false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(s[i]-'0') * idWeights[i]
	}
	if idCheckChars[sum%11] != last {
		return false
	}
	return plausibleBirthDate(atoi(s[6:10]), atoi(s[10:12]), atoi(s[12:14]))
}

// isResidentID15 checks the pre-1999 15-digit format: province code and a
// 19yymmdd birth date at digits 7-12. The caller must also rule out a valid
// phone number.
func isResidentID15(s string) bool {
	if len(s) != 15 || !allDigits(s) || !oldIDProvinces[s[:2]] {
		return false
	}
	return plausibleBirthDate(1900+atoi(s[6:8]), atoi(s[8:10]), atoi(s[10:12]))
}

// plausibleBirthDate accepts real calendar dates between 1900 and today;
// time.Date normalizes 0231 to 0303, which is how impossible dates are spotted.
func plausibleBirthDate(y, m, d int) bool {
	if y < 1900 || m < 1 || m > 12 || d < 1 {
		return false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return false
	}
	return !t.After(time.Now())
}

// isValidPhone is the "is this really a phone number" test used to keep
// 15-digit numbers from being mistaken for old IDs.
func isValidPhone(digits string) bool {
	n, err := phonenumbers.Parse(digits, "CN")
	return err == nil && phonenumbers.IsValidNumber(n)
}

// allDigits reports whether s is non-empty and only ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atoi converts a short run of ASCII digits; callers have already checked
// allDigits, so there is no error to report.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
