package e2e

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"groupdesk/web/search"
)

// syncIndex fills the dashboard's search index with a full pass, through a
// database handle of its own, as a sync job on another replica would.
func syncIndex(t *testing.T) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(stack.dir, "web", "dashboard.db")+"?_pragma=busy_timeout(5000)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	ix, err := search.Open(ctx, db, search.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := search.Sync(ctx, stack.client.Groups, ix, search.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
}

// 10. Search: type part of a Chinese name, open the group.
func TestSearchChineseNameAndOpen(t *testing.T) {
	tb := newTab(t) // starts the stack
	syncIndex(t)
	tb.login()

	tb.do(chromedp.SendKeys(tid("search-q"), "读书"))
	resp := tb.follow(tid("search-submit"))
	if resp.Status != 200 || tb.url().Path != "/groups" || tb.url().Query().Get("q") != "读书" {
		t.Fatalf("search led to %s (status %d), want /groups?q=读书", tb.url(), resp.Status)
	}
	if got := tb.text(tid("search-total")); got != "Groups found: 1" {
		t.Errorf("search-total %q, want 1 group found", got)
	}
	if got := tb.value(tid("search-q")); got != "读书" {
		t.Errorf("the search box holds %q after the search, want 读书", got)
	}
	ids := rowIDs(tb)
	if len(ids) != 1 {
		t.Fatalf("results %v, want one group", ids)
	}
	tb.screenshot("10-search")

	link := chromedp.CSS(`[data-testid="group-row"] [data-testid="group-link"]`)
	resp = tb.follow(link)
	if resp.Status != 200 || tb.url().Path != "/groups/"+ids[0] {
		t.Fatalf("the result led to %s (status %d), want /groups/%s", tb.url(), resp.Status, ids[0])
	}
	if title := tb.text(tid("group-title")); title != "读书会" {
		t.Errorf("group page title %q, want 读书会", title)
	}
}
