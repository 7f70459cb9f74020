package review

import (
	"fmt"
	"time"
)

// anyTime scans a timestamp that SQLite may hand over as text (through a UNION, where
// the column's declared type is lost) and PostgreSQL as a time; NULL leaves it invalid.
type anyTime struct {
	T     time.Time
	Valid bool
}

// Scan implements sql.Scanner.
func (a *anyTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*a = anyTime{}
		return nil
	case time.Time:
		*a = anyTime{T: x.UTC(), Valid: true}
		return nil
	case []byte:
		return a.parse(string(x))
	case string:
		return a.parse(x)
	}
	return fmt.Errorf("cannot scan %T as a time", v)
}

func (a *anyTime) parse(s string) error {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			*a = anyTime{T: t.UTC(), Valid: true}
			return nil
		}
	}
	return fmt.Errorf("cannot read time %q", s)
}

// ptr is the time, or nil when NULL.
func (a anyTime) ptr() *time.Time {
	if !a.Valid {
		return nil
	}
	t := a.T
	return &t
}
