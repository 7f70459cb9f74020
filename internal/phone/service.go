package phone

import "strings"

// shortCodes are the three-digit numbers everyone in China knows: police,
// emergency, directory, fire, ambulance, traffic accidents and the Red
// Cross ambulance. libphonenumber rejects them as too short, but for a
// contact form "110" is a meaningful answer, not a typo.
var shortCodes = map[string]bool{
	"110": true, "112": true, "114": true, "119": true,
	"120": true, "122": true, "999": true,
}

// isServiceCode recognizes Chinese service numbers that libphonenumber
// treats as invalid or too short: short emergency codes, 100xx carrier
// hotlines (10086, 10010, 10000), 12xxx government hotlines (12315, 12345,
// 12306) and 95xxx/96xxx nationwide service numbers (95588).
func isServiceCode(d string) bool {
	switch len(d) {
	case 3:
		return shortCodes[d]
	case 5:
		return strings.HasPrefix(d, "100") || strings.HasPrefix(d, "12") ||
			strings.HasPrefix(d, "95") || strings.HasPrefix(d, "96")
	case 6:
		return strings.HasPrefix(d, "95") || strings.HasPrefix(d, "96")
	}
	return false
}

// serviceNumber builds the Number for a Chinese service code. E164 stays
// empty: these codes are not routable as E.164 numbers, so callers must
// key them on National instead.
func serviceNumber(dial, region string) (Number, bool) {
	d := dial
	switch {
	case strings.HasPrefix(d, "+86"):
		d = d[3:]
	case strings.HasPrefix(d, "+"), region != "CN":
		return Number{}, false
	}
	if !allDigits(d) || !isServiceCode(d) {
		return Number{}, false
	}
	return Number{National: d, Type: Service, Country: "CN"}, true
}
