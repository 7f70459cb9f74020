package auth

import (
	_ "embed"
	"strings"
)

// commonPasswordsFile is the bundled list of the most used passwords worldwide and in China.
//
//go:embed common_passwords.txt
var commonPasswordsFile string

// commonPasswords is the list as a set, lower case.
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(commonPasswordsFile, "\n") {
		line = strings.ToLower(strings.TrimSpace(line))
		if line != "" && !strings.HasPrefix(line, "#") {
			m[line] = true
		}
	}
	return m
}()

// PolicyError is a password the policy refuses: a stable code (for translated messages
// in the UI) and a user-safe English message (for the API and the CLI).
type PolicyError struct {
	Code    string // too_short, too_long, contains_username, common, repeated, sequence
	Message string
}

func (e *PolicyError) Error() string { return e.Message }

// The policy's refusals.
var (
	errTooShort = &PolicyError{"too_short", "at least 10 characters"}
	errTooLong  = &PolicyError{"too_long", "at most 256 characters"}
	errUsername = &PolicyError{"contains_username", "must not contain the user name"}
	errCommon   = &PolicyError{"common", "too common: this password (or its stem) is on the list of most used passwords; choose a phrase of several words"}
	errRepeated = &PolicyError{"repeated", "must not be one character or a short pattern repeated"}
	errSequence = &PolicyError{"sequence", "must not be a keyboard or number sequence such as 1234567890 or qwertyuiop"}
)

// ValidatePassword checks a new password against the password policy: 10 to 256
// characters, not containing the user name, not on the bundled list of common passwords
// (compared case-insensitively, also after stripping leading and trailing digits and
// symbols and after undoing common letter substitutions such as p@ssw0rd), not one
// character or a short pattern repeated, and not a keyboard or number run. The error is
// a *PolicyError whose message is user-safe.
func ValidatePassword(password, username string) error {
	if len([]rune(password)) < 10 {
		return errTooShort
	}
	if len(password) > 256 {
		return errTooLong
	}
	lower := strings.ToLower(password)
	if username != "" && strings.Contains(lower, strings.ToLower(username)) {
		return errUsername
	}
	for _, c := range affixStems(lower) {
		if commonPasswords[c] || commonPasswords[unleet(c)] {
			return errCommon
		}
	}
	stem := strings.TrimFunc(lower, digitOrSymbol)
	candidates := []string{lower}
	if stem != lower && stem != "" {
		candidates = append(candidates, stem)
	}
	for _, c := range candidates {
		if l := unleet(c); l != c {
			candidates = append(candidates, l)
		}
	}
	for _, c := range candidates {
		if err := weakness(c, c == lower); err != nil {
			return err
		}
	}
	return nil
}

// affixStems are what remains of s when some of its leading and trailing digits and
// symbols are taken off ("qq123456789" → "qq123456", "qq12345" …; "!!woaini1314!!" →
// "woaini1314" …), at least 4 characters long, so that a common password with digits or
// symbols added is found.
func affixStems(s string) []string {
	r := []rune(s)
	n := len(r)
	lead := 0
	for lead < n && digitOrSymbol(r[lead]) {
		lead++
	}
	trail := n
	for trail > 0 && digitOrSymbol(r[trail-1]) {
		trail--
	}
	var out []string
	for i := 0; i <= lead; i++ {
		for j := max(trail, i+4); j <= n; j++ {
			if i == 0 && j == n {
				continue
			}
			out = append(out, string(r[i:j]))
		}
	}
	return out
}

// weakness returns why a lower-case candidate is weak, or nil. Short stems (what remains
// of "abc!2024" after stripping) are judged only against the list, since any one or two
// letters would look like a run.
func weakness(s string, whole bool) error {
	if commonPasswords[s] {
		return errCommon
	}
	n := len([]rune(s))
	if !whole && n < 4 {
		return nil
	}
	if unit, ok := repetition(s); ok {
		if len([]rune(unit)) <= 4 {
			return errRepeated
		}
		if err := weakness(unit, false); err != nil {
			return err
		}
	}
	if isSequence(s) {
		return errSequence
	}
	if c, ok := undouble(s); ok && len(c) >= 3 && isSequence(c) { // 1122334455
		return errSequence
	}
	return nil
}

// digitOrSymbol reports whether r is stripped from the ends of a password before it is
// looked up: anything but a letter (Latin or otherwise).
func digitOrSymbol(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 0x7f)
}

// unleet undoes the usual letter substitutions: p@ssw0rd → password, 1loveyou → iloveyou.
func unleet(s string) string {
	return strings.NewReplacer("@", "a", "4", "a", "0", "o", "1", "i", "!", "i", "3", "e", "$", "s", "5", "s", "7", "t").Replace(s)
}

// repetition reports whether s is a shorter unit repeated at least twice, and the unit.
func repetition(s string) (string, bool) {
	r := []rune(s)
	for u := 1; u <= len(r)/2; u++ {
		if len(r)%u != 0 {
			continue
		}
		unit := string(r[:u])
		if strings.Repeat(unit, len(r)/u) == s {
			return unit, true
		}
	}
	return "", false
}

// undouble returns s with every character pair collapsed when s is made of pairs (aabbcc).
func undouble(s string) (string, bool) {
	r := []rune(s)
	if len(r)%2 != 0 {
		return "", false
	}
	out := make([]rune, 0, len(r)/2)
	for i := 0; i < len(r); i += 2 {
		if r[i] != r[i+1] {
			return "", false
		}
		out = append(out, r[i])
	}
	return string(out), true
}

// sequences are runs on a keyboard or among digits and letters; a password that is a
// stretch of one (forwards or backwards, wrapping around) is refused.
var sequences = []string{
	"0123456789",
	"abcdefghijklmnopqrstuvwxyz",
	"`1234567890-=",
	"~!@#$%^&*()_+",
	"qwertyuiop[]\\",
	"asdfghjkl;'",
	"zxcvbnm,./",
	"qwertyuiopasdfghjklzxcvbnm",
	"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/",
	"qazwsxedcrfvtgbyhnujmikolp",
	"zaq1xsw2cde3vfr4bgt5nhy6mju7,ki8.lo9/;p0",
	"1q2w3e4r5t6y7u8i9o0p",
	"q1w2e3r4t5y6u7i8o9p0",
	"147258369",
	"789456123",
	"741852963",
	"159753",
	"13579",
	"02468",
}

// isSequence reports whether s is a stretch of one of the sequences.
func isSequence(s string) bool {
	for _, seq := range sequences {
		cyclic := strings.Repeat(seq, len(s)/len(seq)+2)
		if strings.Contains(cyclic, s) || strings.Contains(reverse(cyclic), s) {
			return true
		}
	}
	return false
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}
