package directory

import (
	"encoding/json"
	"testing"
)

// TestQuickE164AgreesWithDecoding: the fast path returns what the full decode would, or
// declines and leaves it to the decode.
func TestQuickE164AgreesWithDecoding(t *testing.T) {
	values := []secretValue{
		{Value: "13912345678", E164: "+8613912345678", Raw: "139 1234 5678"},
		{Value: "a@example.com"},
		{Value: `say "e164":"+1" here`, Name: `"e164":"+8613900000000"`, Relation: "母亲"},
		{Value: "13912345678", E164: "+8613912345678", Name: `张三 "e164":"+1"`},
	}
	for _, v := range values {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := quickE164(b)
		if v.E164 == "" {
			if ok {
				t.Errorf("%s: quick path found %q in a value without an E.164 form", b, got)
			}
			continue
		}
		if !ok || got != v.E164 {
			t.Errorf("%s: quick path = %q, %v; want %q", b, got, ok, v.E164)
		}
	}
	// Hand-written JSON the fast path must decline rather than misread.
	for _, raw := range []string{`{"e164":"+86\u0031"}`, `{"e164":"+"}`, `{"e164":"8613912345678"}`, `{"e164":"+861 39"}`} {
		if got, ok := quickE164([]byte(raw)); ok {
			t.Errorf("%s: quick path accepted %q", raw, got)
		}
	}
}
