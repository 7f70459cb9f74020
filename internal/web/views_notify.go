package web

import "time"

// AckData is the data of the one-tap acknowledgement page (no login: the link is the
// credential).
type AckData struct {
	Token     string
	Invalid   bool // the link is unknown or forged
	Title     string
	Level     string
	Text      string
	Drill     bool
	Status    string // the answer recorded so far
	AckedAt   *time.Time
	Expired   bool
	Escalated bool   // sent to a backup or manager on someone's behalf
	Done      bool   // an answer was just recorded
	Error     string // why the answer was not recorded
}
