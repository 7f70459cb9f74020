// Package access defines roles, permissions and scopes: who may do what, and where.
// A principal's scope is the whole organization or one department subtree.
package access

import (
	"strings"
	"time"
)

// Role is a user's role (SPEC §9).
type Role string

// The roles.
const (
	Admin           Role = "admin"
	SecurityOfficer Role = "security_officer"
	HR              Role = "hr"
	DeptManager     Role = "dept_manager"
	RosterOwner     Role = "roster_owner"
	Responder       Role = "responder"
	Viewer          Role = "viewer"
	Employee        Role = "employee"
)

// Roles lists every role in the order the UI shows them.
func Roles() []Role {
	return []Role{Admin, SecurityOfficer, HR, DeptManager, RosterOwner, Responder, Viewer, Employee}
}

// ParseRole returns the role named s, or false.
func ParseRole(s string) (Role, bool) {
	for _, r := range Roles() {
		if string(r) == s {
			return r, true
		}
	}
	return "", false
}

// Permission is one thing a role may do inside its scope.
type Permission string

// The permissions.
const (
	DirectoryRead   Permission = "directory.read"   // see people and departments (masked)
	DirectoryWrite  Permission = "directory.write"  // create and change people and departments
	DirectoryReveal Permission = "directory.reveal" // see full phone numbers and emails, with a reason
	OrgRead         Permission = "org.read"         // see external organizations (masked)
	OrgWrite        Permission = "org.write"        // change external organizations
	UsersManage     Permission = "users.manage"     // accounts and roles
	AuditRead       Permission = "audit.read"       // the audit log
	IncidentRead    Permission = "incident.read"    // see incidents
	IncidentWrite   Permission = "incident.write"   // report, update and close incidents
	BreakGlass      Permission = "break_glass"      // open full numbers during an active incident
	KeysRead        Permission = "keys.read"        // see the status of the data keys
	Export          Permission = "export"           // export people and departments (masked) and request unmasked exports
	ExportApprove   Permission = "export.approve"   // approve or reject another user's unmasked export (four-eyes)
	RosterRead      Permission = "roster.read"      // see emergency rosters org-wide (contact values masked)
	RosterWrite     Permission = "roster.write"     // create rosters; change those one owns (admin and hr: every roster)
	ProvidersManage Permission = "providers.manage" // configure the SMS, voice, email and IM provider accounts
)

// Allows reports whether a role carries a permission. Separation of duties: the admin
// does not read the audit log and the security officer does not edit data.
func (r Role) Allows(p Permission) bool {
	switch p {
	case DirectoryRead:
		return r != ""
	case DirectoryWrite:
		return r == Admin || r == HR || r == DeptManager
	case DirectoryReveal:
		return r == Admin || r == HR || r == DeptManager || r == Responder
	case OrgRead:
		return r != Employee && r != ""
	case OrgWrite:
		return r == Admin || r == HR || r == Responder
	case UsersManage:
		return r == Admin
	case AuditRead:
		return r == SecurityOfficer
	case IncidentRead:
		return r != Employee && r != ""
	case IncidentWrite:
		return r == Admin || r == Responder
	case BreakGlass:
		return r == Responder
	case KeysRead:
		return r == Admin || r == SecurityOfficer
	case Export:
		return r == Admin || r == HR || r == DeptManager
	case ExportApprove:
		return r == SecurityOfficer || r == Admin || r == HR
	case RosterRead:
		return r != Employee && r != ""
	case RosterWrite:
		return r == Admin || r == HR || r == DeptManager || r == RosterOwner
	case ProvidersManage:
		return r == Admin
	}
	return false
}

// Principal is the authenticated user on whose behalf a request runs.
type Principal struct {
	UserID      string
	Username    string
	Role        Role
	ScopeDeptID string // "" for the whole organization
	ScopePath   string // department path prefix of the scope ("/a/b/"), "" for the organization
	PersonID    string // the directory person this user is, if any
	IP          string
	Locale      string
	// AuthAt is when the user last entered their password (and MFA code) in this web
	// session: at login or a re-authentication. Zero for API tokens, which never count as
	// recently authenticated (see auth.Service.RecentlyAuthenticated).
	AuthAt time.Time
	// MFAEnrollOnly marks a session that may only set up MFA: MFA is required for the
	// user's role and the user has not set it up yet.
	MFAEnrollOnly bool
}

// Can reports whether the principal's role carries the permission (scope is checked per object).
func (p *Principal) Can(perm Permission) bool { return p != nil && p.Role.Allows(perm) }

// InScope reports whether a department (by its path) lies inside the principal's scope.
// Employees' scope is themselves only, which the directory enforces per person.
func (p *Principal) InScope(deptPath string) bool {
	return strings.HasPrefix(deptPath, p.ScopePath)
}

// OrgWide reports whether the principal's scope is the whole organization: no department
// scope and not limited to their own record. Such a principal sees every notification
// and every recipient and may notify anyone (see notify's scope rule).
func (p *Principal) OrgWide() bool { return p != nil && p.ScopePath == "" && !p.SelfOnly() }

// IsSelf reports whether personID is the principal's own person record.
func (p *Principal) IsSelf(personID string) bool { return p.PersonID != "" && p.PersonID == personID }

// SelfOnly reports whether the principal may see only their own person record.
func (p *Principal) SelfOnly() bool { return p.Role == Employee }

// System is the principal of work the system does on its own (migrations, demo, jobs).
func System(name string) *Principal {
	return &Principal{UserID: "", Username: name, Role: Admin}
}
