package channel

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestGatewayConnections: the direct sender keeps connections alive between messages,
// survives a server that closed them while idle, reads chunked and long answers, honours
// "Connection: close", and reports the gateway's status and Retry-After.
func TestGatewayConnections(t *testing.T) {
	const secret = "gateway-secret-0123456789"
	var conns, got atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.URL.RequestURI() != "/sms/send?tenant=a%20b" || !VerifySignature([]byte(secret), body, r.Header.Get("X-Lifeline-Signature")) ||
			r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request", http.StatusUnauthorized)
			return
		}
		var m GatewayBody
		if err := json.Unmarshal(body, &m); err != nil || m.ID == "" {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		got.Add(1)
		switch m.ID {
		case "chunked":
			w.WriteHeader(http.StatusAccepted)
			w.(http.Flusher).Flush() // no Content-Length: a chunked answer
			_, _ = w.Write([]byte(strings.Repeat("x", 10000)))
			return
		case "close":
			w.Header().Set("Connection", "close")
		case "busy":
			w.Header().Set("Retry-After", "7")
			http.Error(w, "busy", http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	s, err := HTTPGateway.New(mustJSON(t, GatewayConfig{URL: srv.URL + "/sms/send?tenant=a%20b", Secret: secret}), Deps{HTTP: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if s.(*gateway).direct == nil {
		t.Fatal("a plain-HTTP gateway without a proxy should be sent to directly")
	}
	send := func(id string) error {
		_, err := s.Send(context.Background(), Message{Key: id, To: "+8613912345678", Text: "hi", AckURL: "http://x/a/1"})
		return err
	}
	for i := range 5 {
		if err := send("m" + string(rune('0'+i))); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("5 sequential messages used %d connections, want 1 kept alive", n)
	}
	srv.CloseClientConnections() // the server drops the idle connection
	if err := send("after-close"); err != nil {
		t.Fatalf("send after the server closed the idle connection: %v", err)
	}
	for _, id := range []string{"chunked", "close", "next"} {
		if err := send(id); err != nil {
			t.Fatalf("send %s: %v", id, err)
		}
	}
	if n := conns.Load(); n != 3 {
		t.Fatalf("%d connections, want 3 (first, after the server's close, after Connection: close)", n)
	}
	e := Classify(send("busy"))
	if e == nil || !e.Temporary || e.RetryAfter != 7*time.Second {
		t.Fatalf("429 with Retry-After 7: got %+v", e)
	}
	if n := got.Load(); n != 10 {
		t.Fatalf("the gateway accepted %d messages, want 10", n)
	}
}

// TestGatewayUnreachable: a gateway that is not listening is a temporary transport error.
func TestGatewayUnreachable(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	s, err := HTTPGateway.New(mustJSON(t, GatewayConfig{URL: "http://" + addr + "/send", Secret: "gateway-secret-0123456789"}), Deps{HTTP: http.DefaultClient})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = s.Send(ctx, Message{Key: "k", To: "+8613912345678", Text: "hi"})
	if e := Classify(err); e == nil || !e.Temporary {
		t.Fatalf("error %v, want temporary", err)
	}
}

// TestGatewayOverHTTPS: an https gateway goes through the http.Client (its TLS settings),
// signed the same way, and its refusal is classified as before.
func TestGatewayOverHTTPS(t *testing.T) {
	const secret = "gateway-secret-0123456789"
	var got atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !VerifySignature([]byte(secret), body, r.Header.Get("X-Lifeline-Signature")) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if got.Add(1) == 2 {
			http.Error(w, "invalid number", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	s, err := HTTPGateway.New(mustJSON(t, GatewayConfig{URL: srv.URL + "/send", Secret: secret}), Deps{HTTP: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if s.(*gateway).direct != nil {
		t.Fatal("an https gateway should go through the http.Client")
	}
	m := Message{Key: "k1", To: "+8613912345678", Text: "hi"}
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("first send: %v", err)
	}
	if e := Classify(func() error { _, err := s.Send(context.Background(), m); return err }()); e == nil || e.Temporary || e.Scope != ScopeMessage {
		t.Fatalf("a 400 answer: got %+v, want a permanent message-scope error", e)
	}
}
