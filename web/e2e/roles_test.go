package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Roles: an admin creates a viewer account on /accounts; signed in as that
// viewer, no page offers a control to create, edit or delete a group, or
// to manage accounts.
func TestRoles(t *testing.T) {
	admin := newTab(t) // starts the stack
	admin.login()
	id := newGroup(t, unique("Roles e2e"), "alice", 50, "bob")
	viewer := fmt.Sprintf("viewer%d", time.Now().UnixNano()%1_000_000)
	const viewerPassword = "viewer-password-1"

	if n := admin.count(`[data-testid="nav-accounts"]`); n != 1 {
		t.Fatalf("an admin is not offered the accounts page")
	}
	admin.follow(tid("nav-accounts"))
	if got := admin.url().Path; got != "/accounts" {
		t.Fatalf("the accounts link led to %s", got)
	}
	admin.do(
		chromedp.SendKeys(tid("input-new-username"), viewer),
		chromedp.SendKeys(tid("input-new-password"), viewerPassword),
		chromedp.SetValue(tid("input-new-role"), "viewer"),
	)
	resp := admin.follow(tid("account-create"))
	if resp.Status != 200 || admin.url().Path != "/accounts" {
		t.Fatalf("create account: status %d at %s", resp.Status, admin.url())
	}
	if msg := admin.text(tid("flash")); msg != "Account "+viewer+" created as Viewer" {
		t.Errorf("flash %q", msg)
	}
	row := `[data-testid="account-row"][data-username="` + viewer + `"]`
	if got := admin.attrs(row, "data-role"); len(got) != 1 || got[0] != "viewer" {
		t.Fatalf("the new account's row: roles %v", got)
	}
	admin.screenshot("10-accounts")

	// The account change is on the audit log.
	admin.follow(tid("nav-audit"))
	if got := admin.text(chromedp.CSS(`[data-testid="audit-row"] [data-testid="audit-action"]`)); got != "Create account" {
		t.Errorf("newest audit record: %q", got)
	}
	admin.screenshot("12-audit-log")

	// A membership report runs in the background; htmx polls its progress
	// until it is done, then the summary is swapped in.
	admin.follow(tid("nav-reports"))
	admin.follow(tid("report-start"))
	admin.waitJS("the report is done", `document.querySelector('[data-testid="report-body"]').dataset.state === "done"`)
	if n := admin.count(`[data-testid="report-result"]`); n != 1 {
		t.Errorf("no report summary after the report ended")
	}
	admin.screenshot("13-membership-report")

	tb := newTab(t)
	tb.open("/login")
	tb.do(
		chromedp.SendKeys(tid("login-username"), viewer),
		chromedp.SendKeys(tid("login-password"), viewerPassword),
	)
	if resp := tb.follow(tid("login-submit")); resp.Status != 200 || tb.url().Path != "/groups" {
		t.Fatalf("viewer sign-in: status %d at %s", resp.Status, tb.url())
	}
	if got := tb.text(tid("current-role")); got != "Viewer" {
		t.Errorf("role shown %q", got)
	}
	if n := tb.count(`[data-testid="group-row"]`); n == 0 {
		t.Fatal("the viewer sees no groups")
	}
	hidden := []string{"nav-new-group", "nav-accounts", "new-group", "group-edit", "group-delete"}
	for _, h := range hidden {
		if n := tb.count(`[data-testid="` + h + `"]`); n != 0 {
			t.Errorf("the group list shows a viewer %d %s", n, h)
		}
	}
	tb.screenshot("11-groups-as-viewer")

	tb.open("/groups/" + id)
	if got := tb.text(tid("detail-id")); got != id {
		t.Fatalf("the viewer's group page shows %q", got)
	}
	for _, h := range []string{"edit-group", "delete-group"} {
		if n := tb.count(`[data-testid="` + h + `"]`); n != 0 {
			t.Errorf("the group page shows a viewer %d %s", n, h)
		}
	}
	tb.open("/reports/membership")
	if n := tb.count(`[data-testid="report-start"]`); n != 0 {
		t.Error("the report page offers a viewer to start a report")
	}
	// Typing the address of a form is refused with a page that says why.
	resp = tb.open("/groups/" + id + "/edit")
	if resp.Status != 403 {
		t.Errorf("edit form for a viewer: status %d, want 403", resp.Status)
	}
	if msg := tb.text(tid("error-message")); !strings.Contains(msg, "needs the Moderator role") {
		t.Errorf("403 page says %q", msg)
	}
}
