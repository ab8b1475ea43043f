package web

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"groupdesk/web/store"
)

// Passwords of the accounts the role tests add.
const testRolePass = "role test password"

// addAccount creates an account with a role directly in the store.
func (e *env) addAccount(name string, role store.Role) {
	e.t.Helper()
	if err := e.srv.st.CreateAccount(context.Background(), store.ShellActor, name, testRolePass, role); err != nil {
		e.t.Fatalf("add account %s: %v", name, err)
	}
}

// browserAs is a new browser signed in as username (anonymous for "").
func (e *env) browserAs(username, password string) *http.Client {
	e.t.Helper()
	c := e.newBrowser()
	if username == "" {
		return c
	}
	p := e.postWith(c, "/login", url.Values{"username": {username}, "password": {password}})
	if p.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("sign in as %s: status %d", username, p.StatusCode)
	}
	return c
}

// roleUsers are the accounts of TestRoleMatrix, by role; "" is anonymous.
var roleUsers = map[store.Role]string{"": "", store.RoleViewer: "v.matrix", store.RoleModerator: "m.matrix", store.RoleAdmin: "admin"}

func roleOrder() []store.Role {
	return []store.Role{"", store.RoleViewer, store.RoleModerator, store.RoleAdmin}
}

// matrixRoute is one route of the table: who may use it and a request to
// make to it.
type matrixRoute struct {
	method, path string     // as registered
	min          store.Role // "" for routes without a gate
	target       string     // what to request ({id} etc. filled in)
	form         url.Values
	// ok is the status of an allowed request (0: any but 403 and a
	// redirect to sign-in; for results that depend on earlier tests).
	ok int
	// signedIn is the status of a public route for a signed-in account,
	// when it differs from ok.
	signedIn int
}

// TestRoleMatrix requests every registered route as every role and as an
// anonymous visitor. A route that is registered without a row here fails
// the test: every new route must say who may use it.
func TestRoleMatrix(t *testing.T) {
	e := newEnv(t)
	e.srv.reports.configure(nil, 0)
	e.srv.indexSync.configure(nil, 0)
	e.addAccount(roleUsers[store.RoleViewer], store.RoleViewer)
	e.addAccount(roleUsers[store.RoleModerator], store.RoleModerator)
	e.addAccount("target.account", store.RoleViewer)
	e.login()
	id, _ := newTestGroup(t, e)
	job := strconv.FormatInt(e.startBulk(bulkArgs{Action: bulkRemove, Username: "nobody", By: "admin"}), 10)

	invalidGroup := url.Values{"groupname": {""}, "owner": {""}, "maxusers": {"0"}}
	routes := []matrixRoute{
		{method: "GET", path: "/static/*", target: string(e.srv.assets.CSS), ok: 200},
		{method: "GET", path: "/healthz", target: "/healthz", ok: 200},
		{method: "GET", path: "/readyz", target: "/readyz"},
		{method: "GET", path: "/metrics", target: "/metrics", ok: 200},
		{method: "GET", path: "/login", target: "/login", ok: 200, signedIn: 303},
		{method: "POST", path: "/login", target: "/login", form: url.Values{"username": {"nobody"}, "password": {"wrong password"}}, ok: 401},
		{method: "POST", path: "/logout", target: "/logout", ok: 303},
		{method: "POST", path: "/language", target: "/language", form: url.Values{"lang": {"en"}}, ok: 303},

		{method: "GET", path: "/", min: store.RoleViewer, target: "/", ok: 303},
		{method: "GET", path: "/groups", min: store.RoleViewer, target: "/groups", ok: 200},
		{method: "GET", path: "/groups/jump", min: store.RoleViewer, target: "/groups/jump?id=" + id, ok: 303},
		{method: "GET", path: "/groups/new", min: store.RoleModerator, target: "/groups/new", ok: 200},
		{method: "POST", path: "/groups", min: store.RoleModerator, target: "/groups", form: invalidGroup, ok: 422},
		{method: "POST", path: "/groups/index/refresh", min: store.RoleModerator, target: "/groups/index/refresh", ok: 303},
		{method: "GET", path: "/groups/:id", min: store.RoleViewer, target: "/groups/" + id, ok: 200},
		{method: "GET", path: "/groups/:id/members.csv", min: store.RoleViewer, target: "/groups/" + id + "/members.csv", ok: 200},
		{method: "GET", path: "/groups/:id/members", min: store.RoleViewer, target: "/groups/" + id + "/members", ok: 200},
		// The member actions' rows send nothing to act on: a flash and back.
		{method: "POST", path: "/groups/:id/members", min: store.RoleModerator, target: "/groups/" + id + "/members", form: url.Values{"usernames": {""}}, ok: 303},
		{method: "POST", path: "/groups/:id/members/remove", min: store.RoleModerator, target: "/groups/" + id + "/members/remove", ok: 303},
		{method: "POST", path: "/groups/:id/admins", min: store.RoleModerator, target: "/groups/" + id + "/admins", ok: 303},
		{method: "POST", path: "/groups/:id/admins/remove", min: store.RoleModerator, target: "/groups/" + id + "/admins/remove", ok: 303},
		{method: "POST", path: "/groups/:id/owner", min: store.RoleModerator, target: "/groups/" + id + "/owner", form: url.Values{"newowner": {"not valid!"}}, ok: 303},
		{method: "POST", path: "/groups/:id/mutes", min: store.RoleModerator, target: "/groups/" + id + "/mutes", form: url.Values{"duration": {"1h"}}, ok: 303},
		{method: "POST", path: "/groups/:id/mutes/remove", min: store.RoleModerator, target: "/groups/" + id + "/mutes/remove", ok: 303},
		{method: "GET", path: "/groups/:id/edit", min: store.RoleModerator, target: "/groups/" + id + "/edit", ok: 200},
		{method: "POST", path: "/groups/:id", min: store.RoleModerator, target: "/groups/" + id, form: invalidGroup, ok: 422},
		{method: "GET", path: "/groups/:id/delete", min: store.RoleModerator, target: "/groups/" + id + "/delete", ok: 200},
		{method: "POST", path: "/groups/:id/delete", min: store.RoleModerator, target: "/groups/99999999999/delete", ok: 303},
		{method: "GET", path: "/groups/:id/moderation", min: store.RoleViewer, target: "/groups/" + id + "/moderation", ok: 200},
		{method: "GET", path: "/groups/:id/history", min: store.RoleViewer, target: "/groups/" + id + "/history", ok: 200},
		{method: "GET", path: "/groups/:id/announcement", min: store.RoleViewer, target: "/groups/" + id + "/announcement", ok: 200},
		{method: "POST", path: "/groups/:id/announcement", min: store.RoleModerator, target: "/groups/" + id + "/announcement", form: url.Values{"announcement": {"Matrix"}}, ok: 303},
		{method: "POST", path: "/groups/:id/mute-all", min: store.RoleModerator, target: "/groups/" + id + "/mute-all", ok: 303},
		{method: "POST", path: "/groups/:id/unmute-all", min: store.RoleModerator, target: "/groups/" + id + "/unmute-all", ok: 303},
		{method: "POST", path: "/groups/:id/disable", min: store.RoleModerator, target: "/groups/" + id + "/disable", ok: 303},
		{method: "POST", path: "/groups/:id/enable", min: store.RoleModerator, target: "/groups/" + id + "/enable", ok: 303},
		{method: "POST", path: "/groups/:id/blocks", min: store.RoleModerator, target: "/groups/" + id + "/blocks", form: url.Values{"username": {"bob"}}, ok: 422},
		{method: "POST", path: "/groups/:id/blocks/remove", min: store.RoleModerator, target: "/groups/" + id + "/blocks/remove", form: url.Values{"username": {"bob"}}, ok: 303},
		{method: "POST", path: "/groups/:id/allow", min: store.RoleModerator, target: "/groups/" + id + "/allow", form: url.Values{"username": {"bob"}}, ok: 303},
		{method: "POST", path: "/groups/:id/allow/remove", min: store.RoleModerator, target: "/groups/" + id + "/allow/remove", form: url.Values{"username": {"bob"}}, ok: 303},
		{method: "GET", path: "/users", min: store.RoleViewer, target: "/users?username=alice", ok: 303},
		{method: "GET", path: "/users/:username", min: store.RoleViewer, target: "/users/alice", ok: 200},
		{method: "POST", path: "/users/:username/actions", min: store.RoleModerator, target: "/users/alice/actions", ok: 422},
		{method: "POST", path: "/groups/bulk-delete", min: store.RoleModerator, target: "/groups/bulk-delete", ok: 422},
		{method: "GET", path: "/jobs", min: store.RoleViewer, target: "/jobs", ok: 200},
		{method: "GET", path: "/jobs/:id", min: store.RoleViewer, target: "/jobs/" + job, ok: 200},
		{method: "GET", path: "/jobs/:id/results.csv", min: store.RoleViewer, target: "/jobs/" + job + "/results.csv", ok: 200},
		{method: "POST", path: "/jobs/:id/cancel", min: store.RoleModerator, target: "/jobs/" + job + "/cancel", ok: 303},
		{method: "POST", path: "/jobs/:id/retry-failed", min: store.RoleModerator, target: "/jobs/" + job + "/retry-failed", ok: 303},
		{method: "GET", path: "/users/:username/groups", min: store.RoleViewer, target: "/users/alice/groups", ok: 200},
		{method: "GET", path: "/users/:username/groups.csv", min: store.RoleViewer, target: "/users/alice/groups.csv", ok: 200},
		{method: "GET", path: "/account", min: store.RoleViewer, target: "/account", ok: 200},
		{method: "POST", path: "/account/timezone", min: store.RoleViewer, target: "/account/timezone", form: url.Values{"zone": {"Europe/Berlin"}}, ok: 303},
		{method: "GET", path: "/account/password", min: store.RoleViewer, target: "/account/password", ok: 200},
		{method: "POST", path: "/account/password", min: store.RoleViewer, target: "/account/password", form: url.Values{"current": {"wrong"}, "password": {"short"}}, ok: 422},
		{method: "GET", path: "/audit", min: store.RoleViewer, target: "/audit", ok: 200},
		{method: "GET", path: "/audit.csv", min: store.RoleViewer, target: "/audit.csv", ok: 200},
		{method: "GET", path: "/reports/membership", min: store.RoleViewer, target: "/reports/membership", ok: 200},
		{method: "GET", path: "/reports/membership.csv", min: store.RoleViewer, target: "/reports/membership.csv"},
		{method: "POST", path: "/reports/membership", min: store.RoleModerator, target: "/reports/membership", ok: 303},
		{method: "POST", path: "/reports/membership/cancel", min: store.RoleModerator, target: "/reports/membership/cancel", ok: 303},
		{method: "GET", path: "/accounts", min: store.RoleAdmin, target: "/accounts", ok: 200},
		{method: "POST", path: "/accounts", min: store.RoleAdmin, target: "/accounts", form: url.Values{"username": {"Not Valid!"}}, ok: 422},
		{method: "POST", path: "/accounts/:username/role", min: store.RoleAdmin, target: "/accounts/target.account/role", form: url.Values{"role": {"owner"}}, ok: 400},
		{method: "POST", path: "/accounts/:username/password", min: store.RoleAdmin, target: "/accounts/target.account/password", form: url.Values{"password": {"short"}}, ok: 303},
		{method: "GET", path: "/accounts/:username/disable", min: store.RoleAdmin, target: "/accounts/target.account/disable", ok: 200},
		{method: "POST", path: "/accounts/:username/disable", min: store.RoleAdmin, target: "/accounts/no.such.account/disable", ok: 303},
		{method: "POST", path: "/accounts/:username/enable", min: store.RoleAdmin, target: "/accounts/no.such.account/enable", ok: 303},
	}

	// Every registered route has a row, and every row a route.
	rows := map[string]bool{}
	for _, r := range routes {
		rows[r.method+" "+r.path] = true
	}
	var missing []string
	registered := map[string]bool{}
	for _, r := range e.srv.echo.Routes() {
		key := r.Method + " " + r.Path
		registered[key] = true
		if !rows[key] {
			missing = append(missing, key)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("routes without a row in the role matrix (say who may use them): %v", missing)
	}
	for key := range rows {
		if !registered[key] {
			t.Errorf("the role matrix has a row for %s, which is not a route", key)
		}
	}

	passwords := map[store.Role]string{store.RoleViewer: testRolePass, store.RoleModerator: testRolePass, store.RoleAdmin: testAdminPass}
	for _, r := range routes {
		statuses := map[store.Role]int{}
		for _, role := range roleOrder() {
			// A fresh browser each time: logout and the language must not
			// leak into the next request.
			c := e.browserAs(roleUsers[role], passwords[role])
			var p *page
			if r.method == http.MethodPost {
				form := url.Values{}
				for k, v := range r.form {
					form[k] = v
				}
				p = e.postWith(c, r.target, form)
			} else {
				p = e.getWith(c, r.target)
			}
			statuses[role] = p.StatusCode
			loc := p.Header.Get("Location")
			toLogin := p.StatusCode == http.StatusSeeOther && strings.HasPrefix(loc, "/login")
			name := r.method + " " + r.target + " as " + string(role)
			if role == "" {
				name = r.method + " " + r.target + " anonymously"
			}
			switch {
			case r.min == "":
				want := r.ok
				if role != "" && r.signedIn != 0 {
					want = r.signedIn
				}
				if want != 0 && p.StatusCode != want {
					t.Errorf("%s: %d, want %d", name, p.StatusCode, want)
				}
			case role == "":
				if !toLogin {
					t.Errorf("%s: %d %s, want 303 to the sign-in page", name, p.StatusCode, loc)
				}
			case !role.Allows(r.min):
				if p.StatusCode != http.StatusForbidden {
					t.Errorf("%s: %d, want 403 (needs %s)", name, p.StatusCode, r.min)
				} else if got := p.text("error-message"); !strings.Contains(got, "needs the") {
					t.Errorf("%s: 403 page says %q, want the role it needs", name, got)
				}
			default:
				if (r.ok != 0 && p.StatusCode != r.ok) || p.StatusCode == http.StatusForbidden || toLogin {
					t.Errorf("%s: %d %s, want %d", name, p.StatusCode, loc, r.ok)
				}
			}
		}
		if r.min == "" && r.ok == 0 && r.signedIn == 0 {
			for _, role := range roleOrder() {
				if statuses[role] != statuses[""] {
					t.Errorf("public %s %s: %s got %d, anonymous %d", r.method, r.target, role, statuses[role], statuses[""])
				}
			}
		}
	}
	waitReport(t, e)
}

// TestViewerSeesNoChangeControls: what a viewer cannot do is not offered.
func TestViewerSeesNoChangeControls(t *testing.T) {
	e := newEnv(t)
	e.addAccount("v.controls", store.RoleViewer)
	e.login()
	id, _ := newTestGroup(t, e)
	viewer := e.browserAs("v.controls", testRolePass)

	list := e.getWith(viewer, "/groups?limit=10")
	wantStatus(t, list, http.StatusOK)
	detail := e.getWith(viewer, "/groups/"+id)
	wantStatus(t, detail, http.StatusOK)
	report := e.getWith(viewer, "/reports/membership")
	for name, n := range map[string]int{
		"nav-new-group": list.find("nav-new-group").Length(),
		"nav-accounts":  list.find("nav-accounts").Length(),
		"new-group":     list.find("new-group").Length(),
		"group-edit":    list.find("group-edit").Length(),
		"group-delete":  list.find("group-delete").Length(),
		"edit-group":    detail.find("edit-group").Length(),
		"delete-group":  detail.find("delete-group").Length(),
		"report-start":  report.find("report-start").Length(),
	} {
		if n != 0 {
			t.Errorf("a viewer is shown %d %s", n, name)
		}
	}
	if got := list.text("current-role"); got != "Viewer" {
		t.Errorf("role badge %q", got)
	}
	if list.find("nav-audit").Length() != 1 || list.find("nav-reports").Length() != 1 {
		t.Error("a viewer is not offered the audit log and the reports")
	}
	// The same pages offer everything to an admin.
	admin := e.get("/groups?limit=10")
	for _, tid := range []string{"nav-new-group", "nav-accounts", "new-group", "group-edit", "group-delete"} {
		if admin.find(tid).Length() == 0 {
			t.Errorf("an admin is not shown %s", tid)
		}
	}
	// A hand-made POST is refused all the same, and nothing is called.
	e.rec.reset()
	p := e.postWith(viewer, "/groups/"+id+"/delete", nil)
	wantStatus(t, p, http.StatusForbidden)
	if n := len(e.upstreamCalls()); n != 0 {
		t.Errorf("a refused delete made %d calls", n)
	}
	if got := p.text("error-message"); got != "Your account is a Viewer account and cannot do this; it needs the Moderator role. Ask an administrator if you need it." {
		t.Errorf("403 message %q", got)
	}
}

func TestParseRole(t *testing.T) {
	for in, want := range map[string]store.Role{"viewer": store.RoleViewer, " Moderator ": store.RoleModerator, "ADMIN": store.RoleAdmin} {
		if got, err := store.ParseRole(in); err != nil || got != want {
			t.Errorf("store.ParseRole(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "owner", "root"} {
		if _, err := store.ParseRole(in); err == nil {
			t.Errorf("store.ParseRole(%q) accepted", in)
		}
	}
	if store.RoleViewer.Allows(store.RoleModerator) || !store.RoleAdmin.Allows(store.RoleViewer) || store.Role("x").Allows(store.RoleViewer) {
		t.Error("Allows")
	}
}
