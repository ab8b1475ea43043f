package views

import (
	"time"

	"github.com/a-h/templ"
)

// Navigation item of the jobs pages.
const NavJobs = "jobs"

// UserPage is the data of GET /users/{username}: one page of the user's
// groups with their role in each, and the cross-group actions.
type UserPage struct {
	Username string
	NotFound bool // Agora does not know the user: an inline message
	Rows     []UserGroupRow
	PageNum  int
	PageSize int
	PrevURL  templ.SafeURL
	NextURL  templ.SafeURL
	CSVURL   templ.SafeURL
	Action   templ.SafeURL // POST target of the actions form
	// DetailsError: the roles and member counts could not be read.
	DetailsError string
	Durations    []string // mute durations offered
}

// UserGroupRow is one group of a user's page.
type UserGroupRow struct {
	ID      string
	Name    string
	URL     templ.SafeURL
	Role    string // "owner", "admin", "member" or "" (not known)
	Members int    // -1: not known
}

// BulkConfirm is the confirmation of a bulk action: what will happen to
// how many groups. The form repeats the request with confirm=1 and, for
// BulkTypedMin groups or more, the number typed.
type BulkConfirm struct {
	Action   templ.SafeURL
	Cancel   templ.SafeURL
	Kind     string // remove, block, mute, delete-owned, delete
	Username string
	Groups   []BulkGroup // shown (at most BulkShown) and sent back
	Count    int
	All      bool // "all=1": the user's groups, listed again on confirm
	Reason   string
	Duration string
	Until    string
	Typed    bool   // the moderator must type Count
	Error    string // the typed number was wrong, or a field
	Invalid  bool   // the request cannot go on as it is: no confirm button
	Skipped  int    // delete-owned: selected groups the user does not own
}

// BulkTypedMin is how many groups make the moderator type the number.
const BulkTypedMin = 10

// BulkShown is how many groups the confirmation names.
const BulkShown = 50

// BulkGroup is a group a bulk action names.
type BulkGroup struct {
	ID      string
	Name    string
	Members int // delete: how many members it has; -1 not known
}

// JobView is a job as its page shows it.
type JobView struct {
	ID         int64
	URL        templ.SafeURL
	Title      string // translated: what the job does
	State      string // queued, running, interrupted, done, canceled, failed
	StartedBy  string
	EndedBy    string
	Error      string
	Created    time.Time
	Finished   time.Time
	Done       int64
	Failed     int64
	Total      int64
	Remaining  int64
	Percent    int
	PerSecond  float64 // groups a second while running
	Left       time.Duration
	Calls      int64
	CSVURL     templ.SafeURL
	CancelURL  templ.SafeURL
	RetryURL   templ.SafeURL // "" when nothing failed
	RetryOfURL templ.SafeURL // the job this one retries
	RetryOf    int64
	Failures   []JobItem // the first failed groups
}

// JobItem is one group of a job.
type JobItem struct {
	Group  string
	URL    templ.SafeURL
	Status string
	Reason string
}

// JobList is GET /jobs.
type JobList struct {
	Jobs []JobView
}
