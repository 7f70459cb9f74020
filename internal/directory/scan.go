package directory

import (
	"database/sql"
	"time"
)

// sqlNullTime scans a nullable timestamp and hands it out as an optional UTC time.
type sqlNullTime struct{ sql.NullTime }

func (t sqlNullTime) ptr() *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}
