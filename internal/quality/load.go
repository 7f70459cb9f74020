package quality

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"lifeline/internal/store"
)

// person is what the checks know of one person.
type person struct {
	id, employeeNo, name, status, ownerID, deptPath string
	confirmed                                       time.Time
	phones                                          []contactPoint // own phone channels, in preference order
	contacts                                        []contactPoint // emergency contacts by priority
	ecChanges                                       int            // changes to emergency contacts in the last 12 months
}

// contactPoint is one channel or emergency contact, as recorded at write time.
type contactPoint struct {
	id, kind, phoneType, lookup, problem string
	undeliverable                        bool // its latest failure (refused number, failed receipt) came after its latest success
	priority                             int
	verified, delivered, acked           time.Time
}

// snapshot is everything a recheck reads, in one read transaction.
type snapshot struct {
	people   []*person
	byID     map[string]*person
	status   map[string]string   // every person's status, departed included (for owners)
	crossChk map[string][]string // employee number → lookups in other systems
	all      map[string]*person  // every person, departed included (roster findings)
	rosters  []*rosterData       // rosters that are not deleted (roster.go)
}

func nullTime(t sql.NullTime) time.Time {
	if t.Valid {
		return t.Time.UTC()
	}
	return time.Time{}
}

func load(ctx context.Context, db *store.DB, now time.Time) (*snapshot, error) {
	s := &snapshot{byID: map[string]*person{}, status: map[string]string{}, crossChk: map[string][]string{}, all: map[string]*person{}}
	err := db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT p.id, p.employee_no, p.name, p.status, COALESCE(p.owner_id, ''), d.path, p.last_confirmed_at
			FROM people p JOIN departments d ON d.id = p.department_id`)
		if err != nil {
			return fmt.Errorf("load people: %w", err)
		}
		for rows.Next() {
			p := &person{}
			var confirmed sql.NullTime
			if err := rows.Scan(&p.id, &p.employeeNo, &p.name, &p.status, &p.ownerID, &p.deptPath, &confirmed); err != nil {
				rows.Close()
				return err
			}
			p.confirmed = nullTime(confirmed)
			s.status[p.id] = p.status
			s.all[p.id] = p
			if p.status != "departed" { // departed staff are archived, not checked
				s.people = append(s.people, p)
				s.byID[p.id] = p
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		undeliverable, err := undeliverableChannels(ctx, tx)
		if err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, `SELECT id, person_id, kind, phone_type, lookup, problem, verified_at, last_delivery_at, last_ack_at
			FROM channels WHERE person_id IS NOT NULL AND kind IN ('mobile', 'landline') ORDER BY person_id, position`)
		if err != nil {
			return fmt.Errorf("load channels: %w", err)
		}
		for rows.Next() {
			var pid string
			var c contactPoint
			var v, d, a sql.NullTime
			if err := rows.Scan(&c.id, &pid, &c.kind, &c.phoneType, &c.lookup, &c.problem, &v, &d, &a); err != nil {
				rows.Close()
				return err
			}
			c.verified, c.delivered, c.acked = nullTime(v), nullTime(d), nullTime(a)
			c.undeliverable = undeliverable[c.id]
			if p := s.byID[pid]; p != nil {
				p.phones = append(p.phones, c)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, `SELECT person_id, priority, phone_type, lookup, problem, verified_at FROM emergency_contacts ORDER BY person_id, priority`)
		if err != nil {
			return fmt.Errorf("load emergency contacts: %w", err)
		}
		for rows.Next() {
			var pid string
			var c contactPoint
			var v sql.NullTime
			if err := rows.Scan(&pid, &c.priority, &c.phoneType, &c.lookup, &c.problem, &v); err != nil {
				rows.Close()
				return err
			}
			c.kind, c.verified = "emergency", nullTime(v)
			if p := s.byID[pid]; p != nil {
				p.contacts = append(p.contacts, c)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// Changes to emergency contacts in the last year, from the history.
		rows, err = tx.QueryContext(ctx, `SELECT person_id, changes FROM history WHERE entity = 'person' AND at >= $1 AND changes LIKE '%emergency_contact.%'`,
			store.TS(now.AddDate(-1, 0, 0)))
		if err != nil {
			return fmt.Errorf("load history: %w", err)
		}
		for rows.Next() {
			var pid, changes string
			if err := rows.Scan(&pid, &changes); err != nil {
				rows.Close()
				return err
			}
			var cs []struct{ Field, Before string }
			if json.Unmarshal([]byte(changes), &cs) != nil {
				continue
			}
			for _, c := range cs {
				// A first entry (no "before") is not a change of a contact.
				if strings.HasPrefix(c.Field, "emergency_contact.") && c.Before != "" {
					if p := s.byID[pid]; p != nil {
						p.ecChanges++
					}
					break
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, `SELECT employee_no, lookup FROM cross_check`)
		if err != nil {
			return fmt.Errorf("load cross-check: %w", err)
		}
		for rows.Next() {
			var eno, lookup string
			if err := rows.Scan(&eno, &lookup); err != nil {
				rows.Close()
				return err
			}
			s.crossChk[eno] = append(s.crossChk[eno], lookup)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		return loadRosters(ctx, tx, s)
	})
	return s, err
}

// undeliverableChannels returns the channels whose latest delivery failure that blames
// the address (a provider refused the number, or a receipt reported it failed) is more
// recent than their latest confirmed delivery or acknowledgement.
func undeliverableChannels(ctx context.Context, tx *sql.Tx) (map[string]bool, error) {
	// Confirmed: delivered, or answered through (the recipient's ack_delivery_id; rows
	// from before that was derived are in state acknowledged).
	rows, err := tx.QueryContext(ctx, `SELECT channel_id, CASE WHEN confirmed IS NULL AND answered IS NULL THEN 1
			WHEN last_failed > COALESCE(confirmed, answered) AND last_failed > COALESCE(answered, confirmed) THEN 1 ELSE 0 END
		FROM (SELECT f.channel_id, MAX(f.failed_at) AS last_failed,
			(SELECT MAX(COALESCE(x.acknowledged_at, x.delivered_at)) FROM deliveries x
				WHERE x.channel_id = f.channel_id AND x.state IN ('delivered', 'acknowledged')) AS confirmed,
			(SELECT MAX(r.acked_at) FROM deliveries x JOIN recipients r ON r.id = x.recipient_id AND r.ack_delivery_id = x.id
				WHERE x.channel_id = f.channel_id) AS answered
		FROM deliveries f WHERE f.state = 'failed' AND f.channel_id IS NOT NULL AND (f.error LIKE 'recipient:%' OR f.error LIKE 'receipt:%')
		GROUP BY f.channel_id) c`)
	if err != nil {
		return nil, fmt.Errorf("load delivery failures: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		var bad int
		if err := rows.Scan(&id, &bad); err != nil {
			return nil, err
		}
		if bad == 1 {
			out[id] = true
		}
	}
	return out, rows.Err()
}
