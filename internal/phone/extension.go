package phone

import (
	"strings"
)

// extMarkers are the words people put before an extension. When two match
// at the same position the longer one wins, hence the order ("分机号" before
// "分机", "ext." before "ext" before "x").
var extMarkers = []string{"分机号", "分机", "转", "extension", "ext.", "ext", "#", ",", ";", "x"}

const (
	// maxExtensionDigits bounds an extension after an explicit marker;
	// Chinese PBX extensions are 3-5 digits, so anything much longer is a
	// second phone number or garbage.
	maxExtensionDigits = 8
	// maxDashExtensionDigits bounds the "010-65529988-123" form, where the
	// dash is ambiguous and we want to be conservative.
	maxDashExtensionDigits = 6
)

// splitExtension separates the extension from the number. It must run
// before libphonenumber sees the text: "转 123" is a parse error there and a
// trailing "-123" is silently glued onto the number.
func splitExtension(s, region string) (body, ext, problem string) {
	low := lowerASCII(s)
	for start := 0; start < len(low); {
		pos, marker := findMarker(low, start)
		if pos < 0 {
			break
		}
		// A bare "x" is only an extension marker after a complete number;
		// otherwise it is a typo (or the X of an ID) and must make the input
		// invalid rather than silently cut it.
		if marker == "x" && !isCompleteNumber(s[:pos], region) {
			start = pos + 1
			continue
		}
		ext, problem = cleanExtension(s[pos+len(marker):], marker)
		return s[:pos], ext, problem
	}
	body, ext = splitDashExtension(s, region)
	return body, ext, ""
}

// findMarker returns the earliest extension marker at or after start.
func findMarker(low string, start int) (int, string) {
	best, marker := -1, ""
	for _, m := range extMarkers {
		i := strings.Index(low[start:], m)
		if i < 0 {
			continue
		}
		if i += start; best < 0 || i < best {
			best, marker = i, m
		}
	}
	return best, marker
}

// cleanExtension turns what follows a marker into digits. It tolerates
// stacked markers and punctuation ("转分机：801", ",,123#"), because that is
// how extensions are copied from business cards and dialer strings.
func cleanExtension(tail, marker string) (string, string) {
	t := strings.TrimSpace(tail)
	for changed := true; changed; {
		changed = false
		t = strings.TrimLeft(t, " :.-#,;")
		low := lowerASCII(t)
		for _, m := range extMarkers {
			if strings.HasPrefix(low, m) {
				t, changed = t[len(m):], true
				break
			}
		}
	}
	t = strings.TrimRight(t, " #")
	t = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', ',', ';':
			return -1
		}
		return r
	}, t)
	switch {
	case t == "":
		return "", ""
	case !allDigits(t):
		return "", problemBadExtension
	case len(t) > maxExtensionDigits:
		// "13800138000, 13900139000": the comma was a list separator.
		if marker == "," || marker == ";" {
			return "", problemMultipleNumbers
		}
		return "", problemBadExtension
	}
	return t, ""
}

// splitDashExtension handles "010-65529988-123". The last dash group is an
// extension only when the part before it is already a valid landline and
// the whole is not a valid number, so "138-0013-8000" and "010-6552-9988"
// keep all their digits.
func splitDashExtension(s, region string) (string, string) {
	i := strings.LastIndexByte(s, '-')
	if i < 0 {
		return s, ""
	}
	suffix := strings.TrimSpace(s[i+1:])
	if len(suffix) > maxDashExtensionDigits || !allDigits(suffix) {
		return s, ""
	}
	prefix := s[:i]
	pn, ok := parseValid(prefix, region)
	if !ok || !isLandline(pn) {
		return s, ""
	}
	if _, ok := parseValid(prefix+suffix, region); ok {
		return s, ""
	}
	return prefix, suffix
}

// isCompleteNumber reports whether s on its own is a valid phone number.
func isCompleteNumber(s, region string) bool {
	_, ok := parseValid(s, region)
	return ok
}
