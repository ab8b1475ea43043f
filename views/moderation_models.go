package views

import (
	"time"

	"github.com/a-h/templ"
)

// Moderation is the data of GET /groups/{id}/moderation: the incident
// switches, and the mute, block and allow lists with their forms.
type Moderation struct {
	ID       string
	Name     string
	Owner    string
	Mute     bool // the whole group is muted (mute-all)
	Disabled bool
	Muted    []MutedRow
	Blocked  []BlockedRow
	Allowed  []AllowedRow
	Block    BlockForm
	Allow    AllowForm
	// MinUntil is the earliest date a block may end (tomorrow, UTC,
	// YYYY-MM-DD).
	MinUntil string
	URLs     ModerationURLs
}

// ModerationURLs are where the moderation page's forms post.
type ModerationURLs struct {
	MuteAll, UnmuteAll, Disable, DisableConfirm, Enable templ.SafeURL
	Unmute, Block, Unblock, Allow, Disallow             templ.SafeURL
	Announcement, Page                                  templ.SafeURL
}

// MutedRow is one muted member.
type MutedRow struct {
	Username string
	Until    time.Time // zero: until unmuted
}

// BlockedRow is one user on the block list, with what Groupdesk recorded
// about the block (Recorded false: blocked outside Groupdesk, or before it
// kept records).
type BlockedRow struct {
	Username  string
	Recorded  bool
	Reason    string
	BlockedBy string
	BlockedAt time.Time
	Until     time.Time // zero: until unblocked
}

// AllowedRow is one user on the allow list; the owner is always on it.
type AllowedRow struct {
	Username string
	Owner    bool
}

// BlockForm is the block form as typed, with its errors by field.
type BlockForm struct {
	Usernames string
	Reason    string
	Until     string
	Errors    map[string]string
}

// AllowForm is the allow-list form as typed.
type AllowForm struct {
	Username string
	Error    string
}

// Fields of the moderation forms.
const (
	FieldUsername     = "username"
	FieldReason       = "reason"
	FieldUntil        = "until"
	FieldAnnouncement = "announcement"
)

// DisableConfirm is the question before disabling a group (dialog and
// page).
type DisableConfirm struct {
	ID        string
	Name      string
	Action    templ.SafeURL
	CancelURL templ.SafeURL
}

// AnnouncementForm is the data of GET /groups/{id}/announcement.
type AnnouncementForm struct {
	ID     string
	Text   string
	Orig   string // the text the form was rendered from
	Max    int
	Error  string // translated
	Action templ.SafeURL
}

// GroupHistory is the data of GET /groups/{id}/history.
type GroupHistory struct {
	ID       string
	Rows     []AuditRow
	NewerURL templ.SafeURL
	OlderURL templ.SafeURL
	AuditURL templ.SafeURL // the whole audit log, filtered to this group
}
