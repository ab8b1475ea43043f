package views

import (
	"time"

	"github.com/a-h/templ"
)

// Page is what every page and fragment needs besides its own data: the
// translator, who is signed in, the CSRF token for forms and the flash left
// by the previous POST.
type Page struct {
	L      Localizer
	Title  string // already translated
	Nav    string // active nav item: NavGroups, NavNewGroup or ""
	User   string // signed-in moderator; "" on the login and error pages of anonymous visitors
	CSRF   string
	Flash  *Flash
	Mode   string // "sandbox" or "agora"
	Assets Assets
	// Here is the current path and query, where the language switcher returns.
	Here string
	// Role is the signed-in account's role, translated; "" when anonymous.
	Role string
	// CanEdit: the account may create, edit and delete groups and run
	// reports. CanManageAccounts: it may manage dashboard accounts. Pages
	// show no control the account cannot use.
	CanEdit           bool
	CanManageAccounts bool
	// RefreshSeconds > 0 makes the page reload itself when JavaScript is
	// off (a meta refresh inside <noscript>), while a report runs.
	RefreshSeconds int
}

// Navigation items.
const (
	NavGroups   = "groups"
	NavNewGroup = "new"
	NavAudit    = "audit"
	NavReports  = "reports"
	NavAccounts = "accounts"
)

// Flash is a one-time message shown after a redirect.
type Flash struct {
	Kind string // FlashSuccess, FlashInfo or FlashError
	Text string
	// Outcomes, when an action was about several users, say what it did
	// to each (shown as a table under the text).
	Outcomes []MemberOutcome `json:",omitempty"`
}

// MemberOutcome is what one action did to one user.
type MemberOutcome struct {
	Username string
	Status   string // OutcomeDone, OutcomeAlready or OutcomeRefused
	Reason   string // translated; why it was refused, or a note
}

// Member outcome statuses.
const (
	OutcomeDone    = "done"
	OutcomeAlready = "already" // nothing to do: the user already was so (counts as done)
	OutcomeRefused = "refused"
)

// Group page tabs.
const (
	TabOverview   = "overview"
	TabMembers    = "members"
	TabModeration = "moderation"
	TabHistory    = "history"
)

// Flash kinds.
const (
	FlashSuccess = "success"
	FlashInfo    = "info"
	FlashError   = "error"
)

// Assets are the versioned URLs of the static files.
type Assets struct {
	CSS  templ.SafeURL
	HTMX templ.SafeURL
	App  templ.SafeURL
}

// GroupRow is one line of the list of all groups.
type GroupRow struct {
	ID           string
	Name         string
	Owner        string
	Members      int
	LastModified time.Time
	URL          templ.SafeURL
	EditURL      templ.SafeURL
	DeleteURL    templ.SafeURL
	OwnerURL     templ.SafeURL
}

// GroupList is the data of GET /groups: the rows FirstRow to LastRow of
// the list (1-based), one page or several after "Load more".
type GroupList struct {
	Rows      []GroupRow // those to render: all shown, or the page "Load more" adds
	Limit     int
	PageSizes []int
	FirstRow  int
	LastRow   int           // < FirstRow when nothing is shown
	NextURL   templ.SafeURL // the page after the rows shown; "" at the end
	PrevURL   templ.SafeURL // the page before them; "" at the start
	// MoreURL fetches the next page's rows for "Load more" (htmx), and
	// MorePushURL is the address of the grown list it puts in the address
	// bar; "" at the end, or when as many pages are shown as one address
	// may hold.
	MoreURL     templ.SafeURL
	MorePushURL templ.SafeURL
}

// Member is one row of a group's member table.
type Member struct {
	Username string
	Owner    bool
}

// GroupDetail is the data of GET /groups/{id}.
type GroupDetail struct {
	ID                string
	Name              string
	Description       string
	Owner             string
	OwnerURL          templ.SafeURL
	Created           time.Time
	Public            bool
	MembersOnly       bool
	AllowInvites      bool
	InviteNeedConfirm bool
	MaxUsers          int
	Custom            string
	Mute              bool
	Disabled          bool
	MemberCount       int
	Members           []Member // after the filter
	Query             string
	URL               templ.SafeURL
	EditURL           templ.SafeURL
	DeleteURL         templ.SafeURL
	CSVURL            templ.SafeURL
	// MemberURL is the page of a member's groups. It is asked while the row
	// renders, so a group of thousands does not keep thousands of URLs in
	// memory for the whole page.
	MemberURL func(username string) templ.SafeURL
}

// GroupFormValues are the fields of the create and edit forms, as typed.
type GroupFormValues struct {
	GroupName         string
	Description       string
	Owner             string
	Members           string
	MaxUsers          string
	Public            bool
	MembersOnly       bool
	AllowInvites      bool
	InviteNeedConfirm bool
	Custom            string
}

// GroupForm is the data of the create and edit forms.
type GroupForm struct {
	Edit        bool
	ID          string // edit only
	Action      templ.SafeURL
	CancelURL   templ.SafeURL
	Values      GroupFormValues
	Orig        GroupFormValues // edit only: the values the form was rendered from
	MemberCount int             // edit only
	Errors      map[string]string
	FormError   string
	Token       string // create only: the one-time token of this rendering
	// Conflicts (edit only) are the fields this moderator changed that
	// someone else changed in Agora since the form was rendered; the form
	// is then based on Agora's current values, so saving it applies the
	// moderator's over them.
	Conflicts []FieldConflict
}

// FieldConflict is one field of an edit conflict, as text to show.
type FieldConflict struct {
	Field   string // a Field… name
	Base    string // when the form was rendered
	Yours   string // what the moderator typed
	Current string // in Agora now
}

// Field names of the group forms; the same names as Agora's JSON keys.
const (
	FieldGroupName         = "groupname"
	FieldDescription       = "description"
	FieldOwner             = "owner"
	FieldMembers           = "members"
	FieldMaxUsers          = "maxusers"
	FieldPublic            = "public"
	FieldMembersOnly       = "membersonly"
	FieldAllowInvites      = "allowinvites"
	FieldInviteNeedConfirm = "invite_need_confirm"
	FieldCustom            = "custom"
)

// DeleteConfirm is the data of the delete confirmation (dialog and page).
type DeleteConfirm struct {
	ID          string
	Name        string
	MemberCount int
	Action      templ.SafeURL
	CancelURL   templ.SafeURL
}

// JoinedGroupRow is one group in a user's list.
type JoinedGroupRow struct {
	ID    string
	Name  string
	URL   templ.SafeURL
	Owner bool // the user owns this group (known when UserGroups.OwnersShown)
}

// UserGroups is the data of GET /users/{username}/groups.
type UserGroups struct {
	Username  string
	PageURL   templ.SafeURL // the user's page, with the cross-group actions
	Rows      []JoinedGroupRow
	PageNum   int
	PageSize  int
	PageSizes []int
	NextURL   templ.SafeURL
	PrevURL   templ.SafeURL
	Action    templ.SafeURL // the page's own path, for the page size form
	CSVURL    templ.SafeURL // all of the user's groups as CSV
	// OwnersShown: the batched detail call said which groups the user
	// owns; DetailsError is the translated note when it failed.
	OwnersShown  bool
	DetailsError string
}

// Login is the data of the sign-in page.
type Login struct {
	Username string
	Next     string
	Error    string // translated
}

// ErrorInfo is the data of the error page.
type ErrorInfo struct {
	Status    int
	Heading   string // translated
	Message   string // translated
	RequestID string // the X-Request-Id, so a moderator can quote it and an operator find the log lines
}

// Option is one choice of a <select>.
type Option struct {
	Value string
	Label string // translated
}

// AuditRow is one record of the audit log.
type AuditRow struct {
	ID            int64
	At            time.Time
	Actor         string // "" for a sign-in attempt by nobody known
	Addr          string
	ActionLabel   string // translated
	Action        string // e.g. "group.update"
	Target        string
	TargetURL     templ.SafeURL // "" when there is nothing to link to
	TargetDeleted bool          // a group a later record shows deleted
	Summary       []string      // translated lines
	Outcome       string        // "success", "failure" or "unknown"
	OutcomeLabel  string        // translated
	Error         string        // translated: why it failed, in plain words
	ErrorDetail   string        // the stored "code: message", for whoever looks into it
	Attempts      string        // translated: how many failed sign-ins the record stands for, and when
}

// AuditFilter is the audit log's filter form, as typed.
type AuditFilter struct {
	Actor, Action, Target, Outcome, From, To string
	Kind                                     string // group changes, sign-ins…: store.AuditKinds
}

// AuditList is the data of GET /audit.
type AuditList struct {
	Rows        []AuditRow
	Filter      AuditFilter
	Actions     []Option
	Kinds       []Option
	Outcomes    []Option
	NewerURL    templ.SafeURL // "" on the newest page
	OlderURL    templ.SafeURL // "" on the oldest page
	CSVURL      templ.SafeURL
	FilterError string // translated
}

// AccountRow is one dashboard account on the accounts page.
type AccountRow struct {
	Username       string
	Role           string // "viewer", "moderator" or "admin"
	RoleLabel      string // translated
	Disabled       bool
	Created        time.Time
	LastLogin      time.Time
	Self           bool // the signed-in account
	RoleAction     templ.SafeURL
	PasswordAction templ.SafeURL
	DisableAction  templ.SafeURL
	EnableAction   templ.SafeURL
}

// NewAccountForm is the create-account form, as typed.
type NewAccountForm struct {
	Username  string
	Role      string
	Errors    map[string]string // field → translated message
	FormError string
}

// Fields of the create-account form.
const (
	FieldAccountUsername = "username"
	FieldAccountPassword = "password"
	FieldAccountRole     = "role"
)

// AccountsPage is the data of GET /accounts.
type AccountsPage struct {
	Rows  []AccountRow
	Roles []Option
	New   NewAccountForm
}

// ReportRun is the membership report that runs, or ran last.
type ReportRun struct {
	State     string // "queued", "running", "interrupted", "done", "canceled" or "failed"
	StartedBy string
	Started   time.Time
	Finished  time.Time // zero while running
	Groups    int       // groups read so far
	Calls     int       // Agora calls made so far
	Error     string    // why it failed
	EndedBy   string    // who canceled it
}

// ReportGroup is a group named in a report.
type ReportGroup struct {
	ID       string
	Name     string
	Owner    string
	Members  int
	MaxUsers int
	URL      templ.SafeURL
	OwnerURL templ.SafeURL
}

// ReportOwner is an owner and how many groups they own.
type ReportOwner struct {
	Username string
	Groups   int
	URL      templ.SafeURL
}

// ReportResult is the summary of the last finished membership report.
type ReportResult struct {
	StartedBy      string
	Finished       time.Time
	Groups         int
	Rows           int64 // membership rows in the CSV
	Calls          int
	Owners         int // distinct owners
	NearFull       []ReportGroup
	NearFullCount  int // at ≥ 90 % of maxusers, full ones included
	FullCount      int // at maxusers
	OwnerOnly      []ReportGroup
	OwnerOnlyCount int
	Largest        []ReportGroup
	TopOwners      []ReportOwner
	ListCap        int // at most this many groups are named per list
	CSVURL         templ.SafeURL
	// FromIndex: made from the search index (synced at IndexUpdated)
	// rather than by reading every group, so it has no CSV.
	FromIndex    bool
	IndexUpdated time.Time
}

// ReportPage is the data of GET /reports/membership.
type ReportPage struct {
	Run     *ReportRun    // nil before the first run
	Result  *ReportResult // nil until a run has finished
	PollURL templ.SafeURL // what the progress fragment polls
}
