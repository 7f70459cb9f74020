package review

import (
	"fmt"
	"strings"

	"lifeline/internal/errs"
)

// decisionKey says how a kind of review names what a decision is about: a roster review
// by member id, a department review by person id (the other id must be absent).
type decisionKey struct {
	field, other       string // "member_id" / "person_id", or the reverse
	notOurs, otherOnly string // messages: the id is not in this review; the other id belongs to the other kind
	of                 func(Decision) (id, other string)
}

// checkDecisions validates a review's decisions against its current items: each names
// one of them once, not yet decided, with a known decision and a note of at most 2000
// characters.
func checkDecisions(in ConfirmInput, byID map[string]Item, k decisionKey) error {
	var v errs.Validation
	v.Check(len(in.Decisions) > 0, "decisions", "at least one decision")
	seen := map[string]bool{}
	for i, d := range in.Decisions {
		field := fmt.Sprintf("decisions[%d]", i)
		id, other := k.of(d)
		it, ok := byID[id]
		switch {
		case !ok:
			v.Add(field+"."+k.field, k.notOurs)
		case seen[id]:
			v.Add(field+"."+k.field, "decided twice")
		case it.Decision != "":
			v.Add(field+"."+k.field, "already decided in this review")
		}
		seen[id] = true
		v.Check(other == "", field+"."+k.other, k.otherOnly)
		v.Check(d.Decision == Valid || d.Decision == Changed || d.Decision == Removed, field+".decision", "valid, changed or removed")
		v.Check(len([]rune(strings.TrimSpace(d.Note))) <= 2000, field+".note", "at most 2000 characters")
	}
	return v.Err()
}
