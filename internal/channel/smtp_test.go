package channel

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// smtpTestCert makes a self-signed certificate for 127.0.0.1 and returns it with its PEM.
func smtpTestCert(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "fake smtp"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pemCert := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pemCert
}

// smtpFakeMsg is what the fake recorded of one transaction.
type smtpFakeMsg struct {
	mail, rcpt string // the full MAIL and RCPT command lines
	data       []byte
	tls        bool
	authUser   string
	authMech   string
}

// smtpFake is an in-process SMTP server: EHLO, STARTTLS (when it has a certificate),
// AUTH PLAIN and LOGIN (after TLS only, unless allowClearAuth), MAIL, RCPT, DATA, QUIT.
// It requires authentication before MAIL when it has credentials.
type smtpFake struct {
	t              *testing.T
	ln             net.Listener
	cert           *tls.Certificate // nil: STARTTLS not offered
	implicit       bool             // TLS from the first byte
	user, pass     string
	mechs          string // AUTH mechanisms offered
	dsn            bool
	allowClearAuth bool
	stall          bool              // never greet
	replies        map[string]string // "MAIL" "RCPT" "DATA" (after the dot) → reply line
	mu             sync.Mutex
	msgs           []smtpFakeMsg
	commands       []string
}

func newSMTPFake(t *testing.T, f *smtpFake) *smtpFake {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.t, f.ln = t, ln
	if f.mechs == "" {
		f.mechs = "PLAIN LOGIN"
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.session(c)
		}
	}()
	return f
}

func (f *smtpFake) port() int { return f.ln.Addr().(*net.TCPAddr).Port }

func (f *smtpFake) session(conn net.Conn) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if f.stall {
		io.Copy(io.Discard, conn)
		return
	}
	isTLS := false
	if f.implicit {
		tc := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{*f.cert}})
		if tc.Handshake() != nil {
			return
		}
		conn, isTLS = tc, true
	}
	tp := textproto.NewConn(conn)
	reply := func(s string) { tp.PrintfLine("%s", s) }
	reply("220 fake.example ESMTP")
	var cur smtpFakeMsg
	authed := false
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.commands = append(f.commands, line)
		f.mu.Unlock()
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch verb {
		case "EHLO", "HELO":
			ext := []string{"fake.example"}
			if f.cert != nil && !isTLS {
				ext = append(ext, "STARTTLS")
			}
			if f.user != "" && (isTLS || f.allowClearAuth) {
				ext = append(ext, "AUTH "+f.mechs)
			}
			if f.dsn {
				ext = append(ext, "DSN")
			}
			ext = append(ext, "8BITMIME")
			for i, e := range ext {
				sep := "-"
				if i == len(ext)-1 {
					sep = " "
				}
				reply("250" + sep + e)
			}
		case "STARTTLS":
			if f.cert == nil || isTLS {
				reply("502 5.5.1 not offered")
				continue
			}
			reply("220 2.0.0 Ready to start TLS")
			tc := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{*f.cert}})
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, isTLS = tc, true
			tp = textproto.NewConn(conn)
			authed = false
		case "AUTH":
			parts := strings.Fields(line)
			var user, pass string
			switch strings.ToUpper(parts[1]) {
			case "PLAIN":
				resp := ""
				if len(parts) > 2 {
					resp = parts[2]
				} else {
					reply("334 ")
					resp, _ = tp.ReadLine()
				}
				raw, _ := base64.StdEncoding.DecodeString(resp)
				fields := strings.Split(string(raw), "\x00")
				if len(fields) == 3 {
					user, pass = fields[1], fields[2]
				}
			case "LOGIN":
				reply("334 " + base64.StdEncoding.EncodeToString([]byte("Username:")))
				u, _ := tp.ReadLine()
				reply("334 " + base64.StdEncoding.EncodeToString([]byte("Password:")))
				p, _ := tp.ReadLine()
				ub, _ := base64.StdEncoding.DecodeString(u)
				pb, _ := base64.StdEncoding.DecodeString(p)
				user, pass = string(ub), string(pb)
			default:
				reply("504 5.5.4 mechanism not supported")
				continue
			}
			if user != f.user || pass != f.pass {
				reply("535 5.7.8 Authentication credentials invalid")
				continue
			}
			authed = true
			cur.authUser, cur.authMech = user, strings.ToUpper(parts[1])
			reply("235 2.7.0 Authentication successful")
		case "MAIL":
			if f.user != "" && !authed {
				reply("530 5.7.0 Authentication required")
				continue
			}
			if r := f.replies["MAIL"]; r != "" {
				reply(r)
				continue
			}
			cur.mail = line
			reply("250 2.1.0 Ok")
		case "RCPT":
			if r := f.replies["RCPT"]; r != "" {
				reply(r)
				continue
			}
			cur.rcpt = line
			reply("250 2.1.5 Ok")
		case "DATA":
			reply("354 End data with <CR><LF>.<CR><LF>")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			if r := f.replies["DATA"]; r != "" {
				reply(r)
				continue
			}
			cur.data, cur.tls = data, isTLS
			f.mu.Lock()
			f.msgs = append(f.msgs, cur)
			f.mu.Unlock()
			cur = smtpFakeMsg{authUser: cur.authUser, authMech: cur.authMech}
			reply("250 2.0.0 Ok: queued as 4F2A1")
		case "RSET", "NOOP":
			reply("250 2.0.0 Ok")
		case "QUIT":
			reply("221 2.0.0 Bye")
			return
		default:
			reply("502 5.5.2 Error: command not recognized")
		}
	}
}

func (f *smtpFake) recorded() ([]smtpFakeMsg, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]smtpFakeMsg(nil), f.msgs...), append([]string(nil), f.commands...)
}

var smtpTestNow = time.Date(2026, 11, 3, 17, 4, 5, 0, time.FixedZone("CST", 8*3600))

func smtpNew(t *testing.T, cfg map[string]any) (Sender, error) {
	t.Helper()
	raw, _ := json.Marshal(cfg)
	return SMTP.New(raw, Deps{Now: func() time.Time { return smtpTestNow }})
}

func smtpMustNew(t *testing.T, cfg map[string]any) Sender {
	t.Helper()
	s, err := smtpNew(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func smtpBaseConfig(f *smtpFake, pemCert string) map[string]any {
	return map[string]any{
		"host": "127.0.0.1", "port": f.port(), "username": "alerts@example.com", "password": "p@ss w0rd!",
		"from": "Lifeline 告警 <alerts@example.com>", "ca_pem": pemCert,
	}
}

func smtpTestMessage() Message {
	return Message{
		Key: "dlv_01JBX4ZK", To: "oncall@example.org", Subject: "[P1] 数据库主库不可用",
		Text:   "主库 db-1 无响应。\n.\nA line that starts with a dot, and a very long line: " + strings.Repeat("长", 60),
		AckURL: "https://ll.example/a/9f8e7d6c5b4a?t=1&u=2",
	}
}

func TestSMTPSendOverSTARTTLSWithPlainAuth(t *testing.T) {
	cert, pemCert := smtpTestCert(t)
	f := newSMTPFake(t, &smtpFake{cert: &cert, user: "alerts@example.com", pass: "p@ss w0rd!", dsn: true})
	s := smtpMustNew(t, smtpBaseConfig(f, pemCert))
	m := smtpTestMessage()
	res, err := s.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	if res.ProviderMessageID != "<dlv_01JBX4ZK@lifeline>" {
		t.Errorf("ProviderMessageID = %q", res.ProviderMessageID)
	}
	msgs, _ := f.recorded()
	if len(msgs) != 1 {
		t.Fatalf("%d messages recorded", len(msgs))
	}
	got := msgs[0]
	if !got.tls || got.authUser != "alerts@example.com" || got.authMech != "PLAIN" {
		t.Errorf("tls %v, auth %q %q", got.tls, got.authUser, got.authMech)
	}
	if got.mail != "MAIL FROM:<alerts@example.com> RET=HDRS ENVID=dlv_01JBX4ZK" {
		t.Errorf("MAIL = %q", got.mail)
	}
	if got.rcpt != "RCPT TO:<oncall@example.org> NOTIFY=FAILURE,DELAY ORCPT=rfc822;oncall@example.org" {
		t.Errorf("RCPT = %q", got.rcpt)
	}
	pm, err := mail.ReadMessage(strings.NewReader(string(got.data)))
	if err != nil {
		t.Fatal(err)
	}
	if id := pm.Header.Get("Message-ID"); id != "<dlv_01JBX4ZK@lifeline>" {
		t.Errorf("Message-ID = %q", id)
	}
	raw := pm.Header.Get("Subject")
	if !strings.HasPrefix(raw, "=?UTF-8?b?") {
		t.Errorf("subject not RFC 2047 encoded: %q", raw)
	}
	if subj, err := new(mime.WordDecoder).DecodeHeader(raw); err != nil || subj != m.Subject {
		t.Errorf("subject = %q (%v)", subj, err)
	}
	if d, err := pm.Header.Date(); err != nil || !d.Equal(smtpTestNow) {
		t.Errorf("Date = %v (%v)", d, err)
	}
	if ct := pm.Header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if from, err := pm.Header.AddressList("From"); err != nil || from[0].Name != "Lifeline 告警" || from[0].Address != "alerts@example.com" {
		t.Errorf("From = %v (%v)", from, err)
	}
	if pm.Header.Get("To") != "<oncall@example.org>" {
		t.Errorf("To = %q", pm.Header.Get("To"))
	}
	body, err := io.ReadAll(quotedprintable.NewReader(pm.Body))
	if err != nil {
		t.Fatal(err)
	}
	// The fake's textproto reader turns CRLF into LF and undoes dot-stuffing: the lone
	// "." line surviving proves it was stuffed on the wire.
	want := m.Text + "\n\n" + m.AckURL + "\n"
	if string(body) != want {
		t.Errorf("body =\n%q\nwant\n%q", body, want)
	}
	for _, line := range strings.Split(string(got.data), "\n") {
		if len(line) > 78 {
			t.Errorf("line longer than 78: %q", line)
		}
	}
}

func TestSMTPLoginAuth(t *testing.T) {
	cert, pemCert := smtpTestCert(t)
	for _, c := range []struct{ offered, config string }{{"LOGIN", ""}, {"PLAIN LOGIN", "login"}} {
		f := newSMTPFake(t, &smtpFake{cert: &cert, user: "alerts@example.com", pass: "p@ss w0rd!", mechs: c.offered})
		cfg := smtpBaseConfig(f, pemCert)
		if c.config != "" {
			cfg["auth"] = c.config
		}
		if _, err := smtpMustNew(t, cfg).Send(context.Background(), smtpTestMessage()); err != nil {
			t.Fatalf("%v: %v", c, err)
		}
		msgs, _ := f.recorded()
		if len(msgs) != 1 || msgs[0].authMech != "LOGIN" || msgs[0].authUser != "alerts@example.com" {
			t.Errorf("%v: %+v", c, msgs)
		}
	}
}

func TestSMTPWrongPasswordIsProviderScope(t *testing.T) {
	cert, pemCert := smtpTestCert(t)
	for _, mech := range []string{"plain", "login"} {
		f := newSMTPFake(t, &smtpFake{cert: &cert, user: "alerts@example.com", pass: "the-real-one"})
		cfg := smtpBaseConfig(f, pemCert)
		cfg["auth"] = mech
		_, err := smtpMustNew(t, cfg).Send(context.Background(), smtpTestMessage())
		e := wecomErr(t, err)
		if e.Temporary || e.Scope != ScopeProvider || e.Code != "535" {
			t.Errorf("%s: %+v", mech, e)
		}
		if strings.Contains(e.Error(), "p@ss w0rd!") {
			t.Errorf("password in the error: %q", e.Error())
		}
		if msgs, _ := f.recorded(); len(msgs) != 0 {
			t.Errorf("%s: delivered despite failed auth", mech)
		}
	}
}

func TestSMTPMandatorySTARTTLSRefusesClearText(t *testing.T) {
	f := newSMTPFake(t, &smtpFake{user: "alerts@example.com", pass: "p@ss w0rd!", allowClearAuth: true})
	cfg := smtpBaseConfig(f, "")
	delete(cfg, "ca_pem")
	_, err := smtpMustNew(t, cfg).Send(context.Background(), smtpTestMessage())
	e := wecomErr(t, err)
	if e.Temporary || e.Scope != ScopeProvider || e.Code != "starttls" {
		t.Errorf("got %+v", e)
	}
	_, cmds := f.recorded()
	for _, c := range cmds {
		if strings.HasPrefix(c, "AUTH") || strings.HasPrefix(c, "MAIL") || strings.HasPrefix(c, "RCPT") {
			t.Errorf("sent %q in clear", c)
		}
	}
	// Opportunistic: the same server gets the message (and the password: over loopback
	// only, which net/smtp's PlainAuth allows).
	cfg["starttls"] = "opportunistic"
	if _, err := smtpMustNew(t, cfg).Send(context.Background(), smtpTestMessage()); err != nil {
		t.Fatal(err)
	}
	if msgs, _ := f.recorded(); len(msgs) != 1 || msgs[0].tls {
		t.Errorf("opportunistic: %+v", msgs)
	}
}

func TestSMTPUntrustedCertificate(t *testing.T) {
	cert, _ := smtpTestCert(t)
	_, otherPEM := smtpTestCert(t)
	f := newSMTPFake(t, &smtpFake{cert: &cert, user: "alerts@example.com", pass: "p@ss w0rd!"})
	_, err := smtpMustNew(t, smtpBaseConfig(f, otherPEM)).Send(context.Background(), smtpTestMessage())
	e := wecomErr(t, err)
	if e.Temporary || e.Scope != ScopeProvider || e.Code != "tls" {
		t.Errorf("got %+v", e)
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	cert, pemCert := smtpTestCert(t)
	f := newSMTPFake(t, &smtpFake{cert: &cert, implicit: true, user: "alerts@example.com", pass: "p@ss w0rd!"})
	cfg := smtpBaseConfig(f, pemCert)
	cfg["implicit_tls"] = true
	if _, err := smtpMustNew(t, cfg).Send(context.Background(), smtpTestMessage()); err != nil {
		t.Fatal(err)
	}
	if msgs, _ := f.recorded(); len(msgs) != 1 || !msgs[0].tls {
		t.Errorf("%+v", msgs)
	}
}

func TestSMTPErrorClassification(t *testing.T) {
	cert, pemCert := smtpTestCert(t)
	cases := []struct {
		stage, reply string
		temporary    bool
		scope        Scope
		code         string
	}{
		{"RCPT", "550 5.1.1 <oncall@example.org>: Recipient address rejected: User unknown", false, ScopeMessage, "550"},
		{"RCPT", "452 4.2.2 <oncall@example.org>: Mailbox full", true, 0, "452"},
		{"MAIL", "451 4.7.1 Try again later", true, 0, "451"},
		{"MAIL", "553 5.7.1 Sender address rejected: not owned by user", false, ScopeProvider, "553"},
		{"DATA", "554 5.7.1 Message rejected as spam", false, ScopeMessage, "554"},
		{"DATA", "421 4.4.2 Timeout", true, 0, "421"},
	}
	for _, c := range cases {
		f := newSMTPFake(t, &smtpFake{cert: &cert, user: "alerts@example.com", pass: "p@ss w0rd!", replies: map[string]string{c.stage: c.reply}})
		_, err := smtpMustNew(t, smtpBaseConfig(f, pemCert)).Send(context.Background(), smtpTestMessage())
		e := wecomErr(t, err)
		if e.Temporary != c.temporary || (!c.temporary && e.Scope != c.scope) || e.Code != c.code {
			t.Errorf("%s %s: %+v", c.stage, c.reply, e)
		}
		if strings.Contains(e.Error(), "oncall@example.org") {
			t.Errorf("address in the error: %q", e.Error())
		}
	}
}

func TestSMTPConnectionFailuresAreTemporaryAndRespectContext(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := smtpMustNew(t, map[string]any{"host": "127.0.0.1", "port": port, "from": "a@example.com"})
	_, err := s.Send(context.Background(), smtpTestMessage())
	if e := wecomErr(t, err); !e.Temporary {
		t.Errorf("refused: %+v", e)
	}
	f := newSMTPFake(t, &smtpFake{stall: true})
	s = smtpMustNew(t, map[string]any{"host": "127.0.0.1", "port": f.port(), "from": "a@example.com"})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = s.Send(ctx, smtpTestMessage())
	if e := wecomErr(t, err); !e.Temporary || time.Since(start) > 5*time.Second {
		t.Errorf("stalled server: %+v after %v", e, time.Since(start))
	}
}

func TestSMTPMessageIDAndSubject(t *testing.T) {
	if got := smtpMessageID("a b.c=d"); got != "<a=20b=2Ec=3Dd@lifeline>" {
		t.Errorf("smtpMessageID = %q", got)
	}
	if _, err := mail.ParseAddress("x <" + strings.Trim(smtpMessageID("weird key/ä"), "<>") + ">"); err != nil {
		t.Errorf("Message-ID is not a valid addr-spec: %v", err)
	}
	if got := smtpSubject(Message{Subject: "a\r\nBcc: x@y", Drill: true}); got != "[演练] a Bcc: x@y" {
		t.Errorf("subject = %q", got)
	}
	if got := smtpSubject(Message{Text: "first line\nsecond"}); got != "first line" {
		t.Errorf("subject from text = %q", got)
	}
	if got := smtpXText("a+b=c d"); got != "a+2Bb+3Dc+20d" {
		t.Errorf("xtext = %q", got)
	}
}

func TestSMTPRecipientAndKeyChecks(t *testing.T) {
	s := smtpMustNew(t, map[string]any{"host": "127.0.0.1", "port": 1, "from": "a@example.com"})
	for _, m := range []Message{
		{Key: "k", To: "not an address"},
		{Key: "k", To: "a@example.com\r\nBcc: evil@example.com"},
		{Key: "", To: "a@example.com"},
	} {
		_, err := s.Send(context.Background(), m)
		if e := wecomErr(t, err); e.Temporary || e.Scope != ScopeMessage || strings.Contains(e.Error(), "example.com") {
			t.Errorf("%q: %+v", m.To, e)
		}
	}
}

func TestSMTPConfigValidation(t *testing.T) {
	bad := []map[string]any{
		{"from": "a@example.com"},
		{"host": "smtp.example.com"},
		{"host": "smtp.example.com", "from": "not an address"},
		{"host": "smtp.example.com:587", "from": "a@example.com"},
		{"host": "smtp.example.com", "from": "a@example.com", "port": 70000},
		{"host": "smtp.example.com", "from": "a@example.com", "starttls": "never"},
		{"host": "smtp.example.com", "from": "a@example.com", "auth": "cram-md5", "username": "u", "password": "p"},
		{"host": "smtp.example.com", "from": "a@example.com", "username": "u"},
		{"host": "smtp.example.com", "from": "a@example.com", "ca_pem": "not pem"},
		{"host": "smtp.example.com", "from": "a@example.com", "tls": "x"},
	}
	for _, cfg := range bad {
		if _, err := smtpNew(t, cfg); err == nil {
			t.Errorf("accepted %v", cfg)
		}
	}
	s, err := smtpNew(t, map[string]any{"host": "smtp.example.com", "from": "a@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if ss := s.(*smtpSender); ss.addr != "smtp.example.com:587" || ss.cfg.StartTLS != SMTPStartTLSMandatory {
		t.Errorf("defaults: %s %s", ss.addr, ss.cfg.StartTLS)
	}
	if k, _ := Lookup("smtp"); k.Media != MediaEmail || k.Concurrency != 16 || k.Group {
		t.Errorf("kind %+v", k)
	}
}
