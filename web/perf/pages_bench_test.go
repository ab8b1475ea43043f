package perf

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

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

func newPageBench(b *testing.B) *pageBench {
	b.Helper()
	upstream := httptest.NewServer(newFakeUpstream())
	b.Cleanup(upstream.Close)
	client, err := agora.NewClient(agora.Config{Host: upstream.URL, OrgName: fakeOrg, AppName: fakeApp, AppID: fakeAppID, AppCertificate: fakeAppCert},
		agora.WithRateLimits(0, 0))
	if err != nil {
		b.Fatal(err)
	}
	srv, err := web.New(web.Config{DataDir: b.TempDir(), AdminPassword: adminPassword, Mode: web.ModeAgora,
		Logger: slog.New(slog.DiscardHandler), IndexSyncEvery: -1}, client)
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

// newLeanBench is the lean baseline in-process, against its own fake
// upstream, to profile it the same way.
func newLeanBench(b *testing.B) *pageBench {
	b.Helper()
	upstream := httptest.NewServer(newFakeUpstream())
	b.Cleanup(upstream.Close)
	h := newLeanBaseline(upstream.URL + "/" + fakeOrg + "/" + fakeApp).echo()
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

func BenchmarkLeanDetailPage(b *testing.B) { newLeanBench(b).run(b, "/groups/"+fakeBigGroupID) }
