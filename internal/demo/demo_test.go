package demo

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// validMobile matches the allowed mobile prefixes: 130-139, 147, 150-153,
// 155-159, 166, 173, 175-178, 180-189, 192, 198, 199.
var validMobile = regexp.MustCompile(`^1(3[0-9]|47|5[0-35-9]|66|7[35-8]|8[0-9]|9[289])\d{8}$`)

// validOffice matches the office phone styles.
var validOffice = regexp.MustCompile(`^(0518-\d{8}|\(0518\)\d{8}(转\d{3,4})?|0518 \d{4} \d{4})$`)

// digits maps full-width digits to ASCII, drops everything else and strips
// a leading 86 country code.
func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + r - '０')
		}
	}
	d := b.String()
	if len(d) == 13 && strings.HasPrefix(d, "86") {
		d = d[2:]
	}
	return d
}

func checkMobile(t *testing.T, who, s string) {
	t.Helper()
	d := digits(s)
	if !validMobile.MatchString(d) || strings.HasPrefix(d, "1349") || d == "13800138000" {
		t.Errorf("%s: invalid mobile %q", who, s)
	}
}

func TestDeterministic(t *testing.T) {
	a, b := Generate(300, 7), Generate(300, 7)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed gave different output")
	}
	if reflect.DeepEqual(a, Generate(300, 8)) {
		t.Fatal("different seeds gave identical output")
	}
}

func TestPeopleCount(t *testing.T) {
	for _, n := range []int{20, 21, 37, 100, 500, 1234, 5000} {
		if got := len(Generate(n, 1).People); got != n {
			t.Errorf("Generate(%d, 1) has %d people", n, got)
		}
	}
	if got := len(Generate(3, 1).People); got != 20 {
		t.Errorf("Generate(3, 1) has %d people, want the minimum of 20", got)
	}
}

// checkTree verifies the three-level department tree.
func checkTree(t *testing.T, org Org) (divisions int, subs map[string]int) {
	t.Helper()
	level := map[string]int{}
	subs = map[string]int{}
	for i, d := range org.Departments {
		switch {
		case i == 0:
			if d.ParentPath != "" || d.Path != d.Name {
				t.Fatalf("root %+v", d)
			}
			level[d.Path] = 1
			continue
		case d.ParentPath == "":
			t.Fatalf("second root %+v", d)
		}
		pl, ok := level[d.ParentPath]
		if !ok {
			t.Fatalf("%s comes before its parent", d.Path)
		}
		if d.Path != d.ParentPath+"/"+d.Name {
			t.Fatalf("inconsistent path %+v", d)
		}
		if _, dup := level[d.Path]; dup {
			t.Fatalf("duplicate path %s", d.Path)
		}
		level[d.Path] = pl + 1
		switch pl + 1 {
		case 2:
			divisions++
		case 3:
			subs[d.ParentPath]++
		default:
			t.Fatalf("%s is deeper than 3 levels", d.Path)
		}
	}
	for p, l := range level {
		if l == 2 && subs[p] == 0 {
			t.Errorf("division %s has no sub-units", p)
		}
	}
	if divisions == 0 {
		t.Error("no divisions")
	}
	return divisions, subs
}

func TestDepartmentTree(t *testing.T) {
	for seed := range uint64(10) {
		org := Generate(500, seed)
		divs, subs := checkTree(t, org)
		if divs < 6 || divs > 8 {
			t.Errorf("seed %d: %d divisions", seed, divs)
		}
		for p, c := range subs {
			if c < 2 || c > 4 {
				t.Errorf("seed %d: %s has %d sub-units", seed, p, c)
			}
		}
		if n := len(org.Departments); n < 19 || n > 41 {
			t.Errorf("seed %d: %d departments", seed, n)
		}
	}
	for _, n := range []int{20, 21, 30, 60} {
		checkTree(t, Generate(n, 3))
	}
}

// headTitles are the titles department heads may carry.
var headTitles = map[string]bool{"总经理": true, "部长": true, "主任": true, "科长": true, "队长": true, "班组长": true, "组长": true, "站长": true}

// checkPeople verifies people against the departments.
func checkPeople(t *testing.T, org Org) {
	t.Helper()
	empNo := regexp.MustCompile(`^E\d{6,}$`)
	parent := map[string]string{}
	for _, d := range org.Departments {
		parent[d.Path] = d.ParentPath
	}
	head := map[string]string{}
	seen := map[string]bool{}
	from, _ := time.Parse(time.DateOnly, "2005-01-01")
	until, _ := time.Parse(time.DateOnly, "2026-12-31")
	for _, p := range org.People {
		if !empNo.MatchString(p.EmployeeNo) || seen[p.EmployeeNo] {
			t.Fatalf("bad or duplicate employee number %q", p.EmployeeNo)
		}
		seen[p.EmployeeNo] = true
		if _, ok := parent[p.DepartmentPath]; !ok {
			t.Fatalf("%s: unknown department %q", p.EmployeeNo, p.DepartmentPath)
		}
		if _, ok := head[p.DepartmentPath]; !ok {
			head[p.DepartmentPath] = p.EmployeeNo
			if !headTitles[p.Title] || p.Status != "active" {
				t.Errorf("head of %s is %s %s", p.DepartmentPath, p.Title, p.Status)
			}
			want := ""
			if pp := parent[p.DepartmentPath]; pp != "" {
				want = head[pp]
			}
			if p.ManagerEmployeeNo != want {
				t.Errorf("head %s reports to %q, want %q", p.EmployeeNo, p.ManagerEmployeeNo, want)
			}
		} else if p.ManagerEmployeeNo != head[p.DepartmentPath] {
			t.Errorf("%s reports to %q, want %q", p.EmployeeNo, p.ManagerEmployeeNo, head[p.DepartmentPath])
		}
		if n := utf8.RuneCountInString(p.Name); n < 2 || n > 4 {
			t.Errorf("odd name %q", p.Name)
		}
		for _, r := range p.Name {
			if !unicode.Is(unicode.Han, r) {
				t.Errorf("non-Han name %q", p.Name)
			}
		}
		if p.Title == "" {
			t.Errorf("%s has no title", p.EmployeeNo)
		}
		d, err := time.Parse(time.DateOnly, p.HireDate)
		if err != nil || d.Before(from) || d.After(until) {
			t.Errorf("%s: hire date %q", p.EmployeeNo, p.HireDate)
		}
		if p.Status == "probation" && d.Year() < 2025 {
			t.Errorf("%s on probation since %s", p.EmployeeNo, p.HireDate)
		}
		if p.Email != "" && p.Email != strings.ToLower(p.EmployeeNo)+"@"+emailDomain {
			t.Errorf("%s: email %q", p.EmployeeNo, p.Email)
		}
		if p.OfficePhone != "" && !validOffice.MatchString(p.OfficePhone) {
			t.Errorf("%s: office phone %q", p.EmployeeNo, p.OfficePhone)
		}
		checkMobile(t, p.EmployeeNo, p.Mobile)
	}
	for path := range parent {
		if _, ok := head[path]; !ok {
			t.Errorf("department %s is empty", path)
		}
	}
}

func TestPeople(t *testing.T) {
	checkPeople(t, Generate(500, 1))
	checkPeople(t, Generate(20, 2))
	checkPeople(t, Generate(2000, 3))
}

// checkUniquePhones verifies every phone number in org is distinct.
func checkUniquePhones(t *testing.T, org Org) {
	t.Helper()
	seen := map[string]string{}
	add := func(who, phone string) {
		if phone == "" {
			return
		}
		d := digits(phone)
		if prev, dup := seen[d]; dup {
			t.Errorf("%s and %s share phone %s", prev, who, d)
		}
		seen[d] = who
	}
	for _, p := range org.People {
		add(p.EmployeeNo, p.Mobile)
		add(p.EmployeeNo+" office", p.OfficePhone)
		for _, c := range p.EmergencyContacts {
			add(p.EmployeeNo+" "+c.Relation, c.Phone)
		}
	}
	for _, o := range org.Organizations {
		for _, c := range o.Contacts {
			add(o.Name+" "+c.Name, c.Phone)
		}
	}
}

func TestPhones(t *testing.T) {
	org := Generate(500, 1)
	checkUniquePhones(t, org)
	styles := map[string]int{}
	for _, p := range org.People {
		switch m := p.Mobile; {
		case validMobile.MatchString(m):
			styles["plain"]++
		case strings.ContainsAny(m, "０１２３４５６７８９"):
			styles["full-width"]++
		default:
			styles["formatted"]++
		}
		for _, c := range p.EmergencyContacts {
			checkMobile(t, p.EmployeeNo+" "+c.Relation, c.Phone)
		}
	}
	if styles["plain"] < 350 || styles["formatted"] < 30 {
		t.Errorf("mobile styles %v", styles)
	}
	landline := regexp.MustCompile(`^0518[2-9]\d{7}(\d{3,4})?$`)
	for _, o := range org.Organizations {
		for _, c := range o.Contacts {
			if d := digits(c.Phone); !landline.MatchString(d) {
				checkMobile(t, o.Name, c.Phone)
			}
		}
	}
}

func TestEmergencyContacts(t *testing.T) {
	relations := map[string]bool{"配偶": true, "父亲": true, "母亲": true, "子女": true, "兄弟": true, "姐妹": true, "朋友": true}
	active, covered := 0, 0
	for _, p := range Generate(500, 1).People {
		if p.Status != "active" {
			if len(p.EmergencyContacts) != 0 {
				t.Errorf("%s (%s) has emergency contacts", p.EmployeeNo, p.Status)
			}
			continue
		}
		active++
		if len(p.EmergencyContacts) > 0 {
			covered++
		}
		if len(p.EmergencyContacts) > 2 {
			t.Errorf("%s has %d contacts", p.EmployeeNo, len(p.EmergencyContacts))
		}
		rels := map[string]bool{}
		for i, c := range p.EmergencyContacts {
			if c.Priority != i+1 || !relations[c.Relation] || rels[c.Relation] || c.Name == "" {
				t.Errorf("%s: bad contact %+v", p.EmployeeNo, c)
			}
			rels[c.Relation] = true
		}
	}
	if float64(covered) < 0.9*float64(active) || covered == active {
		t.Errorf("%d of %d active people have emergency contacts", covered, active)
	}
}

func TestMix(t *testing.T) {
	const n = 5000
	count := map[string]int{}
	office, email := 0, 0
	for _, p := range Generate(n, 1).People {
		count[p.Status]++
		if p.OfficePhone != "" {
			office++
		}
		if p.Email != "" {
			email++
		}
	}
	if c := count["probation"]; c < n*2/100 || c > n*45/1000 {
		t.Errorf("%d on probation", c)
	}
	if c := count["departed"]; c < n*1/100 || c > n*3/100 {
		t.Errorf("%d departed", c)
	}
	if c := count["active"] + count["probation"] + count["departed"]; c != n {
		t.Errorf("unknown statuses: %v", count)
	}
	if office < n*30/100 || office > n*50/100 {
		t.Errorf("%d office phones", office)
	}
	if email < n*60/100 || email > n*80/100 {
		t.Errorf("%d e-mail addresses", email)
	}
}

func TestSurnames(t *testing.T) {
	count := map[string]int{}
	compound := 0
	people := Generate(20000, 1).People
	for _, p := range people {
		count[string([]rune(p.Name)[:1])]++
		if strings.HasPrefix(p.Name, "欧阳") || strings.HasPrefix(p.Name, "司马") {
			compound++
		}
	}
	if top := count["王"] + count["李"] + count["张"]; top < len(people)*15/100 || top > len(people)*25/100 {
		t.Errorf("王李张 account for %d of %d", top, len(people))
	}
	if compound == 0 {
		t.Error("no compound surnames")
	}
}

func TestOrganizations(t *testing.T) {
	kinds := map[string]bool{"customer": true, "supplier": true, "service_provider": true, "government": true, "hospital": true, "fire_brigade": true, "community": true}
	roles := map[string]bool{"business": true, "technical": true, "legal": true, "compliance": true, "executive": true, "duty": true}
	for seed := range uint64(8) {
		orgs := Generate(100, seed).Organizations
		if len(orgs) < 5 || len(orgs) > 7 {
			t.Errorf("seed %d: %d organizations", seed, len(orgs))
		}
		has := map[string]bool{}
		for _, o := range orgs {
			if !kinds[o.Kind] || o.Name == "" {
				t.Errorf("bad organization %+v", o)
			}
			has[o.Kind] = true
			if len(o.Contacts) < 1 || len(o.Contacts) > 3 {
				t.Errorf("%s has %d contacts", o.Name, len(o.Contacts))
			}
			primary, duty := 0, false
			for _, c := range o.Contacts {
				if !roles[c.Role] || c.Name == "" || c.Phone == "" {
					t.Errorf("%s: bad contact %+v", o.Name, c)
				}
				if c.Email != "" && !strings.HasSuffix(c.Email, ".example.cn") {
					t.Errorf("%s: email %q", o.Name, c.Email)
				}
				if c.Primary {
					primary++
				}
				duty = duty || c.Role == "duty" && c.Reachable24h
			}
			if primary != 1 {
				t.Errorf("%s has %d primary contacts", o.Name, primary)
			}
			if (o.Kind == "government" || o.Kind == "hospital" || o.Kind == "fire_brigade") && !duty {
				t.Errorf("%s has no 24h duty contact", o.Name)
			}
		}
		for _, k := range []string{"government", "hospital", "fire_brigade", "customer", "supplier"} {
			if !has[k] {
				t.Errorf("seed %d: no %s", seed, k)
			}
		}
	}
}

func TestLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large")
	}
	org := Generate(100000, 1)
	if len(org.People) != 100000 {
		t.Fatalf("%d people", len(org.People))
	}
	checkTree(t, org)
	checkUniquePhones(t, org)
	seen := make(map[string]bool, len(org.People))
	for _, p := range org.People {
		if seen[p.EmployeeNo] {
			t.Fatalf("duplicate %s", p.EmployeeNo)
		}
		seen[p.EmployeeNo] = true
	}
}

func BenchmarkGenerate100k(b *testing.B) {
	for b.Loop() {
		Generate(100000, 1)
	}
}
