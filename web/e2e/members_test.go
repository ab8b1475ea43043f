package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The Members tab in the browser: add, bulk remove through the dialog,
// mute for an hour, transfer ownership, and remove without JavaScript.

// membersGroup is a group owned by "carol" with the given members, which
// are created as users first.
func membersGroup(t *testing.T, members ...string) string {
	t.Helper()
	setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := stack.sb.CreateUsers(ctx, members...); err != nil {
		t.Fatal(err)
	}
	return newGroup(t, unique("E2E Members"), "carol", 50, members...)
}

// outcome is the status of a user in the per-user table under the flash.
func outcome(tb *tab, user string) string {
	tb.t.Helper()
	return tb.attr(chromedp.CSS(`[data-testid="outcome-row"][data-username="`+user+`"]`), "data-status")
}

// badges is the text of a member's role and mute badges.
func badges(tb *tab, user string) string {
	tb.t.Helper()
	return tb.text(chromedp.CSS(`[data-testid="member-row"][data-username="` + user + `"] [data-testid="member-badges"]`))
}

func selectMember(user string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS(`[data-testid="member-select"][value="` + user + `"]`))
}

func TestMembersAddInBrowser(t *testing.T) {
	id := membersGroup(t, "e2m.in")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := stack.sb.CreateUsers(ctx, "e2m.new1", "e2m.new2"); err != nil {
		t.Fatal(err)
	}
	tb := newTab(t)
	tb.login()
	tb.open("/groups/" + id + "/members")
	tb.do(chromedp.SendKeys(tid("add-usernames"), "e2m.new1, e2m.new2\ne2m.in"))
	resp := tb.follow(tid("add-submit"))
	if resp.Status != 200 || tb.url().Path != "/groups/"+id+"/members" {
		t.Fatalf("add landed on %s (%d)", tb.url(), resp.Status)
	}
	for user, want := range map[string]string{"e2m.new1": "done", "e2m.new2": "done", "e2m.in": "already"} {
		if got := outcome(tb, user); got != want {
			t.Errorf("%s: %q, want %q", user, got, want)
		}
	}
	if got := tb.text(tid("flash")); !strings.Contains(got, "Added 2 users of 2") {
		t.Errorf("flash %q", got)
	}
	if got := tb.text(chromedp.CSS(`[data-testid="member-row"][data-username="e2m.new1"] [data-testid="member-added"]`)); !strings.Contains(got, "by admin on") {
		t.Errorf("added column %q", got)
	}
	tb.screenshot("members-added")
}

func TestMembersBulkRemoveWithDialog(t *testing.T) {
	id := membersGroup(t, "e2r.a", "e2r.b", "e2r.c")
	tb := newTab(t)
	tb.login()
	tb.open("/groups/" + id + "/members")
	page := tb.url().String()
	const openDialog = `[data-testid="remove-dialog"][open]`
	tb.do(selectMember("e2r.a"), selectMember("e2r.b"), chromedp.Click(tid("action-remove")))
	tb.do(chromedp.WaitVisible(chromedp.CSS(openDialog)))
	if got := tb.url().String(); got != page {
		t.Errorf("Remove left the page for %s", got)
	}
	if got := tb.text(tid("remove-title")); got != "Remove 2 members?" {
		t.Errorf("dialog title %q", got)
	}
	tb.viewportScreenshot("members-remove-dialog")

	// Cancel keeps them.
	tb.do(chromedp.Click(chromedp.CSS(openDialog + ` [data-testid="remove-cancel"]`)))
	tb.do(chromedp.WaitNotPresent(tid("remove-dialog")))
	if g, err := getGroup(t, id); err != nil || len(g.Affiliations) != 4 {
		t.Fatalf("Cancel changed the group: %v", err)
	}

	tb.do(chromedp.Click(tid("action-remove")))
	tb.do(chromedp.WaitVisible(chromedp.CSS(openDialog)))
	resp := tb.follow(chromedp.CSS(openDialog + ` [data-testid="remove-confirm"]`))
	if resp.Status != 200 || tb.url().Path != "/groups/"+id+"/members" {
		t.Fatalf("confirm landed on %s (%d)", tb.url(), resp.Status)
	}
	for _, u := range []string{"e2r.a", "e2r.b"} {
		if got := outcome(tb, u); got != "done" {
			t.Errorf("%s: %q", u, got)
		}
		if n := tb.count(`[data-testid="member-row"][data-username="` + u + `"]`); n != 0 {
			t.Errorf("%s still listed", u)
		}
	}
	if n := tb.count(`[data-testid="member-row"][data-username="e2r.c"]`); n != 1 {
		t.Error("e2r.c, not selected, was removed")
	}
}

func TestMembersMuteForAnHour(t *testing.T) {
	id := membersGroup(t, "e2u.a", "e2u.b")
	tb := newTab(t)
	tb.login()
	tb.open("/groups/" + id + "/members")
	tb.do(selectMember("e2u.a"), chromedp.SetValue(tid("mute-duration"), "1h"))
	resp := tb.follow(tid("action-mute"))
	if resp.Status != 200 || tb.url().Path != "/groups/"+id+"/members" {
		t.Fatalf("mute landed on %s (%d)", tb.url(), resp.Status)
	}
	if got := outcome(tb, "e2u.a"); got != "done" {
		t.Errorf("outcome %q", got)
	}
	if got := badges(tb, "e2u.a"); !strings.Contains(got, "Muted until") {
		t.Errorf("e2u.a badges %q", got)
	}
	until, err := time.Parse(time.RFC3339, tb.attr(chromedp.CSS(`[data-username="e2u.a"] [data-testid="muted-until"]`), "datetime"))
	if err != nil || until.Before(time.Now().Add(50*time.Minute)) || until.After(time.Now().Add(70*time.Minute)) {
		t.Errorf("muted until %v (%v), want in about an hour", until, err)
	}
	if got := badges(tb, "e2u.b"); strings.Contains(got, "Muted") {
		t.Errorf("e2u.b, not selected, is muted: %q", got)
	}
}

func TestMembersTransferOwnership(t *testing.T) {
	id := membersGroup(t, "e2o.next")
	tb := newTab(t)
	tb.login()
	tb.open("/groups/" + id + "/members")
	const openDialog = `[data-testid="owner-dialog"][open]`
	tb.do(chromedp.SendKeys(tid("newowner"), "e2o.next"), chromedp.Click(tid("owner-submit")))
	tb.do(chromedp.WaitVisible(chromedp.CSS(openDialog)))
	if got := tb.text(tid("owner-question")); !strings.Contains(got, "carol will no longer own") || !strings.Contains(got, "e2o.next becomes its owner") {
		t.Errorf("question %q", got)
	}
	resp := tb.follow(chromedp.CSS(openDialog + ` [data-testid="owner-confirm"]`))
	if resp.Status != 200 || tb.url().Path != "/groups/"+id+"/members" {
		t.Fatalf("confirm landed on %s (%d)", tb.url(), resp.Status)
	}
	if got := badges(tb, "e2o.next"); got != "Owner" {
		t.Errorf("new owner's badges %q", got)
	}
	if got := badges(tb, "carol"); got != "Member" {
		t.Errorf("old owner's badges %q", got)
	}
	if g, err := getGroup(t, id); err != nil || g.Owner != "e2o.next" {
		t.Errorf("Agora's owner: %v", err)
	}
}

func TestMembersRemoveWithoutJavaScript(t *testing.T) {
	id := membersGroup(t, "e2n.a", "e2n.b")
	tb := newTab(t, withoutJavaScript())
	tb.login()
	tb.open("/groups/" + id + "/members")
	tb.do(selectMember("e2n.a"))
	resp := tb.follow(tid("action-remove"))
	if resp.Status != 200 || tb.count(`[data-testid="remove-page"]`) != 1 {
		t.Fatalf("Remove without JavaScript: %s (%d), want the confirmation page", tb.url(), resp.Status)
	}
	if got := tb.text(tid("remove-title")); got != "Remove 1 member?" {
		t.Errorf("title %q", got)
	}
	tb.screenshot("members-remove-page-nojs")
	resp = tb.follow(tid("remove-confirm"))
	if resp.Status != 200 || tb.url().Path != "/groups/"+id+"/members" {
		t.Fatalf("confirm landed on %s (%d)", tb.url(), resp.Status)
	}
	if got := outcome(tb, "e2n.a"); got != "done" {
		t.Errorf("outcome %q", got)
	}
	if n := tb.count(`[data-testid="member-row"][data-username="e2n.a"]`); n != 0 {
		t.Error("e2n.a still listed")
	}
}
