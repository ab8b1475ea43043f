package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"groupdesk/agora"
	"groupdesk/agora/sandbox"
	"groupdesk/web/jobs"
	"groupdesk/web/store"
)

// bigGroups is the size of the sandbox the report tests walk.
const bigGroups = 10_000

// big is a sandbox with bigGroups groups, seeded once per test binary.
var big struct {
	once sync.Once
	dir  string
	sb   *sandbox.Sandbox
	srv  *httptest.Server
	err  error
}

// seededSandbox opens a sandbox in dir with n bulk groups of one owner and
// two members each.
func seededSandbox(dir string, n int) (*sandbox.Sandbox, error) {
	sb, err := sandbox.Open(sandbox.Config{DataDir: dir, Org: testOrg, App: testApp, AppID: testAppID, AppCertificate: testAppCert})
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	if err := sb.CreateUsers(ctx, "bulk.owner"); err != nil {
		sb.Close()
		return nil, err
	}
	if err := sb.BulkCreateGroups(ctx, n, "bulk.owner", 2); err != nil {
		sb.Close()
		return nil, err
	}
	return sb, nil
}

func bigSandbox(t testing.TB) string {
	t.Helper()
	big.once.Do(func() {
		big.dir, big.err = os.MkdirTemp("", "groupdesk-web-big-")
		if big.err != nil {
			return
		}
		start := time.Now()
		big.sb, big.err = seededSandbox(big.dir, bigGroups)
		if big.err == nil {
			big.srv = httptest.NewServer(big.sb.Handler())
			t.Logf("seeded %d groups in %s", bigGroups, time.Since(start).Round(time.Millisecond))
		}
	})
	if big.err != nil {
		t.Fatalf("big sandbox: %v", big.err)
	}
	return big.srv.URL
}

// closeBigSandbox is called by TestMain.
func closeBigSandbox() {
	if big.srv != nil {
		big.srv.Close()
	}
	if big.sb != nil {
		big.sb.Close()
	}
	if big.dir != "" {
		os.RemoveAll(big.dir)
	}
}

// reportWaitLimit bounds the wait for a report's state: the 10,000-group
// walk takes seconds unpaced and 10 s at the slowest pace the tests use
// (20 calls/s); the rest is room for a loaded machine.
const reportWaitLimit = 2 * time.Minute

// waitReportState polls the newest report job's row until ok says yes.
func waitReportState(t *testing.T, e *env, what string, ok func(*jobs.Job) bool) *jobs.Job {
	t.Helper()
	deadline := time.Now().Add(reportWaitLimit)
	for {
		j, err := e.srv.latestReport(context.Background(), false)
		if err != nil {
			t.Fatal(err)
		}
		if j != nil && ok(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("the report is not %s after %s: %+v", what, reportWaitLimit, j)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitReport waits for the newest report (if any) to end.
func waitReport(t *testing.T, e *env) {
	t.Helper()
	if j, err := e.srv.latestReport(context.Background(), false); err != nil || j == nil {
		return
	}
	waitReportState(t, e, "ended", func(j *jobs.Job) bool { return !j.State.Live() })
}

func TestMembershipReportCallsAndResult(t *testing.T) {
	e := newEnv(t, withAPI(bigSandbox(t)), withClientOpts(agora.WithRateLimits(0, 0))).login()
	e.srv.reports.configure(nil, 0)
	e.rec.reset()
	start := time.Now()
	p := e.post("/reports/membership", nil)
	wantStatus(t, p, http.StatusSeeOther)
	waitReport(t, e)
	t.Logf("report of %d groups took %s", bigGroups, time.Since(start).Round(time.Millisecond))

	// ceil(N/limit) list calls + ceil(N/100) detail calls.
	want := (bigGroups+reportListLimit-1)/reportListLimit + (bigGroups+99)/100
	var lists, gets int
	for _, c := range e.upstreamCalls() {
		switch {
		case c.Method == http.MethodGet && strings.HasSuffix(c.Path, "/chatgroups"):
			lists++
			if !strings.Contains(c.Query, "limit=100") {
				t.Errorf("list call %q", c.Query)
			}
		case c.Method == http.MethodGet && strings.Contains(c.Path, "/chatgroups/"):
			gets++
		default:
			t.Errorf("unexpected call %v", c)
		}
	}
	if lists+gets != want {
		t.Errorf("%d list + %d detail calls = %d, want %d", lists, gets, lists+gets, want)
	}

	page := e.get("/reports/membership")
	wantStatus(t, page, http.StatusOK)
	if got := page.text("report-totals"); !strings.HasPrefix(got, "10,000 groups, 30,000 memberships, 1 owner.") {
		t.Errorf("totals %q", got)
	}
	if page.find("report-body").AttrOr("hx-trigger", "") != "" || strings.Contains(page.body, `http-equiv="refresh"`) {
		t.Error("a finished report still polls")
	}
	if got := page.find("report-owner-row").AttrOr("data-groups", ""); got != "10000" {
		t.Errorf("top owner has %s groups", got)
	}
	if n := page.find("report-largest").Find(`[data-testid="report-group-row"]`).Length(); n != reportTopN {
		t.Errorf("%d largest groups", n)
	}
	csvPage := e.get("/reports/membership.csv")
	wantStatus(t, csvPage, http.StatusOK)
	if cd := csvPage.Header.Get("Content-Disposition"); !strings.Contains(cd, "membership-report.csv") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if n := strings.Count(csvPage.body, "\n"); n != 1+3*bigGroups {
		t.Errorf("CSV has %d lines, want %d", n, 1+3*bigGroups)
	}
	if !strings.HasPrefix(csvPage.body, "group_id,group_name,member,role\n") {
		t.Errorf("CSV header %q", csvPage.body[:40])
	}
	// The report lives in the database; nothing is written to the data dir.
	if _, err := os.Stat(filepath.Join(e.dir, "reports")); !os.IsNotExist(err) {
		t.Errorf("a reports directory: %v", err)
	}
}

func TestMembershipReportCancelAndOneAtATime(t *testing.T) {
	e := newEnv(t, withAPI(bigSandbox(t)), withClientOpts(agora.WithRateLimits(0, 0))).login()
	e.srv.reports.configure(nil, 20) // slow enough to be caught running
	e.addAccount("m.report", store.RoleModerator)
	other := e.browserAs("m.report", testRolePass)

	wantStatus(t, e.post("/reports/membership", nil), http.StatusSeeOther)
	// A second start shows the running one instead of starting another.
	p := e.postWith(other, "/reports/membership", nil)
	wantStatus(t, p, http.StatusSeeOther)
	waitReportState(t, e, "running", func(j *jobs.Job) bool { return j.State == jobs.StateRunning })
	running := e.getWith(other, "/reports/membership")
	if got := running.text("flash"); got != "A report started by admin is already running; here it is." {
		t.Errorf("second start flash %q", got)
	}
	// While it runs: htmx polls every second, and without JavaScript a
	// meta refresh inside <noscript> reloads the page.
	body := running.find("report-body")
	if body.AttrOr("data-state", "") != "running" || body.AttrOr("hx-trigger", "") != "every 1s" || body.AttrOr("hx-get", "") != "/reports/membership" {
		t.Errorf("running report body: %v", body.Nodes[0].Attr)
	}
	if !strings.Contains(running.body, `<noscript><meta http-equiv="refresh" content="2"></noscript>`) {
		t.Error("no meta refresh for browsers without JavaScript")
	}
	frag := e.getWith(other, "/reports/membership", "HX-Request", "true")
	if strings.Contains(frag.body, "<html") || frag.find("report-progress").Length() != 1 {
		t.Errorf("progress fragment: %s", frag.body)
	}
	// Meanwhile the dashboard answers.
	t0 := time.Now()
	wantStatus(t, e.get("/audit"), http.StatusOK)
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("the audit page took %s during a report", d)
	}

	since := lastAuditID(t, e)
	p = e.postWith(other, "/reports/membership/cancel", nil)
	wantStatus(t, p, http.StatusSeeOther)
	waitReport(t, e)
	r := oneRecord(t, e, since)
	if r.Action != store.ActionReportCancel || r.Actor != "m.report" {
		t.Errorf("cancel record %+v", r)
	}
	page := e.get("/reports/membership")
	if got := page.text("report-canceled"); !strings.Contains(got, "canceled by m.report") {
		t.Errorf("after cancel: %q", got)
	}
	if page.find("report-body").AttrOr("hx-trigger", "") != "" {
		t.Error("a canceled report still polls")
	}
	if p := e.get("/reports/membership.csv"); p.StatusCode != http.StatusNotFound {
		t.Errorf("CSV of a canceled first report: %d", p.StatusCode)
	}
	if j, _ := e.srv.latestReport(context.Background(), false); j == nil || j.State != jobs.StateCanceled {
		t.Errorf("the canceled job: %+v", j)
	}
	p = e.post("/reports/membership/cancel", nil)
	if got := e.follow(p).text("flash"); got != "No report is running." {
		t.Errorf("cancel with nothing running: %q", got)
	}
}

// fakeGroups is an in-memory groupReader: List pages by index, newest
// first like Agora; Get skips ids it does not know.
type fakeGroups struct {
	groups []*agora.Group
	byID   map[string]*agora.Group
	calls  atomic.Int64
}

func newFakeGroups(groups []*agora.Group) *fakeGroups {
	f := &fakeGroups{groups: groups, byID: map[string]*agora.Group{}}
	for _, g := range groups {
		f.byID[g.ID] = g
	}
	return f
}

func (f *fakeGroups) List(_ context.Context, opts *agora.ListOptions) ([]*agora.GroupSummary, *agora.Response, error) {
	f.calls.Add(1)
	from, _ := strconv.Atoi(opts.Cursor)
	to := min(from+opts.Limit, len(f.groups))
	var out []*agora.GroupSummary
	for _, g := range f.groups[from:to] {
		out = append(out, &agora.GroupSummary{ID: g.ID, Name: g.Name, Owner: g.Owner, MemberCount: len(g.Affiliations)})
	}
	resp := &agora.Response{}
	if to < len(f.groups) {
		resp.Cursor = strconv.Itoa(to)
	}
	return out, resp, nil
}

func (f *fakeGroups) Get(_ context.Context, ids ...string) ([]*agora.Group, *agora.Response, error) {
	f.calls.Add(1)
	var out []*agora.Group
	for _, id := range ids {
		if g, ok := f.byID[id]; ok {
			out = append(out, g)
		}
	}
	return out, &agora.Response{}, nil
}

func fixtureGroup(id int, owner string, members, maxUsers int) *agora.Group {
	g := &agora.Group{ID: strconv.Itoa(id), Name: fmt.Sprintf("g%d", id), Owner: owner, MaxUsers: maxUsers, AffiliationsCount: members}
	g.Affiliations = append(g.Affiliations, agora.Affiliation{Username: owner, Role: agora.RoleOwner})
	for i := 1; i < members; i++ {
		g.Affiliations = append(g.Affiliations, agora.Affiliation{Username: fmt.Sprintf("u%d", i), Role: agora.RoleMember})
	}
	return g
}

func TestMembershipSummaryFixture(t *testing.T) {
	var groups []*agora.Group
	add := func(owner string, members, maxUsers int) {
		groups = append(groups, fixtureGroup(1000+len(groups), owner, members, maxUsers))
	}
	add("ann", 10, 10)  // 1000 full
	add("ann", 9, 10)   // 1001 90 %: near
	add("ben", 8, 10)   // 1002 80 %: not near
	add("ben", 1, 5)    // 1003 owner only
	add("cy", 1, 1)     // 1004 owner only, and full
	add("cy", 180, 200) // 1005 90 %: near, the largest
	add("cy", 179, 200) // 1006 89.5 %: not near
	for i := range 230 {
		add(fmt.Sprintf("o%03d", i%23), 3, 200) // 1007…: filler over three pages
	}
	fake := newFakeGroups(groups)
	fake.byID["1010"] = nil // deleted between List and Get
	delete(fake.byID, "1010")

	var out strings.Builder
	var lastProgress atomic.Int64
	sum, err := walkMembership(context.Background(), fake, &out, nil, func(g, _ int) { lastProgress.Store(int64(g)) })
	if err != nil {
		t.Fatal(err)
	}
	n := len(groups) - 1
	if sum.Groups != n || int(lastProgress.Load()) != n {
		t.Errorf("groups %d, progress %d, want %d", sum.Groups, lastProgress.Load(), n)
	}
	pages := (len(groups) + reportListLimit - 1) / reportListLimit
	if got := fake.calls.Load(); int(got) != 2*pages || sum.Calls != 2*pages {
		t.Errorf("calls %d (summary %d), want %d", got, sum.Calls, 2*pages)
	}
	ids := func(gs []reportGroup) []string {
		var out []string
		for _, g := range gs {
			out = append(out, g.ID)
		}
		return out
	}
	if diff := cmp.Diff([]string{"1000", "1004", "1005", "1001"}, ids(sum.NearFull)); diff != "" {
		t.Errorf("near full, fullest first (-want +got):\n%s", diff)
	}
	if sum.NearFullCount != 4 || sum.FullCount != 2 {
		t.Errorf("near %d full %d", sum.NearFullCount, sum.FullCount)
	}
	if diff := cmp.Diff([]string{"1003", "1004"}, ids(sum.OwnerOnly)); diff != "" || sum.OwnerOnlyCount != 2 {
		t.Errorf("owner only %d (-want +got):\n%s", sum.OwnerOnlyCount, diff)
	}
	largest := ids(sum.Largest)
	if len(largest) != reportTopN || largest[0] != "1005" || largest[1] != "1006" || largest[2] != "1000" || largest[3] != "1001" || largest[4] != "1002" {
		t.Errorf("largest %v", largest)
	}
	wantOwners := []ownerCount{{"o000", 10}, {"o001", 10}, {"o002", 10}}
	if diff := cmp.Diff(wantOwners, sum.TopOwners[:3]); diff != "" || len(sum.TopOwners) != reportTopN || sum.Owners != 26 {
		t.Errorf("owners %d, top (-want +got):\n%s", sum.Owners, diff)
	}
	recs, err := csv.NewReader(strings.NewReader(out.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var members int64
	for _, g := range groups {
		if g.ID != "1010" {
			members += int64(len(g.Affiliations))
		}
	}
	if int64(len(recs)-1) != members || sum.Rows != members {
		t.Errorf("CSV rows %d, summary %d, want %d", len(recs)-1, sum.Rows, members)
	}
	if diff := cmp.Diff([]string{"1000", "g1000", "ann", "owner"}, recs[1]); diff != "" {
		t.Errorf("first row (-want +got):\n%s", diff)
	}
	// The summary reaches the page (no Agora: this is the fake's).
	e := newEnv(t).login()
	e.srv.reports.configure(fake, 0)
	wantStatus(t, e.post("/reports/membership", nil), http.StatusSeeOther)
	waitReport(t, e)
	p := e.get("/reports/membership")
	if got := p.text("report-near-full-count"); got != "4 groups, 2 of them full." {
		t.Errorf("near-full count %q", got)
	}
	var nearRows []string
	for _, n := range p.find("report-near-full").Find(`[data-testid="report-group-row"]`).Nodes {
		for _, a := range n.Attr {
			if a.Key == "data-group-id" {
				nearRows = append(nearRows, a.Val)
			}
		}
	}
	if !slices.Equal(nearRows, []string{"1000", "1004", "1005", "1001"}) {
		t.Errorf("near-full rows %v", nearRows)
	}
	// The last report survives a restart (summary and CSV in the database).
	e.srv.Close()
	srv2, err := newServer(e.srv.cfg, e.srv.groups, e.srv.mod)
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	last, err := srv2.latestReport(context.Background(), true)
	if err != nil || last == nil {
		t.Fatalf("last report after restart: %+v, %v", last, err)
	}
	var again membershipSummary
	if err := json.Unmarshal(last.Output, &again); err != nil || again.Groups != n {
		t.Errorf("summary after restart: %+v, %v", again, err)
	}
	if ok, err := srv2.jobs.HasOutput(context.Background(), last.ID); !ok || err != nil {
		t.Errorf("CSV after restart: %v, %v", ok, err)
	}
}

func TestTopN(t *testing.T) {
	top := topN[int]{n: 3, less: func(a, b int) bool { return a < b }}
	for _, v := range []int{5, 1, 9, 3, 7, 2, 8} {
		top.add(v)
	}
	if got := top.sorted(); !slices.Equal(got, []int{9, 8, 7}) {
		t.Errorf("top 3 = %v", got)
	}
}

// BenchmarkMembershipReport walks a sandbox of 10,000 and 100,000 groups
// (three members each) and reports the peak heap of the whole process,
// sandbox included, sampled every 5 ms. Flat memory means the two peaks are
// close although one walk is ten times the other.
//
//	go test ./web/ -run '^$' -bench MembershipReport -benchtime 1x
func BenchmarkMembershipReport(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("groups=%d", n), func(b *testing.B) {
			var url string
			if n == bigGroups {
				url = bigSandbox(b)
			} else {
				dir := b.TempDir()
				start := time.Now()
				sb, err := seededSandbox(dir, n)
				if err != nil {
					b.Fatal(err)
				}
				defer sb.Close()
				srv := httptest.NewServer(sb.Handler())
				defer srv.Close()
				url = srv.URL
				b.Logf("seeded %d groups in %s", n, time.Since(start).Round(time.Millisecond))
			}
			client, err := agora.NewClient(agora.Config{Host: url, OrgName: testOrg, AppName: testApp, AppID: testAppID, AppCertificate: testAppCert},
				agora.WithRateLimits(0, 0))
			if err != nil {
				b.Fatal(err)
			}
			out, err := os.CreateTemp(b.TempDir(), "report-*.csv")
			if err != nil {
				b.Fatal(err)
			}
			defer out.Close()

			runtime.GC()
			var base runtime.MemStats
			runtime.ReadMemStats(&base)
			var peak atomic.Uint64
			stop := make(chan struct{})
			sampled := make(chan struct{})
			go func() {
				defer close(sampled)
				var m runtime.MemStats
				t := time.NewTicker(5 * time.Millisecond)
				defer t.Stop()
				for {
					select {
					case <-stop:
						return
					case <-t.C:
						runtime.ReadMemStats(&m)
						if m.HeapAlloc > peak.Load() {
							peak.Store(m.HeapAlloc)
						}
					}
				}
			}()
			b.ResetTimer()
			for b.Loop() {
				if _, err := out.Seek(0, io.SeekStart); err != nil {
					b.Fatal(err)
				}
				sum, err := walkMembership(context.Background(), client.Groups, out, nil, nil)
				if err != nil {
					b.Fatal(err)
				}
				if sum.Groups != n {
					b.Fatalf("walked %d groups, want %d", sum.Groups, n)
				}
			}
			b.StopTimer()
			close(stop)
			<-sampled
			b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(base.HeapAlloc)/(1<<20), "base-heap-MiB")
		})
	}
}
