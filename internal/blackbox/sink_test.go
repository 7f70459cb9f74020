package blackbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"lifeline/internal/channel"
)

// The sink's counts are what the crash test judges by: a number that received two
// different ids must count once, a re-sent id once per (number, id), and a forged
// signature not at all.
func TestSinkCounts(t *testing.T) {
	const secret = "sink-secret-0123456789"
	s, err := NewSink(secret)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	post := func(id, to, sign string) int {
		b, _ := json.Marshal(channel.GatewayBody{ID: id, To: to, Text: "t"})
		req, _ := http.NewRequest(http.MethodPost, s.URL(), bytes.NewReader(b))
		req.Header.Set("X-Lifeline-Signature", channel.Sign([]byte(sign), b))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, m := range [][2]string{
		{"a", "+8613900000001"}, {"a", "+8613900000001"}, {"a", "+8613900000001"}, // same id three times
		{"b", "+8613900000002"}, {"c", "+8613900000002"}, {"d", "+8613900000002"}, // three ids to one number
		{"e", "+8613900000003"},
	} {
		if code := post(m[0], m[1], secret); code != http.StatusAccepted {
			t.Fatalf("post %v: %d", m, code)
		}
	}
	if code := post("f", "+8613900000004", "wrong-secret-0123456789"); code != http.StatusUnauthorized {
		t.Fatalf("forged signature: %d", code)
	}
	want := Stats{Messages: 7, Recipients: 3, SameIDAgain: 1, DifferentID: 1, BadSig: 1}
	if got := s.Stats(); got != want {
		t.Fatalf("stats %+v, want %+v", got, want)
	}
}
