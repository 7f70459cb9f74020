package phone

// Type of a phone number.
type Type string

// The number types returned in Number.Type.
const (
	// Mobile is a mobile (cellular) number, e.g. 138 0013 8000.
	Mobile Type = "mobile"
	// FixedLine is a landline with an area code, e.g. 010 6552 9988.
	FixedLine Type = "landline"
	// TollFree is a 400/800 number (400 is shared-cost on paper, but callers in China treat both as free hotlines).
	TollFree Type = "toll_free"
	// Service is a 95xxx/96xxx, 12xxx or 100xx service number, or a short code such as 110, 119, 120.
	Service Type = "service"
	// Other is any other valid number: VoIP, pager, premium, UAN, ...
	Other Type = "other"
	// Invalid means the input is not a usable number; Number.Problem says why.
	Invalid Type = "invalid"
)

// Problem codes stored in Number.Problem. They stay unexported so the
// package API is exactly what was agreed; callers compare against the
// documented string values.
const (
	problemEmpty              = "empty"                // nothing but whitespace
	problemNotANumber         = "not_a_number"         // letters or symbols we cannot interpret
	problemTooShort           = "too_short"            // e.g. a mobile with 10 digits
	problemTooLong            = "too_long"             // e.g. a mobile with 12 digits, 13-digit IoT numbers
	problemInvalidPrefix      = "invalid_prefix"       // right length, unallocated range (146..., 0000...)
	problemInvalidLength      = "invalid_length"       // a length no number in that country has
	problemInvalidCountryCode = "invalid_country_code" // +999 and friends
	problemMissingAreaCode    = "missing_area_code"    // a 7-8 digit local landline typed without its area code
	problemBadExtension       = "bad_extension"        // something after 转/ext that is not 1-8 digits
	problemMultipleNumbers    = "multiple_numbers"     // "13800138000/13900139000" typed into one field
	problemResidentID         = "resident_id"          // a 居民身份证号码 was typed instead of a phone number
	problemPlaceholder        = "placeholder"          // valid but a well-known fake (13800138000); Type stays valid
	problemMaybeLandline      = "maybe_landline"       // the country (US, CA ...) does not distinguish; Type is Mobile
)

// Number is the normalized result.
type Number struct {
	Raw       string // the input exactly as given (not trimmed)
	E164      string // "+8613800138000"; empty when Invalid or for Service short codes
	National  string // national display format, e.g. "138 0013 8000", "010 6552 9988"; empty when Invalid
	Extension string // "123" or ""
	Type      Type
	Carrier   string // Chinese carrier name for mobiles (中国移动/中国联通/中国电信/中国广电...), "" otherwise
	Region    string // Chinese geocoding (江苏省连云港市, 北京市), "" when unknown
	Country   string // ISO region code, e.g. "CN", "US"
	// Problem is a machine code when Type==Invalid or the number is unusual:
	// "empty", "not_a_number", "too_short", "too_long", "invalid_prefix",
	// "invalid_length", "invalid_country_code", "missing_area_code",
	// "bad_extension", "multiple_numbers", "resident_id"; and, with a valid
	// Type, "placeholder" or "maybe_landline".
	Problem string
}
