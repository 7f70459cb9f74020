package demo

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"lifeline/internal/access"
	"lifeline/internal/directory"
	"lifeline/internal/store"
)

// Load writes a generated organization through the directory service: departments and
// people (with channels and emergency contacts) in one transaction, so a failure leaves
// nothing behind; then the external organizations.
func Load(ctx context.Context, db *store.DB, dir *directory.Service, now time.Time, org Org) error {
	sys := access.System("demo")
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		deptIDs := map[string]string{}
		for _, d := range org.Departments {
			dept, err := directory.EnsureDepartmentPath(ctx, tx, now, d.Path)
			if err != nil {
				return fmt.Errorf("department %s: %w", d.Path, err)
			}
			deptIDs[d.Path] = dept.ID
		}
		ids := map[string]string{}
		for _, p := range org.People {
			in := personInput(p, deptIDs[p.DepartmentPath])
			id, err := dir.CreatePersonTx(ctx, tx, sys, in)
			if err != nil {
				return fmt.Errorf("person %s: %w", p.EmployeeNo, err)
			}
			ids[p.EmployeeNo] = id
		}
		for _, p := range org.People {
			if p.ManagerEmployeeNo == "" {
				continue
			}
			if err := directory.SetManager(ctx, tx, ids[p.EmployeeNo], ids[p.ManagerEmployeeNo]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, o := range org.Organizations {
		name, kind := o.Name, o.Kind
		created, err := dir.CreateOrganization(ctx, sys, directory.OrganizationInput{Name: &name, Kind: &kind})
		if err != nil {
			return fmt.Errorf("organization %s: %w", o.Name, err)
		}
		for _, c := range o.Contacts {
			cname, role, primary, h24 := c.Name, c.Role, c.Primary, c.Reachable24h
			chans := []directory.ChannelInput{{Kind: directory.KindMobile, Value: c.Phone}}
			if c.Email != "" {
				chans = append(chans, directory.ChannelInput{Kind: directory.KindEmail, Value: c.Email})
			}
			in := directory.OrgContactInput{Name: &cname, Role: &role, Primary: &primary, Reachable24h: &h24, Channels: &chans}
			if _, err := dir.SaveContact(ctx, sys, created.ID, "", in); err != nil {
				return fmt.Errorf("contact %s: %w", c.Name, err)
			}
		}
	}
	return nil
}

func personInput(p Person, deptID string) directory.PersonInput {
	eno, name, title, status, hire := p.EmployeeNo, p.Name, p.Title, p.Status, p.HireDate
	chans := []directory.ChannelInput{{Kind: directory.KindMobile, Value: p.Mobile}}
	if p.OfficePhone != "" {
		chans = append(chans, directory.ChannelInput{Kind: directory.KindLandline, Value: p.OfficePhone})
	}
	if p.Email != "" {
		chans = append(chans, directory.ChannelInput{Kind: directory.KindEmail, Value: p.Email})
	}
	ecs := make([]directory.EmergencyContactInput, 0, len(p.EmergencyContacts))
	for _, e := range p.EmergencyContacts {
		ecs = append(ecs, directory.EmergencyContactInput{Name: e.Name, Relation: e.Relation, Phone: e.Phone, Priority: e.Priority,
			ConsentBasis: "consent", NoticeVersion: "demo-1"})
	}
	return directory.PersonInput{EmployeeNo: &eno, Name: &name, DepartmentID: &deptID, Title: &title, Status: &status, HireDate: &hire,
		Channels: &chans, EmergencyContacts: &ecs, Reason: "demo data"}
}
