// Package quality tells HR exactly what is wrong with their contact data: findings with
// the codes of SPEC §6 per person and subject, and a validity score 0–10 per contact
// with the factors that make it up. Checks read what was recorded when each number was
// written (type, problem, blind index) and never decrypt.
package quality

// Finding codes (SPEC §6) and their severities.
const (
	InvalidNumber     = "invalid_number"
	PlaceholderNumber = "placeholder_number"
	NotMobile         = "not_mobile"
	SameAsSelf        = "same_as_self"
	SharedNumber      = "shared_number"
	DuplicatePerson   = "duplicate_person"
	MissingEmergency  = "missing_emergency_contact"
	MissingBackup     = "missing_backup"
	Unverified        = "unverified"
	Stale             = "stale"
	DepartedInRoster  = "departed_in_roster"
	ExpiredMembership = "expired_membership"
	OwnerDeparted     = "owner_departed"
	FrequentChanges   = "frequent_changes"
	CrossCheck        = "cross_check_mismatch"
	Undeliverable     = "undeliverable"
)

// Codes lists every finding code in the order reports show them.
func Codes() []string {
	return []string{InvalidNumber, PlaceholderNumber, NotMobile, SameAsSelf, SharedNumber, DuplicatePerson, MissingEmergency,
		MissingBackup, Unverified, Stale, DepartedInRoster, ExpiredMembership, OwnerDeparted, FrequentChanges, CrossCheck, Undeliverable}
}

// Severity of a code: high means the contact will not work in an emergency.
func Severity(code string) string {
	switch code {
	case InvalidNumber, PlaceholderNumber, SameAsSelf, MissingEmergency, DepartedInRoster, Undeliverable:
		return "high"
	case NotMobile, SharedNumber, DuplicatePerson, MissingBackup, OwnerDeparted, CrossCheck, ExpiredMembership:
		return "medium"
	}
	return "low"
}
