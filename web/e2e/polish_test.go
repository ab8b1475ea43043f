package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The browser's time zone reaches the server (app.js's tz cookie, set on
// the sign-in page): the audit log and the list show times in it, to the
// second on hover, relative in the text.
func TestTimesInTheBrowsersZone(t *testing.T) {
	tb := newTab(t)
	if _, err := chromedp.Call(tb.ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Kolkata"}); err != nil {
		t.Fatalf("emulate a time zone: %v", err)
	}
	tb.login()
	for _, c := range []struct{ path, testid string }{
		{"/audit", "audit-when"},
		{"/groups", "group-modified-time"},
	} {
		tb.open(c.path)
		title := tb.attr(tid(c.testid), "title")
		if !strings.HasSuffix(title, " IST") || strings.Contains(title, ".") {
			t.Errorf("%s: exact time %q, want one in India Standard Time without milliseconds", c.path, title)
		}
		at, err := time.Parse(time.RFC3339, tb.attr(tid(c.testid), "datetime"))
		if err != nil {
			t.Fatalf("%s: datetime: %v", c.path, err)
		}
		kolkata, _ := time.LoadLocation("Asia/Kolkata")
		if want := at.In(kolkata).Format("Jan 2, 2006, 15:04:05 MST"); title != want {
			t.Errorf("%s: exact time %q, want %q", c.path, title, want)
		}
	}
	tb.open("/account")
	// Chromium names the zone by its older ICU name, Asia/Calcutta.
	if got := tb.text(tid("zone-in-use")); !strings.Contains(got, "IST") {
		t.Errorf("the account page says %q", got)
	}
}

// Load more keeps the address in step: it names the rows shown, so a
// reload and Back come back to them; the pager says which they are.
func TestLoadMoreKeepsTheAddress(t *testing.T) {
	tb := newTab(t)
	tb.login()
	tb.open("/groups?limit=10")
	if n := tb.count(`[data-testid="group-row"]`); n != 10 {
		t.Fatalf("%d rows on a page of 10", n)
	}
	tb.do(chromedp.Click(tid("load-more")))
	tb.waitJS("the second page's rows", `document.querySelectorAll('[data-testid="group-row"]').length === 20`)
	tb.waitJS("the address of the grown list", `location.search.includes("pages=2")`)
	if got := tb.text(tid("pager-page")); got != "Groups 1–20" {
		t.Errorf("pager says %q after Load more", got)
	}
	grown := tb.url().RequestURI()
	ids := tb.attrs(`[data-testid="group-row"]`, "data-group-id")

	tb.do(chromedp.Reload())
	if got := tb.attrs(`[data-testid="group-row"]`, "data-group-id"); strings.Join(got, ",") != strings.Join(ids, ",") {
		t.Errorf("reload shows %d rows, not the 20 shown before", len(got))
	}
	if got := tb.url().RequestURI(); got != grown {
		t.Errorf("reload moved to %s", got)
	}

	tb.follow(chromedp.CSS(`[data-testid="group-row"]:nth-child(15) [data-testid="group-link"]`))
	// history.back(): the page may come from the back-forward cache, with
	// no load event for chromedp.NavigateBack to wait for.
	tb.do(chromedp.Evaluate[chromedp.Void](`history.back()`))
	tb.waitAcrossNavigation("the list again", `location.pathname === "/groups" && document.querySelectorAll('[data-testid="group-row"]').length === 20`)
	if got := tb.url().RequestURI(); got != grown {
		t.Errorf("Back leads to %s, want %s", got, grown)
	}
	tb.screenshot("polish-load-more-20-rows")
}

// Rows per page applies as soon as it changes; its Show button is for
// pages without JavaScript only.
func TestRowsPerPageAppliesOnChange(t *testing.T) {
	tb := newTab(t)
	tb.login()
	if got := tb.computed(`[data-testid="page-size-submit"]`, "display")["display"]; got != "none" {
		t.Errorf("the Show button is displayed (%q) with JavaScript", got)
	}
	_, err := chromedp.RunResponse(tb.ctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.querySelector('[data-testid="page-size"]');
		s.value = "10";
		s.dispatchEvent(new Event("change", {bubbles: true}));
	})()`))
	if err != nil {
		t.Fatalf("change rows per page: %v", err)
	}
	if got := tb.url().Query().Get("limit"); got != "10" {
		t.Errorf("after choosing 10 the address is %s", tb.url())
	}
	if n := tb.count(`[data-testid="group-row"]`); n != 10 {
		t.Errorf("%d rows after choosing 10 per page", n)
	}
}

// Disabling an account asks first, in a dialog; Cancel leaves it active,
// the dialog's button disables it.
func TestDisableAccountAsks(t *testing.T) {
	tb := newTab(t)
	tb.login()
	name := fmt.Sprintf("disable%d", time.Now().UnixNano()%1_000_000)
	tb.open("/accounts")
	tb.do(
		chromedp.SendKeys(tid("input-new-username"), name),
		chromedp.SendKeys(tid("input-new-password"), "disable-me-password"),
	)
	tb.follow(tid("account-create"))
	row := `[data-testid="account-row"][data-username="` + name + `"]`

	tb.do(chromedp.Click(chromedp.CSS(row + ` [data-testid="account-disable"]`)))
	tb.waitJS("the question", `document.querySelector('[data-testid="disable-dialog"]')?.open === true`)
	if got := tb.text(tid("disable-title")); !strings.Contains(got, name) {
		t.Errorf("the question %q does not name the account", got)
	}
	tb.viewportScreenshot("polish-disable-dialog")
	tb.do(chromedp.Click(tid("disable-cancel")))
	tb.waitJS("the dialog closed", `document.querySelector('[data-testid="disable-dialog"]') === null`)
	if got := tb.attrs(row, "data-disabled"); len(got) != 1 || got[0] != "false" {
		t.Fatalf("Cancel changed the account: %v", got)
	}

	tb.do(chromedp.Click(chromedp.CSS(row + ` [data-testid="account-disable"]`)))
	tb.waitJS("the question again", `document.querySelector('[data-testid="disable-dialog"]')?.open === true`)
	tb.follow(tid("disable-confirm"))
	if got := tb.attrs(row, "data-disabled"); len(got) != 1 || got[0] != "true" {
		t.Errorf("confirming did not disable the account: %v", got)
	}
}

// waitAcrossNavigation is waitJS while the page may still be changing: an
// evaluation that fails because the old document went away is tried again
// in the new one, until waitTimeout.
func (tb *tab) waitAcrossNavigation(what, expr string) {
	tb.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		ok, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("wait until %s (%s): last %v, %v", what, expr, ok, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
