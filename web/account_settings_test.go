package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// shownTime is a <time> as the page shows it: the instant it stands for
// (its datetime attribute), its text and its hover text.
type shownTime struct {
	at          time.Time
	text, title string
}

func readTime(t *testing.T, s *goquery.Selection, what string) shownTime {
	t.Helper()
	el := s.Find("time").AddSelection(s.Filter("time")).First()
	dt, _ := el.Attr("datetime")
	at, err := time.Parse(time.RFC3339, dt)
	if err != nil {
		t.Fatalf("%s: datetime %q: %v", what, dt, err)
	}
	title, _ := el.Attr("title")
	return shownTime{at: at, text: strings.TrimSpace(el.Text()), title: title}
}

// The sign-in's audit record and the accounts row's "last sign-in" are the
// same event, and a group's row is on the list: all show the exact time in
// the moderator's zone (the browser's, then the one chosen on the account
// page), to the second without milliseconds, and the relative time as text.
func TestTimesShowInTheModeratorsZone(t *testing.T) {
	e := newEnv(t)
	u, _ := url.Parse(e.web.URL)
	for _, tc := range []struct {
		name   string
		choose string // chosen on the account page; "" keeps the browser's
		zone   string
	}{
		{name: "browser", zone: "Asia/Kolkata"},
		{name: "chosen", choose: "America/New_York", zone: "America/New_York"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// What app.js writes from the browser's Intl time zone.
			e.http.Jar.SetCookies(u, []*http.Cookie{{Name: tzCookie, Value: tzAutoPrefix + "Asia/Kolkata", Path: "/"}})
			e.login()
			if tc.choose != "" {
				p := e.post("/account/timezone", url.Values{"zone": {tc.choose}})
				wantStatus(t, p, http.StatusSeeOther)
				if got := e.follow(p).text("flash"); !strings.Contains(got, tc.choose) {
					t.Errorf("flash %q does not name %s", got, tc.choose)
				}
			}
			zone, _ := time.LoadLocation(tc.zone)
			check := func(what string, st shownTime) {
				t.Helper()
				want := st.at.In(zone).Format("Jan 2, 2006, 15:04:05 MST")
				if st.title != want {
					t.Errorf("%s: hover text %q, want %q (in %s)", what, st.title, want, tc.zone)
				}
				if st.text != "just now" && !strings.HasSuffix(st.text, " ago") {
					t.Errorf("%s: text %q, want a relative time", what, st.text)
				}
			}

			audit := e.get("/audit?action=sign_in")
			wantStatus(t, audit, http.StatusOK)
			row := audit.find("audit-row").First()
			signIn := readTime(t, row.Find(`[data-testid="audit-time"]`), "audit")
			check("audit record", signIn)
			exact := strings.TrimSpace(row.Find(`[data-testid="audit-exact"]`).Text())
			if exact != signIn.title || strings.Contains(exact, ".") {
				t.Errorf("audit exact time %q, want %q without milliseconds", exact, signIn.title)
			}

			accounts := e.get("/accounts")
			last := readTime(t, accounts.find("account-row").FilterFunction(func(_ int, s *goquery.Selection) bool {
				return s.AttrOr("data-username", "") == "admin"
			}).Find(`[data-testid="account-last-login"]`), "accounts")
			check("accounts row", last)
			if d := signIn.at.Sub(last.at); d < -time.Second || d > time.Second {
				t.Errorf("sign-in recorded at %s, last sign-in %s: not the same event", signIn.at, last.at)
			}

			groups := e.get("/groups")
			check("group row", readTime(t, groups.find("group-modified-time").First(), "groups"))
		})
	}
}

// Without JavaScript the zone is chosen on the account page; a name that is
// not a zone is refused with the form shown again.
func TestAccountTimeZoneSetting(t *testing.T) {
	e := newEnv(t).login()
	p := e.get("/account")
	wantStatus(t, p, http.StatusOK)
	if got := p.text("zone-in-use"); !strings.Contains(got, "UTC") {
		t.Errorf("without a cookie times are in %q, want UTC", got)
	}
	p = e.post("/account/timezone", url.Values{"zone": {"Mars/Olympus"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if got := p.text("error-zone"); !strings.Contains(got, "Mars/Olympus") {
		t.Errorf("error %q", got)
	}
	if v, _ := p.find("input-zone").Attr("value"); v != "Mars/Olympus" {
		t.Errorf("typed zone not kept: %q", v)
	}
	wantStatus(t, e.post("/account/timezone", url.Values{"zone": {"Asia/Shanghai"}}), http.StatusSeeOther)
	p = e.get("/account")
	if v, _ := p.find("input-zone").Attr("value"); v != "Asia/Shanghai" {
		t.Errorf("chosen zone shown as %q", v)
	}
	if got := p.text("zone-in-use"); !strings.Contains(got, "Asia/Shanghai") || !strings.Contains(got, "CST") {
		t.Errorf("in use: %q", got)
	}
	// Back to the browser's zone: the cookie is automatic again, so
	// app.js fills it in.
	p = e.post("/account/timezone", url.Values{"zone": {""}})
	wantStatus(t, p, http.StatusSeeOther)
	var got string
	for _, c := range p.Cookies() {
		if c.Name == tzCookie {
			got = c.Value
		}
	}
	if got != tzAutoPrefix {
		t.Errorf("automatic zone cookie = %q, want %q", got, tzAutoPrefix)
	}
}

// Every account changes its own password with the current one; the other
// sessions end, this one goes on; a wrong current password changes nothing
// and is audited as a failure.
func TestChangeOwnPassword(t *testing.T) {
	e := newEnv(t)
	e.addAccount("v.self", "viewer")
	viewer := e.browserAs("v.self", testRolePass)
	other := e.browserAs("v.self", testRolePass)

	p := e.getWith(viewer, "/account/password")
	wantStatus(t, p, http.StatusOK)
	if n := p.find("password-form").Find(`input[name="_csrf"]`).Length(); n != 1 {
		t.Errorf("password form has %d CSRF fields", n)
	}

	const newPass = "a brand new password"
	for _, tc := range []struct {
		name    string
		form    url.Values
		field   string
		message string
	}{
		{"wrong current", url.Values{"current": {"not it at all"}, "password": {newPass}, "confirm": {newPass}}, "current", "not your current password"},
		{"empty current", url.Values{"password": {newPass}, "confirm": {newPass}}, "current", "Enter your current password"},
		{"short", url.Values{"current": {testRolePass}, "password": {"short"}, "confirm": {"short"}}, "password", "at least 10"},
		{"mismatch", url.Values{"current": {testRolePass}, "password": {newPass}, "confirm": {newPass + "!"}}, "confirm", "differ"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := e.postWith(viewer, "/account/password", tc.form)
			wantStatus(t, p, http.StatusUnprocessableEntity)
			if got := p.text("error-" + tc.field); !strings.Contains(got, tc.message) {
				t.Errorf("error-%s = %q, want %q", tc.field, got, tc.message)
			}
			if v, _ := p.find("input-" + tc.field).Attr("aria-invalid"); v != "true" {
				t.Errorf("%s not marked invalid", tc.field)
			}
		})
	}
	e.login()
	if p := e.get("/audit?action=change_password&outcome=failure"); p.find("audit-row").Length() != 1 {
		t.Errorf("the wrong current password is not one failed record: %d rows", p.find("audit-row").Length())
	}

	p = e.postWith(viewer, "/account/password", url.Values{"current": {testRolePass}, "password": {newPass}, "confirm": {newPass}})
	wantStatus(t, p, http.StatusSeeOther)
	if got := e.getWith(viewer, p.Header.Get("Location")).text("flash"); !strings.Contains(got, "password was changed") {
		t.Errorf("flash %q", got)
	}
	if p := e.getWith(viewer, "/groups"); p.StatusCode != http.StatusOK {
		t.Errorf("the session that changed the password ended: status %d", p.StatusCode)
	}
	if p := e.getWith(other, "/groups"); p.StatusCode != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/login") {
		t.Errorf("another session of the account goes on: status %d", p.StatusCode)
	}
	e.browserAs("v.self", newPass) // fails the test if the new password does not work
	if p := e.get("/audit?action=change_password&outcome=success&actor=v.self"); p.find("audit-row").Length() != 1 {
		t.Errorf("the change is not one successful record")
	}
}
