package demo

import (
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// epoch is day 0 of the hire-date calendar.
var epoch = time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC)

// Hire-date landmarks, as days since epoch.
var (
	dayHeadsUntil    = dayOf(2018, 12, 31)
	dayDeputiesUntil = dayOf(2021, 12, 31)
	dayJunior        = dayOf(2015, 1, 1)
	dayDepartedUntil = dayOf(2024, 12, 31)
	dayActiveUntil   = dayOf(2025, 8, 31)
	dayProbationFrom = dayOf(2025, 9, 1)
	dayLast          = dayOf(2026, 2, 28)
)

// dayOf returns the number of days from epoch to the given date.
func dayOf(y int, m time.Month, d int) int {
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(epoch).Hours() / 24)
}

// dates holds every formatted date from epoch to dayLast.
var dates = sync.OnceValue(func() []string {
	s := make([]string, dayLast+1)
	for i := range s {
		s[i] = epoch.AddDate(0, 0, i).Format(time.DateOnly)
	}
	return s
})

// generator carries the random state of one Generate call.
type generator struct {
	r         *rand.Rand
	mobiles   *issuer // 8-digit mobile suffixes
	landlines *issuer // 6-digit landline suffixes
}

// deptPlan is a department together with its template and head count.
type deptPlan struct {
	dept   Department
	spec   *unitSpec
	level  int // 1 root, 2 division, 3 sub-unit
	parent int // index of the parent plan, -1 for the root
	size   int
}

// Generate builds an organization of about n people (n >= 20) deterministically from seed.
func Generate(n int, seed uint64) Org {
	n = max(n, 20)
	r := rand.New(rand.NewPCG(seed, 0x4c6966656c696e65))
	g := &generator{r: r, mobiles: newIssuer(r, 10000), landlines: newIssuer(r, 1000)}
	plans := g.plan(n)
	g.size(plans, n)
	org := Org{Departments: make([]Department, len(plans))}
	for i, p := range plans {
		org.Departments[i] = p.dept
	}
	org.People = g.people(plans, n)
	org.Organizations = g.organizations()
	return org
}

// plan picks the divisions and sub-units, keeping at most one department
// per three people, and returns them parents first.
func (g *generator) plan(n int) []deptPlan {
	var picked, optional []int
	for i, d := range divisions {
		if d.core {
			picked = append(picked, i)
		} else {
			optional = append(optional, i)
		}
	}
	g.r.Shuffle(len(optional), func(i, j int) { optional[i], optional[j] = optional[j], optional[i] })
	picked = append(picked, optional[:min(len(optional), 1+g.r.IntN(3))]...)
	slices.Sort(picked)

	subs := make([][]int, len(picked))
	for i, di := range picked {
		d := &divisions[di]
		want := min(len(d.subs), 2+g.r.IntN(3))
		s := make([]int, 0, len(d.subs))
		for j := range d.required {
			s = append(s, j)
		}
		for _, j := range g.r.Perm(len(d.subs) - d.required)[:max(0, want-d.required)] {
			s = append(s, d.required+j)
		}
		slices.Sort(s)
		subs[i] = s
	}

	count := func() int {
		c := 1 + len(picked)
		for _, s := range subs {
			c += len(s)
		}
		return c
	}
	for budget := n / 3; count() > budget; {
		if i := widest(subs); len(subs[i]) > 2 {
			subs[i] = subs[i][:len(subs[i])-1]
		} else if len(picked) > 2 {
			picked, subs = picked[:len(picked)-1], subs[:len(subs)-1]
		} else if len(subs[i]) > 1 {
			subs[i] = subs[i][:len(subs[i])-1]
		} else {
			break
		}
	}

	plans := []deptPlan{{dept: Department{Path: rootName, Name: rootName}, spec: &rootSpec, level: 1, parent: -1}}
	for i, di := range picked {
		d := &divisions[di]
		path, parent := rootName+"/"+d.name, len(plans)
		plans = append(plans, deptPlan{dept: Department{Path: path, Name: d.name, ParentPath: rootName}, spec: &d.unitSpec, level: 2, parent: 0})
		for _, si := range subs[i] {
			s := &d.subs[si]
			plans = append(plans, deptPlan{dept: Department{Path: path + "/" + s.name, Name: s.name, ParentPath: path}, spec: s, level: 3, parent: parent})
		}
	}
	return plans
}

// widest returns the last index of the longest slice.
func widest(s [][]int) int {
	best := 0
	for i := range s {
		if len(s[i]) >= len(s[best]) {
			best = i
		}
	}
	return best
}

// size sets each plan's head count so that they add up to exactly n: one
// head each, small headquarters staffs, and the rest spread over the
// sub-units by weight (largest-remainder rounding).
func (g *generator) size(plans []deptPlan, n int) {
	rest := n - len(plans)
	var units []int
	for i := range plans {
		p := &plans[i]
		p.size = 1
		switch p.level {
		case 1:
			extra := min(rest, 7, n/100)
			p.size, rest = p.size+extra, rest-extra
		case 2:
			extra := min(rest, 12, int(float64(n/80)*(0.7+0.6*g.r.Float64())))
			p.size, rest = p.size+extra, rest-extra
		default:
			units = append(units, i)
		}
	}
	weights := make([]float64, len(units))
	total := 0.0
	for k, i := range units {
		weights[k] = plans[i].spec.weight * (0.8 + 0.4*g.r.Float64())
		total += weights[k]
	}
	frac := make([]float64, len(units))
	given := 0
	for k, i := range units {
		q := float64(rest) * weights[k] / total
		whole := int(q)
		plans[i].size += whole
		given += whole
		frac[k] = q - float64(whole)
	}
	order := make([]int, len(units))
	for k := range order {
		order[k] = k
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case frac[a] > frac[b]:
			return -1
		case frac[a] < frac[b]:
			return 1
		}
		return 0
	})
	for k := 0; given < rest; k++ {
		plans[units[order[k%len(order)]]].size++
		given++
	}
}

// people creates everybody, department by department with the head first,
// then numbers them in hire-date order and links managers.
func (g *generator) people(plans []deptPlan, n int) []Person {
	people := make([]Person, 0, n)
	days := make([]int32, 0, n)
	deptOf := make([]int32, 0, n)
	wantEmail := make([]bool, 0, n)
	heads := make([]int, len(plans))
	all := dates()
	for di, p := range plans {
		heads[di] = len(people)
		titles := newTable(p.spec.titles)
		deputies := 0
		switch {
		case p.spec.deputy == "":
		case p.level == 1:
			deputies = min(3, (p.size-1)/2)
		case p.size >= 5:
			deputies = min(3, 1+p.size/100)
		}
		for i := range p.size {
			var title, status = "", "active"
			var day int
			office, mail := p.spec.office, 0.5+0.5*p.spec.office
			switch {
			case i == 0:
				title, day, office, mail = p.spec.head, g.r.IntN(dayHeadsUntil+1), 0.95, 0.98
			case i <= deputies:
				title, day, office, mail = p.spec.deputy, g.r.IntN(dayDeputiesUntil+1), 0.9, 0.98
			default:
				if p.spec.inOrder {
					title = p.spec.titles[(i-deputies-1)%len(p.spec.titles)].s
				} else {
					title = p.spec.titles[titles.pick(g.r)].s
				}
				switch x := g.r.IntN(1000); {
				case x < 30:
					status, day = "probation", dayProbationFrom+g.r.IntN(dayLast-dayProbationFrom+1)
				case x < 50:
					status, day = "departed", g.r.IntN(dayDepartedUntil+1)
				default:
					u := g.r.Float64()
					if g.r.IntN(3) == 0 { // skew towards recent hires
						u = max(u, g.r.Float64())
					}
					day = int(u * float64(dayActiveUntil+1))
				}
			}
			share := p.spec.male
			if m, ok := titleMale[title]; ok {
				share = m
			}
			male := chance(g.r, share)
			surname := g.surname()
			person := Person{
				Name:           g.newName(surname, male),
				DepartmentPath: p.dept.Path,
				Title:          title,
				Status:         status,
				HireDate:       all[day],
				Mobile:         g.typedMobile(),
			}
			if chance(g.r, office) {
				person.OfficePhone = g.landline(true)
			}
			if status == "active" && chance(g.r, 0.93) {
				person.EmergencyContacts = g.contacts(surname, male, day)
			}
			people = append(people, person)
			days = append(days, int32(day))
			deptOf = append(deptOf, int32(di))
			wantEmail = append(wantEmail, chance(g.r, mail))
		}
	}

	// Employee numbers follow hire order (a stable counting sort by day),
	// with the occasional gap left by numbers never issued.
	start := make([]int, dayLast+2)
	for _, d := range days {
		start[d+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	order := make([]int32, len(days))
	for i, d := range days {
		order[start[d]] = int32(i)
		start[d]++
	}
	no := 0
	for _, i := range order {
		no++
		if g.r.IntN(10) == 0 {
			no += 1 + g.r.IntN(3)
		}
		digits := itoa(no)
		for len(digits) < 6 {
			digits = "0" + digits
		}
		people[i].EmployeeNo = "E" + digits
		if wantEmail[i] {
			people[i].Email = "e" + digits + "@" + emailDomain
		}
	}

	for i := range people {
		d := deptOf[i]
		switch h := heads[d]; {
		case h != i:
			people[i].ManagerEmployeeNo = people[h].EmployeeNo
		case plans[d].parent >= 0:
			people[i].ManagerEmployeeNo = people[heads[plans[d].parent]].EmployeeNo
		}
	}
	return people
}

// contacts returns one or two emergency contacts for a person with the
// given surname, sex and hire day; relatives share the surname as usual.
func (g *generator) contacts(surname string, male bool, day int) []EmergencyContact {
	rels, tbl := seniorRelations, seniorRelTbl
	if day >= dayJunior {
		rels, tbl = juniorRelations, juniorRelTbl
	}
	k := 1
	if chance(g.r, 0.45) {
		k = 2
	}
	out := make([]EmergencyContact, 0, k)
	prev := -1
	for prio := 1; prio <= k; prio++ {
		ri := tbl.pick(g.r)
		for ri == prev {
			ri = tbl.pick(g.r)
		}
		prev = ri
		rel := rels[ri].s
		cs, cm := surname, chance(g.r, 0.5)
		switch rel {
		case "配偶":
			cs, cm = g.surname(), !male
		case "父亲", "兄弟":
			cm = true
		case "母亲":
			cs, cm = g.surname(), false
		case "姐妹":
			cm = false
		case "朋友":
			cs = g.surname()
		}
		out = append(out, EmergencyContact{Name: g.newName(cs, cm), Relation: rel, Phone: g.typedMobile(), Priority: prio})
	}
	return out
}

// organizations builds the external organizations and their contacts.
func (g *generator) organizations() []Organization {
	var out []Organization
	for _, o := range externalOrgs {
		if o.optional && !chance(g.r, 0.5) {
			continue
		}
		org := Organization{Name: o.name, Kind: o.kind}
		for _, c := range o.contacts {
			if c.optional && !chance(g.r, 0.5) {
				continue
			}
			oc := OrgContact{Name: c.desk, Role: c.role, Primary: c.primary, Reachable24h: c.h24}
			if oc.Name == "" {
				oc.Name = g.newName(g.surname(), chance(g.r, 0.6))
			}
			if c.landline {
				oc.Phone = g.landline(c.role != "duty")
			} else {
				oc.Phone = g.typedMobile()
			}
			if c.email != "" {
				oc.Email = c.email + "@" + o.domain
			}
			org.Contacts = append(org.Contacts, oc)
		}
		out = append(out, org)
	}
	return out
}
