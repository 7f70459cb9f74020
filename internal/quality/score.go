package quality

import (
	"time"
)

// Factor is one part of a contact's validity score.
type Factor struct {
	Factor string  `json:"factor"`
	Points float64 `json:"points"`
	Note   string  `json:"note"`
}

// Score is the validity score 0–10 of one contact (the person's own phones, or one
// emergency contact), with the factors that make it up.
type Score struct {
	PersonID string   `json:"person_id"`
	Subject  string   `json:"subject"`
	Score    float64  `json:"score"`
	Factors  []Factor `json:"factors"`
}

// score rates a contact: what its number is (up to 4), whether the contact confirmed it
// and how recently (2), whether messages reached and were acknowledged (2), whether the
// record was reviewed in time (1), and stability (1); sharing, pointing back at the person,
// a departed owner and frequent changes cost points.
func score(p *person, subject string, c *contactPoint, codes map[string]bool, now time.Time, cfg Config) Score {
	var f []Factor
	add := func(name string, pts float64, note string) { f = append(f, Factor{name, pts, note}) }
	switch {
	case c == nil:
		add("validity", 0, "no number")
	case c.problem == "placeholder":
		add("validity", 0, "a well-known fake number")
	case c.problem == "invalid" || c.phoneType == "invalid" || c.phoneType == "":
		add("validity", 0, "cannot be a real number")
	case c.phoneType == "mobile":
		add("validity", 4, "a valid mobile number")
	default:
		add("validity", 2.5, "a valid number, but not a mobile")
	}
	if c != nil {
		switch age := now.Sub(c.verified); {
		case c.verified.IsZero():
			add("verification", 0, "never confirmed by the contact")
		case age <= 180*24*time.Hour:
			add("verification", 2, "confirmed in the last 6 months")
		case age <= 365*24*time.Hour:
			add("verification", 1, "confirmed in the last year")
		default:
			add("verification", 0, "confirmed more than a year ago")
		}
		switch {
		case codes[Undeliverable]:
			add("delivery", 0, "recent messages failed")
		case !c.acked.IsZero() && now.Sub(c.acked) <= 365*24*time.Hour:
			add("delivery", 2, "acknowledged a message in the last year")
		case !c.delivered.IsZero():
			add("delivery", 1.5, "messages were delivered")
		default:
			add("delivery", 1, "no delivery history yet")
		}
	}
	if !p.confirmed.IsZero() && now.Sub(p.confirmed) <= cfg.ReviewPeriod {
		add("review", 1, "reviewed within the review period")
	} else {
		add("review", 0, "not reviewed within the review period")
	}
	if codes[FrequentChanges] && subject != "self" {
		add("stability", 0, "changed 3 or more times in 12 months")
	} else {
		add("stability", 1, "stable")
	}
	if codes[SameAsSelf] {
		add("duplicates", -3, "the person's own number")
	}
	if codes[SharedNumber] {
		add("duplicates", -2, "shared by many people")
	}
	if codes[DuplicatePerson] && subject == "self" {
		add("duplicates", -1, "the person is recorded twice")
	}
	if codes[CrossCheck] && subject == "self" {
		add("cross_check", -1, "differs from another system's list")
	}
	if codes[OwnerDeparted] {
		add("owner", -1, "the record's owner has departed")
	}
	total := 0.0
	for _, x := range f {
		total += x.Points
	}
	if total < 0 {
		total = 0
	}
	if total > 10 {
		total = 10
	}
	return Score{PersonID: p.id, Subject: subject, Score: total, Factors: f}
}

// scores rates every contact of every person: "self" (the best own phone) and each
// emergency contact.
func scores(s *snapshot, findings []Finding, now time.Time, cfg Config) []Score {
	codes := map[string]map[string]bool{} // person+subject → codes
	for _, f := range findings {
		k := f.PersonID + "\x00" + f.Subject
		if codes[k] == nil {
			codes[k] = map[string]bool{}
		}
		codes[k][f.Code] = true
	}
	var out []Score
	for _, p := range s.people {
		self := codes[p.id+"\x00self"]
		var best *contactPoint
		for i := range p.phones {
			c := &p.phones[i]
			if c.problem == "" && (best == nil || (c.phoneType == "mobile" && best.phoneType != "mobile")) {
				best = c
			}
		}
		if best == nil && len(p.phones) > 0 {
			best = &p.phones[0]
		}
		out = append(out, score(p, "self", best, self, now, cfg))
		for i := range p.contacts {
			c := &p.contacts[i]
			subj := subjectOf(*c)
			cs := codes[p.id+"\x00"+subj]
			if cs == nil {
				cs = map[string]bool{}
			}
			if self[OwnerDeparted] {
				cs[OwnerDeparted] = true
			}
			out = append(out, score(p, subj, c, cs, now, cfg))
		}
	}
	return out
}
