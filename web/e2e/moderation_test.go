package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// blockUntil is a date three days ahead, as the date field takes it.
func blockUntil() string { return time.Now().UTC().AddDate(0, 0, 3).Format(time.DateOnly) }

// Block a member with a reason and an end date, with JavaScript: the
// result page lists what happened to the user and the block list shows the
// reason, who blocked and until when.
func TestBlockWithReason(t *testing.T) {
	tb := newTab(t)
	id := newGroup(t, unique("E2E Block"), "carol", 200, "dave", "erin")
	tb.login()

	tb.open("/groups/" + id + "/moderation")
	if got := tb.attr(tid("tab-moderation"), "aria-current"); got != "page" {
		t.Errorf("Moderation tab aria-current=%q", got)
	}
	until := blockUntil()
	tb.do(
		chromedp.SendKeys(tid("block-username"), "dave"),
		chromedp.SendKeys(tid("block-reason"), "Spam links"),
		chromedp.SetValue(tid("block-until"), until),
	)
	resp := tb.follow(tid("block-submit"))
	if resp.Status != 200 || tb.url().Path != "/groups/"+id+"/moderation" {
		t.Fatalf("block landed on %s (status %d)", tb.url(), resp.Status)
	}
	if got := tb.text(tid("flash")); got != "Block user: 1 of 1 done." {
		t.Errorf("flash %q", got)
	}
	if n := tb.count(`[data-testid="outcome-row"][data-username="dave"][data-status="done"]`); n != 1 {
		t.Errorf("no done row for dave in the results")
	}
	row := `[data-testid="blocked-row"][data-username="dave"]`
	if got := tb.text(chromedp.CSS(row + ` [data-testid="blocked-reason"]`)); got != "Spam links" {
		t.Errorf("reason shown %q", got)
	}
	if got := tb.text(chromedp.CSS(row + ` [data-testid="blocked-by"]`)); got != adminUser {
		t.Errorf("blocked by %q", got)
	}
	if got := tb.attr(chromedp.CSS(row+` [data-testid="blocked-until-time"]`), "datetime"); !strings.HasPrefix(got, until) {
		t.Errorf("until %q, want %s", got, until)
	}
	tb.screenshot("20-blocked-with-reason")
	g, err := getGroup(t, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range g.Affiliations {
		if a.Username == "dave" {
			t.Error("dave is still a member after the block")
		}
	}

	// Unblock from the list.
	tb.follow(chromedp.CSS(row + ` [data-testid="unblock"]`))
	if n := tb.count(row); n != 0 {
		t.Error("dave is still on the block list after Unblock")
	}
	if n := tb.count(`[data-testid="outcome-row"][data-username="dave"][data-status="done"]`); n != 1 {
		t.Error("no done row for the unblock")
	}
}

// The same without JavaScript, with a refusal first: the form comes back
// with the message and what was typed.
func TestBlockWithoutJavaScript(t *testing.T) {
	tb := newTab(t, withoutJavaScript())
	id := newGroup(t, unique("E2E Block NoJS"), "carol", 200, "dave", "erin")
	tb.login()

	tb.open("/groups/" + id + "/moderation")
	tb.do(chromedp.SendKeys(tid("block-username"), "erin"))
	resp := tb.follow(tid("block-submit"))
	if resp.Status != 422 {
		t.Fatalf("block without a reason: status %d, want 422", resp.Status)
	}
	if got := tb.text(tid("error-reason")); got == "" {
		t.Error("no message for the missing reason")
	}
	if got := tb.value(tid("block-username")); got != "erin" {
		t.Errorf("username kept as %q", got)
	}
	tb.do(chromedp.SendKeys(tid("block-reason"), "Harassment"))
	resp = tb.follow(tid("block-submit"))
	if resp.Status != 200 || tb.url().Path != "/groups/"+id+"/moderation" {
		t.Fatalf("block landed on %s (status %d)", tb.url(), resp.Status)
	}
	if n := tb.count(`[data-testid="outcome-row"][data-username="erin"][data-status="done"]`); n != 1 {
		t.Error("no done row for erin")
	}
	row := `[data-testid="blocked-row"][data-username="erin"]`
	if got := tb.text(chromedp.CSS(row + ` [data-testid="blocked-reason"]`)); got != "Harassment" {
		t.Errorf("reason shown %q", got)
	}
	if got := tb.text(chromedp.CSS(row + ` [data-testid="blocked-until"]`)); got != "Until unblocked" {
		t.Errorf("until shown %q", got)
	}
	tb.screenshot("21-blocked-nojs")
}

// Mute the whole group and lift it; disable through the dialog.
func TestMuteAllAndDisable(t *testing.T) {
	tb := newTab(t)
	id := newGroup(t, unique("E2E Incident"), "carol", 200, "dave")
	tb.login()

	tb.open("/groups/" + id + "/moderation")
	if got := tb.attr(tid("state-mute"), "data-on"); got != "false" {
		t.Fatalf("mute-all starts %q", got)
	}
	tb.follow(tid("mute-all"))
	if got := tb.attr(tid("state-mute"), "data-on"); got != "true" {
		t.Errorf("after Mute whole group: data-on=%q", got)
	}
	if got := tb.text(tid("flash")); !strings.Contains(got, "whole group is muted") {
		t.Errorf("flash %q", got)
	}
	if g, err := getGroup(t, id); err != nil || !g.Mute {
		t.Errorf("Agora says mute=%v (%v)", g != nil && g.Mute, err)
	}
	tb.screenshot("22-muted-all")
	tb.follow(tid("unmute-all"))
	if got := tb.attr(tid("state-mute"), "data-on"); got != "false" {
		t.Errorf("after Unmute: data-on=%q", got)
	}

	// Disable asks first, in a modal dialog over the page.
	page := tb.url().String()
	const openDialog = `[data-testid="disable-dialog"][open]`
	tb.do(chromedp.Click(tid("disable-group")))
	tb.do(chromedp.WaitVisible(chromedp.CSS(openDialog)))
	if got := tb.url().String(); got != page {
		t.Errorf("Disable left the page for %s", got)
	}
	tb.do(chromedp.Click(chromedp.CSS(openDialog + ` [data-testid="disable-cancel"]`)))
	tb.do(chromedp.WaitNotPresent(tid("disable-dialog")))
	if g, err := getGroup(t, id); err != nil || g.Disabled {
		t.Fatalf("Cancel disabled the group (%v)", err)
	}
	tb.do(chromedp.Click(tid("disable-group")))
	tb.do(chromedp.WaitVisible(chromedp.CSS(openDialog)))
	tb.follow(chromedp.CSS(openDialog + ` [data-testid="disable-confirm"]`))
	if got := tb.attr(tid("state-disabled"), "data-on"); got != "true" {
		t.Errorf("after Disable: data-on=%q", got)
	}
	tb.follow(tid("enable-group"))
	if got := tb.attr(tid("state-disabled"), "data-on"); got != "false" {
		t.Errorf("after Enable: data-on=%q", got)
	}
}
