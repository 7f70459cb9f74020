package roster

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"lifeline/internal/access"
	"lifeline/internal/errs"
	"lifeline/internal/store"
)

// ICS feeds publish shifts to calendar apps behind an unguessable link: a 256-bit random
// token, stored only as its SHA-256, revocable. The feed holds names, never phone numbers.
const (
	icsPast   = 30 * 24 * time.Hour
	icsFuture = 90 * 24 * time.Hour
)

// ICSLink is a created link; Token and URL are shown once, at creation.
type ICSLink struct {
	ID        string    `json:"id"`
	RosterID  string    `json:"roster_id,omitempty"`
	PersonID  string    `json:"person_id,omitempty"`
	Token     string    `json:"token,omitempty"`
	URL       string    `json:"url,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func linkNotFound() error { return errs.E(errs.NotFound, "link not found") }

// CreateRosterICSLink creates a feed link for a roster's shifts (its owners, admin, hr).
func (s *Service) CreateRosterICSLink(ctx context.Context, p *access.Principal, rosterID string) (ICSLink, error) {
	now := s.clock.Now()
	l := ICSLink{ID: store.NewID(), RosterID: rosterID, Token: newToken(), CreatedAt: now.UTC()}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := editable(ctx, tx, p, rosterID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ics_links (id, token_hash, roster_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5)`,
			l.ID, hashToken(l.Token), rosterID, p.Username, store.TS(now)); err != nil {
			return fmt.Errorf("insert ics link: %w", err)
		}
		if err := touch(ctx, tx, rosterID, now); err != nil {
			return err
		}
		return record(ctx, tx, p, rosterID, "ics_link.create", l.ID, now)
	})
	l.URL = "/ics/" + l.Token
	return l, err
}

// mayLinkPerson: the person themself, admin and hr.
func mayLinkPerson(p *access.Principal, personID string) bool {
	return p.Can(access.RosterRead) && (p.IsSelf(personID) || p.Role == access.Admin || p.Role == access.HR)
}

// CreatePersonICSLink creates a feed link for a person's shifts across rosters.
func (s *Service) CreatePersonICSLink(ctx context.Context, p *access.Principal, personID string) (ICSLink, error) {
	if !mayLinkPerson(p, personID) {
		return ICSLink{}, errs.E(errs.Forbidden, "only the person (or admin or hr) may publish their duty calendar")
	}
	now := s.clock.Now()
	l := ICSLink{ID: store.NewID(), PersonID: personID, Token: newToken(), CreatedAt: now.UTC()}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM people WHERE id = $1`, personID).Scan(&n); err != nil {
			return fmt.Errorf("load person: %w", err)
		}
		if n == 0 {
			return errs.E(errs.NotFound, "person not found")
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO ics_links (id, token_hash, person_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5)`,
			l.ID, hashToken(l.Token), personID, p.Username, store.TS(now))
		return err
	})
	l.URL = "/ics/" + l.Token
	return l, err
}

// RevokeRosterICSLink revokes a roster's feed link.
func (s *Service) RevokeRosterICSLink(ctx context.Context, p *access.Principal, rosterID, lid string) error {
	now := s.clock.Now()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := editable(ctx, tx, p, rosterID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE ics_links SET revoked_at = $1 WHERE id = $2 AND roster_id = $3 AND revoked_at IS NULL`, store.TS(now), lid, rosterID)
		if err != nil {
			return fmt.Errorf("revoke ics link: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return linkNotFound()
		}
		if err := touch(ctx, tx, rosterID, now); err != nil {
			return err
		}
		return record(ctx, tx, p, rosterID, "ics_link.revoke", lid, now)
	})
}

// RevokePersonICSLink revokes a person's feed link.
func (s *Service) RevokePersonICSLink(ctx context.Context, p *access.Principal, personID, lid string) error {
	if !mayLinkPerson(p, personID) {
		return errs.E(errs.Forbidden, "only the person (or admin or hr) may revoke their duty calendar")
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE ics_links SET revoked_at = $1 WHERE id = $2 AND person_id = $3 AND revoked_at IS NULL`, store.TS(s.clock.Now()), lid, personID)
		if err != nil {
			return fmt.Errorf("revoke ics link: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return linkNotFound()
		}
		return nil
	})
}

// ICSFeed returns the calendar of a link's token: the shifts from 30 days ago to 90 days
// ahead. An unknown and a revoked token are the same not found.
func (s *Service) ICSFeed(ctx context.Context, token string) ([]byte, error) {
	now := s.clock.Now()
	var out []byte
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var rosterID, personID sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT roster_id, person_id FROM ics_links WHERE token_hash = $1 AND revoked_at IS NULL`, hashToken(token)).Scan(&rosterID, &personID)
		if errors.Is(err, sql.ErrNoRows) {
			return linkNotFound()
		}
		if err != nil {
			return fmt.Errorf("load ics link: %w", err)
		}
		var rosterIDs []string
		if rosterID.Valid {
			rosterIDs = []string{rosterID.String}
		} else {
			rows, err := tx.QueryContext(ctx, `SELECT DISTINCT r.roster_id FROM rotations r JOIN rosters x ON x.id = r.roster_id
				WHERE x.deleted_at IS NULL ORDER BY r.roster_id`)
			if err != nil {
				return fmt.Errorf("list rotations: %w", err)
			}
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				rosterIDs = append(rosterIDs, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		var events []icsEvent
		names := map[string]string{}
		for _, id := range rosterIDs {
			var rname string
			var deleted sql.NullTime
			if err := tx.QueryRowContext(ctx, `SELECT name, deleted_at FROM rosters WHERE id = $1`, id).Scan(&rname, &deleted); err != nil {
				return fmt.Errorf("load roster: %w", err)
			}
			if deleted.Valid {
				return linkNotFound()
			}
			rs, err := loadRotations(ctx, tx, id, "")
			if err != nil {
				return err
			}
			for _, r := range rs {
				for _, sh := range r.schedule().Shifts(now.Add(-icsPast), now.Add(icsFuture)) {
					if personID.Valid && sh.PersonID != personID.String {
						continue
					}
					if _, ok := names[sh.PersonID]; !ok {
						var n string
						if err := tx.QueryRowContext(ctx, `SELECT name FROM people WHERE id = $1`, sh.PersonID).Scan(&n); err != nil && !errors.Is(err, sql.ErrNoRows) {
							return fmt.Errorf("load person: %w", err)
						}
						names[sh.PersonID] = n
					}
					events = append(events, icsEvent{uid: fmt.Sprintf("%s-%d@lifeline", r.ID, sh.Start.Unix()), start: sh.Start, end: sh.End,
						summary: "值班: " + rname + " — " + names[sh.PersonID], description: r.Name, override: sh.Override})
				}
			}
		}
		out = renderICS(events, now)
		return nil
	})
	return out, err
}

type icsEvent struct {
	uid, summary, description string
	start, end                time.Time
	override                  bool
}

// renderICS writes an RFC 5545 calendar: CRLF line ends, lines folded at 75 octets,
// times in UTC.
func renderICS(events []icsEvent, now time.Time) []byte {
	var b strings.Builder
	line := func(s string) { b.WriteString(foldICS(s)) }
	const utc = "20060102T150405Z"
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Lifeline//Rotations//ZH")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("X-WR-CALNAME:" + escapeICS("值班 Lifeline"))
	for _, e := range events {
		line("BEGIN:VEVENT")
		line("UID:" + e.uid)
		line("DTSTAMP:" + now.UTC().Format(utc))
		line("DTSTART:" + e.start.UTC().Format(utc))
		line("DTEND:" + e.end.UTC().Format(utc))
		line("SUMMARY:" + escapeICS(e.summary))
		desc := e.description
		if e.override {
			desc += " (调班 override)"
		}
		line("DESCRIPTION:" + escapeICS(desc))
		line("TRANSP:TRANSPARENT")
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return []byte(b.String())
}

func escapeICS(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", "").Replace(s)
}

// foldICS ends a content line with CRLF, folding it into lines of at most 75 octets
// without splitting a UTF-8 character.
func foldICS(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		l := utf8.RuneLen(r)
		if n+l > 75 {
			b.WriteString("\r\n ")
			n = 1
		}
		b.WriteRune(r)
		n += l
	}
	b.WriteString("\r\n")
	return b.String()
}
