package channel

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// SMTP sends email through an SMTP relay (the organization's own or a mail service),
// over STARTTLS by default. The delivery key is the Message-ID, so a bounce or a reply
// names the delivery it is about.
var SMTP = register(Kind{
	Name: "smtp", Media: MediaEmail, Concurrency: 16,
	New: newSMTP,
})

// STARTTLS policies.
const (
	SMTPStartTLSMandatory     = "mandatory"     // refuse to send when the server does not offer STARTTLS
	SMTPStartTLSOpportunistic = "opportunistic" // upgrade when offered, else send in clear
)

// smtpDialTimeout bounds connecting; smtpSessionTimeout bounds a whole session when the
// caller's context has no deadline, so that a stalled server cannot hold a worker.
const (
	smtpDialTimeout    = 30 * time.Second
	smtpSessionTimeout = 2 * time.Minute
)

// SMTPConfig configures an smtp provider.
type SMTPConfig struct {
	Host     string `json:"host"`
	Port     int    `json:"port,omitempty"` // default 587, or 465 with implicit_tls
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	From     string `json:"from"`               // "Lifeline <alerts@example.com>" or a bare address
	StartTLS string `json:"starttls,omitempty"` // "mandatory" (default) or "opportunistic"
	// ImplicitTLS speaks TLS from the first byte (port 465, "SMTPS") instead of STARTTLS.
	ImplicitTLS bool `json:"implicit_tls,omitempty"`
	// Auth picks the mechanism: "plain", "login", or empty to prefer PLAIN when offered.
	Auth string `json:"auth,omitempty"`
	// HELO is the name we greet with (default "localhost"); some relays want a real FQDN.
	HELO string `json:"helo,omitempty"`
	// CAPEM trusts these PEM certificates instead of the system roots: a relay with a
	// private CA, and the tests' self-signed server.
	CAPEM string `json:"ca_pem,omitempty"`
}

type smtpSender struct {
	cfg      SMTPConfig
	addr     string // host:port
	from     *mail.Address
	roots    *x509.CertPool // nil: system roots
	now      func() time.Time
	dialer   net.Dialer
	insecure bool // starttls opportunistic
}

func newSMTP(raw json.RawMessage, d Deps) (Sender, error) {
	var c SMTPConfig
	if err := decodeConfig(raw, &c); err != nil {
		return nil, err
	}
	s, err := smtpValidate(c)
	if err != nil {
		return nil, err
	}
	_, s.now = imDeps(d)
	return s, nil
}

// smtpValidate checks a configuration and fills in its defaults.
func smtpValidate(c SMTPConfig) (*smtpSender, error) {
	if c.Host == "" || (strings.ContainsAny(c.Host, " /:\r\n") && net.ParseIP(c.Host) == nil) {
		return nil, fmt.Errorf("host: the SMTP server's host name is required (without port)")
	}
	if c.Port == 0 {
		c.Port = 587
		if c.ImplicitTLS {
			c.Port = 465
		}
	}
	if c.Port < 1 || c.Port > 65535 {
		return nil, fmt.Errorf("port: 1 to 65535")
	}
	switch c.StartTLS {
	case "":
		c.StartTLS = SMTPStartTLSMandatory
	case SMTPStartTLSMandatory, SMTPStartTLSOpportunistic:
	default:
		return nil, fmt.Errorf("starttls: %q or %q", SMTPStartTLSMandatory, SMTPStartTLSOpportunistic)
	}
	switch c.Auth {
	case "", "plain", "login":
	default:
		return nil, fmt.Errorf("auth: \"plain\" or \"login\" (or empty to choose)")
	}
	if (c.Username == "") != (c.Password == "") {
		return nil, fmt.Errorf("username and password: both or neither")
	}
	if c.Auth != "" && c.Username == "" {
		return nil, fmt.Errorf("auth: a mechanism needs username and password")
	}
	from, err := mail.ParseAddress(c.From)
	if err != nil || strings.ContainsAny(c.From, "\r\n") {
		return nil, fmt.Errorf("from: a valid sender address is required")
	}
	if c.HELO == "" {
		c.HELO = "localhost"
	}
	if strings.ContainsAny(c.HELO, " \r\n") {
		return nil, fmt.Errorf("helo: a host name without spaces")
	}
	s := &smtpSender{
		cfg: c, addr: net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), from: from,
		dialer: net.Dialer{Timeout: smtpDialTimeout}, insecure: c.StartTLS == SMTPStartTLSOpportunistic,
	}
	if c.CAPEM != "" {
		s.roots = x509.NewCertPool()
		if !s.roots.AppendCertsFromPEM([]byte(c.CAPEM)) {
			return nil, fmt.Errorf("ca_pem: no PEM certificate found")
		}
	}
	return s, nil
}

func (s *smtpSender) tlsConfig() *tls.Config {
	return &tls.Config{ServerName: s.cfg.Host, RootCAs: s.roots, MinVersion: tls.VersionTLS12}
}

// Send delivers one email. The SMTP conversation is bound to ctx: the connection is
// closed when ctx ends.
func (s *smtpSender) Send(ctx context.Context, m Message) (Result, error) {
	if m.Key == "" {
		return Result{}, Permanent(ScopeMessage, "key", "the delivery key is required (it is the Message-ID)")
	}
	to, err := mail.ParseAddress(strings.TrimSpace(m.To))
	if err != nil || strings.ContainsAny(m.To, "\r\n") {
		return Result{}, Permanent(ScopeMessage, "recipient", "a valid email address is required")
	}
	msg, err := s.compose(m, to)
	if err != nil {
		return Result{}, Permanent(ScopeMessage, "compose", "cannot compose the message")
	}
	scrub := []string{to.Address, m.To, s.cfg.Password, s.cfg.Username}

	conn, err := s.dialer.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return Result{}, Temporary("transport", "cannot connect to the SMTP server: "+smtpNetError(err), 0)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(smtpSessionTimeout)
	}
	conn.SetDeadline(deadline)
	if s.cfg.ImplicitTLS {
		tc := tls.Client(conn, s.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			return Result{}, smtpClassify(ctx, "tls", err, scrub)
		}
		conn = tc
	}

	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		return Result{}, smtpClassify(ctx, "greeting", err, scrub)
	}
	defer c.Close()
	if err := c.Hello(s.cfg.HELO); err != nil {
		return Result{}, smtpClassify(ctx, "hello", err, scrub)
	}
	if !s.cfg.ImplicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig()); err != nil {
				return Result{}, smtpClassify(ctx, "starttls", err, scrub)
			}
		} else if !s.insecure {
			return Result{}, Permanent(ScopeProvider, "starttls",
				"the SMTP server does not offer STARTTLS; refusing to send in clear (set starttls to opportunistic to allow it)")
		}
	}
	if s.cfg.Username != "" {
		a, err := s.auth(c)
		if err != nil {
			return Result{}, err
		}
		if err := c.Auth(a); err != nil {
			return Result{}, smtpClassify(ctx, "auth", err, scrub)
		}
	}

	// MAIL and RCPT are written by hand to ask for delivery status notifications (RFC
	// 3461) where the server offers them: the bounce then carries our key as ENVID.
	mailCmd, rcptCmd := "MAIL FROM:<"+s.from.Address+">", "RCPT TO:<"+to.Address+">"
	if ok, _ := c.Extension("DSN"); ok {
		mailCmd += " RET=HDRS ENVID=" + smtpXText(m.Key)
		rcptCmd += " NOTIFY=FAILURE,DELAY ORCPT=rfc822;" + smtpXText(to.Address)
	}
	if err := smtpCmd(c, 250, mailCmd); err != nil {
		return Result{}, smtpClassify(ctx, "mail", err, scrub)
	}
	if err := smtpCmd(c, 25, rcptCmd); err != nil { // 250 or 251
		return Result{}, smtpClassify(ctx, "rcpt", err, scrub)
	}
	w, err := c.Data()
	if err != nil {
		return Result{}, smtpClassify(ctx, "data", err, scrub)
	}
	if _, err := w.Write(msg); err != nil {
		return Result{}, smtpClassify(ctx, "data", err, scrub)
	}
	if err := w.Close(); err != nil { // the server's answer to the final dot
		return Result{}, smtpClassify(ctx, "data", err, scrub)
	}
	_ = c.Quit() // the message is accepted; a failed goodbye changes nothing
	return Result{ProviderMessageID: smtpMessageID(m.Key)}, nil
}

// smtpCmd sends one command and reads its answer (expect: a code or a code prefix).
func smtpCmd(c *smtp.Client, expect int, cmd string) error {
	id, err := c.Text.Cmd("%s", cmd)
	if err != nil {
		return err
	}
	c.Text.StartResponse(id)
	defer c.Text.EndResponse(id)
	_, _, err = c.Text.ReadResponse(expect)
	return err
}

// auth picks the mechanism: the configured one, else PLAIN when offered, else LOGIN.
func (s *smtpSender) auth(c *smtp.Client) (smtp.Auth, error) {
	ok, mechs := c.Extension("AUTH")
	if !ok {
		return nil, Permanent(ScopeProvider, "auth", "the SMTP server offers no authentication (AUTH) on this connection")
	}
	offered := " " + strings.ToUpper(mechs) + " "
	mech := s.cfg.Auth
	if mech == "" {
		mech = "login"
		if strings.Contains(offered, " PLAIN ") || !strings.Contains(offered, " LOGIN ") {
			mech = "plain"
		}
	}
	if mech == "plain" {
		// PlainAuth refuses to send the password over a connection without TLS, except
		// to localhost.
		return smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host), nil
	}
	return &smtpLoginAuth{user: s.cfg.Username, pass: s.cfg.Password, host: s.cfg.Host}, nil
}

// smtpLoginAuth implements AUTH LOGIN (a de-facto standard that some relays, e.g.
// Microsoft's, offer instead of PLAIN), with PlainAuth's refusal of clear-text links.
type smtpLoginAuth struct {
	user, pass, host string
	step             int
}

// Start implements smtp.Auth.
func (a *smtpLoginAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && !smtpLocalhost(server.Name) {
		return "", nil, errors.New("unencrypted connection")
	}
	if server.Name != a.host {
		return "", nil, errors.New("wrong host name")
	}
	a.step = 0
	return "LOGIN", nil, nil
}

// Next implements smtp.Auth: the server asks for "Username:" then "Password:".
func (a *smtpLoginAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	a.step++
	switch strings.ToLower(strings.TrimSpace(string(fromServer))) {
	case "username:", "user name", "username":
		return []byte(a.user), nil
	case "password:", "password":
		return []byte(a.pass), nil
	}
	switch a.step { // an unusual prompt: answer in the usual order
	case 1:
		return []byte(a.user), nil
	case 2:
		return []byte(a.pass), nil
	}
	return nil, errors.New("unexpected AUTH LOGIN challenge")
}

func smtpLocalhost(name string) bool {
	return name == "localhost" || name == "127.0.0.1" || name == "::1"
}

// smtpClassify turns an SMTP failure into an *Error. stage says which command failed,
// since a 5xx means different things: a bad recipient condemns the message, a failed
// AUTH or a refused sender the account.
func smtpClassify(ctx context.Context, stage string, err error, scrub []string) *Error {
	if ctx.Err() != nil {
		return Temporary("transport", "smtp "+stage+": "+ctx.Err().Error(), 0)
	}
	var tpe *textproto.Error
	if errors.As(err, &tpe) {
		code := strconv.Itoa(tpe.Code)
		msg := imScrub("smtp "+stage+": "+tpe.Msg, scrub...)
		switch {
		case tpe.Code >= 400 && tpe.Code < 500:
			return Temporary(code, msg, 0)
		case stage == "rcpt" || stage == "data":
			return Permanent(ScopeMessage, code, msg)
		default: // auth (535, 534, 530), mail (sender refused), hello, starttls
			return Permanent(ScopeProvider, code, msg)
		}
	}
	var cve *tls.CertificateVerificationError
	var hne x509.HostnameError
	var uae x509.UnknownAuthorityError
	var cie x509.CertificateInvalidError
	if errors.As(err, &cve) || errors.As(err, &hne) || errors.As(err, &uae) || errors.As(err, &cie) {
		return Permanent(ScopeProvider, "tls", "the SMTP server's certificate is not trusted: "+imScrub(err.Error(), scrub...))
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "EOF") {
		return Temporary("transport", "smtp "+stage+": "+smtpNetError(err), 0)
	}
	if stage == "auth" { // net/smtp's own refusals: clear-text link, wrong host name
		return Permanent(ScopeProvider, "auth", "smtp auth: "+imScrub(err.Error(), scrub...))
	}
	return Temporary("transport", "smtp "+stage+": "+imScrub(err.Error(), scrub...), 0)
}

// smtpNetError describes a network failure without addresses.
func smtpNetError(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Op + ": " + oe.Err.Error()
	}
	return err.Error()
}

// smtpMessageID is the Message-ID of a delivery: <KEY@lifeline>, with any character that
// a msg-id cannot hold written as =XX so that the key can be read back.
func smtpMessageID(key string) string {
	var b strings.Builder
	b.WriteByte('<')
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c < 0x80 && (unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c)) || strings.IndexByte("!#$%&'*+/?^_`{|}~-", c) >= 0) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "=%02X", c)
		}
	}
	b.WriteString("@lifeline>")
	return b.String()
}

// smtpXText encodes a DSN parameter (RFC 3461 xtext).
func smtpXText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '!' && c <= '~' && c != '+' && c != '=' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "+%02X", c)
		}
	}
	return b.String()
}

// smtpSubject is the subject line: the message's subject (or the text's first line),
// single-line, bounded, marked as a drill where it is one.
func smtpSubject(m Message) string {
	subject := m.Subject
	if subject == "" {
		subject, _, _ = strings.Cut(m.Text, "\n")
	}
	subject = strings.Join(strings.FieldsFunc(subject, func(r rune) bool { return r == '\r' || r == '\n' }), " ")
	if m.Drill && !strings.HasPrefix(subject, "[演练]") {
		subject = "[演练] " + subject
	}
	if len(subject) > 200 {
		subject = imCut(subject, 200) + imEllipsis
	}
	if strings.TrimSpace(subject) == "" {
		subject = "Lifeline"
	}
	return subject
}

// compose writes the message: UTF-8 text in quoted-printable (safe through any relay,
// no 8BITMIME needed), the subject in RFC 2047 B-encoding.
func (s *smtpSender) compose(m Message, to *mail.Address) ([]byte, error) {
	var b bytes.Buffer
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", s.from.String())
	h("To", to.String())
	h("Subject", mime.BEncoding.Encode("UTF-8", smtpSubject(m)))
	h("Date", s.now().Format(time.RFC1123Z))
	h("Message-ID", smtpMessageID(m.Key))
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=UTF-8")
	h("Content-Transfer-Encoding", "quoted-printable")
	h("Auto-Submitted", "auto-generated") // RFC 3834: no vacation replies to alerts
	b.WriteString("\r\n")
	body := strings.ToValidUTF8(m.Text, "\uFFFD")
	if m.AckURL != "" {
		body += "\n\n" + m.AckURL
	}
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(body + "\n")); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	if !utf8.Valid(b.Bytes()) {
		return nil, errors.New("message is not UTF-8")
	}
	return b.Bytes(), nil
}
