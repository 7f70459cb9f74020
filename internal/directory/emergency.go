package directory

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"lifeline/internal/phone"
	"lifeline/internal/store"
	"lifeline/internal/vault"
)

// EmergencyContactInput is a personal emergency contact as a client sends it.
type EmergencyContactInput struct {
	ID            string `json:"id,omitempty"`
	Name          string `json:"name"`
	Relation      string `json:"relation"`
	Phone         string `json:"phone"`
	Priority      int    `json:"priority"`
	ConsentBasis  string `json:"consent_basis,omitempty"`
	NoticeVersion string `json:"notice_version,omitempty"`
}

// EmergencyContact is a personal emergency contact as a reader sees it.
type EmergencyContact struct {
	ID                 string     `json:"id"`
	Name               string     `json:"name"`
	Relation           string     `json:"relation"`
	Phone              string     `json:"phone"`
	E164               string     `json:"e164,omitempty"`
	Type               string     `json:"type,omitempty"`
	Carrier            string     `json:"carrier,omitempty"`
	Region             string     `json:"region,omitempty"`
	Extension          string     `json:"extension,omitempty"`
	Priority           int        `json:"priority"`
	VerificationStatus string     `json:"verification_status"`
	VerifiedAt         *time.Time `json:"verified_at"`
	ConsentBasis       string     `json:"consent_basis,omitempty"`
	NoticeVersion      string     `json:"notice_version,omitempty"`
	lookup             string
	sealed             []byte
}

// ConsentBases are the legal bases an emergency contact's data may rest on (PIPL Art. 13).
func ConsentBases() []string {
	return []string{"consent", "hr_management", "vital_interest"}
}

// emergencyNormalized is a validated emergency contact ready to be stored.
type emergencyNormalized struct {
	in    EmergencyContactInput
	phone normalized
}

func validateEmergencyContacts(v *vault.Vault, in []EmergencyContactInput, add func(field, msg string)) []emergencyNormalized {
	out := make([]emergencyNormalized, 0, len(in))
	seen := map[int]bool{}
	for i, ec := range in {
		f := fmt.Sprintf("emergency_contacts[%d].", i)
		ec.Name, ec.Relation = strings.TrimSpace(ec.Name), strings.TrimSpace(ec.Relation)
		ok := true
		if ec.Name == "" || len([]rune(ec.Name)) > 64 {
			add(f+"name", "required, at most 64 characters")
			ok = false
		} else if phone.LooksLikeResidentID(ec.Name) {
			add(f+"name", errResidentID.Error())
			ok = false
		}
		if ec.Relation == "" || len([]rune(ec.Relation)) > 32 {
			add(f+"relation", "required, at most 32 characters")
			ok = false
		}
		if ec.Priority == 0 {
			ec.Priority = i + 1
		}
		if ec.Priority < 1 || seen[ec.Priority] {
			add(f+"priority", "must be a positive number, unique per person")
			ok = false
		}
		seen[ec.Priority] = true
		if ec.ConsentBasis != "" && !contains(ConsentBases(), ec.ConsentBasis) {
			add(f+"consent_basis", "one of "+strings.Join(ConsentBases(), ", "))
			ok = false
		}
		n, err := normalizePhone(v, ec.Phone)
		if strings.TrimSpace(ec.Phone) == "" {
			add(f+"phone", "required")
			ok = false
		} else if err != nil {
			add(f+"phone", err.Error())
			ok = false
		}
		if ok {
			out = append(out, emergencyNormalized{in: ec, phone: n})
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

const emergencyCols = `id, priority, sealed, lookup, masked_name, masked_phone, masked_e164, phone_type, carrier, region, extension,
	verification_status, verified_at, consent_basis, notice_version`

func emergencyContactsOf(ctx context.Context, q store.Querier, personID string) ([]EmergencyContact, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+emergencyCols+` FROM emergency_contacts WHERE person_id = $1 ORDER BY priority, id`, personID)
	if err != nil {
		return nil, fmt.Errorf("load emergency contacts: %w", err)
	}
	defer rows.Close()
	out := []EmergencyContact{}
	for rows.Next() {
		var e EmergencyContact
		var ver sqlNullTime
		if err := rows.Scan(&e.ID, &e.Priority, &e.sealed, &e.lookup, &e.Name, &e.Phone, &e.E164, &e.Type, &e.Carrier, &e.Region,
			&e.Extension, &e.VerificationStatus, &ver, &e.ConsentBasis, &e.NoticeVersion); err != nil {
			return nil, err
		}
		e.VerifiedAt = ver.ptr()
		out = append(out, e)
	}
	return out, rows.Err()
}

// open decrypts an emergency contact's sealed values.
func (e *EmergencyContact) open(v *vault.Vault) (secretValue, error) {
	b, err := v.Open(e.sealed, e.ID)
	if err != nil {
		return secretValue{}, fmt.Errorf("open emergency contact %s: %w", e.ID, err)
	}
	var s secretValue
	return s, json.Unmarshal(b, &s)
}

// showRelation fills the relation, which is sealed but shown even in masked views.
func (e *EmergencyContact) showRelation(v *vault.Vault) error {
	s, err := e.open(v)
	e.Relation = s.Relation
	return err
}

// reveal replaces the masked name and phone with the sealed values.
func (e *EmergencyContact) reveal(v *vault.Vault) error {
	s, err := e.open(v)
	if err != nil {
		return err
	}
	e.Name, e.Relation, e.Phone, e.E164 = s.Name, s.Relation, s.Value, s.E164
	return nil
}

// summary is the masked one-line form used in history.
func (n emergencyNormalized) summary() string {
	return phone.MaskName(n.in.Name) + " " + n.in.Relation + " " + n.phone.masked
}

func insertEmergencyContact(ctx context.Context, tx store.Querier, v *vault.Vault, now time.Time, personID string, n emergencyNormalized) error {
	return store.InsertRows(ctx, tx, "emergency_contacts", emergencyInsertCols(), [][]any{emergencyRow(v, now, personID, n)})
}

// emergencyInsertCols and emergencyRow describe a new emergency-contact row, for single
// and batched inserts.
func emergencyInsertCols() []string {
	return []string{"id", "person_id", "priority", "sealed", "key_id", "lookup", "masked_name", "masked_phone", "masked_e164", "phone_type",
		"carrier", "region", "country", "extension", "consent_basis", "consent_at", "notice_version", "created_at", "updated_at", "problem"}
}

func emergencyRow(v *vault.Vault, now time.Time, personID string, n emergencyNormalized) []any {
	id := store.NewID()
	sec := n.phone.secret
	sec.Name, sec.Relation = n.in.Name, n.in.Relation
	b, _ := json.Marshal(sec)
	var consentAt any
	if n.in.ConsentBasis != "" {
		consentAt = store.TS(now)
	}
	sealed := v.Seal(b, id)
	ts := store.TS(now)
	return []any{id, personID, n.in.Priority, sealed, vault.KeyID(sealed), n.phone.lookup, phone.MaskName(n.in.Name), n.phone.masked,
		n.phone.maskedE164, n.phone.phoneType, n.phone.carrier, n.phone.region, n.phone.cntry, n.phone.extension, n.in.ConsentBasis, consentAt,
		n.in.NoticeVersion, ts, ts, n.phone.problem}
}

// syncEmergencyContacts makes a person's emergency contacts equal the input: a contact is
// kept (with its verification) when its id, or else its phone, matches a stored one.
func syncEmergencyContacts(ctx context.Context, tx store.Querier, v *vault.Vault, now time.Time, personID string, want []emergencyNormalized) ([]Change, error) {
	have, err := emergencyContactsOf(ctx, tx, personID)
	if err != nil {
		return nil, err
	}
	var changes []Change
	kept := map[string]bool{}
	for _, n := range want {
		var match *EmergencyContact
		for i := range have {
			h := &have[i]
			if !kept[h.ID] && ((n.in.ID != "" && h.ID == n.in.ID) || (n.in.ID == "" && h.lookup == n.phone.lookup)) {
				match = h
				break
			}
		}
		if match == nil {
			if err := insertEmergencyContact(ctx, tx, v, now, personID, n); err != nil {
				return nil, err
			}
			changes = append(changes, Change{Field: fmt.Sprintf("emergency_contact.%d", n.in.Priority), After: n.summary()})
			continue
		}
		kept[match.ID] = true
		old, err := match.open(v)
		if err != nil {
			return nil, err
		}
		same := old.Name == n.in.Name && old.Relation == n.in.Relation && match.lookup == n.phone.lookup && match.Priority == n.in.Priority
		if same {
			continue
		}
		sec := n.phone.secret
		sec.Name, sec.Relation = n.in.Name, n.in.Relation
		b, _ := json.Marshal(sec)
		verification := match.VerificationStatus
		if match.lookup != n.phone.lookup { // a new number is not verified
			verification = "unverified"
		}
		sealed := v.Seal(b, match.ID)
		_, err = tx.ExecContext(ctx, `UPDATE emergency_contacts SET priority = $1, sealed = $2, lookup = $3, masked_name = $4, masked_phone = $5,
				masked_e164 = $6, phone_type = $7, carrier = $8, region = $9, country = $10, extension = $11, verification_status = $12, updated_at = $13,
				key_id = $15, problem = $16
			WHERE id = $14`,
			n.in.Priority, sealed, n.phone.lookup, phone.MaskName(n.in.Name), n.phone.masked, n.phone.maskedE164,
			n.phone.phoneType, n.phone.carrier, n.phone.region, n.phone.cntry, n.phone.extension, verification, store.TS(now), match.ID,
			vault.KeyID(sealed), n.phone.problem)
		if err != nil {
			return nil, fmt.Errorf("update emergency contact: %w", err)
		}
		changes = append(changes, Change{Field: fmt.Sprintf("emergency_contact.%d", n.in.Priority),
			Before: phone.MaskName(old.Name) + " " + old.Relation + " " + match.Phone, After: n.summary()})
	}
	for _, h := range have {
		if kept[h.ID] {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM emergency_contacts WHERE id = $1`, h.ID); err != nil {
			return nil, fmt.Errorf("delete emergency contact: %w", err)
		}
		changes = append(changes, Change{Field: fmt.Sprintf("emergency_contact.%d", h.Priority), Before: h.Name + " " + h.Phone})
	}
	return changes, nil
}
