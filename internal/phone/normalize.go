package phone

import (
	"errors"
	"strings"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// maxInputBytes bounds the text Parse considers a phone number (after NFKC and trimming).
const maxInputBytes = 256

// Parse normalizes one phone number typed in any common way; defaultRegion is "CN" normally.
func Parse(raw, defaultRegion string) (Number, error) {
	// Invalid input is not an error: it comes back as Type Invalid with a
	// Problem code, because the caller (a form, an import) decides what to
	// do with it. The only error is ErrResidentID, and then the returned
	// Number has an empty Raw so that logging the result cannot leak the ID.
	s := strings.TrimSpace(normalizeText(raw))
	if s == "" {
		return invalid(raw, problemEmpty), nil
	}
	// Checked first: an ID must be refused whatever else we would make of it.
	if isResidentID18(compactID(stripSeparators(s))) {
		return refusedID(), ErrResidentID
	}
	// No phone number, even with an extension and separators, is this long. Refusing
	// longer input here also bounds the work below: splitExtension tries every bare "x"
	// as an extension marker, which is quadratic in the length of the input.
	if len(s) > maxInputBytes {
		return invalid(raw, problemTooLong), nil
	}
	region := strings.ToUpper(strings.TrimSpace(defaultRegion))
	if region == "" {
		region = "CN"
	}

	body, ext, problem := splitExtension(s, region)
	if problem != "" {
		return invalid(raw, problem), nil
	}
	dial, problem := toDialable(body)
	if problem != "" {
		return invalid(raw, problem), nil
	}
	if n, ok := serviceNumber(dial, region); ok {
		n.Raw, n.Extension = raw, ext
		return n, nil
	}

	if n, ok := fastCNMobile(dial, region); ok {
		n.Raw, n.Extension = raw, ext
		if IsPlaceholder(n) {
			n.Problem = problemPlaceholder
		}
		return n, nil
	}

	pn, err := phonenumbers.Parse(dial, region)
	if err == nil && !phonenumbers.IsValidNumber(pn) && region == "CN" && strings.HasPrefix(dial, "86") {
		// "86 010 6552 9988": a country code typed without + or 00.
		if alt, altErr := phonenumbers.Parse("+"+dial, region); altErr == nil && phonenumbers.IsValidNumber(alt) {
			pn = alt
		}
	}
	if err != nil || !phonenumbers.IsValidNumber(pn) {
		// A 15-digit old ID has no checksum; we only know it is not a phone
		// number once libphonenumber has said so.
		if isResidentID15(dial) {
			return refusedID(), ErrResidentID
		}
		if err != nil {
			return invalid(raw, errProblem(err)), nil
		}
		return invalid(raw, invalidProblem(pn, dial)), nil
	}

	n := describe(pn)
	n.Raw, n.Extension = raw, ext
	if IsPlaceholder(n) {
		n.Problem = problemPlaceholder
	}
	return n, nil
}

// toDialable reduces the number part to "+digits" or "digits", or reports
// why it cannot. Doing this ourselves (rather than letting libphonenumber
// skip junk) keeps "138abc0013" from quietly becoming a number.
func toDialable(body string) (string, string) {
	if isNumberList(body) {
		return "", problemMultipleNumbers
	}
	s := stripSeparators(body)
	plus := false
	switch {
	case strings.HasPrefix(s, "+"):
		plus, s = true, s[1:]
	case len(s) > 2 && s[0] == '0' && s[1] == '0' && s[2] != '0':
		// 00 is the international prefix dialled from China. Country codes
		// never start with 0, so "00000000" stays a (fake) national number.
		plus, s = true, s[2:]
	}
	if !allDigits(s) {
		return "", problemNotANumber
	}
	if plus {
		return "+" + s, ""
	}
	return s, ""
}

// isNumberList spots two numbers typed into one field, separated by
// "/" or "、" ("13800138000/13900139000"), which would otherwise be glued
// into one long invalid number. A short group after "/" is left alone
// because "/" is also used as an ordinary separator.
func isNumberList(s string) bool {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '、' })
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if len(digitsOf(p)) < 7 {
			return false
		}
	}
	return true
}

// parseValid parses s and reports whether it is a valid number.
func parseValid(s, region string) (*phonenumbers.PhoneNumber, bool) {
	dial, problem := toDialable(s)
	if problem != "" || dial == "" {
		return nil, false
	}
	pn, err := phonenumbers.Parse(dial, region)
	if err != nil || !phonenumbers.IsValidNumber(pn) {
		return nil, false
	}
	return pn, true
}

// isLandline reports a fixed line, including the FIXED_LINE_OR_MOBILE
// answer for countries that do not tell the two apart.
func isLandline(pn *phonenumbers.PhoneNumber) bool {
	switch phonenumbers.GetNumberType(pn) {
	case phonenumbers.FIXED_LINE:
		return true
	case phonenumbers.FIXED_LINE_OR_MOBILE:
		return pn.GetCountryCode() != 86 || !isCNMobileNSN(phonenumbers.GetNationalSignificantNumber(pn))
	}
	return false
}

// isCNMobileNSN applies the Chinese rule that mobiles start with 13-19;
// "10" is Beijing's area code, not a mobile.
func isCNMobileNSN(nsn string) bool {
	return len(nsn) >= 2 && nsn[0] == '1' && nsn[1] >= '3'
}

// describe fills a Number from a valid libphonenumber result.
func describe(pn *phonenumbers.PhoneNumber) Number {
	nsn := phonenumbers.GetNationalSignificantNumber(pn)
	cn := pn.GetCountryCode() == 86
	n := Number{
		E164:     phonenumbers.Format(pn, phonenumbers.E164),
		National: phonenumbers.Format(pn, phonenumbers.NATIONAL),
		Country:  phonenumbers.GetRegionCodeForNumber(pn),
	}
	switch phonenumbers.GetNumberType(pn) {
	case phonenumbers.MOBILE:
		n.Type = Mobile
	case phonenumbers.FIXED_LINE:
		n.Type = FixedLine
	case phonenumbers.FIXED_LINE_OR_MOBILE:
		switch {
		case cn && isCNMobileNSN(nsn):
			n.Type = Mobile
		case cn:
			n.Type = FixedLine
		default:
			// NANP and a few others cannot be told apart; say Mobile (SMS
			// usually works) but flag the guess.
			n.Type, n.Problem = Mobile, problemMaybeLandline
		}
	case phonenumbers.TOLL_FREE:
		n.Type = TollFree
	case phonenumbers.SHARED_COST:
		// 400 numbers are shared-cost on paper but are the toll-free
		// hotline kind to everyone in China.
		if cn && strings.HasPrefix(nsn, "400") {
			n.Type = TollFree
		} else {
			n.Type = Other
		}
	default:
		n.Type = Other
	}
	if n.Type == Mobile {
		n.Carrier, _ = phonenumbers.GetCarrierForNumber(pn, "zh")
	}
	if n.Type == Mobile || n.Type == FixedLine {
		n.Region = geoRegion(pn, n.Country)
	}
	return n
}

// zhRegions names countries in Chinese, used to recognize libphonenumber's
// country-level fallback answer.
var zhRegions = display.Regions(language.Chinese)

// geoRegion returns the geocoding in Chinese, or "" when libphonenumber only
// knows the country (it then answers "中国" for new ranges such as 162 and
// 192, which tells the user nothing the Country field does not).
func geoRegion(pn *phonenumbers.PhoneNumber, country string) string {
	g, err := phonenumbers.GetGeocodingForNumber(pn, "zh")
	if err != nil || g == "" {
		return ""
	}
	if r, err := language.ParseRegion(country); err == nil && zhRegions.Name(r) == g {
		return ""
	}
	return g
}

// errProblem maps libphonenumber's parse errors to problem codes.
func errProblem(err error) string {
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		return problemInvalidCountryCode
	case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
		return problemTooShort
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return problemTooLong
	}
	return problemNotANumber
}

// invalidProblem explains why a parsed number is not valid. Chinese mobiles
// get their own length check because libphonenumber calls a 10-digit
// "1380013800" possible (landline lengths overlap) while users need to hear
// "one digit missing".
func invalidProblem(pn *phonenumbers.PhoneNumber, dial string) string {
	nsn := phonenumbers.GetNationalSignificantNumber(pn)
	if pn.GetCountryCode() == 86 {
		if isCNMobileNSN(nsn) {
			switch {
			case len(nsn) < 11:
				return problemTooShort
			case len(nsn) > 11:
				return problemTooLong
			}
			return problemInvalidPrefix
		}
		if !strings.HasPrefix(dial, "+") && (len(dial) == 7 || len(dial) == 8) && dial[0] >= '2' {
			return problemMissingAreaCode
		}
	}
	switch phonenumbers.IsPossibleNumberWithReason(pn) {
	case phonenumbers.TOO_SHORT:
		return problemTooShort
	case phonenumbers.TOO_LONG:
		return problemTooLong
	case phonenumbers.INVALID_COUNTRY_CODE:
		return problemInvalidCountryCode
	case phonenumbers.INVALID_LENGTH:
		return problemInvalidLength
	case phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return problemMissingAreaCode
	}
	return problemInvalidPrefix
}

// invalid builds the result for unusable input; everything but Raw and
// Problem stays empty so nobody stores half-parsed data.
func invalid(raw, problem string) Number {
	return Number{Raw: raw, Type: Invalid, Problem: problem}
}

// refusedID is the result that accompanies ErrResidentID; Raw is left empty
// on purpose.
func refusedID() Number {
	return Number{Type: Invalid, Problem: problemResidentID}
}
