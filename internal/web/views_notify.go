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

// NotifyOption is one choice of the notify form's audience: a department (with its
// depth in the tree, for indentation), a roster or an external organization.
type NotifyOption struct {
	ID    string
	Name  string
	Depth int // departments: 0 for a root; the CSS indents up to 6 levels
}

// NotifyForm holds what was typed into the notify form (screen 2) or a follow-up.
type NotifyForm struct {
	All           bool
	Departments   map[string]bool
	Rosters       map[string]bool
	OnDuty        map[string]bool
	Organizations map[string]bool
	People        string         // employee numbers or person ids, separated by commas, spaces or lines
	Picked        []PickedPerson // people chosen with the live picker
	Text          string
	RequireAck    bool
	AfterMinutes  int
	SendAt        string   // schedule as typed (datetime-local, Asia/Shanghai); "" sends now
	Media         []string // escalation media in order; none: each person's channels in their own order
	Backup        bool     // escalate to the roster backup
	Manager       bool     // then to the manager
	MaxSteps      int      // rungs of a recipient's own channels tried in all
}

// NotifyMedia are the media the escalation options offer, in their usual order.
var NotifyMedia = []string{"sms", "voice", "email", "wecom", "dingtalk", "feishu"}

// DefaultMaxSteps is the number of rungs the notification service tries by default.
const DefaultMaxSteps = 6

// MediaSlots is the chosen media order padded with "" to one entry per medium, for
// the form's "1st, 2nd, …" selects.
func (f NotifyForm) MediaSlots() []string {
	out := make([]string, len(NotifyMedia))
	copy(out, f.Media)
	return out
}

// Customized reports whether the schedule or the escalation options differ from their
// defaults, so that the form shows them open.
func (f NotifyForm) Customized() bool {
	return f.SendAt != "" || len(f.Media) > 0 || !f.Backup || !f.Manager || (f.MaxSteps != 0 && f.MaxSteps != DefaultMaxSteps)
}

// PickedPerson is a person offered or chosen by the notify form's people picker: name
// and department only, never a contact value.
type PickedPerson struct {
	ID         string
	EmployeeNo string
	Name       string
	Department string // name path
	Chosen     bool   // already in the form (search results only)
}

// PeoplePickData is the data of the people picker's search results.
type PeoplePickData struct {
	IncidentID string
	Q          string
	Results    []PickedPerson
	More       bool // there are more matches than shown
}

// PeopleChipData is the data of one chosen person's chip in the notify form.
type PeopleChipData struct {
	IncidentID string
	Person     PickedPerson
}

// PickItem is one search result of the people picker; OOB marks it as replacing the
// result shown (htmx out-of-band), once the person was added.
type PickItem struct {
	IncidentID string
	Person     PickedPerson
	OOB        bool
}

// NotifyPreview is the recipient count of an audience before sending.
type NotifyPreview struct {
	Recipients  int
	Reachable   int
	Unreachable int
	ByMedia     []MediaCount
	NeedsSecond bool // an organization-wide send waits for a second responder
}

// MediaCount is how many recipients a medium reaches first.
type MediaCount struct {
	Media string
	Count int
}

// NotifySummary is one notification in the incident page's list.
type NotifySummary struct {
	ID, Text, Status, Creator string
	CreatedAt                 time.Time
	SendAt                    time.Time // when it goes out (scheduled) or went out
	Recipients, Sent, Acked   int
	NeedHelp                  int
}

// NotifyPanel is the notification part of an incident page: the notify form (when the
// viewer may send and the incident is active), a preview, and the notifications sent.
type NotifyPanel struct {
	IncidentID    string
	Drill         bool
	CanSend       bool
	Form          NotifyForm
	Errors        map[string]string // field → translated message
	Preview       *NotifyPreview
	Departments   []NotifyOption // in tree order
	Rosters       []NotifyOption
	Organizations []NotifyOption
	Notifications []NotifySummary
}

// MediaChoices are the media the escalation options offer.
func (NotifyPanel) MediaChoices() []string { return NotifyMedia }

// BoardCounts are the counts of a notification's live board.
type BoardCounts struct {
	Recipients, Queued, Sent, Delivered, Failed, Acknowledged, Safe, NeedHelp, Unreachable int
}

// BoardPerson is one recipient on a board list (needs help, or could not be reached).
type BoardPerson struct {
	Name, Department, Status, Note, Error string
	At                                    *time.Time
}

// BoardLive is the part of the board that updates live.
type BoardLive struct {
	IncidentID, NotificationID string
	Status                     string
	Counts                     BoardCounts
	NeedHelp                   []BoardPerson
	Unreachable                []BoardPerson
}

// TimelineItem is one entry of an incident's timeline.
type TimelineItem struct {
	Kind, Text, Author string
	At                 time.Time
}

// TimelineView is an incident's timeline with its add-update form, on the incident page
// and on a board (NotificationID set: the form returns there).
type TimelineView struct {
	IncidentID     string
	NotificationID string
	Items          []TimelineItem
	CanWrite       bool   // the viewer may add an update (and the incident is active)
	Text           string // what was typed, after a refused update
	Error          string // why it was refused (translated)
}

// BoardData is the data of a notification's live board (screen 3).
type BoardData struct {
	IncidentID     string
	IncidentTitle  string
	IncidentLevel  string
	IncidentActive bool
	Drill          bool
	NotificationID string
	Text           string
	Status         string // pending_approval, scheduled, sending, cancelled
	Creator        string
	ApprovedBy     string
	CreatedAt      time.Time
	SendAt         time.Time // when a scheduled notification goes out
	RequireAck     bool
	Policy         PolicyView
	Live           BoardLive
	CanWrite       bool // may cancel, follow up and update the timeline
	CanApprove     bool // another responder than the sender, while it waits
	Followup       NotifyForm
	FollowupErrors map[string]string
	Timeline       TimelineView
	Notice         string // translated notice, e.g. after approving
}

// PolicyView is a notification's escalation policy as its board shows it.
type PolicyView struct {
	AfterMinutes int
	Media        []string // in order; none: each person's channels in their own order
	Backup       bool
	Manager      bool
	MaxSteps     int
}

// ProviderRow is one provider account on the providers page.
type ProviderRow struct {
	ID, Kind, Name, Media string
	Priority              int
	Enabled               bool
	CallbackURL           string
	CreatedAt             time.Time
}

// ProviderForm holds what was typed into the add-provider form; the secret and the
// configuration are never sent back.
type ProviderForm struct {
	Kind, Name, URL string
	Priority        int
}

// ProvidersData is the data of the providers admin page.
type ProvidersData struct {
	Providers []ProviderRow
	Kinds     []string
	Form      ProviderForm
	Errors    map[string]string
	Notice    string
}
