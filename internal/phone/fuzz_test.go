package phone

import (
	"errors"
	"strings"
	"testing"
)

// fuzzSeeds are phone cells as HR files and forms have them, plus the awkward cases of
// the unit tests: country-code prefixes, separators, full-width digits, extensions,
// service codes, lists, resident IDs, foreign numbers and junk.
var fuzzSeeds = []string{
	"+86 138-0013-8000", "8613800138000", "0086 13800138000", "86 138 0013 8000", "１３８００１３８０００",
	"  138 0013 8000\u3000", "138.0013.8000", "+86 (010) 6552 9988", "0086-10-65529988", "86 010 6552 9988",
	"（０１０）６５５２９９８８", "010—65529988", "(010)6552 9988转123", "010-65529988-123", "010-6552-9988",
	"0518-85234567 分机 801", "0518-85234567分机号：801", "010-65529988 转分机 801#", "+86 (0518) 8523 4567 ext. 12",
	"13800138000#66", "13800138000＃66", "13800138000,,123", "13800138000;123", "13800138000 x 7", "13800138000#",
	"13800138000转abc", "13800138000 ext 123456789", "13031415926", "19216180339", "16216180339",
	"0755-83456789", "0771-5678901", "4008001234", "400-800-1234", "8008001234", "95588", "+86 95588", "961234",
	"10086", "12345", "110", "１２０", "999", "", " \u3000 ", "abc", "138abc0013", "138x0013", "1380013800",
	"138001380001", "1440123456789", "146 1234 5678", "65529988", "+999 1234 5678", "13800138000/13912876543",
	"13800138000、13912876543", "13800138000, 13912876543", "110105194912310021", "11010519491231002X",
	"110105 19491231 002X", "110105491231002", "+1 415 555 2671", "001 415 555 2671 x123", "+44 20 7183 8750",
	"+852 6123 4567", "12345678901", "11111111111", "00000000", "+", "++86", "转123", "#", "x", "-", "\x00",
	"138 0013 8000 转 0", "+86 10 6552 9988-12", "(+86)13800138000", "+8613800138000x1",
}

// FuzzParse checks that Parse never panics and is idempotent: a valid result parses
// again (from its E.164 form, and from its national form in its own country, with the
// extension written after 转) to the same number.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		n, err := Parse(raw, "CN")
		if err != nil {
			if !errors.Is(err, ErrResidentID) {
				t.Fatalf("Parse(%q): unexpected error %v", raw, err)
			}
			if n.Raw != "" || n.Type != Invalid {
				t.Fatalf("Parse(%q): a refused resident ID must come back empty, got %+v", raw, n)
			}
		}
		_ = Mask(n)
		_ = MaskE164(n.E164)
		_ = IsPlaceholder(n)
		_ = LooksLikeResidentID(raw)
		_ = MaskName(raw)
		checkEmail(t, raw)

		if n.Raw != raw && err == nil {
			t.Fatalf("Parse(%q): Raw = %q, want the input", raw, n.Raw)
		}
		if n.Type == Invalid {
			if n.E164 != "" || n.National != "" || n.Problem == "" {
				t.Fatalf("Parse(%q): invalid result carries parsed data: %+v", raw, n)
			}
			return
		}
		if n.National == "" {
			t.Fatalf("Parse(%q): valid result without a national form: %+v", raw, n)
		}
		if n.Extension != "" && !allDigits(n.Extension) {
			t.Fatalf("Parse(%q): extension %q is not digits", raw, n.Extension)
		}
		withExt := func(s string) string {
			if n.Extension == "" {
				return s
			}
			return s + " 转" + n.Extension
		}
		if n.Type == Service {
			if n.E164 != "" {
				t.Fatalf("Parse(%q): a service code has an E.164 form %q", raw, n.E164)
			}
			again, err := Parse(withExt(n.National), "CN")
			if err != nil || again.Type != Service || again.National != n.National || again.Extension != n.Extension {
				t.Fatalf("Parse(%q) = %+v, but its national form parses to %+v (%v)", raw, n, again, err)
			}
			return
		}
		if !strings.HasPrefix(n.E164, "+") || !allDigits(n.E164[1:]) {
			t.Fatalf("Parse(%q): E164 %q is not E.164", raw, n.E164)
		}
		same := func(what, input string, again Number, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("Parse(%q) = %+v, but its %s %q fails: %v", raw, n, what, input, err)
			}
			a, b := again, n
			a.Raw, b.Raw = "", ""
			if a != b {
				t.Fatalf("Parse(%q) =\n  %+v\nbut its %s %q parses to\n  %+v", raw, n, what, input, again)
			}
		}
		// The E.164 form: the same number, without the extension.
		again, err := Parse(n.E164, "CN")
		if n.Extension == "" {
			same("E.164 form", n.E164, again, err)
		} else {
			if err != nil || again.E164 != n.E164 || again.Type != n.Type || again.Extension != "" {
				t.Fatalf("Parse(%q) = %+v, but its E.164 form parses to %+v (%v)", raw, n, again, err)
			}
			in := withExt(n.E164)
			again, err = Parse(in, "CN")
			same("E.164 form with extension", in, again, err)
		}
		// The national form in the number's own country.
		in := withExt(n.National)
		again, err = Parse(in, n.Country)
		same("national form", in, again, err)
	})
}

// checkEmail checks that NormalizeEmail is idempotent and that its result is what it
// claims: lowercase, trimmed, one address.
func checkEmail(t *testing.T, raw string) {
	t.Helper()
	e, err := NormalizeEmail(raw)
	if err != nil {
		return
	}
	again, err := NormalizeEmail(e)
	if err != nil || again != e {
		t.Fatalf("NormalizeEmail(%q) = %q, but NormalizeEmail(%q) = %q, %v", raw, e, e, again, err)
	}
	if e != strings.TrimSpace(e) || strings.Count(e, "@") < 1 {
		t.Fatalf("NormalizeEmail(%q) = %q", raw, e)
	}
	_ = MaskEmail(e)
}

// FuzzNormalizeEmail gives the e-mail normalizer its own corpus of addresses.
func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"zhangsan@qq.com", " ZhangSan@QQ.com ", "zhangsan@qq。com", "ｚｈａｎｇｓａｎ＠ｑｑ．ｃｏｍ",
		"张三 <zs@qq.com>", "root@localhost", "a.b+c@example.com.cn", "\"a b\"@example.com", "x@-a.com", "a@b.c.", "İ@example.com",
		"K@example.com", "ß@example.com", "a@xn--fiqs8s.cn", "a@中国.cn"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		checkEmail(t, raw)
		_ = LooksLikeResidentID(raw)
	})
}

// TestParseLongInput: a huge cell (an import allows 64 MiB files) is refused at once as
// too long instead of costing quadratic time (every bare "x" was tried as an extension
// marker: 16,000 of them took most of a second, a megabyte would take an hour).
func TestParseLongInput(t *testing.T) {
	for _, in := range []string{
		strings.Repeat("x", 1<<20) + "13800138000",
		"13800138000" + strings.Repeat("x", 1<<20),
		strings.Repeat("1", 1<<20),
	} {
		n, err := Parse(in, "CN")
		if err != nil || n.Type != Invalid || n.Problem != "too_long" {
			t.Errorf("Parse(%d bytes) = %s %s, %v; want invalid too_long", len(in), n.Type, n.Problem, err)
		}
	}
	// The longest realistic cells still parse.
	for _, in := range []string{"0518-85234567 转分机号：801#", "+86 (0518) 8523 4567 extension 12345678",
		"13800138000、13912876543、13712345678、13612345678、13512345678"} {
		if n, _ := Parse(in, "CN"); n.Problem == "too_long" {
			t.Errorf("Parse(%q) = too_long", in)
		}
	}
}
