package export

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"lifeline/internal/directory"
)

// VCardProp is one property of a parsed vCard: its name, its parameters (names upper
// case, values unquoted) and its value, unescaped when it is text.
type VCardProp struct {
	Name   string
	Params map[string]string
	Value  string // as written (escaped), after unfolding
}

// Text is the value as text: the escapes of RFC 6350 §3.4 undone.
func (p VCardProp) Text() string { return unescapeVCard(p.Value) }

// Components splits a structured value (N, ORG) at unescaped semicolons and unescapes them.
func (p VCardProp) Components() []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(p.Value); i++ {
		switch c := p.Value[i]; {
		case c == '\\' && i+1 < len(p.Value):
			cur.WriteByte(c)
			cur.WriteByte(p.Value[i+1])
			i++
		case c == ';':
			out = append(out, unescapeVCard(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(out, unescapeVCard(cur.String()))
}

// VCard is one parsed card.
type VCard []VCardProp

// Get returns the properties of a name.
func (c VCard) Get(name string) []VCardProp {
	var out []VCardProp
	for _, p := range c {
		if p.Name == name {
			out = append(out, p)
		}
	}
	return out
}

func unescapeVCard(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ParseVCards is a small, strict vCard 4.0 reader for the tests: it checks the physical
// form (CRLF line ends, at most 75 octets a line, no character split by folding), unfolds,
// and parses content lines into cards.
func ParseVCards(t testing.TB, body []byte) []VCard {
	t.Helper()
	if !utf8.Valid(body) {
		t.Fatal("the file is not UTF-8")
	}
	if !bytes.HasSuffix(body, []byte("\r\n")) {
		t.Fatal("the file does not end with CRLF")
	}
	physical := strings.Split(strings.TrimSuffix(string(body), "\r\n"), "\r\n")
	var logical []string
	for i, l := range physical {
		if strings.ContainsAny(l, "\r\n") {
			t.Fatalf("line %d has a bare CR or LF: %q", i+1, l)
		}
		if len(l) > 75 {
			t.Fatalf("line %d has %d octets (more than 75): %q", i+1, len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Fatalf("line %d splits a UTF-8 character: %q", i+1, l)
		}
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			if len(logical) == 0 {
				t.Fatalf("line %d continues nothing", i+1)
			}
			logical[len(logical)-1] += l[1:]
			continue
		}
		logical = append(logical, l)
	}
	var cards []VCard
	var cur VCard
	in := false
	for _, l := range logical {
		p := parseContentLine(t, l)
		switch {
		case p.Name == "BEGIN" && strings.EqualFold(p.Value, "VCARD"):
			if in {
				t.Fatal("BEGIN:VCARD inside a card")
			}
			in, cur = true, nil
		case p.Name == "END" && strings.EqualFold(p.Value, "VCARD"):
			if !in {
				t.Fatal("END:VCARD outside a card")
			}
			if len(cur) == 0 || cur[0].Name != "VERSION" || cur[0].Value != "4.0" {
				t.Fatalf("a card does not start with VERSION:4.0: %+v", cur)
			}
			cards, in = append(cards, cur), false
		case !in:
			t.Fatalf("content outside a card: %q", l)
		default:
			cur = append(cur, p)
		}
	}
	if in {
		t.Fatal("the last card has no END")
	}
	return cards
}

// parseContentLine reads name *(";" param) ":" value, with quoted parameter values.
func parseContentLine(t testing.TB, l string) VCardProp {
	t.Helper()
	p := VCardProp{Params: map[string]string{}}
	i := strings.IndexAny(l, ";:")
	if i <= 0 {
		t.Fatalf("no property name: %q", l)
	}
	p.Name = strings.ToUpper(l[:i])
	for l[i] == ';' {
		j := i + 1
		eq := strings.IndexByte(l[j:], '=')
		if eq < 0 {
			t.Fatalf("a parameter without '=': %q", l)
		}
		name := strings.ToUpper(l[j : j+eq])
		j += eq + 1
		var val string
		if j < len(l) && l[j] == '"' {
			end := strings.IndexByte(l[j+1:], '"')
			if end < 0 {
				t.Fatalf("unterminated quote: %q", l)
			}
			val = l[j+1 : j+1+end]
			j += end + 2
		} else {
			end := strings.IndexAny(l[j:], ";:")
			if end < 0 {
				t.Fatalf("no value: %q", l)
			}
			val = l[j : j+end]
			j += end
		}
		p.Params[name] = val
		i = j
		if i >= len(l) {
			t.Fatalf("no value: %q", l)
		}
	}
	if l[i] != ':' {
		t.Fatalf("expected ':' in %q", l)
	}
	p.Value = l[i+1:]
	return p
}

func TestVCardEscapingAndFolding(t *testing.T) {
	long := strings.Repeat("应急联络", 30) // 360 octets of three-octet characters
	people := []directory.Person{{
		ID: "p1", EmployeeNo: "E,1;\\", Name: "欧阳娜娜", Department: "海港集团/生产部/一车间", Title: "班组长, 安全员; 兼\\职\n夜班",
		Status: directory.StatusProbation,
		Channels: []directory.Channel{
			{Kind: directory.KindMobile, Value: "138 0013 8000", E164: "+8613800138000"},
			{Kind: directory.KindLandline, Value: "010 6552 9988", E164: "+861065529988", Extension: "123"},
			{Kind: directory.KindMobile, Value: "1380013800x", Extension: ""}, // kept as typed: invalid
			{Kind: directory.KindEmail, Value: "ouyang@example.cn"},
			{Kind: directory.KindWeCom, Value: "ouyangnn"},
		},
		EmergencyContacts: []directory.EmergencyContact{
			{Name: "欧阳锋", Relation: "父亲", Phone: "186 2100 3344", E164: "+8618621003344", Priority: 1},
			{Name: "李, 四;", Relation: "同学", Phone: "139 1234 5678", E164: "+8613912345678", Priority: 2},
		},
	}, {
		ID: "p2", EmployeeNo: "E2", Name: "司马" + long, Department: "集团", Title: strings.Repeat("a\\,", 40),
	}, {
		ID: "p3", EmployeeNo: "E3", Name: "Li Lei", Masked: true,
		Channels: []directory.Channel{{Kind: directory.KindMobile, Value: "138****8000", E164: "+86138****8000"},
			{Kind: directory.KindLandline, Value: "010-****9988转***", E164: "+8610****9988", Extension: "123"}},
		EmergencyContacts: []directory.EmergencyContact{{Name: "韩*", Relation: "配偶", Phone: "186****3344", E164: "+86186****3344", Priority: 1}},
	}}
	m := mark{lang: "zh", requester: "hr1", approver: "sec", at: time.Date(2026, 3, 1, 2, 30, 0, 0, time.UTC)}
	body := renderVCard(table{people: people}, spec{subject: SubjectPeople, format: FormatVCard}, m)
	if !bytes.Contains(body, []byte("\r\n ")) {
		t.Fatal("nothing was folded")
	}
	cards := ParseVCards(t, body)
	if len(cards) != 3 {
		t.Fatalf("%d cards", len(cards))
	}
	one := func(c VCard, name string) VCardProp {
		t.Helper()
		ps := c.Get(name)
		if len(ps) != 1 {
			t.Fatalf("%d %s properties in %+v", len(ps), name, c)
		}
		return ps[0]
	}
	c := cards[0]
	if v := one(c, "FN").Text(); v != "欧阳娜娜" {
		t.Errorf("FN = %q", v)
	}
	if n := one(c, "N").Components(); len(n) != 5 || n[0] != "欧阳" || n[1] != "娜娜" {
		t.Errorf("N = %q", n)
	}
	if org := one(c, "ORG").Components(); strings.Join(org, "|") != "海港集团|生产部|一车间" {
		t.Errorf("ORG = %q", org)
	}
	if v := one(c, "TITLE"); v.Text() != "班组长, 安全员; 兼\\职\n夜班" || !strings.Contains(v.Value, `班组长\, 安全员\; 兼\\职\n夜班`) {
		t.Errorf("TITLE = %q (%q)", v.Text(), v.Value)
	}
	if v := one(c, "X-LIFELINE-EMPLOYEE-NO").Text(); v != "E,1;\\" {
		t.Errorf("employee number = %q", v)
	}
	if v := one(c, "X-LIFELINE-STATUS").Text(); v != "试用" {
		t.Errorf("status = %q", v)
	}
	tels := c.Get("TEL")
	if len(tels) != 3 {
		t.Fatalf("TEL = %+v", tels)
	}
	if p := tels[0]; p.Value != "tel:+8613800138000" || p.Params["VALUE"] != "uri" || p.Params["TYPE"] != "cell" || p.Params["PREF"] != "1" {
		t.Errorf("mobile = %+v", p)
	}
	if p := tels[1]; p.Value != "tel:+861065529988;ext=123" || p.Params["VALUE"] != "uri" || p.Params["TYPE"] != "work,voice" {
		t.Errorf("landline = %+v", p)
	}
	if p := tels[2]; p.Text() != "1380013800x" || p.Params["VALUE"] != "text" {
		t.Errorf("invalid number = %+v", p)
	}
	if p := one(c, "EMAIL"); p.Text() != "ouyang@example.cn" {
		t.Errorf("EMAIL = %+v", p)
	}
	rel := c.Get("RELATED")
	if len(rel) != 2 {
		t.Fatalf("RELATED = %+v", rel)
	}
	if p := rel[0]; p.Text() != "欧阳锋 (父亲) +8618621003344" || p.Params["TYPE"] != "emergency,parent" || p.Params["VALUE"] != "text" || p.Params["PREF"] != "1" {
		t.Errorf("RELATED 1 = %+v %q", p, p.Text())
	}
	if p := rel[1]; p.Text() != "李, 四; (同学) +8613912345678" || p.Params["TYPE"] != "emergency" || p.Params["PREF"] != "2" {
		t.Errorf("RELATED 2 = %+v %q", p, p.Text())
	}
	if p := one(c, "NOTE"); !strings.HasPrefix(p.Text(), "导出人 hr1 · 批准人 sec · 时间 2026-03-01 10:30") {
		t.Errorf("NOTE = %q", p.Text())
	}

	// Long values fold and unfold to the same text; a compound surname needs three characters.
	c = cards[1]
	if v := one(c, "FN").Text(); v != "司马"+long {
		t.Errorf("long FN = %q", v)
	}
	if n := one(c, "N").Components(); n[0] != "司马" || n[1] != long {
		t.Errorf("long N = %q", n)
	}
	if v := one(c, "TITLE").Text(); v != strings.Repeat("a\\,", 40) {
		t.Errorf("long TITLE = %q", v)
	}

	// Masked values are text, never tel: URIs; a name that is not Chinese is all given name.
	c = cards[2]
	if n := one(c, "N").Components(); n[0] != "" || n[1] != "Li Lei" {
		t.Errorf("N = %q", n)
	}
	for _, p := range c.Get("TEL") {
		if p.Params["VALUE"] != "text" || strings.HasPrefix(p.Value, "tel:") || !strings.Contains(p.Value, "****") {
			t.Errorf("masked TEL = %+v", p)
		}
	}
	if p := one(c, "RELATED"); p.Text() != "韩* (配偶) 186****3344" || p.Params["TYPE"] != "emergency,spouse" {
		t.Errorf("masked RELATED = %+v %q", p, p.Text())
	}
}

func TestVCardDepartments(t *testing.T) {
	m := mark{masked: true, lang: "en", requester: "hr1", at: time.Date(2026, 3, 1, 2, 30, 0, 0, time.UTC)}
	rows := [][]string{{"海港集团", "海港集团", "", "张伟", "", "3"}, {"海港集团/生产部", "生产部", "海港集团", "", "王芳", "12"}}
	cards := ParseVCards(t, renderVCard(table{rows: rows}, spec{subject: SubjectDepartments, format: FormatVCard}, m))
	if len(cards) != 2 {
		t.Fatalf("%d cards", len(cards))
	}
	c := cards[1]
	if k := c.Get("KIND"); len(k) != 1 || k[0].Value != "org" {
		t.Errorf("KIND = %+v", k)
	}
	if org := c.Get("ORG"); len(org) != 1 || strings.Join(org[0].Components(), "|") != "海港集团|生产部" {
		t.Errorf("ORG = %+v", org)
	}
	if note := c.Get("NOTE"); len(note) != 1 || !strings.Contains(note[0].Text(), "Data maintainer: 王芳\nPeople: 12\n") {
		t.Errorf("NOTE = %+v", note)
	}
}

func TestVCardFoldingNeverSplits(t *testing.T) {
	// Every length of a mixed ASCII/CJK/escaped value folds into lines of at most 75
	// octets that unfold to the value.
	var w vcardWriter
	var want []string
	for n := 0; n < 200; n++ {
		v := strings.Repeat("x", n%7) + strings.Repeat("中;", n/3) + strings.Repeat("\\", n%5) + strings.Repeat("😀", n%4)
		want = append(want, v)
		w.line("NOTE", nil, vcardText(v))
	}
	body := append([]byte("BEGIN:VCARD\r\nVERSION:4.0\r\n"), w.buf.Bytes()...)
	body = append(body, "END:VCARD\r\n"...)
	cards := ParseVCards(t, body)
	notes := cards[0].Get("NOTE")
	for i, p := range notes {
		if p.Text() != want[i] {
			t.Fatalf("note %d = %q, want %q", i, p.Text(), want[i])
		}
	}
}
