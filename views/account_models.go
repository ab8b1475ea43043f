package views

import "github.com/a-h/templ"

// AccountSettings is the data of GET /account, the signed-in account's own
// page.
type AccountSettings struct {
	Zone    string   // the zone typed or chosen; "" follows the browser
	Auto    bool     // times follow the browser's zone
	InUse   string   // the zone times are shown in now
	Now     string   // the time now, in that zone
	Zones   []string // offered in the list; any IANA name is accepted
	Problem string   // translated: why the typed zone was refused
}

// PasswordForm is the data of GET /account/password.
type PasswordForm struct {
	Errors    map[string]string // field → translated message
	FormError string
}

// Fields of the password form.
const (
	FieldCurrentPassword = "current"
	FieldNewPassword     = "password"
	FieldConfirmPassword = "confirm"
)

// AccountDisableConfirm is the question before an account is disabled (dialog
// and page).
type AccountDisableConfirm struct {
	Username  string
	Self      bool // the signed-in admin disables their own account
	Action    templ.SafeURL
	CancelURL templ.SafeURL
}
