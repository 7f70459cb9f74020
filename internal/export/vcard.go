package export

import (
	"bytes"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"lifeline/internal/directory"
	"lifeline/internal/phone"
)

// vCard 4.0 (RFC 6350) is written here rather than with a library: the encoder is small,
// and the one Go library (emersion/go-vcard) deliberately does not fold lines, which
// RFC 6350 §3.2 asks for at 75 octets and which address books on phones expect.

// vcardLineOctets is the longest physical line, without its CRLF (RFC 6350 §3.2).
const vcardLineOctets = 75

// vcardProdID names the producer of the cards.
const vcardProdID = "-//Lifeline//应急联络//ZH"

// vcardText escapes a TEXT value or one component of a structured value (RFC 6350
// §3.4): backslash, comma and semicolon get a backslash, a line break becomes \n, and
// other control characters (which a content line may not hold) become spaces.
func vcardText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\\' || r == ',' || r == ';':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				i++
			}
			b.WriteString(`\n`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case unicode.IsControl(r) && r != '\t':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// vcardStructured escapes the components of a structured value (N, ORG) and joins them
// with semicolons.
func vcardStructured(parts ...string) string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = vcardText(p)
	}
	return strings.Join(out, ";")
}

// vcardWriter writes content lines, folded at 75 octets with CRLF line ends.
type vcardWriter struct {
	buf bytes.Buffer
}

// line writes one content line: name, parameters ("TYPE=cell", already valid) and the
// value, already escaped for its type. Folding never splits a UTF-8 character or an
// escape sequence ("\,"), so that even a careless unfolder gets the text back.
func (w *vcardWriter) line(name string, params []string, value string) {
	var l strings.Builder
	l.WriteString(name)
	for _, p := range params {
		l.WriteByte(';')
		l.WriteString(p)
	}
	l.WriteByte(':')
	l.WriteString(value)
	s := l.String()
	width := 0 // octets on the current physical line
	for i := 0; i < len(s); {
		_, size := utf8.DecodeRuneInString(s[i:])
		if s[i] == '\\' && i+1 < len(s) {
			_, next := utf8.DecodeRuneInString(s[i+1:])
			size = 1 + next // keep an escape in one piece
		}
		if width+size > vcardLineOctets {
			w.buf.WriteString("\r\n ")
			width = 1
		}
		w.buf.WriteString(s[i : i+size])
		width += size
		i += size
	}
	w.buf.WriteString("\r\n")
}

// telURI is a phone number as an RFC 3966 tel: URI, with its extension.
func telURI(e164, ext string) string {
	u := "tel:" + e164
	if ext != "" {
		u += ";ext=" + ext
	}
	return u
}

// withExtension appends an extension to a displayed number, unless the (masked) value
// already says there is one ("010-****9988转***").
func withExtension(v, ext string) string {
	if ext == "" || strings.Contains(v, "转") {
		return v
	}
	return v + " 转" + ext
}

// telProperty writes one phone number: unmasked and valid as a tel: URI, otherwise (a
// masked export, or a number kept as typed because it is invalid) as text.
func (w *vcardWriter) telProperty(name string, params []string, value, e164, ext string, masked bool) {
	if !masked && e164 != "" && !strings.Contains(e164, "*") {
		w.line(name, append([]string{"VALUE=uri"}, params...), telURI(e164, ext))
		return
	}
	w.line(name, append([]string{"VALUE=text"}, params...), vcardText(withExtension(value, ext)))
}

// relatedTypes maps the relations HR files use to RFC 6350 RELATED types, added to
// "emergency"; anything else is just an emergency contact.
var relatedTypes = map[string]string{
	"配偶": "spouse", "妻子": "spouse", "丈夫": "spouse", "夫妻": "spouse", "爱人": "spouse", "老公": "spouse", "老婆": "spouse",
	"父亲": "parent", "母亲": "parent", "父母": "parent", "父子": "parent", "母子": "parent", "爸爸": "parent", "妈妈": "parent",
	"儿子": "child", "女儿": "child", "子女": "child",
	"兄弟": "sibling", "姐妹": "sibling", "兄妹": "sibling", "姐弟": "sibling", "哥哥": "sibling", "姐姐": "sibling", "弟弟": "sibling", "妹妹": "sibling",
	"朋友": "friend", "同事": "colleague", "亲属": "kin", "亲戚": "kin",
	"spouse": "spouse", "parent": "parent", "child": "child", "sibling": "sibling", "friend": "friend", "colleague": "colleague",
}

// relatedType is the TYPE parameter of an emergency contact.
func relatedType(relation string) string {
	if t := relatedTypes[strings.ToLower(strings.TrimSpace(relation))]; t != "" {
		return `TYPE="emergency,` + t + `"`
	}
	return "TYPE=emergency"
}

// personCard writes one person as a vCard 4.0. note, when not empty, is the file's
// watermark, written on every card because cards leave the file one by one.
func (w *vcardWriter) personCard(p directory.Person, lang, note string) {
	w.line("BEGIN", nil, "VCARD")
	w.line("VERSION", nil, "4.0")
	w.line("PRODID", nil, vcardText(vcardProdID))
	w.line("KIND", nil, "individual")
	w.line("UID", []string{"VALUE=text"}, vcardText("lifeline-person-"+p.ID))
	w.line("FN", nil, vcardText(p.Name))
	family, given := phone.SplitName(p.Name)
	w.line("N", nil, vcardStructured(family, given, "", "", ""))
	if p.Department != "" {
		w.line("ORG", nil, vcardStructured(strings.Split(p.Department, "/")...))
	}
	if p.Title != "" {
		w.line("TITLE", nil, vcardText(p.Title))
	}
	masked := p.Masked
	telPref, emailPref := 0, 0
	for _, c := range p.Channels {
		var params []string
		switch c.Kind {
		case directory.KindMobile:
			params = []string{"TYPE=cell"}
		case directory.KindLandline:
			params = []string{`TYPE="work,voice"`}
		case directory.KindEmail:
			emailPref++
			w.line("EMAIL", []string{"TYPE=work", "PREF=" + strconv.Itoa(min(emailPref, 100))}, vcardText(c.Value))
			continue
		default:
			continue
		}
		telPref++
		w.telProperty("TEL", append(params, "PREF="+strconv.Itoa(min(telPref, 100))), c.Value, c.E164, c.Extension, masked)
	}
	for i, e := range p.EmergencyContacts {
		prio := e.Priority
		if prio < 1 {
			prio = i + 1
		}
		number := e.Phone
		if !masked && e.E164 != "" {
			number = e.E164
		}
		number = withExtension(number, e.Extension)
		var text string
		if e.Relation != "" {
			text = e.Name + " (" + e.Relation + ") " + number
		} else {
			text = e.Name + " " + number
		}
		w.line("RELATED", []string{relatedType(e.Relation), "VALUE=text", "PREF=" + strconv.Itoa(min(prio, 100))},
			vcardText(strings.TrimSpace(text)))
	}
	if p.EmployeeNo != "" {
		w.line("X-LIFELINE-EMPLOYEE-NO", nil, vcardText(p.EmployeeNo))
	}
	if st := statusLabels[lang][p.Status]; st != "" && p.Status != directory.StatusActive {
		w.line("X-LIFELINE-STATUS", nil, vcardText(st))
	}
	if note != "" {
		w.line("NOTE", nil, vcardText(note))
	}
	w.line("END", nil, "VCARD")
}

// departmentCard writes a department as a vCard 4.0 of KIND org: its name, its place in
// the tree, its head and data maintainer and its headcount.
func (w *vcardWriter) departmentCard(row []string, lang, note string) {
	// row is a departments table row: path, name, parent path, head, maintainer, people.
	path, name, head, maintainer, people := row[0], row[1], row[3], row[4], row[5]
	w.line("BEGIN", nil, "VCARD")
	w.line("VERSION", nil, "4.0")
	w.line("PRODID", nil, vcardText(vcardProdID))
	w.line("KIND", nil, "org")
	w.line("FN", nil, vcardText(name))
	w.line("ORG", nil, vcardStructured(strings.Split(path, "/")...))
	var parts []string
	label := func(zh, en string) string {
		if lang == "en" {
			return en
		}
		return zh
	}
	if head != "" {
		parts = append(parts, label("负责人 ", "Head: ")+head)
	}
	if maintainer != "" {
		parts = append(parts, label("数据维护人 ", "Data maintainer: ")+maintainer)
	}
	parts = append(parts, label("在册人数 ", "People: ")+people)
	if note != "" {
		parts = append(parts, note)
	}
	w.line("NOTE", nil, vcardText(strings.Join(parts, "\n")))
	w.line("END", nil, "VCARD")
}

// renderVCard writes a vCard 4.0 file (UTF-8, CRLF): one card per person or department.
func renderVCard(t table, sp spec, m mark) []byte {
	var w vcardWriter
	note := m.watermark()
	if sp.subject == SubjectDepartments {
		for _, r := range t.rows {
			w.departmentCard(r, m.lang, note)
		}
		return w.buf.Bytes()
	}
	for _, p := range t.people {
		w.personCard(p, m.lang, note)
	}
	return w.buf.Bytes()
}
