package views

import (
	"encoding/json"
	"net/url"
	"time"

	"github.com/a-h/templ"
)

// csrfHeaders is the hx-headers value that makes htmx send the CSRF token
// with every request it makes.
func csrfHeaders(token string) string {
	if token == "" {
		return ""
	}
	b, _ := json.Marshal(map[string]string{"X-CSRF-Token": token})
	return string(b)
}

// current is the aria-current value of a nav link.
func current(active bool) string {
	if active {
		return "page"
	}
	return "false"
}

func flashRole(kind string) string {
	if kind == FlashError {
		return "alert"
	}
	return "status"
}

// isoTime is the machine-readable datetime attribute of a <time>.
func isoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// fieldIDs returns the aria-describedby value for a form field with
// optional help text and an optional error.
func describedBy(name string, hasHelp bool, hasErr bool) string {
	s := ""
	if hasHelp {
		s = name + "-help"
	}
	if hasErr {
		if s != "" {
			s += " "
		}
		s += name + "-error"
	}
	return s
}

func invalid(hasErr bool) string {
	if hasErr {
		return "true"
	}
	return "false"
}

type groupTab struct {
	Name string
	URL  templ.SafeURL
}

// groupTabs are the sections of a group's page, in order.
func groupTabs(id string) []groupTab {
	base := "/groups/" + url.PathEscape(id)
	return []groupTab{
		{TabOverview, templ.SafeURL(base)},
		{TabMembers, templ.SafeURL(base + "/members")},
		{TabModeration, templ.SafeURL(base + "/moderation")},
		{TabHistory, templ.SafeURL(base + "/history")},
	}
}
