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
}

// Navigation items.
const (
	NavGroups   = "groups"
	NavNewGroup = "new"
)

// Flash is a one-time message shown after a redirect.
type Flash struct {
	Kind string // FlashSuccess, FlashInfo or FlashError
	Text string
}

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
	MaxUsers     int   // 0 when the batched detail call was not made or failed
	Public       *bool // nil when unknown
	LastModified time.Time
	URL          templ.SafeURL
	EditURL      templ.SafeURL
	DeleteURL    templ.SafeURL
	OwnerURL     templ.SafeURL
}

// GroupList is the data of GET /groups.
type GroupList struct {
	Rows         []GroupRow
	Limit        int
	PageSizes    []int
	PageNumber   int           // 1-based, from the depth of the cursor stack
	NextURL      templ.SafeURL // "" on the last page
	PrevURL      templ.SafeURL // "" on the first page
	DetailsShown bool          // public/maxusers columns are filled
	DetailsError string        // translated note when the extra detail call failed
}

// Member is one row of a group's member table.
type Member struct {
	Username string
	Owner    bool
	URL      templ.SafeURL
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
	ID   string
	Name string
	URL  templ.SafeURL
}

// UserGroups is the data of GET /users/{username}/groups.
type UserGroups struct {
	Username  string
	Rows      []JoinedGroupRow
	PageNum   int
	PageSize  int
	PageSizes []int
	NextURL   templ.SafeURL
	PrevURL   templ.SafeURL
	Action    templ.SafeURL // the page's own path, for the page size form
}

// Login is the data of the sign-in page.
type Login struct {
	Username string
	Next     string
	Error    string // translated
}

// ErrorInfo is the data of the error page.
type ErrorInfo struct {
	Status  int
	Heading string // translated
	Message string // translated
}
