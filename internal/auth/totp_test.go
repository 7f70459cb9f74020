package auth

import (
	"testing"
	"time"
)

// TestHOTPVectors checks RFC 4226 Appendix D.
func TestHOTPVectors(t *testing.T) {
	secret := []byte("12345678901234567890")
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for i, w := range want {
		if got := hotp(secret, uint64(i), 6); got != w {
			t.Errorf("HOTP(%d) = %s, want %s", i, got, w)
		}
	}
}

// TestTOTPVectors checks the SHA-1 rows of RFC 6238 Appendix B (8 digits), and that the
// 6-digit codes the app shows are their last six digits.
func TestTOTPVectors(t *testing.T) {
	secret := []byte("12345678901234567890")
	for unix, want := range map[int64]string{
		59: "94287082", 1111111109: "07081804", 1111111111: "14050471",
		1234567890: "89005924", 2000000000: "69279037", 20000000000: "65353130",
	} {
		at := time.Unix(unix, 0)
		if got := hotp(secret, uint64(totpStep(at)), 8); got != want {
			t.Errorf("TOTP8(%d) = %s, want %s", unix, got, want)
		}
		code, err := TOTPCode(b32.EncodeToString(secret), at)
		if err != nil || code != want[2:] {
			t.Errorf("TOTPCode(%d) = %s, %v, want %s", unix, code, err, want[2:])
		}
	}
}

// TestMatchTOTP checks the ±1 step window and that a step is never accepted twice.
func TestMatchTOTP(t *testing.T) {
	secret := []byte("12345678901234567890")
	now := time.Unix(1111111111, 0)
	cur := totpStep(now)
	code := func(step int64) string { return hotp(secret, uint64(step), totpDigits) }
	for d := int64(-1); d <= 1; d++ {
		if step, ok := matchTOTP(secret, code(cur+d), now, 0); !ok || step != cur+d {
			t.Errorf("step %+d: %d, %v", d, step, ok)
		}
	}
	for _, d := range []int64{-3, -2, 2, 3} {
		if _, ok := matchTOTP(secret, code(cur+d), now, 0); ok {
			t.Errorf("step %+d accepted outside the window", d)
		}
	}
	if _, ok := matchTOTP(secret, code(cur), now, cur); ok {
		t.Error("a used step was accepted again")
	}
	if _, ok := matchTOTP(secret, code(cur-1), now, cur); ok {
		t.Error("an older step was accepted after a newer one")
	}
	if _, ok := matchTOTP(secret, " "+code(cur)[:3]+" "+code(cur)[3:], now, 0); !ok {
		t.Error("spaces inside the code are not ignored")
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if _, ok := matchTOTP(secret, bad, now, 0); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	uri := otpauthURI("zhang.san@hq", secret)
	if want := "otpauth://totp/Lifeline:zhang.san@hq?algorithm=SHA1&digits=6&issuer=Lifeline&period=30&secret=" + b32.EncodeToString(secret); uri != want {
		t.Errorf("uri = %s\nwant  %s", uri, want)
	}
}

// TestRecoveryCodeFormat checks the shape and reading of recovery codes.
func TestRecoveryCodeFormat(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		c := newRecoveryCode()
		if len(c) != 19 || c[4] != '-' || c[9] != '-' || c[14] != '-' || seen[c] {
			t.Fatalf("code %q", c)
		}
		seen[c] = true
		if hashRecovery("u1", c) != hashRecovery("u1", " "+string([]byte(c))+" ") || hashRecovery("u1", c) == hashRecovery("u2", c) {
			t.Fatal("recovery hash not normalized or not bound to the user")
		}
	}
	if normalizeRecovery("ABCD-EFGH-IJKL-MNOP") != "abcdefgh1jk1mn0p" {
		t.Errorf("normalize = %s", normalizeRecovery("ABCD-EFGH-IJKL-MNOP"))
	}
}
