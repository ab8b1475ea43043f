package views

import (
	"time"

	"github.com/a-h/templ"
)

// MembersPage is the data of GET /groups/{id}/members: one page of the
// members (after the filter) and the member actions.
type MembersPage struct {
	ID, Name, Owner       string
	MemberCount, MaxUsers int
	Matching              int // members that match Query, all pages
	Query                 string
	Page, Pages           int
	Rows                  []MemberRow
	PrevURL, NextURL      templ.SafeURL
	URLs                  MemberActionURLs
	Durations             []string // mute durations: "10m", "1h", "1d", "7d", "forever"
	AddDraft              string   // the names of an add refused as a whole, offered again
}

// MemberRow is one member on the Members tab.
type MemberRow struct {
	Username   string
	URL        templ.SafeURL // the user's groups
	Owner      bool
	Admin      bool
	Muted      bool
	MutedUntil time.Time // zero: until unmuted
	AddedBy    string    // the Groupdesk account that added the member, when known
	AddedAt    time.Time
}

// MemberActionURLs are the forms' actions on the Members tab.
type MemberActionURLs struct {
	Members, Remove, Admins, AdminsRemove, Owner, Mutes, MutesRemove, Blocks templ.SafeURL
}

// RemoveConfirm asks before members are removed.
type RemoveConfirm struct {
	Usernames []string
	Action    templ.SafeURL
	CancelURL templ.SafeURL
}

// OwnerConfirm asks before the group changes owner.
type OwnerConfirm struct {
	Group, Owner, NewOwner string
	Action                 templ.SafeURL
	CancelURL              templ.SafeURL
}
