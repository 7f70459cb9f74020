package directory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/audit"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// OrganizationKinds lists the kinds of external organizations.
func OrganizationKinds() []string {
	return []string{"customer", "supplier", "service_provider", "government", "hospital", "fire_brigade", "community", "other"}
}

// ContactRoles lists the roles of an external contact.
func ContactRoles() []string {
	return []string{"business", "technical", "legal", "compliance", "executive", "duty"}
}

// Organization is an external organization with its contacts.
type Organization struct {
	ID           string       `json:"id"`
	Name         string       `json:"name"`
	Kind         string       `json:"kind"`
	AgreementRef string       `json:"agreement_ref"`
	Notes        string       `json:"notes"`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
	Masked       bool         `json:"masked"`
	Contacts     []OrgContact `json:"contacts"`
}

// OrganizationInput creates or (as a patch) changes an organization.
type OrganizationInput struct {
	Name         *string `json:"name"`
	Kind         *string `json:"kind"`
	AgreementRef *string `json:"agreement_ref"`
	Notes        *string `json:"notes"`
}

// OrgContact is a contact person at an external organization.
type OrgContact struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	Role             string    `json:"role"`
	Primary          bool      `json:"primary"`
	Reachable24h     bool      `json:"reachable_24h"`
	AuthorizedBy     string    `json:"authorized_by"`
	AuthorizedAt     string    `json:"authorized_at"`
	AuthorizationDoc string    `json:"authorization_doc"`
	Notes            string    `json:"notes"`
	Channels         []Channel `json:"channels"`
}

// OrgContactInput creates or (as a patch) changes a contact; Channels replaces the list.
type OrgContactInput struct {
	Name             *string         `json:"name"`
	Role             *string         `json:"role"`
	Primary          *bool           `json:"primary"`
	Reachable24h     *bool           `json:"reachable_24h"`
	AuthorizedBy     *string         `json:"authorized_by"`
	AuthorizedAt     *string         `json:"authorized_at"`
	AuthorizationDoc *string         `json:"authorization_doc"`
	Notes            *string         `json:"notes"`
	Channels         *[]ChannelInput `json:"channels"`
}

func (s *Service) visibleOrganization(ctx context.Context, q store.Querier, p *access.Principal, id string) (Organization, error) {
	var o Organization
	err := q.QueryRowContext(ctx, `SELECT id, name, kind, agreement_ref, notes, created_at, updated_at FROM organizations WHERE id = $1`, id).
		Scan(&o.ID, &o.Name, &o.Kind, &o.AgreementRef, &o.Notes, &o.CreatedAt, &o.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.Can(access.OrgRead)) {
		return o, errs.E(errs.NotFound, "organization not found")
	}
	if err != nil {
		return o, fmt.Errorf("load organization: %w", err)
	}
	return o, nil
}

// ListOrganizations lists external organizations (without contacts), by name.
func (s *Service) ListOrganizations(ctx context.Context, p *access.Principal, q string, page Page) ([]Organization, string, error) {
	if !p.Can(access.OrgRead) {
		return []Organization{}, "", nil
	}
	after := ""
	if page.Cursor != "" {
		c, err := decodeCursor(page.Cursor)
		if err != nil || len(c) != 1 {
			return nil, "", errs.E(errs.Invalid, "invalid cursor")
		}
		after = c[0]
	}
	limit := page.limit()
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id, name, kind, agreement_ref, notes, created_at, updated_at FROM organizations
		WHERE name > $1 AND name LIKE $2 ESCAPE '\' ORDER BY name LIMIT $3`, after, "%"+escapeLike(strings.TrimSpace(q))+"%", limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list organizations: %w", err)
	}
	defer rows.Close()
	out := []Organization{}
	for rows.Next() {
		var o Organization
		if err := rows.Scan(&o.ID, &o.Name, &o.Kind, &o.AgreementRef, &o.Notes, &o.CreatedAt, &o.UpdatedAt); err != nil {
			return nil, "", err
		}
		o.Masked, o.Contacts = true, []OrgContact{}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = encodeCursor(out[limit-1].Name)
	}
	return out, next, nil
}

// GetOrganization returns an organization with its contacts, masked.
func (s *Service) GetOrganization(ctx context.Context, p *access.Principal, id string) (Organization, error) {
	return s.organizationDetails(ctx, s.db.Read, p, id, false)
}

// RevealOrganization returns an organization with its contacts' full values, audited.
func (s *Service) RevealOrganization(ctx context.Context, p *access.Principal, id, reason string) (Organization, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > 500 {
		return Organization{}, &errs.Error{Kind: errs.Invalid, Message: "validation failed", Fields: []errs.FieldError{{Field: "reason", Message: "required, at most 500 characters"}}}
	}
	var o Organization
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if o, err = s.organizationDetails(ctx, tx, p, id, true); err != nil {
			return err
		}
		if !p.Can(access.DirectoryReveal) {
			return errs.E(errs.Forbidden, "your role may not reveal full contact details")
		}
		return audit.Record(ctx, tx, p, s.clock.Now(), audit.Event{Action: "organization.reveal", ObjectType: "organization", ObjectID: id, Reason: reason})
	})
	return o, err
}

func (s *Service) organizationDetails(ctx context.Context, q store.Querier, p *access.Principal, id string, full bool) (Organization, error) {
	o, err := s.visibleOrganization(ctx, q, p, id)
	if err != nil {
		return o, err
	}
	o.Masked = !full
	rows, err := q.QueryContext(ctx, `SELECT id, name, role, is_primary, reachable_24h, authorized_by, authorized_at, authorization_doc, notes
		FROM org_contacts WHERE organization_id = $1 ORDER BY is_primary DESC, name, id`, id)
	if err != nil {
		return o, fmt.Errorf("load contacts: %w", err)
	}
	o.Contacts = []OrgContact{}
	for rows.Next() {
		var c OrgContact
		if err := rows.Scan(&c.ID, &c.Name, &c.Role, &c.Primary, &c.Reachable24h, &c.AuthorizedBy, &c.AuthorizedAt, &c.AuthorizationDoc, &c.Notes); err != nil {
			rows.Close()
			return o, err
		}
		o.Contacts = append(o.Contacts, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return o, err
	}
	for i := range o.Contacts {
		c := &o.Contacts[i]
		if c.Channels, err = channelsOf(ctx, q, "contact_id", c.ID); err != nil {
			return o, err
		}
		for j := range c.Channels {
			if full {
				if err := c.Channels[j].reveal(s.vault); err != nil {
					return o, err
				}
			}
		}
	}
	return o, nil
}

// CreateOrganization adds an external organization.
func (s *Service) CreateOrganization(ctx context.Context, p *access.Principal, in OrganizationInput) (Organization, error) {
	if !p.Can(access.OrgWrite) {
		return Organization{}, errs.E(errs.Forbidden, "you may not change external organizations")
	}
	var o Organization
	apply := func() error {
		o.Name, o.Kind, o.AgreementRef, o.Notes = deref(in.Name), deref(in.Kind), deref(in.AgreementRef), deref(in.Notes)
		return validateOrganization(o)
	}
	if err := apply(); err != nil {
		return o, err
	}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		now := s.clock.Now()
		o.ID, o.CreatedAt, o.UpdatedAt, o.Contacts = store.NewID(), now, now, []OrgContact{}
		_, err := tx.ExecContext(ctx, `INSERT INTO organizations (id, name, kind, agreement_ref, notes, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
			o.ID, o.Name, o.Kind, o.AgreementRef, o.Notes, store.TS(now))
		if store.UniqueViolation(err) {
			return &errs.Error{Kind: errs.Conflict, Message: "an organization with this name exists", Fields: []errs.FieldError{{Field: "name", Message: "already exists"}}}
		}
		if err != nil {
			return fmt.Errorf("insert organization: %w", err)
		}
		return recordHistory(ctx, tx, p, now, historyEntry{Entity: "organization", EntityID: o.ID, Action: "create",
			Changes: []Change{{Field: "name", After: o.Name}, {Field: "kind", After: o.Kind}}})
	})
	return o, err
}

func validateOrganization(o Organization) error {
	var v errs.Validation
	v.Check(strings.TrimSpace(o.Name) != "" && len([]rune(o.Name)) <= 200, "name", "required, at most 200 characters")
	v.Check(contains(OrganizationKinds(), o.Kind), "kind", "one of "+strings.Join(OrganizationKinds(), ", "))
	v.Check(len([]rune(o.Notes)) <= 2000, "notes", "at most 2000 characters")
	return v.Err()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return strings.TrimSpace(*s)
}

// UpdateOrganization changes an organization's own fields.
func (s *Service) UpdateOrganization(ctx context.Context, p *access.Principal, id string, in OrganizationInput) (Organization, error) {
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		o, err := s.visibleOrganization(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if !p.Can(access.OrgWrite) {
			return errs.E(errs.Forbidden, "you may not change external organizations")
		}
		old := o
		for dst, src := range map[*string]*string{&o.Name: in.Name, &o.Kind: in.Kind, &o.AgreementRef: in.AgreementRef, &o.Notes: in.Notes} {
			if src != nil {
				*dst = strings.TrimSpace(*src)
			}
		}
		if err := validateOrganization(o); err != nil {
			return err
		}
		var changes []Change
		for _, c := range []Change{{"name", old.Name, o.Name}, {"kind", old.Kind, o.Kind}, {"agreement_ref", old.AgreementRef, o.AgreementRef}, {"notes", old.Notes, o.Notes}} {
			if c.Before != c.After {
				changes = append(changes, c)
			}
		}
		if len(changes) == 0 {
			return nil
		}
		now := s.clock.Now()
		_, err = tx.ExecContext(ctx, `UPDATE organizations SET name = $1, kind = $2, agreement_ref = $3, notes = $4, updated_at = $5 WHERE id = $6`,
			o.Name, o.Kind, o.AgreementRef, o.Notes, store.TS(now), id)
		if store.UniqueViolation(err) {
			return &errs.Error{Kind: errs.Conflict, Message: "an organization with this name exists", Fields: []errs.FieldError{{Field: "name", Message: "already exists"}}}
		}
		if err != nil {
			return fmt.Errorf("update organization: %w", err)
		}
		return recordHistory(ctx, tx, p, now, historyEntry{Entity: "organization", EntityID: id, Action: "update", Changes: changes})
	})
	if err != nil {
		return Organization{}, err
	}
	return s.GetOrganization(ctx, p, id)
}

// DeleteOrganization removes an organization and its contacts.
func (s *Service) DeleteOrganization(ctx context.Context, p *access.Principal, id string) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		o, err := s.visibleOrganization(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if !p.Can(access.OrgWrite) {
			return errs.E(errs.Forbidden, "you may not change external organizations")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM organizations WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete organization: %w", err)
		}
		return recordHistory(ctx, tx, p, s.clock.Now(), historyEntry{Entity: "organization", EntityID: id, Action: "delete", Changes: []Change{{Field: "name", Before: o.Name}}})
	})
}

// SaveContact creates (contactID "") or updates a contact of an organization.
func (s *Service) SaveContact(ctx context.Context, p *access.Principal, orgID, contactID string, in OrgContactInput) (OrgContact, error) {
	var out OrgContact
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.SaveContactTx(ctx, tx, p, orgID, contactID, in)
		return err
	})
	return out, err
}

// SaveContactTx creates or updates a contact inside the caller's transaction.
func (s *Service) SaveContactTx(ctx context.Context, tx store.Querier, p *access.Principal, orgID, contactID string, in OrgContactInput) (OrgContact, error) {
	if _, err := s.visibleOrganization(ctx, tx, p, orgID); err != nil {
		return OrgContact{}, err
	}
	if !p.Can(access.OrgWrite) {
		return OrgContact{}, errs.E(errs.Forbidden, "you may not change external organizations")
	}
	var c OrgContact
	if contactID != "" {
		err := tx.QueryRowContext(ctx, `SELECT id, name, role, is_primary, reachable_24h, authorized_by, authorized_at, authorization_doc, notes
			FROM org_contacts WHERE id = $1 AND organization_id = $2`, contactID, orgID).
			Scan(&c.ID, &c.Name, &c.Role, &c.Primary, &c.Reachable24h, &c.AuthorizedBy, &c.AuthorizedAt, &c.AuthorizationDoc, &c.Notes)
		if errors.Is(err, sql.ErrNoRows) {
			return c, errs.E(errs.NotFound, "contact not found")
		}
		if err != nil {
			return c, fmt.Errorf("load contact: %w", err)
		}
	}
	old := c
	for dst, src := range map[*string]*string{&c.Name: in.Name, &c.Role: in.Role, &c.AuthorizedBy: in.AuthorizedBy, &c.AuthorizedAt: in.AuthorizedAt,
		&c.AuthorizationDoc: in.AuthorizationDoc, &c.Notes: in.Notes} {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	if in.Primary != nil {
		c.Primary = *in.Primary
	}
	if in.Reachable24h != nil {
		c.Reachable24h = *in.Reachable24h
	}
	var v errs.Validation
	v.Check(c.Name != "" && len([]rune(c.Name)) <= 64, "name", "required, at most 64 characters")
	v.Check(contains(ContactRoles(), c.Role), "role", "one of "+strings.Join(ContactRoles(), ", "))
	v.Check(validDate(c.AuthorizedAt), "authorized_at", "a date YYYY-MM-DD")
	var chans []normalized
	if in.Channels != nil {
		for i, ch := range *in.Channels {
			n, err := normalizeChannel(s.vault, ch.Kind, ch.Value)
			if err != nil {
				v.Add(fmt.Sprintf("channels[%d].value", i), err.Error())
				continue
			}
			chans = append(chans, n)
		}
	}
	if err := v.Err(); err != nil {
		return c, err
	}
	now := s.clock.Now()
	action := "contact.update"
	if c.ID == "" {
		action = "contact.create"
		c.ID = store.NewID()
		_, err := tx.ExecContext(ctx, `INSERT INTO org_contacts (id, organization_id, name, role, is_primary, reachable_24h, authorized_by, authorized_at,
				authorization_doc, notes, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
			c.ID, orgID, c.Name, c.Role, c.Primary, c.Reachable24h, c.AuthorizedBy, c.AuthorizedAt, c.AuthorizationDoc, c.Notes, store.TS(now))
		if err != nil {
			return c, fmt.Errorf("insert contact: %w", err)
		}
	} else {
		_, err := tx.ExecContext(ctx, `UPDATE org_contacts SET name = $1, role = $2, is_primary = $3, reachable_24h = $4, authorized_by = $5,
				authorized_at = $6, authorization_doc = $7, notes = $8, updated_at = $9 WHERE id = $10`,
			c.Name, c.Role, c.Primary, c.Reachable24h, c.AuthorizedBy, c.AuthorizedAt, c.AuthorizationDoc, c.Notes, store.TS(now), c.ID)
		if err != nil {
			return c, fmt.Errorf("update contact: %w", err)
		}
	}
	var changes []Change
	for _, ch := range []Change{{"contact.name", old.Name, c.Name}, {"contact.role", old.Role, c.Role},
		{"contact.primary", fmt.Sprint(old.Primary), fmt.Sprint(c.Primary)}, {"contact.reachable_24h", fmt.Sprint(old.Reachable24h), fmt.Sprint(c.Reachable24h)},
		{"contact.authorized_by", old.AuthorizedBy, c.AuthorizedBy}, {"contact.authorized_at", old.AuthorizedAt, c.AuthorizedAt}} {
		if ch.Before != ch.After {
			changes = append(changes, ch)
		}
	}
	if in.Channels != nil {
		cc, err := syncChannels(ctx, tx, s.vault, now, "contact_id", c.ID, chans)
		if err != nil {
			return c, err
		}
		changes = append(changes, cc...)
	}
	var err error
	if c.Channels, err = channelsOf(ctx, tx, "contact_id", c.ID); err != nil {
		return c, err
	}
	if len(changes) == 0 {
		return c, nil
	}
	return c, recordHistory(ctx, tx, p, now, historyEntry{Entity: "organization", EntityID: orgID, Action: action, Reason: c.ID, Changes: changes})
}

// DeleteContact removes a contact of an organization.
func (s *Service) DeleteContact(ctx context.Context, p *access.Principal, orgID, contactID string) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.visibleOrganization(ctx, tx, p, orgID); err != nil {
			return err
		}
		if !p.Can(access.OrgWrite) {
			return errs.E(errs.Forbidden, "you may not change external organizations")
		}
		var name string
		err := tx.QueryRowContext(ctx, `DELETE FROM org_contacts WHERE id = $1 AND organization_id = $2 RETURNING name`, contactID, orgID).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "contact not found")
		}
		if err != nil {
			return fmt.Errorf("delete contact: %w", err)
		}
		return recordHistory(ctx, tx, p, s.clock.Now(), historyEntry{Entity: "organization", EntityID: orgID, Action: "contact.delete", Changes: []Change{{Field: "contact.name", Before: name}}})
	})
}
