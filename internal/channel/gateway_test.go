package channel

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestGatewayRefusalKeepsNoNumber: a gateway that echoes the refused number in its
// answer gets a message-scope error without the number in it.
func TestGatewayRefusalKeepsNoNumber(t *testing.T) {
	const secret = "gateway-secret-0123456789"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !VerifySignature([]byte(secret), body, r.Header.Get("X-Lifeline-Signature")) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var m GatewayBody
		_ = json.Unmarshal(body, &m)
		http.Error(w, "invalid number "+m.To, http.StatusBadRequest)
	}))
	defer srv.Close()
	s, err := HTTPGateway.New(mustJSON(t, GatewayConfig{URL: srv.URL, Secret: secret}), Deps{HTTP: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Send(context.Background(), Message{Key: "k1", To: "+8613912345678", Text: "hi"})
	e := Classify(err)
	if e == nil || e.Temporary || e.Scope != ScopeMessage || strings.Contains(e.Error(), "13912345678") {
		t.Fatalf("error %v", e)
	}
}
