package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"groupdesk/agora"
)

func TestHealthzNeedsNothing(t *testing.T) {
	e := newEnv(t)
	e.rec.reset()
	p := e.get("/healthz")
	wantStatus(t, p, http.StatusOK)
	if strings.TrimSpace(p.body) != "ok" {
		t.Errorf("body %q, want ok", p.body)
	}
	if calls := e.upstreamCalls(); len(calls) != 0 {
		t.Errorf("/healthz called Agora: %v", calls)
	}
	if c := p.Header.Get("Set-Cookie"); c != "" {
		t.Errorf("/healthz set a cookie: %s", c)
	}
	if p.Header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id")
	}
}

func readyBody(t *testing.T, p *page) readyReport {
	t.Helper()
	var r readyReport
	if err := json.Unmarshal([]byte(p.body), &r); err != nil {
		t.Fatalf("/readyz body %q: %v", p.body, err)
	}
	return r
}

func TestReadyzOKAndCached(t *testing.T) {
	e := newEnv(t)
	clock := time.Now()
	var clockMu sync.Mutex
	e.srv.now = func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return clock }
	e.rec.reset()

	// Concurrent probes share one check.
	var wg sync.WaitGroup
	pages := make([]*page, 20)
	for i := range pages {
		wg.Go(func() { pages[i] = e.getWith(e.newBrowser(), "/readyz") })
	}
	wg.Wait()
	for _, p := range pages {
		wantStatus(t, p, http.StatusOK)
		if r := readyBody(t, p); r.Status != "ok" || r.Checks["database"] != "ok" || r.Checks["agora"] != "ok" {
			t.Errorf("report %+v", r)
		}
		if c := p.Header.Get("Set-Cookie"); c != "" {
			t.Errorf("/readyz set a cookie: %s", c)
		}
	}
	if n := len(e.upstreamCalls()); n != 1 {
		t.Fatalf("20 concurrent probes made %d Agora calls, want 1", n)
	}
	if c := e.upstreamCalls()[0]; c.Method != http.MethodGet || !strings.HasSuffix(c.Path, "/chatgroups") || c.Query != "limit=1" {
		t.Errorf("readiness call %+v, want GET /chatgroups?limit=1", c)
	}

	clockMu.Lock()
	clock = clock.Add(readyCacheTTL - time.Second)
	clockMu.Unlock()
	e.get("/readyz")
	if n := len(e.upstreamCalls()); n != 1 {
		t.Fatalf("within the cache period: %d calls, want 1", n)
	}
	clockMu.Lock()
	clock = clock.Add(2 * time.Second)
	clockMu.Unlock()
	wantStatus(t, e.get("/readyz"), http.StatusOK)
	if n := len(e.upstreamCalls()); n != 2 {
		t.Fatalf("after the cache period: %d calls, want 2", n)
	}
}

func TestReadyzReportsWhatFailed(t *testing.T) {
	noRetry := withClientOpts(agora.WithRetries(0, time.Millisecond))
	tests := []struct {
		name       string
		opts       []envOption
		wantStatus int
		wantAgora  string
	}{
		{"wrong certificate", []envOption{withCert("00000000000000000000000000000000"), noRetry}, 503, "rejected the credentials (401)"},
		{"stub 401", []envOption{withAPI(stubAgora(t, 401, "unauthorized", "Unable to authenticate")), noRetry}, 503, "rejected the credentials (401)"},
		{"unreachable", []envOption{withAPI(closedPort(t)), noRetry}, 503, "unreachable"},
		{"unavailable", []envOption{withAPI(stubAgora(t, 503, "service_unavailable", "down")), noRetry}, 503, "status 503"},
		{"unknown app", []envOption{withAPI(stubAgora(t, 404, "organization_application_not_found", "Could not find application for org/app from URI: org/app/chatgroups")), noRetry}, 503, "check AGORA_ORG and AGORA_APP"},
		{"rate limited is still ready", []envOption{withAPI(stubAgora(t, 429, "reach_limit", "limit")), noRetry}, 200, "429"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts...)
			p := e.get("/readyz")
			wantStatus(t, p, tt.wantStatus)
			r := readyBody(t, p)
			if !strings.Contains(r.Checks["agora"], tt.wantAgora) || r.Checks["database"] != "ok" {
				t.Errorf("checks %+v, want agora to mention %q", r.Checks, tt.wantAgora)
			}
			if (tt.wantStatus == 200) != (r.Status == "ok") {
				t.Errorf("status field %q with HTTP %d", r.Status, p.StatusCode)
			}
			for _, secret := range append(e.rec.sentTokens(), testAppCert, "00000000000000000000000000000000", "Unable to authenticate") {
				if strings.Contains(p.body, secret) {
					t.Errorf("/readyz body leaks %q", secret)
				}
			}
		})
	}
}

func TestReadyzDatabaseDown(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		e := newEnv(t, withDB(db))
		if err := e.srv.st.DB().Close(); err != nil {
			t.Fatal(err)
		}
		p := e.get("/readyz")
		wantStatus(t, p, http.StatusServiceUnavailable)
		if r := readyBody(t, p); r.Status != "unavailable" || r.Checks["database"] == "ok" || r.Checks["agora"] != "ok" {
			t.Errorf("report %+v, want the database check failed", r)
		}
		// Liveness does not depend on the database.
		wantStatus(t, e.get("/healthz"), http.StatusOK)
	})
}
