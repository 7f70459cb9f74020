package auth_test

import (
	"errors"
	"testing"

	"lifeline/internal/auth"
)

// TestPasswordPolicy checks the refusals of the password policy and that ordinary strong
// passwords pass.
func TestPasswordPolicy(t *testing.T) {
	refused := map[string]string{
		"short":                    "too_short",
		"Abc-12345":                "too_short",
		"alice-long-password":      "contains_username",
		"123456789a":               "common",
		"woaini1314":               "common",
		"WoAiNi1314":               "common",
		"qq123456789":              "common", // qq123456 + digits
		"a123456789":               "common",
		"5201314520":               "common", // 5201314 + digits
		"1qaz2wsx3edc":             "common",
		"password1234":             "common",
		"Password@2024":            "common",
		"P@ssw0rd2024!":            "common", // leet and stripped
		"iloveyou!!!!":             "common",
		"2024iloveyou":             "common",
		"admin123456":              "common",
		"abc123456!!":              "common",
		"147258369147":             "common",
		"88888888888":              "common",
		"aaaaaaaaaaaa":             "repeated",
		"ababababababab":           "repeated",
		"!!!!!!!!!!!!":             "repeated",
		"1234567890":               "common",
		"0987654321":               "common",
		"3456789012":               "sequence",
		"abcdefghijkl":             "sequence",
		"qwertyuiopas":             "sequence",
		"poiuytrewq":               "sequence",
		"1q2w3e4r5t6y":             "common",
		"zaq1xsw2cde3":             "sequence",
		"11223344556677":           "common",
		"!!woaini1314!!":           "common",
		"abcdefghij2024":           "sequence", // a run with a year
		"9191919191":               "repeated",
		"zzzzzzzzzzzz":             "repeated",
		"5566778899":               "sequence",
		"mnbvcxzlkj":               "sequence",
		"correcthorsecorrecthorse": "",
	}
	for pw, code := range refused {
		err := auth.ValidatePassword(pw, "alice")
		if code == "" {
			if err != nil {
				t.Errorf("%q refused: %v", pw, err)
			}
			continue
		}
		var pe *auth.PolicyError
		if !errors.As(err, &pe) {
			t.Errorf("%q: %v, want refusal %s", pw, err, code)
			continue
		}
		if pe.Code != code {
			t.Errorf("%q: refused as %s (%s), want %s", pw, pe.Code, pe.Message, code)
		}
	}
	for _, pw := range []string{"Correct-Horse-9", "Correct-Horse-Battery-9", "Web-Test-Passw0rd", "海港应急联络2026春", "tide-lantern-gravel",
		"Zq7!mXp2#vL9", "我的密码很长很长很长", "zhangsan-1990-hq"} {
		if err := auth.ValidatePassword(pw, "alice"); err != nil {
			t.Errorf("%q refused: %v", pw, err)
		}
	}
}
