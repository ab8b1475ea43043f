package e2e

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"groupdesk/agora"
)

// groupPathRE is the address of a group's page.
var groupPathRE = regexp.MustCompile(`^/groups/([0-9]+)$`)

func rowIDs(tb *tab) []string { return tb.attrs(`[data-testid="group-row"]`, "data-group-id") }

// 1. Sign in: a wrong password is refused with a message and the typed
// username kept; the right one lands on the group list.
func TestLogin(t *testing.T) {
	tb := newTab(t)

	resp := tb.open("/groups")
	if got := tb.url(); got.Path != "/login" || got.Query().Get("next") != "/groups" {
		t.Errorf("a signed-out visit to /groups ended at %s, want /login?next=/groups", got)
	}
	if resp.Status != 200 {
		t.Errorf("login page status %d, want 200", resp.Status)
	}
	if lang := tb.attr(chromedp.CSS("html"), "lang"); lang != "en" {
		t.Errorf(`<html lang=%q>, want "en"`, lang)
	}
	if n := tb.count(`[data-testid="login-error"]`); n != 0 {
		t.Errorf("a fresh login page shows %d error messages", n)
	}
	if n := tb.count(`[data-testid="nav-groups"]`); n != 0 {
		t.Errorf("the login page shows the navigation of a signed-in moderator")
	}
	tb.screenshot("01-login")

	tb.do(
		chromedp.SendKeys(tid("login-username"), adminUser),
		chromedp.SendKeys(tid("login-password"), "wrong-password-123"),
	)
	resp = tb.follow(tid("login-submit"))
	if resp.Status != 401 {
		t.Errorf("wrong password: status %d, want 401", resp.Status)
	}
	if msg := tb.text(tid("login-error")); !strings.Contains(msg, "do not match") {
		t.Errorf("wrong password: error %q, want the 'do not match' message", msg)
	}
	if got := tb.attr(tid("login-error"), "role"); got != "alert" {
		t.Errorf(`login error role=%q, want "alert"`, got)
	}
	if got := tb.value(tid("login-username")); got != adminUser {
		t.Errorf("username after a failed sign-in = %q, want %q kept", got, adminUser)
	}
	if got := tb.value(tid("login-password")); got != "" {
		t.Errorf("the password field was refilled after a failed sign-in")
	}
	if got := tb.attr(tid("login-password"), "aria-invalid"); got != "true" {
		t.Errorf(`password field aria-invalid=%q after a failure, want "true"`, got)
	}
	tb.screenshot("01b-login-error")

	// The "next" of the first visit survived the failed attempt.
	tb.do(chromedp.SendKeys(tid("login-password"), adminPassword))
	resp = tb.follow(tid("login-submit"))
	if resp.Status != 200 {
		t.Errorf("right password: status %d, want 200", resp.Status)
	}
	if got := tb.url().Path; got != "/groups" {
		t.Fatalf("right password landed on %s, want /groups", got)
	}
	if who := tb.text(tid("current-user")); !strings.Contains(who, adminUser) {
		t.Errorf("header says %q, want the signed-in user %q", who, adminUser)
	}
	if n := tb.count(`[data-testid="group-row"]`); n == 0 {
		t.Errorf("no group rows after signing in")
	}
	if mode := tb.text(tid("mode")); !strings.Contains(strings.ToLower(mode), "sandbox") {
		t.Errorf("footer mode %q, want it to say sandbox", mode)
	}
}

// 2. Paging: first page, Load more (htmx), Next, Previous, page size.
func TestGroupListPaging(t *testing.T) {
	tb := newTab(t)
	tb.login()

	first := rowIDs(tb)
	if len(first) != 25 {
		t.Fatalf("first page has %d rows, want the default 25 (the demo has 40 groups)", len(first))
	}
	if dup := duplicates(first); len(dup) > 0 {
		t.Errorf("first page repeats groups %v", dup)
	}
	if got := tb.text(tid("pager-page")); got != "Groups 1–25" {
		t.Errorf("pager says %q, want Groups 1–25", got)
	}
	if n := tb.count(`[data-testid="pager-prev"]`); n != 0 {
		t.Errorf("the first page has a Previous link")
	}
	if got := tb.value(tid("page-size")); got != "25" {
		t.Errorf("page size select = %q, want 25", got)
	}
	tb.screenshot("02-groups-list")

	// Load more (htmx): the next rows are appended in place.
	before := tb.url().String()
	tb.do(chromedp.Click(tid("load-more")))
	tb.waitJS("more rows are loaded", `document.querySelectorAll('[data-testid="group-row"]').length > 25`)
	more := rowIDs(tb)
	if !slices.Equal(more[:25], first) {
		t.Errorf("Load more changed the rows already shown:\n got %v\nwant %v", more[:25], first)
	}
	added := more[25:]
	if len(added) == 0 {
		t.Fatalf("Load more added no rows")
	}
	if dup := duplicates(more); len(dup) > 0 {
		t.Errorf("after Load more, groups %v are listed twice", dup)
	}
	// The address names the rows shown, so a reload or Back shows them.
	if after := tb.url(); after.Query().Get("pages") != "2" {
		t.Errorf("after Load more the address is %s (from %s), want pages=2", after, before)
	}
	if n := tb.count(`[data-testid="load-more"]`); n > 1 {
		t.Errorf("after Load more there are %d Load more buttons", n)
	}
	if got, want := tb.text(tid("pager-page")), fmt.Sprintf("Groups 1–%d", len(more)); got != want {
		t.Errorf("after Load more the pager says %q, want %q (out-of-band update)", got, want)
	}

	// Next: a page of its own, with the rows Load more added.
	tb.open("/groups")
	resp := tb.follow(tid("pager-next"))
	if resp.Status != 200 {
		t.Errorf("Next: status %d", resp.Status)
	}
	second := rowIDs(tb)
	if !slices.Equal(second, added) {
		t.Errorf("page 2 rows differ from what Load more added:\n page 2 %v\n added  %v", second, added)
	}
	if overlap := intersect(first, second); len(overlap) > 0 {
		t.Errorf("groups %v are on page 1 and page 2", overlap)
	}
	if got, want := tb.text(tid("pager-page")), fmt.Sprintf("Groups 26–%d", 25+len(second)); got != want {
		t.Errorf("pager says %q on page 2, want %q", got, want)
	}

	// Previous: back to the first page.
	tb.follow(tid("pager-prev"))
	if back := rowIDs(tb); !slices.Equal(back, first) {
		t.Errorf("Previous shows other rows than page 1:\n got %v\nwant %v", back, first)
	}
	if got := tb.text(tid("pager-page")); got != "Groups 1–25" {
		t.Errorf("pager says %q after Previous", got)
	}

	// Page size 10: applied on change (app.js), no button to press.
	if _, err := chromedp.RunResponse(tb.ctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.querySelector('[data-testid="page-size"]');
		s.value = "10";
		s.dispatchEvent(new Event("change", {bubbles: true}));
	})()`)); err != nil {
		t.Fatalf("choose 10 rows per page: %v", err)
	}
	ten := rowIDs(tb)
	if !slices.Equal(ten, first[:10]) {
		t.Errorf("page size 10 shows\n %v\nwant the first ten of page 1\n %v", ten, first[:10])
	}
	if got := tb.url().Query().Get("limit"); got != "10" {
		t.Errorf("page size is not in the address: limit=%q", got)
	}
	if got := tb.value(tid("page-size")); got != "10" {
		t.Errorf("page size select = %q after choosing 10", got)
	}

	// Load more by keyboard keeps the focus on the button, which moves
	// below the new rows.
	tb.do(chromedp.Focus(tid("load-more")), chromedp.KeyEvent(kb.Enter))
	tb.waitJS("ten more rows are loaded", `document.querySelectorAll('[data-testid="group-row"]').length === 20`)
	if got := rowIDs(tb); !slices.Equal(got, first[:20]) {
		t.Errorf("Load more at size 10 shows\n %v\nwant\n %v", got, first[:20])
	}
	focused, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.dataset.testid || document.activeElement.tagName : ""`))
	if err != nil || focused != "load-more" {
		t.Errorf("after Load more by keyboard the focus is on %q, want it kept on load-more (%v)", focused, err)
	}

	tb.open("/groups?limit=10")
	tb.follow(tid("pager-next"))
	if next := rowIDs(tb); !slices.Equal(next, first[10:20]) {
		t.Errorf("page 2 of size 10 shows\n %v\nwant\n %v", next, first[10:20])
	}
	if got := tb.url().Query().Get("limit"); got != "10" {
		t.Errorf("Next forgot the page size: limit=%q", got)
	}
}

// 3. A group's page, opened from the list: name, owner, size against
// maxusers, members, and the member filter (htmx).
func TestGroupDetailAndMemberFilter(t *testing.T) {
	tb := newTab(t)
	tb.login()

	// A group of page 1 with a few members, so its page stays short.
	ids := rowIDs(tb)
	var id string
	var g *agora.Group
	for _, candidate := range ids {
		cg, err := getGroup(t, candidate)
		if err != nil {
			t.Fatalf("get group %s: %v", candidate, err)
		}
		if n := len(cg.Affiliations); n >= 5 && n <= 45 {
			id, g = candidate, cg
			break
		}
	}
	if g == nil {
		t.Fatalf("no group with 5 to 45 members on the first page (%v)", ids)
	}

	resp := tb.follow(chromedp.CSS(`[data-testid="group-row"][data-group-id="` + id + `"] [data-testid="group-link"]`))
	if resp.Status != 200 || tb.url().Path != "/groups/"+id {
		t.Fatalf("the list's link led to %s (status %d), want /groups/%s", tb.url(), resp.Status, id)
	}
	if got := tb.text(tid("group-title")); got != g.Name {
		t.Errorf("title %q, want %q", got, g.Name)
	}
	if got := tb.text(tid("detail-id")); got != id {
		t.Errorf("id shown %q, want %s", got, id)
	}
	if got := tb.text(tid("detail-owner")); got != g.Owner {
		t.Errorf("owner shown %q, want %q", got, g.Owner)
	}
	members := len(g.Affiliations)
	wantCount := number(members) + " / " + number(g.MaxUsers)
	if got := tb.text(tid("member-count")); got != wantCount {
		t.Errorf("member count %q, want %q", got, wantCount)
	}
	if got := tb.attr(tid("capacity-bar"), "value"); got != fmt.Sprint(members) {
		t.Errorf("capacity meter value %q, want %d", got, members)
	}
	if got := tb.text(tid("detail-maxusers")); got != number(g.MaxUsers) {
		t.Errorf("maxusers shown %q, want %s", got, number(g.MaxUsers))
	}
	rows := tb.attrs(`[data-testid="member-row"]`, "data-username")
	if len(rows) != members {
		t.Errorf("%d member rows, want %d", len(rows), members)
	}
	if len(rows) > 0 && rows[0] != g.Owner {
		t.Errorf("first member row is %q, want the owner %q first", rows[0], g.Owner)
	}
	if n := tb.count(`[data-testid="badge-owner"]`); n != 1 {
		t.Errorf("%d owner badges, want 1", n)
	}
	if n := tb.count(`[data-testid="member-row"][data-username="` + g.Owner + `"] [data-testid="badge-owner"]`); n != 1 {
		t.Errorf("the owner's row has no owner badge")
	}
	if got := tb.text(tid("member-summary")); !strings.HasPrefix(got, number(members)+" members.") {
		t.Errorf("member summary %q, want it to start with %q", got, number(members)+" members.")
	}
	tb.screenshot("03-group-detail")

	// Filter by one member's full name: the table narrows to the members
	// whose name contains it, without leaving the page.
	var someone string
	for _, a := range g.Affiliations {
		if a.Username != g.Owner {
			someone = a.Username
		}
	}
	want := 0
	for _, a := range g.Affiliations {
		if strings.Contains(strings.ToLower(a.Username), strings.ToLower(someone)) {
			want++
		}
	}
	if want >= members {
		t.Fatalf("the filter %q would not narrow the table", someone)
	}
	before := tb.url().String()
	tb.do(chromedp.SendKeys(tid("member-filter"), someone))
	tb.waitJS("the member table narrows", fmt.Sprintf(
		`document.querySelectorAll('[data-testid="member-row"]').length === %d && document.querySelector('[data-testid="member-summary"]').textContent.includes(%q)`,
		want, someone))
	for _, u := range tb.attrs(`[data-testid="member-row"]`, "data-username") {
		if !strings.Contains(u, someone) {
			t.Errorf("the filter %q left %q in the table", someone, u)
		}
	}
	wantSummary := number(want) + " members match “" + someone + "”."
	if want == 1 {
		wantSummary = "1 member matches “" + someone + "”."
	}
	if got := tb.text(tid("member-summary")); !strings.HasPrefix(got, wantSummary) {
		t.Errorf("summary %q, want it to start with %q", got, wantSummary)
	}
	if got := tb.text(tid("member-filter-status")); !strings.Contains(got, wantSummary) {
		t.Errorf("the live region says %q, want %q", got, wantSummary)
	}
	if after := tb.url().String(); after != before {
		t.Errorf("filtering changed the address from %s to %s", before, after)
	}
	if csv := tb.attr(tid("members-csv"), "href"); !strings.Contains(csv, "q="+someone) {
		t.Errorf("the CSV link %q does not follow the filter", csv)
	}

	// A filter that matches nobody.
	tb.do(chromedp.SendKeys(tid("member-filter"), "zzz"))
	tb.waitJS("the table shows no members", `document.querySelector('[data-testid="members-empty"]') !== null`)
	if n := tb.count(`[data-testid="member-row"]`); n != 0 {
		t.Errorf("%d member rows for a filter that matches nobody", n)
	}
	if got := tb.value(tid("member-filter")); got != someone+"zzz" {
		t.Errorf("filter box holds %q after the swap, want %q", got, someone+"zzz")
	}
}

// 4. Create a group through the form: errors keep what was typed; a good
// form lands on the new group with a flash.
func TestCreateGroup(t *testing.T) {
	tb := newTab(t)
	tb.login()

	resp := tb.follow(tid("new-group"))
	if resp.Status != 200 || tb.url().Path != "/groups/new" {
		t.Fatalf("New group led to %s (status %d)", tb.url(), resp.Status)
	}
	if got := tb.attr(tid("nav-new-group"), "aria-current"); got != "page" {
		t.Errorf(`nav "New group" aria-current=%q on the create form, want "page"`, got)
	}
	if got := tb.value(tid("input-maxusers")); got != "200" {
		t.Errorf("maxusers starts at %q, want the default 200", got)
	}

	// A name that is too long: refused before anything is sent to Agora.
	long := strings.Repeat("n", 129)
	tb.do(
		chromedp.SetValue(tid("input-groupname"), long),
		chromedp.SendKeys(tid("input-description"), "Created by the browser test"),
		chromedp.SendKeys(tid("input-owner"), "alice"),
		chromedp.SendKeys(tid("input-members"), "bob, carol"),
		chromedp.SetValue(tid("input-maxusers"), "50"),
	)
	resp = tb.follow(tid("form-submit"))
	if resp.Status != 422 {
		t.Errorf("too long a name: status %d, want 422", resp.Status)
	}
	if msg := tb.text(tid("error-groupname")); !strings.Contains(msg, "128") || !strings.Contains(msg, "129") {
		t.Errorf("name error %q, want the limit 128 and the length 129", msg)
	}
	if n := tb.count(`[data-testid="form-error"]`); n != 1 {
		t.Errorf("%d form-level error messages, want 1", n)
	}
	if got := tb.attr(tid("input-groupname"), "aria-invalid"); got != "true" {
		t.Errorf(`name field aria-invalid=%q, want "true"`, got)
	}
	if got := tb.attr(tid("input-groupname"), "aria-describedby"); !strings.Contains(got, "groupname-error") {
		t.Errorf("name field aria-describedby=%q does not point at its error", got)
	}
	keep := map[string]string{
		"input-groupname":   long,
		"input-description": "Created by the browser test",
		"input-owner":       "alice",
		"input-members":     "bob, carol",
		"input-maxusers":    "50",
	}
	for field, want := range keep {
		if got := tb.value(tid(field)); got != want {
			t.Errorf("%s after the error = %q, want %q kept", field, got, want)
		}
	}
	tb.screenshot("04-create-form-error")

	// An owner Agora does not know: the error comes back from the API.
	name := unique("E2E Created")
	tb.do(
		chromedp.SetValue(tid("input-groupname"), name),
		chromedp.SetValue(tid("input-owner"), "nosuchuser-e2e"),
	)
	resp = tb.follow(tid("form-submit"))
	if resp.Status != 422 {
		t.Errorf("unknown owner: status %d, want 422", resp.Status)
	}
	if msg := tb.text(tid("error-owner")); !strings.Contains(msg, "nosuchuser-e2e") {
		t.Errorf("owner error %q, want it to name the user", msg)
	}
	if got := tb.value(tid("input-groupname")); got != name {
		t.Errorf("name after the owner error = %q, want %q kept", got, name)
	}
	if got := tb.value(tid("input-members")); got != "bob, carol" {
		t.Errorf("members after the owner error = %q, want kept", got)
	}

	// Fixed: the group is created and its page opens with a flash.
	tb.do(chromedp.SetValue(tid("input-owner"), "alice"))
	resp = tb.follow(tid("form-submit"))
	m := groupPathRE.FindStringSubmatch(tb.url().Path)
	if resp.Status != 200 || m == nil {
		t.Fatalf("create landed on %s (status %d), want a group's page", tb.url(), resp.Status)
	}
	id := m[1]
	t.Cleanup(func() { deleteGroup(t, id) })
	if got := tb.text(tid("flash")); got != "Group “"+name+"” created" {
		t.Errorf("flash %q, want the created message", got)
	}
	if got := tb.attr(tid("flash"), "data-kind"); got != "success" {
		t.Errorf("flash kind %q, want success", got)
	}
	if got := tb.text(tid("group-title")); got != name {
		t.Errorf("title %q, want %q", got, name)
	}
	if got := tb.text(tid("member-count")); got != "3 / 50" {
		t.Errorf("member count %q, want 3 / 50", got)
	}
	if got := tb.attrs(`[data-testid="member-row"]`, "data-username"); !slices.Equal(got, []string{"alice", "bob", "carol"}) {
		t.Errorf("members %v, want [alice bob carol]", got)
	}
	g, err := getGroup(t, id)
	if err != nil {
		t.Fatalf("the created group is not in Agora: %v", err)
	}
	if g.Name != name || g.Owner != "alice" || g.MaxUsers != 50 || g.Description != "Created by the browser test" {
		t.Errorf("Agora has name=%q owner=%q maxusers=%d desc=%q", g.Name, g.Owner, g.MaxUsers, g.Description)
	}
	// The flash is shown once.
	tb.open("/groups/" + id)
	if n := tb.count(`[data-testid="flash"]`); n != 0 {
		t.Errorf("the flash is shown again on reload")
	}
}

// 5. Edit a group: a maxusers below the member count is refused, then a new
// name and maxusers are saved.
func TestEditGroup(t *testing.T) {
	name := unique("E2E Edit")
	id := newGroup(t, name, "bob", 100, "carol", "dave")
	tb := newTab(t)
	tb.login()

	tb.open("/groups/" + id)
	resp := tb.follow(tid("edit-group"))
	if resp.Status != 200 || tb.url().Path != "/groups/"+id+"/edit" {
		t.Fatalf("Edit led to %s (status %d)", tb.url(), resp.Status)
	}
	if got := tb.value(tid("input-groupname")); got != name {
		t.Errorf("name field %q, want %q", got, name)
	}
	if got := tb.value(tid("input-maxusers")); got != "100" {
		t.Errorf("maxusers field %q, want 100", got)
	}
	if got := tb.text(tid("form-owner-readonly")); got != "bob" {
		t.Errorf("owner shown %q, want bob", got)
	}
	if n := tb.count(`[data-testid="input-owner"]`); n != 0 {
		t.Errorf("the edit form lets the owner be typed in")
	}

	newName := name + " renamed"
	tb.do(
		chromedp.SetValue(tid("input-groupname"), newName),
		chromedp.SetValue(tid("input-maxusers"), "2"),
	)
	resp = tb.follow(tid("form-submit"))
	if resp.Status != 422 {
		t.Errorf("maxusers below the member count: status %d, want 422", resp.Status)
	}
	if msg := tb.text(tid("error-maxusers")); !strings.Contains(msg, "3") {
		t.Errorf("maxusers error %q, want it to mention the 3 members", msg)
	}
	if got := tb.value(tid("input-groupname")); got != newName {
		t.Errorf("name after the error = %q, want %q kept", got, newName)
	}
	if g, err := getGroup(t, id); err != nil || g.Name != name {
		t.Errorf("a refused form changed the group: %+v, %v", g, err)
	}

	tb.do(chromedp.SetValue(tid("input-maxusers"), "150"))
	resp = tb.follow(tid("form-submit"))
	if resp.Status != 200 || tb.url().Path != "/groups/"+id {
		t.Fatalf("save landed on %s (status %d), want /groups/%s", tb.url(), resp.Status, id)
	}
	if got := tb.text(tid("flash")); got != "Group “"+newName+"” updated" {
		t.Errorf("flash %q, want the updated message", got)
	}
	if got := tb.text(tid("group-title")); got != newName {
		t.Errorf("title %q, want %q", got, newName)
	}
	if got := tb.text(tid("detail-maxusers")); got != "150" {
		t.Errorf("maxusers shown %q, want 150", got)
	}
	if got := tb.text(tid("member-count")); got != "3 / 150" {
		t.Errorf("member count %q, want 3 / 150", got)
	}
	g, err := getGroup(t, id)
	if err != nil {
		t.Fatal(err)
	}
	if g.Name != newName || g.MaxUsers != 150 || g.Owner != "bob" || g.Description != "made by the e2e tests" {
		t.Errorf("Agora has name=%q maxusers=%d owner=%q desc=%q", g.Name, g.MaxUsers, g.Owner, g.Description)
	}
}

// 6. Delete with JavaScript: a native <dialog> asks first; Cancel keeps the
// group, Confirm deletes it.
func TestDeleteGroupWithDialog(t *testing.T) {
	name := unique("E2E Delete")
	id := newGroup(t, name, "carol", 200, "dave", "erin")
	tb := newTab(t)
	tb.login()

	tb.open("/groups/" + id)
	detail := tb.url().String()
	const openDialog = `[data-testid="delete-dialog"][open]`

	tb.do(chromedp.Click(tid("delete-group")))
	tb.do(chromedp.WaitVisible(chromedp.CSS(openDialog)))
	if got := tb.url().String(); got != detail {
		t.Errorf("Delete left the page for %s; want the dialog over %s", got, detail)
	}
	if got := tb.text(tid("delete-title")); !strings.Contains(got, name) {
		t.Errorf("dialog title %q does not name the group %q", got, name)
	}
	if got := tb.text(tid("delete-description")); !strings.Contains(got, "3 members") || !strings.Contains(got, id) {
		t.Errorf("dialog text %q, want the id %s and its 3 members", got, id)
	}
	modal, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid="delete-dialog"]').matches(':modal')`))
	if err != nil || !modal {
		t.Errorf("the dialog is not modal (showModal): %v, %v", modal, err)
	}
	focused, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.activeElement && document.activeElement.dataset.testid || ""`))
	if err != nil || focused != "delete-cancel" {
		t.Errorf("focus is on %q, want the dialog's Cancel button (%v)", focused, err)
	}
	tb.viewportScreenshot("05-delete-dialog")

	// Cancel closes it; the group stays.
	tb.do(chromedp.Click(chromedp.CSS(openDialog + ` [data-testid="delete-cancel"]`)))
	tb.do(chromedp.WaitNotPresent(tid("delete-dialog")))
	if got := tb.url().String(); got != detail {
		t.Errorf("Cancel went to %s", got)
	}
	if got := tb.text(tid("group-title")); got != name {
		t.Errorf("after Cancel the title is %q", got)
	}
	if _, err := getGroup(t, id); err != nil {
		t.Fatalf("Cancel deleted the group: %v", err)
	}

	// Again, and confirm.
	tb.do(chromedp.Click(tid("delete-group")))
	tb.do(chromedp.WaitVisible(chromedp.CSS(openDialog)))
	if n := tb.count(`[data-testid="delete-dialog"]`); n != 1 {
		t.Errorf("%d dialogs in the page after the second Delete, want 1", n)
	}
	resp := tb.follow(chromedp.CSS(openDialog + ` [data-testid="delete-confirm"]`))
	if resp.Status != 200 || tb.url().Path != "/groups" {
		t.Fatalf("confirm landed on %s (status %d), want /groups", tb.url(), resp.Status)
	}
	if got := tb.text(tid("flash")); got != "Group “"+name+"” deleted" {
		t.Errorf("flash %q, want the deleted message", got)
	}
	if n := tb.count(`[data-testid="group-row"][data-group-id="` + id + `"]`); n != 0 {
		t.Errorf("the deleted group is still listed")
	}
	assertGone(t, tb, id)
}

// 6b. The dialog from a row of the list, by keyboard: Enter on the row's
// Delete opens it with the focus on Cancel; Escape closes it and gives the
// focus back to the row's Delete.
func TestDeleteDialogKeyboardFromList(t *testing.T) {
	tb := newTab(t)
	tb.login()

	row := `[data-testid="group-row"]:nth-child(3)`
	id := tb.attr(chromedp.CSS(row), "data-group-id")
	name := tb.text(chromedp.CSS(row + ` [data-testid="group-name"]`))
	trigger := chromedp.CSS(row + ` [data-testid="group-delete"]`)
	active := func() string {
		t.Helper()
		s, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`(() => {
			const a = document.activeElement, r = a && a.closest('[data-testid="group-row"]');
			return (a && a.dataset.testid || a.tagName) + (r ? "@" + r.dataset.groupId : "");
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	tb.do(chromedp.Focus(trigger), chromedp.KeyEvent(kb.Enter))
	tb.do(chromedp.WaitVisible(chromedp.CSS(`[data-testid="delete-dialog"][open]`)))
	if got := tb.url().Path; got != "/groups" {
		t.Errorf("Delete in the list left the page for %s", got)
	}
	if got := tb.text(tid("delete-title")); !strings.Contains(got, name) {
		t.Errorf("dialog title %q does not name the row's group %q", got, name)
	}
	if got := tb.text(tid("delete-description")); !strings.Contains(got, id) {
		t.Errorf("dialog text %q does not name the row's id %s", got, id)
	}
	if got := active(); got != "delete-cancel" {
		t.Errorf("focus on %q with the dialog open, want delete-cancel", got)
	}

	tb.do(chromedp.KeyEvent(kb.Escape))
	tb.do(chromedp.WaitNotPresent(tid("delete-dialog")))
	if got := active(); got != "group-delete@"+id {
		t.Errorf("focus on %q after Escape, want back on the row's Delete (group-delete@%s)", got, id)
	}
	if _, err := getGroup(t, id); err != nil {
		t.Errorf("Escape deleted the group: %v", err)
	}
	if n := tb.count(`[data-testid="group-row"][data-group-id="` + id + `"]`); n != 1 {
		t.Errorf("the row of group %s is gone after Escape", id)
	}
}

// 7. Delete without JavaScript: Delete is a link to a confirmation page.
func TestDeleteGroupWithoutJavaScript(t *testing.T) {
	name := unique("E2E NoJS")
	id := newGroup(t, name, "dave", 200, "erin")
	tb := newTab(t, withoutJavaScript())
	tb.login()

	tb.open("/groups/" + id)
	// app.js marks <html data-js>; unmarked, it shows no script ran.
	if n := tb.count(`html[data-js]`); n != 0 {
		t.Fatalf("scripts ran in a tab with JavaScript turned off")
	}
	resp := tb.follow(tid("delete-group"))
	if resp.Status != 200 || tb.url().Path != "/groups/"+id+"/delete" {
		t.Fatalf("Delete without JavaScript led to %s (status %d), want the confirmation page", tb.url(), resp.Status)
	}
	if n := tb.count(`[data-testid="delete-page"]`); n != 1 {
		t.Fatalf("no confirmation page")
	}
	if got := tb.text(tid("delete-title")); !strings.Contains(got, name) {
		t.Errorf("confirmation title %q does not name %q", got, name)
	}
	if got := tb.text(tid("delete-description")); !strings.Contains(got, "2 members") {
		t.Errorf("confirmation text %q, want its 2 members", got)
	}
	tb.screenshot("07-delete-page-nojs")

	// Cancel goes back to the group, which is still there.
	tb.follow(tid("delete-cancel"))
	if tb.url().Path != "/groups/"+id {
		t.Errorf("Cancel led to %s", tb.url())
	}
	if _, err := getGroup(t, id); err != nil {
		t.Fatalf("Cancel deleted the group: %v", err)
	}

	tb.follow(tid("delete-group"))
	resp = tb.follow(tid("delete-confirm"))
	if resp.Status != 200 || tb.url().Path != "/groups" {
		t.Fatalf("confirm landed on %s (status %d), want /groups", tb.url(), resp.Status)
	}
	if got := tb.text(tid("flash")); got != "Group “"+name+"” deleted" {
		t.Errorf("flash %q, want the deleted message", got)
	}
	assertGone(t, tb, id)
}

// assertGone checks a group is gone from Agora and its page is a 404.
func assertGone(t *testing.T, tb *tab, id string) {
	t.Helper()
	if _, err := getGroup(t, id); !errors.Is(err, agora.ErrNotFound) {
		t.Errorf("GetOne after the delete: %v, want ErrNotFound", err)
	}
	resp := tb.open("/groups/" + id)
	if resp.Status != 404 {
		t.Errorf("the deleted group's page: status %d, want 404", resp.Status)
	}
	if n := tb.count(`[data-testid="error-page"]`); n != 1 {
		t.Errorf("the deleted group's page is not the error page")
	}
}

// 8. A user's groups, found with the search box; each links to its group.
func TestUserGroupsLookup(t *testing.T) {
	tb := newTab(t)
	tb.login()

	// A name that cannot be a username is refused with a message.
	tb.do(chromedp.SendKeys(tid("user-lookup"), "no such user!"))
	tb.follow(tid("user-lookup-submit"))
	if tb.url().Path != "/groups" {
		t.Errorf("an invalid username led to %s, want back to /groups", tb.url())
	}
	if got := tb.attr(tid("flash"), "data-kind"); got != "error" {
		t.Errorf("invalid username: flash kind %q, want error", got)
	}

	tb.do(chromedp.SendKeys(tid("user-lookup"), "alice"))
	resp := tb.follow(tid("user-lookup-submit"))
	if resp.Status != 200 || tb.url().Path != "/users/alice" {
		t.Fatalf("lookup of alice led to %s (status %d)", tb.url(), resp.Status)
	}
	if got := tb.text(tid("user-title")); got != "User alice" {
		t.Errorf("title %q, want User alice", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	joined, _, err := stack.client.Groups.ListJoined(ctx, "alice", &agora.JoinedOptions{PageNum: 1, PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, g := range joined {
		want = append(want, g.ID)
	}
	got := tb.attrs(`[data-testid="user-group-row"]`, "data-group-id")
	if len(got) == 0 || !slices.Equal(got, want) {
		t.Errorf("alice's groups on the page %v, want %v", got, want)
	}
	tb.screenshot("06-user-groups")

	link := chromedp.CSS(`[data-testid="user-group-row"] [data-testid="group-link"]`)
	linkName := tb.text(link)
	resp = tb.follow(link)
	if resp.Status != 200 || tb.url().Path != "/groups/"+got[0] {
		t.Fatalf("the first group link led to %s (status %d), want /groups/%s", tb.url(), resp.Status, got[0])
	}
	if title := tb.text(tid("group-title")); title != linkName {
		t.Errorf("group page title %q, want the link's %q", title, linkName)
	}
	if n := tb.count(`[data-testid="member-row"][data-username="alice"]`); n != 1 {
		t.Errorf("alice is not a member of the group her list links to")
	}
}

// 9. The Content-Security-Policy is sent and enforced, and the console
// watcher of every test sees a violation (so its silence means something).
func TestCSPIsEnforcedAndWatched(t *testing.T) {
	tb := newTab(t)
	tb.allowCSP = true
	resp := tb.open("/login")
	var csp string
	for k, v := range resp.Headers {
		if strings.EqualFold(k, "Content-Security-Policy") {
			csp, _ = v.(string)
		}
	}
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("Content-Security-Policy %q, want script-src 'self' and no unsafe-inline", csp)
	}

	// An inline script added to the page must not run.
	ran, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`(() => {
		const s = document.createElement("script");
		s.textContent = "window.__inlineRan = true";
		document.body.appendChild(s);
		return window.__inlineRan === true;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if ran {
		t.Errorf("an inline script ran despite the CSP")
	}
	if _, err := chromedp.Run(tb.ctx, chromedp.Location()); err != nil { // flush the console events
		t.Fatal(err)
	}
	deadline := time.Now().Add(waitTimeout)
	for {
		csp, _, _ := tb.console.snapshot()
		if len(csp) > 0 {
			t.Logf("seen as expected: %s", csp[0])
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the console watcher did not see the CSP violation of an inline script")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func duplicates(ids []string) []string {
	seen := map[string]bool{}
	var dup []string
	for _, id := range ids {
		if seen[id] {
			dup = append(dup, id)
		}
		seen[id] = true
	}
	return dup
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
