package e2e

import (
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"groupdesk/agora"
)

// 12. Clean up after a spammer: open a user in 30 groups, select all of
// them, block with a reason in the dialog, watch the job's progress reach
// 100% (htmx polling), download the results CSV.
func TestBulkBlockFromUserPage(t *testing.T) {
	tb := newTab(t) // starts the stack
	user := strings.ReplaceAll(strings.ToLower(unique("e2e.spam")), " ", ".")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := stack.sb.CreateUsers(ctx, user); err != nil {
		t.Fatal(err)
	}
	groups := map[string]bool{}
	for i := range 30 {
		groups[newGroup(t, fmt.Sprintf("E2E bulk %d", i), "carol", 50, user, "dave")] = true
	}
	tb.login()

	resp := tb.open("/users/" + user)
	if resp.Status != 200 {
		t.Fatalf("user page: status %d", resp.Status)
	}
	if n := tb.count(`[data-testid="user-group-row"]`); n != 10 {
		t.Errorf("the first page lists %d groups, want 10", n)
	}
	tb.do(
		chromedp.Click(tid("select-all")),
		chromedp.SetValue(tid("bulk-action"), "block"),
		chromedp.SendKeys(tid("bulk-reason"), "posting scam links"),
		chromedp.Click(tid("bulk-review")),
	)
	const dialog = `[data-testid="bulk-dialog"][open]`
	tb.do(chromedp.WaitVisible(chromedp.CSS(dialog)))
	if got := tb.text(tid("bulk-description")); !strings.Contains(got, "blocked in 30 groups") || !strings.Contains(got, "posting scam links") {
		t.Errorf("the dialog says %q, want 30 groups and the reason", got)
	}
	tb.viewportScreenshot("12-bulk-dialog")
	tb.do(chromedp.SendKeys(chromedp.CSS(dialog+` [data-testid="bulk-typed"]`), "30"))
	resp = tb.follow(chromedp.CSS(dialog + ` [data-testid="bulk-confirm"]`))
	if resp.Status != 200 || !strings.HasPrefix(tb.url().Path, "/jobs/") {
		t.Fatalf("confirm led to %s (status %d), want the job's page", tb.url(), resp.Status)
	}
	jobPath := tb.url().Path

	// The page polls itself with htmx until the job ends.
	tb.waitJS("the job is done", `document.querySelector('[data-testid="job-body"]').dataset.state === "done"`)
	if got := tb.text(tid("job-percent")); got != "100%" {
		t.Errorf("progress %q, want 100%%", got)
	}
	if got := tb.text(tid("job-done")); got != "30" {
		t.Errorf("done %q, want 30", got)
	}
	tb.screenshot("12-bulk-job-done")

	body, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](
		`fetch(document.querySelector('[data-testid="job-csv"]').href).then(r => r.ok ? r.text() : "status " + r.status)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) != 31 {
		t.Fatalf("results CSV from %s: %d rows (%v):\n%s", jobPath, len(rows), err, body)
	}
	for _, r := range rows[1:] {
		if !groups[r[0]] || r[1] != "done" {
			t.Errorf("CSV row %v, want one of the 30 groups, done", r)
		}
	}
	for id := range groups {
		g, err := getGroup(t, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range g.Affiliations {
			if a.Username == user {
				t.Errorf("group %s: %s is still a member after the block", id, user)
			}
		}
	}
}

// 12b. The same without JavaScript: the confirmation is a page, the job's
// page reloads itself (a meta refresh) until the job ends.
func TestBulkRemoveWithoutJavaScript(t *testing.T) {
	tb := newTab(t, withoutJavaScript())
	user := strings.ReplaceAll(strings.ToLower(unique("e2e.nojs")), " ", ".")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := stack.sb.CreateUsers(ctx, user); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 3 {
		ids = append(ids, newGroup(t, fmt.Sprintf("E2E nojs %d", i), "carol", 50, user))
	}
	tb.login()
	tb.open("/users/" + user)
	tb.do(
		chromedp.Click(chromedp.CSS(`[data-testid="select-group"][value="`+ids[0]+`"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="select-group"][value="`+ids[2]+`"]`)),
	)
	resp := tb.follow(tid("bulk-review")) // "remove" is the first action
	if resp.Status != 200 || tb.count(`[data-testid="bulk-page"]`) != 1 {
		t.Fatalf("review without JavaScript: status %d at %s, want the confirmation page", resp.Status, tb.url())
	}
	if got := tb.text(tid("bulk-description")); !strings.Contains(got, "removed from 2 groups") {
		t.Errorf("confirmation says %q", got)
	}
	tb.screenshot("12b-bulk-page-nojs")
	resp = tb.follow(tid("bulk-confirm"))
	if resp.Status != 200 || !strings.HasPrefix(tb.url().Path, "/jobs/") {
		t.Fatalf("confirm led to %s (status %d)", tb.url(), resp.Status)
	}
	// The meta refresh reloads the page until the job has ended.
	deadline := time.Now().Add(waitTimeout)
	for {
		if s := tb.attrs(`[data-testid="job-body"]`, "data-state"); len(s) == 1 && s[0] == "done" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job page did not reach done without JavaScript (%v)", tb.attrs(`[data-testid="job-body"]`, "data-state"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := tb.text(tid("job-done")); got != "2" {
		t.Errorf("done %q, want 2", got)
	}
	for i, id := range ids {
		g, err := getGroup(t, id)
		if err != nil {
			t.Fatal(err)
		}
		in := slices.ContainsFunc(g.Affiliations, func(a agora.Affiliation) bool { return a.Username == user })
		if in != (i == 1) {
			t.Errorf("group %d: member %v", i, in)
		}
	}
}
