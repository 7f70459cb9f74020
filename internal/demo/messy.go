package demo

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// Finding is one data-quality problem the messy generator planted: the person's
// employee number, the subject ("self" or "ec1", "ec2") and the finding code (SPEC §6).
type Finding struct {
	EmployeeNo, Subject, Code string
}

// Messy is an HR staff file as HR really has it, with what is wrong in it.
type Messy struct {
	Org      Org       // the organization the file describes (after the planted changes)
	CSV      []byte    // GB18030, Chinese headers, phone numbers typed every way
	Truth    []Finding // every planted finding, sorted
	Departed int       // rows with status 离职
}

// messyHeader is the header of the file, as a Chinese HR system exports it.
var messyHeader = []string{"工号", "姓名", "所属部门", "职务", "手机号码", "办公电话", "电子邮箱", "在职状态", "入职日期",
	"紧急联系人", "关系", "紧急联系人电话", "紧急联系人2", "关系2", "紧急联系人2电话"}

// GenerateMessy writes the staff file of a generated organization of n people with
// planted problems: impossible and placeholder numbers, landlines where a mobile is
// needed, emergency contacts that are the person themselves, numbers shared by many
// people, people entered twice, people without an emergency contact; departed staff mixed in.
func GenerateMessy(n int, seed uint64) Messy {
	org := Generate(n, seed)
	r := rand.New(rand.NewPCG(seed, seed^0x6d657373))
	var truth []Finding
	plant := func(eno, subject, code string) { truth = append(truth, Finding{eno, subject, code}) }
	people := org.People
	// Mobiles that 5+ people give as their emergency contact: a dormitory keeper, an
	// agency, a colleague who "takes care of it".
	shared := []string{"137 0518 2461", "13905182467", "+86 158-0518-2469"}
	sharedUse := map[int]string{}
	var candidates []int
	for i, p := range people {
		if p.Status != "departed" && len(p.EmergencyContacts) > 0 {
			candidates = append(candidates, i)
		}
	}
	r.Shuffle(len(candidates), func(i, j int) { candidates[i], candidates[j] = candidates[j], candidates[i] })
	for i := range shared {
		for k := 0; k < 5+i && len(candidates) > 0; k++ { // distinct people, at least five each
			sharedUse[candidates[0]] = shared[i]
			candidates = candidates[1:]
		}
	}
	var dups []Person
	for i := range people {
		p := &people[i]
		if p.Status == "departed" {
			continue // departed staff are archived, not checked
		}
		switch x := r.Float64(); {
		case x < 0.02: // a digit lost or added: cannot be a number
			if r.IntN(2) == 0 {
				p.Mobile = digitsOf(p.Mobile)[:10]
			} else {
				p.Mobile = digitsOf(p.Mobile) + "5"
			}
			plant(p.EmployeeNo, "self", "invalid_number")
		case x < 0.03: // a landline in the mobile column
			p.Mobile = fmt.Sprintf("0518-8%07d", 5000000+i)
			plant(p.EmployeeNo, "self", "not_mobile")
		}
		if len(p.EmergencyContacts) == 0 {
			plant(p.EmployeeNo, "self", "missing_emergency_contact")
			continue
		}
		ec := &p.EmergencyContacts[0]
		if num, ok := sharedUse[i]; ok {
			ec.Phone = num
			continue // the shared number is the finding; don't stack others on it
		}
		ecCode := ""
		switch x := r.Float64(); {
		case x < 0.01:
			ec.Phone = []string{"13800138000", "12345678901", "11111111111", "88888888888"}[r.IntN(4)]
			ecCode = "placeholder_number"
		case x < 0.02 && digitsOf(p.Mobile) != "" && len(digitsOf(p.Mobile)) == 11:
			ec.Phone = p.Mobile // "the same as mine"
			ecCode = "same_as_self"
		case x < 0.035:
			ec.Phone = fmt.Sprintf("0518-86%06d", i)
			ecCode = "not_mobile"
		case x < 0.045:
			ec.Phone = digitsOf(ec.Phone)[:10] // a digit lost: it cannot be a number
			ecCode = "invalid_number"
		}
		if ecCode != "" {
			plant(p.EmployeeNo, "ec1", ecCode)
		}
		if r.Float64() < 0.006 && len(digitsOf(p.Mobile)) == 11 && p.Mobile[0] != '0' {
			d := *p
			d.EmployeeNo = "X" + p.EmployeeNo[1:]
			d.EmergencyContacts = append([]EmergencyContact(nil), p.EmergencyContacts...)
			d.Email = ""
			dups = append(dups, d)
			plant(p.EmployeeNo, "self", "duplicate_person")
			plant(d.EmployeeNo, "self", "duplicate_person")
			if ecCode != "" { // the copy carries the same broken contact
				plant(d.EmployeeNo, "ec1", ecCode)
			}
		}
	}
	for _, num := range shared {
		for i, use := range sharedUse {
			if use == num {
				plant(people[i].EmployeeNo, "ec1", "shared_number")
			}
		}
	}
	org.People = append(people, dups...)
	sort.Slice(truth, func(i, j int) bool {
		a, b := truth[i], truth[j]
		return a.EmployeeNo+a.Subject+a.Code < b.EmployeeNo+b.Subject+b.Code
	})
	m := Messy{Org: org, Truth: truth}
	m.CSV, m.Departed = messyCSV(org, r)
	return m
}

// digitsOf keeps the ASCII digits of a typed number, with a leading 86 dropped.
func digitsOf(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		} else if c >= '０' && c <= '９' {
			b.WriteRune('0' + (c - '０'))
		}
	}
	d := b.String()
	if len(d) == 13 && strings.HasPrefix(d, "86") {
		d = d[2:]
	}
	return d
}

var statusText = map[string]string{"active": "在职", "probation": "试用", "departed": "离职"}

// messyCSV writes the organization as a GB18030 CSV; dates come in several formats.
func messyCSV(org Org, r *rand.Rand) ([]byte, int) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(messyHeader)
	departed := 0
	for _, p := range org.People {
		if p.Status == "departed" {
			departed++
		}
		date := p.HireDate
		switch r.IntN(3) {
		case 1:
			date = strings.ReplaceAll(date, "-", "/")
		case 2:
			date = strings.ReplaceAll(date, "-", ".")
		}
		row := []string{p.EmployeeNo, p.Name, p.DepartmentPath, p.Title, p.Mobile, p.OfficePhone, p.Email, statusText[p.Status], date}
		for k := 0; k < 2; k++ {
			if k < len(p.EmergencyContacts) {
				e := p.EmergencyContacts[k]
				row = append(row, e.Name, e.Relation, e.Phone)
			} else {
				row = append(row, "", "", "")
			}
		}
		w.Write(row)
	}
	w.Flush()
	out, err := simplifiedchinese.GB18030.NewEncoder().Bytes(buf.Bytes())
	if err != nil {
		panic(err) // every generated character is in GB18030
	}
	return out, departed
}

// WithoutRows returns the file without the rows of the given employee numbers.
func (m Messy) WithoutRows(drop map[string]bool) []byte {
	text, err := simplifiedchinese.GB18030.NewDecoder().Bytes(m.CSV)
	if err != nil {
		panic(err)
	}
	var out []string
	for _, line := range strings.Split(string(text), "\n") {
		eno, _, _ := strings.Cut(line, ",")
		if !drop[eno] {
			out = append(out, line)
		}
	}
	b, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(strings.Join(out, "\n")))
	return b
}
