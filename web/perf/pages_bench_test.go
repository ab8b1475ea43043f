package perf

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"groupdesk/agora"
	"groupdesk/web"
)

// The page benchmarks run the real dashboard in-process against the fake
// upstream (also in-process, over loopback HTTP), so go test -cpuprofile
// and -memprofile show where a page's time goes:
//
//	go test ./web/perf/ -run '^$' -bench Page -benchmem -cpuprofile cpu.out

// pageBench is a signed-in session on an in-process dashboard.
type pageBench struct {
	h      http.Handler
	cookie string
}

func newPageBench(b *testing.B) *pageBench { return newPageBenchSync(b, -1) }

// newPageBenchSync is newPageBench with the search index synced every
// syncEvery (0: the default, which also syncs at start; -1: never).
func newPageBenchSync(b *testing.B, syncEvery time.Duration) *pageBench {
	b.Helper()
	upstream := httptest.NewServer(newFakeUpstream())
	b.Cleanup(upstream.Close)
	client, err := agora.NewClient(agora.Config{Host: upstream.URL, OrgName: fakeOrg, AppName: fakeApp, AppID: fakeAppID, AppCertificate: fakeAppCert},
		agora.WithRateLimits(0, 0))
	if err != nil {
		b.Fatal(err)
	}
	srv, err := web.New(web.Config{DataDir: b.TempDir(), AdminPassword: adminPassword, Mode: web.ModeAgora,
		Logger: slog.New(slog.DiscardHandler), IndexSyncEvery: syncEvery}, client)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	ts := httptest.NewServer(srv.Handler())
	b.Cleanup(ts.Close)
	cookie, err := login(ts.URL, adminUser, adminPassword)
	if err != nil {
		b.Fatal(err)
	}
	return &pageBench{h: srv.Handler(), cookie: cookie}
}

func (pb *pageBench) run(b *testing.B, path string) {
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Cookie", pb.cookie)
		rec := httptest.NewRecorder()
		pb.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d\n%s", path, rec.Code, rec.Body)
		}
		_, _ = io.Copy(io.Discard, rec.Body)
	}
}

// BenchmarkListPage is GET /groups?limit=50 on an instant upstream: the
// dashboard's whole cost of a list page, its one Agora call included.
func BenchmarkListPage(b *testing.B) {
	newPageBench(b).run(b, listPath)
}

// BenchmarkDetailPage is GET /groups/{id} of a 2,000-member group.
func BenchmarkDetailPage(b *testing.B) {
	newPageBench(b).run(b, "/groups/"+fakeBigGroupID)
}

// BenchmarkMembersPage is the members tab of the 2,000-member group.
func BenchmarkMembersPage(b *testing.B) {
	newPageBench(b).run(b, "/groups/"+fakeBigGroupID+"/members")
}

// BenchmarkSearchPage is a search with 100 matches, 50 shown, sorted by
// members, once the index's first sync has read the fake upstream.
func BenchmarkSearchPage(b *testing.B) {
	pb := newPageBenchSync(b, 0)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		req := httptest.NewRequest(http.MethodGet, searchPath, nil)
		req.Header.Set("Cookie", pb.cookie)
		rec := httptest.NewRecorder()
		pb.h.ServeHTTP(rec, req)
		if n := strings.Count(rec.Body.String(), `data-testid="group-row"`); n == 50 {
			break
		} else if time.Now().After(deadline) {
			b.Fatalf("search shows %d rows after a minute, want 50", n)
		}
	}
	pb.run(b, searchPath)
}

// newLeanBench is the lean baseline in-process, against its own fake
// upstream, to profile it the same way. Its search index is loaded before
// it returns, as in the harness.
func newLeanBench(b *testing.B) *pageBench {
	b.Helper()
	upstream := httptest.NewServer(newFakeUpstream())
	b.Cleanup(upstream.Close)
	lb, err := newLeanBaseline(b.Context(), upstream.URL+"/"+fakeOrg+"/"+fakeApp, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { lb.close() })
	h := lb.echo()
	h.Logger.SetOutput(io.Discard)
	ts := httptest.NewServer(h)
	b.Cleanup(ts.Close)
	cookie, err := login(ts.URL, adminUser, adminPassword)
	if err != nil {
		b.Fatal(err)
	}
	return &pageBench{h: h, cookie: cookie}
}

func BenchmarkLeanListPage(b *testing.B) { newLeanBench(b).run(b, listPath) }

// BenchmarkLeanSearchPage is BenchmarkSearchPage's search on the lean
// baseline, the page the dashboard's search is held to.
func BenchmarkLeanSearchPage(b *testing.B) { newLeanBench(b).run(b, searchPath) }

func BenchmarkLeanDetailPage(b *testing.B) { newLeanBench(b).run(b, "/groups/"+fakeBigGroupID) }
