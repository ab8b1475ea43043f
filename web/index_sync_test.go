package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"groupdesk/agora"
	"groupdesk/views"
	"groupdesk/web/jobs"
	"groupdesk/web/search"
	"groupdesk/web/store"
)

const indexSyncWaitLimit = 30 * time.Second

// waitIndexSync waits until the newest sync job satisfies ok.
func waitIndexSync(t *testing.T, e *env, what string, ok func(*jobs.Job) bool) *jobs.Job {
	t.Helper()
	deadline := time.Now().Add(indexSyncWaitLimit)
	for {
		list, err := e.srv.jobs.List(context.Background(), jobs.Filter{Kind: indexSyncKind, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) == 1 && ok(list[0]) {
			return list[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("the index sync is not %s after %s: %+v\n%s", what, indexSyncWaitLimit, list, e.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func syncDone(j *jobs.Job) bool { return j.State == jobs.StateDone }

// searchNames are the group names a search page lists.
func searchNames(p *page) []string {
	var names []string
	p.find("group-name").Each(func(_ int, s *goquery.Selection) { names = append(names, strings.TrimSpace(s.Text())) })
	return names
}

// TestIndexSyncJob: with a schedule, the first sync runs at start and
// fills the empty index; a refresh runs one now and goes back to the
// search; a group created and one deleted behind Groupdesk's back are
// found, and then marked gone, by the next pass.
func TestIndexSyncJob(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		e := newEnv(t, withDB(db), withConfig(func(c *Config) { c.IndexSyncEvery = time.Hour })).login()
		e.srv.indexSync.configure(nil, 0)
		first := waitIndexSync(t, e, "done", syncDone)
		st, err := e.srv.index.Stats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.Groups == 0 || first.Done != int64(st.Groups) || first.Calls < 2 || first.StartedBy != "" {
			t.Errorf("first sync: %d groups, %d calls, by %q; the index holds %d", first.Done, first.Calls, first.StartedBy, st.Groups)
		}
		p := e.get("/groups?q=" + url.QueryEscape("读书"))
		if got := p.text("search-freshness"); !strings.HasPrefix(got, fmt.Sprintf("Index updated 0 minutes ago, %s groups", views.NewLocalizer(views.English).Number(st.Groups))) {
			t.Errorf("freshness = %q", got)
		}
		if names := searchNames(p); !slices.Contains(names, "读书会") {
			t.Errorf("after the first sync, 读书 finds %v", names)
		}

		// Behind Groupdesk's back.
		ctx := context.Background()
		name := fmt.Sprintf("招聘 behind the back %d", time.Now().UnixNano())
		id, _, err := e.client.Groups.Create(ctx, &agora.CreateGroupRequest{GroupName: name, Owner: "alice", Public: true})
		if err != nil {
			t.Fatal(err)
		}
		search := "/groups?q=" + url.QueryEscape(name) + "&sort=members"
		if names := searchNames(e.get(search)); len(names) != 0 {
			t.Fatalf("found %v before any sync", names)
		}
		refresh := func() {
			t.Helper()
			back := url.Values{"q": {name}, "sort": {"members"}}.Encode()
			p := e.post("/groups/index/refresh", url.Values{"back": {back}})
			wantStatus(t, p, http.StatusSeeOther)
			if loc := p.Header.Get("Location"); loc != "/groups?"+back {
				t.Errorf("refresh goes back to %q, want /groups?%s", loc, back)
			}
			if got := e.follow(p).text("flash"); !strings.Contains(got, "The index is being refreshed") {
				t.Errorf("refresh flash = %q", got)
			}
			j := waitIndexSync(t, e, "done", func(j *jobs.Job) bool { return j.ID != first.ID && syncDone(j) })
			if j.StartedBy != "admin" {
				t.Errorf("the refresh's job was started by %q", j.StartedBy)
			}
			first = j
		}
		refresh()
		if names := searchNames(e.get(search)); len(names) != 1 || names[0] != name {
			t.Errorf("after a refresh, the new group's search finds %v", names)
		}
		if _, err := e.client.Groups.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
		refresh()
		if names := searchNames(e.get(search)); len(names) != 0 {
			t.Errorf("after the group was deleted and a refresh, its search finds %v", names)
		}
		if g, ok, err := e.srv.index.Get(ctx, id); err != nil || !ok || !g.Gone {
			t.Errorf("deleted group in the index: %+v, held %v, err %v", g, ok, err)
		}
		if n := refreshAudits(t, e); n != 2 {
			t.Errorf("%d refreshes audited, want 2", n)
		}
	})
}

// refreshAudits counts the audited index refreshes by admin.
func refreshAudits(t *testing.T, e *env) int {
	t.Helper()
	recs, err := e.srv.st.AuditPage(context.Background(), store.AuditFilter{Action: store.ActionIndexRefresh, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range recs {
		if r.Actor == "admin" && r.Outcome == store.OutcomeSuccess {
			n++
		}
	}
	return n
}

// heldSource holds every list call until release is closed: a sync that
// stays running as long as a test needs.
type heldSource struct {
	search.Source
	release chan struct{}
}

func (h heldSource) List(ctx context.Context, opts *agora.ListOptions) ([]*agora.GroupSummary, *agora.Response, error) {
	select {
	case <-h.release:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	return h.Source.List(ctx, opts)
}

// TestIndexSyncOneAtATimeAcrossReplicas: refreshes on two replicas while
// a sync runs make no second sync; the empty index says the first sync is
// running, with its progress, rather than "no results".
func TestIndexSyncOneAtATimeAcrossReplicas(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		dbB := db
		if db.dialect == store.Postgres {
			dbB.dir = t.TempDir()
		}
		a := newEnv(t, withDB(db)).login()
		b := newEnv(t, withDB(dbB)).login()
		held := heldSource{Source: a.client.Groups, release: make(chan struct{})}
		released := false
		release := func() {
			if !released {
				released = true
				close(held.release)
			}
		}
		t.Cleanup(release)
		// Either replica may work the job.
		a.srv.indexSync.configure(held, 0)
		b.srv.indexSync.configure(held, 0)

		wantStatus(t, a.post("/groups/index/refresh", nil), http.StatusSeeOther)
		running := waitIndexSync(t, b, "running", func(j *jobs.Job) bool { return j.State == jobs.StateRunning })
		for name, e := range map[string]*env{"A": a, "B": b} {
			p := e.follow(e.post("/groups/index/refresh", url.Values{"back": {"q=book"}}))
			if got := p.text("flash"); got != "A refresh of the index is already running (0 groups read so far)." {
				t.Errorf("refresh on %s while one runs: flash %q", name, got)
			}
			if got := p.text("search-freshness"); !strings.HasPrefix(got, "The first sync is running. Groups read so far: 0.") {
				t.Errorf("empty index on %s: freshness %q", name, got)
			}
			if p.find("groups-empty").Length() != 1 {
				t.Errorf("%s: the empty results are not shown as such", name)
			}
			if !strings.Contains(p.body, `<noscript><meta http-equiv="refresh" content="2"></noscript>`) {
				t.Errorf("%s: without JavaScript the page does not reload to show the first sync's progress", name)
			}
			if live := p.find("search-live"); live.AttrOr("hx-trigger", "") != "every 2s" || live.AttrOr("hx-get", "") != "/groups?q=book" {
				t.Errorf("%s: the results do not ask for themselves again: %v", name, live.Nodes[0].Attr)
			}
		}
		list, err := a.srv.jobs.List(context.Background(), jobs.Filter{Kind: indexSyncKind})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].ID != running.ID {
			t.Errorf("%d sync jobs, want the one running", len(list))
		}
		if n := refreshAudits(t, a); n != 1 {
			t.Errorf("%d refreshes audited, want the one that started the sync", n)
		}
		release()
		j := waitIndexSync(t, a, "done", syncDone)
		if j.ID != running.ID || j.Done == 0 {
			t.Errorf("the sync ended as %+v", j)
		}
		p := b.get("/groups?q=book")
		if got := p.text("search-freshness"); !strings.HasPrefix(got, "Index updated 0 minutes ago") {
			t.Errorf("after the sync, B says %q", got)
		}
		if strings.Contains(p.body, `http-equiv="refresh"`) || p.find("search-live").AttrOr("hx-trigger", "") != "" {
			t.Error("the page still reloads itself after the first sync")
		}
	})
}

// countingSource counts a full pass's calls.
type countingSource struct {
	search.Source
	calls atomic.Int64
}

func (c *countingSource) List(ctx context.Context, opts *agora.ListOptions) ([]*agora.GroupSummary, *agora.Response, error) {
	c.calls.Add(1)
	return c.Source.List(ctx, opts)
}

// TestIndexSyncScheduleSkipsFreshIndex: the schedule fires at every start
// of the leading replica; a sync that finished within half a period is
// fresh enough, and a moderator's refresh always runs.
func TestIndexSyncScheduleSkipsFreshIndex(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := search.Sync(ctx, e.client.Groups, e.srv.index, search.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	src := &countingSource{Source: e.client.Groups}
	w := &indexSyncWorker{index: e.srv.index, log: e.srv.log, every: time.Hour, now: time.Now, src: src}
	job := &river.Job[indexSyncArgs]{JobRow: &rivertype.JobRow{}}
	if err := w.Work(ctx, job); err != nil {
		t.Fatal(err)
	}
	if n := src.calls.Load(); n != 0 {
		t.Errorf("the schedule synced a fresh index: %d list calls", n)
	}
	w.now = func() time.Time { return time.Now().Add(31 * time.Minute) }
	// Outside River the pass cannot record its output, but it runs.
	_ = w.Work(ctx, job)
	if n := src.calls.Load(); n == 0 {
		t.Error("the schedule skipped an index synced more than half a period ago")
	}
}

// TestMembershipReportFromIndex: with a fresh index the report makes no
// Agora call and says it came from the index, without a CSV; the full
// read it offers reads every group and gives the same totals and a CSV.
func TestMembershipReportFromIndex(t *testing.T) {
	e := newEnv(t, withAPI(bigSandbox(t)), withClientOpts(agora.WithRateLimits(0, 0))).login()
	e.srv.reports.configure(nil, 0)
	if _, err := search.Sync(context.Background(), e.client.Groups, e.srv.index, search.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	e.rec.reset()
	wantStatus(t, e.post("/reports/membership", nil), http.StatusSeeOther)
	waitReport(t, e)
	if calls := e.upstreamCalls(); len(calls) != 0 {
		t.Errorf("a report from a fresh index made %d Agora calls, first %v", len(calls), calls[0])
	}
	p := e.get("/reports/membership")
	indexTotals := p.text("report-totals")
	if !strings.HasPrefix(indexTotals, "10,000 groups, 30,000 memberships") {
		t.Errorf("totals from the index: %q", indexTotals)
	}
	if p.find("report-from-index").Length() != 1 || p.find("report-csv").Length() != 0 || p.find("report-start-full").Length() != 1 {
		t.Error("the report from the index does not say so, or offers a CSV it does not have, or no full read")
	}
	largest := p.find("report-largest").Text()

	e.rec.reset()
	wantStatus(t, e.post("/reports/membership", url.Values{"full": {"1"}}), http.StatusSeeOther)
	waitReport(t, e)
	if calls := len(e.upstreamCalls()); calls < 2*bigGroups/reportListLimit {
		t.Errorf("the full read made %d Agora calls", calls)
	}
	p = e.get("/reports/membership")
	if got := p.text("report-totals"); got[:strings.Index(got, ".")] != indexTotals[:strings.Index(indexTotals, ".")] {
		t.Errorf("totals from Agora %q, from the index %q", got, indexTotals)
	}
	if got := p.find("report-largest").Text(); got != largest {
		t.Errorf("largest groups differ between Agora and the index")
	}
	if p.find("report-from-index").Length() != 0 || p.find("report-csv").Length() != 1 {
		t.Error("the full report says it came from the index, or has no CSV")
	}
}

// TestSearchBackURL: a refresh goes back only to a search on /groups,
// keeping the search's own parameters.
func TestSearchBackURL(t *testing.T) {
	tests := []struct{ back, want string }{
		{"", "/groups"},
		{"q=book&sort=members&dir=desc&page=2", "/groups?dir=desc&page=2&q=book&sort=members"},
		{"?owner=alice", "/groups?owner=alice"},
		{"q=%E6%8B%9B%E8%81%98&evil=1", "/groups?q=%E6%8B%9B%E8%81%98"},
		{"https://evil.example/", "/groups"},
		{"//evil.example/groups?q=x", "/groups"},
		{"q=%zz", "/groups"},
	}
	for _, tt := range tests {
		if got := searchBackURL(tt.back); got != tt.want {
			t.Errorf("searchBackURL(%q) = %q, want %q", tt.back, got, tt.want)
		}
	}
}
