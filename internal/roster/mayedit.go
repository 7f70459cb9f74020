package roster

import "lifeline/internal/access"

// MayEdit reports whether the principal may change the roster r (as read now): admin and
// hr every roster, dept_manager and roster_owner the rosters they own. The web UI uses it
// to offer the edit forms; the service checks again on every change.
func MayEdit(p *access.Principal, r Roster) bool {
	owners := make([]snapOwner, len(r.Owners))
	for i, o := range r.Owners {
		owners[i] = snapOwner{PersonID: o.PersonID, Role: o.Role}
	}
	return mayEdit(p, owners)
}
