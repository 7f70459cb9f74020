package quality

import (
	"fmt"
	"time"
)

// Config tunes the checks.
type Config struct {
	SharedThreshold int           // an emergency number given by this many different people is shared (default 5)
	ReviewPeriod    time.Duration // a person not confirmed for longer is stale (default 180 days)
	ScoreThreshold  float64       // a contact scoring below this raises an alert (default 6)
}

// DefaultConfig is the configuration unless set otherwise.
func DefaultConfig() Config {
	return Config{SharedThreshold: 5, ReviewPeriod: 180 * 24 * time.Hour, ScoreThreshold: 6}
}

// Finding is one problem of one person's contact data.
type Finding struct {
	PersonID   string `json:"person_id"`
	EmployeeNo string `json:"employee_no"`
	Name       string `json:"name"`
	Subject    string `json:"subject"` // "self" or "ec1", "ec2", …
	Code       string `json:"code"`
	Severity   string `json:"severity"`
	Detail     string `json:"detail"`
}

func subjectOf(c contactPoint) string { return fmt.Sprintf("ec%d", c.priority) }

// check computes every finding of the snapshot.
func check(s *snapshot, now time.Time, cfg Config) []Finding {
	var out []Finding
	add := func(p *person, subject, code, detail string) {
		out = append(out, Finding{PersonID: p.id, EmployeeNo: p.employeeNo, Name: p.name, Subject: subject, Code: code, Severity: Severity(code), Detail: detail})
	}
	// Who gives which emergency number, and which own numbers belong to whom.
	ecUsers := map[string]map[string]bool{}
	ownByName := map[string][]*person{}
	for _, p := range s.people {
		for _, c := range p.contacts {
			if c.lookup == "" {
				continue
			}
			if ecUsers[c.lookup] == nil {
				ecUsers[c.lookup] = map[string]bool{}
			}
			ecUsers[c.lookup][p.id] = true
		}
		for _, c := range p.phones {
			key := p.name + "\x00" + c.lookup
			if len(ownByName[key]) == 0 || ownByName[key][len(ownByName[key])-1] != p {
				ownByName[key] = append(ownByName[key], p)
			}
		}
	}
	for _, p := range s.people {
		own := map[string]bool{}
		hasMobile, hasOther := false, false
		for i, c := range p.phones {
			own[c.lookup] = true
			if c.kind == "mobile" {
				hasMobile = true // a broken mobile is reported as such, not as a missing one
			}
			switch c.problem {
			case "placeholder":
				add(p, "self", PlaceholderNumber, fmt.Sprintf("%s %d is a well-known fake number", c.kind, i+1))
				continue
			case "invalid":
				add(p, "self", InvalidNumber, fmt.Sprintf("%s %d cannot be a real number", c.kind, i+1))
				continue
			}
			if c.phoneType == "mobile" || c.kind == "mobile" {
				hasMobile = true
			} else {
				hasOther = true
			}
		}
		if !hasMobile && hasOther {
			add(p, "self", NotMobile, "no mobile number: SMS cannot reach this person")
		}
		if len(p.contacts) == 0 {
			add(p, "self", MissingEmergency, "no emergency contact")
		}
		for _, c := range p.contacts {
			subj := subjectOf(c)
			switch {
			case c.problem == "placeholder":
				add(p, subj, PlaceholderNumber, "a well-known fake number")
			case c.problem == "invalid" || c.phoneType == "invalid" || c.phoneType == "":
				add(p, subj, InvalidNumber, "cannot be a real number")
			case c.phoneType != "mobile":
				add(p, subj, NotMobile, fmt.Sprintf("a %s number, not a mobile: SMS cannot reach it", c.phoneType))
			}
			if own[c.lookup] {
				add(p, subj, SameAsSelf, "the emergency contact's number is the person's own")
			}
			if n := len(ecUsers[c.lookup]); n >= cfg.SharedThreshold && c.problem != "placeholder" {
				add(p, subj, SharedNumber, fmt.Sprintf("the same number is the emergency contact of %d people", n))
			}
			if c.verified.IsZero() {
				add(p, subj, Unverified, "never confirmed by the contact")
			}
		}
		for i, c := range p.phones {
			if c.undeliverable {
				add(p, "self", Undeliverable, fmt.Sprintf("%s %d: the latest message to it failed", c.kind, i+1))
			}
		}
		for _, c := range p.phones {
			if c.problem != "" {
				continue
			}
			if others := ownByName[p.name+"\x00"+c.lookup]; len(others) > 1 {
				add(p, "self", DuplicatePerson, fmt.Sprintf("%d records with the same name and number", len(others)))
				break
			}
		}
		if p.confirmed.IsZero() || now.Sub(p.confirmed) > cfg.ReviewPeriod {
			add(p, "self", Stale, "not confirmed within the review period")
		}
		if p.ownerID != "" && s.status[p.ownerID] == "departed" {
			add(p, "self", OwnerDeparted, "the record's owner has departed")
		}
		if p.ecChanges >= 3 {
			add(p, "self", FrequentChanges, fmt.Sprintf("emergency contacts changed %d times in 12 months", p.ecChanges))
		}
		if others, ok := s.crossChk[p.employeeNo]; ok {
			for _, l := range others {
				if !own[l] {
					add(p, "self", CrossCheck, "the number differs from the one in another system's list")
					break
				}
			}
		}
	}
	return append(out, rosterFindings(s, now)...)
}
