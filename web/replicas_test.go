package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"groupdesk/agora"
	"groupdesk/web/jobs"
	"groupdesk/web/store"
)

// TestReplicasShareSessionsAndAuditLog runs two dashboards on one database
// with one session key, each behind its own HTTP server, as replicas behind
// a load balancer without sticky sessions: a sign-in on one is valid on the
// other, both write one audit log, one login throttle and one count of
// sessions. On PostgreSQL the replicas share nothing else, not even a data
// directory; SQLite replicas must share the directory of dashboard.db.
func TestReplicasShareSessionsAndAuditLog(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		dbB := db
		if db.dialect == store.Postgres {
			dbB.dir = t.TempDir()
		}
		m := NewMetrics()
		a := newEnv(t, withDB(db))
		b := newEnv(t, append(withMetrics(m, nil), withDB(dbB))...)
		if err := a.sb.CreateUsers(context.Background(), "alice", "bob", "carol", "dave", "erin"); err != nil {
			t.Fatal(err)
		}

		// Signed in on A, the same cookie is a signed-in session on B.
		a.login()
		cookie := sessionCookieOf(t, a)
		onB := b.newBrowser()
		bURL, _ := url.Parse(b.web.URL)
		onB.Jar.SetCookies(bURL, []*http.Cookie{{Name: sessionCookie, Value: cookie.Value}})
		p := b.getWith(onB, "/groups")
		wantStatus(t, p, http.StatusOK)
		if got := p.text("current-user"); !strings.Contains(got, "admin") {
			t.Errorf("B shows current-user %q", got)
		}
		_, text := scrape(t, b, "")
		wantMetric(t, text, "groupdesk_active_sessions", "", 1)
		p = b.get("/readyz")
		wantStatus(t, p, http.StatusOK)
		if r := readyBody(t, p); r.Checks["database"] != "ok" {
			t.Errorf("B's readiness %+v", r)
		}

		// A create on A and a create on B (with A's session and its CSRF
		// token) land in one audit log that both show.
		p = a.post("/groups", validCreateForm("Made on A"))
		wantStatus(t, p, http.StatusSeeOther)
		idA := strings.TrimPrefix(p.Header.Get("Location"), "/groups/")
		p = b.postWith(onB, "/groups", validCreateForm("Made on B"))
		wantStatus(t, p, http.StatusSeeOther)
		idB := strings.TrimPrefix(p.Header.Get("Location"), "/groups/")
		if idA == "" || idB == "" || idA == idB {
			t.Fatalf("group ids %q and %q", idA, idB)
		}
		for name, view := range map[string]func() *page{
			"A": func() *page { return a.get("/audit?action=create_group") },
			"B": func() *page { return b.getWith(onB, "/audit?action=create_group") },
		} {
			p := view()
			wantStatus(t, p, http.StatusOK)
			var targets []string
			p.find("audit-row").Each(func(_ int, s *goquery.Selection) {
				if s.AttrOr("data-outcome", "") == store.OutcomeSuccess && strings.TrimSpace(s.Find(`[data-testid="audit-actor"]`).Text()) == "admin" {
					targets = append(targets, strings.TrimSpace(s.Find(`[data-testid="audit-target"]`).Text()))
				}
			})
			if !slices.Contains(targets, idA) || !slices.Contains(targets, idB) {
				t.Errorf("/audit on %s lists creates of %v, want %s (on A) and %s (on B)", name, targets, idA, idB)
			}
		}

		// Signing out on B ends the session on A too, at A's next look at
		// the accounts stamp (every authPollInterval; made here at once).
		wantStatus(t, b.postWith(onB, "/logout", nil), http.StatusSeeOther)
		if err := a.srv.auth.sync(context.Background(), a.srv.st); err != nil {
			t.Fatal(err)
		}
		if p := a.get("/groups"); p.StatusCode != http.StatusSeeOther {
			t.Errorf("A still serves the session signed out on B: %d", p.StatusCode)
		}
		_, text = scrape(t, b, "")
		wantMetric(t, text, "groupdesk_active_sessions", "", 0)

		// Failures on either count against one limit.
		for i := range store.LoginMaxFailures - 1 {
			wantStatus(t, a.postWith(a.newBrowser(), "/login", url.Values{"username": {"ghost"}, "password": {"wrong password " + string(rune('a'+i))}}), http.StatusUnauthorized)
		}
		wantStatus(t, b.postWith(b.newBrowser(), "/login", url.Values{"username": {"ghost"}, "password": {"wrong again"}}), http.StatusTooManyRequests)
		wantStatus(t, a.postWith(a.newBrowser(), "/login", url.Values{"username": {"ghost"}, "password": {"and again"}}), http.StatusTooManyRequests)
	})
}

// TestReplicasShareMembershipReport: the report is one job in the shared
// database, whichever replica works it. A report started on A is shown
// running on B, B's second start finds it, a cancel on B stops it
// wherever it runs, and the next report's summary and CSV are served by
// both.
func TestReplicasShareMembershipReport(t *testing.T) {
	api := bigSandbox(t)
	forEachStore(t, func(t *testing.T, db testDB) {
		dbB := db
		if db.dialect == store.Postgres {
			dbB.dir = t.TempDir()
		}
		a := newEnv(t, withAPI(api), withClientOpts(agora.WithRateLimits(0, 0)), withDB(db)).login()
		b := newEnv(t, withAPI(api), withClientOpts(agora.WithRateLimits(0, 0)), withDB(dbB)).login()
		// Either replica may work the job: both slow enough to be caught.
		a.srv.reports.configure(nil, 20)
		b.srv.reports.configure(nil, 20)

		if p := a.post("/reports/membership", nil); p.StatusCode != http.StatusSeeOther {
			t.Fatalf("start on A: %d\n%s", p.StatusCode, a.logs)
		}
		waitReportState(t, b, "running", func(j *jobs.Job) bool { return j.State == jobs.StateRunning })
		p := b.get("/reports/membership")
		if body := p.find("report-body"); body.AttrOr("data-state", "") != "running" || body.AttrOr("hx-trigger", "") != "every 1s" {
			t.Errorf("B's report body: %v", body.Nodes[0].Attr)
		}
		if got := p.text("report-progress"); !strings.Contains(got, "started by admin") {
			t.Errorf("B's progress %q", got)
		}
		if got := b.follow(b.post("/reports/membership", nil)).text("flash"); got != "A report started by admin is already running; here it is." {
			t.Errorf("second start on B: %q", got)
		}

		wantStatus(t, b.post("/reports/membership/cancel", nil), http.StatusSeeOther)
		j := waitReportState(t, a, "ended", func(j *jobs.Job) bool { return !j.State.Live() })
		if j.State != jobs.StateCanceled || j.EndedBy != "admin" {
			t.Errorf("after the cancel on B, A sees %+v", j)
		}
		if got := a.get("/reports/membership").text("report-canceled"); !strings.Contains(got, "canceled by admin") {
			t.Errorf("A after the cancel: %q", got)
		}

		a.srv.reports.configure(nil, 0)
		b.srv.reports.configure(nil, 0)
		wantStatus(t, b.post("/reports/membership", nil), http.StatusSeeOther)
		waitReport(t, a)
		for name, e := range map[string]*env{"A": a, "B": b} {
			p := e.get("/reports/membership")
			if got := p.text("report-totals"); !strings.HasPrefix(got, "10,000 groups, 30,000 memberships") {
				t.Errorf("%s: totals %q", name, got)
			}
			csv := e.get("/reports/membership.csv")
			if csv.StatusCode != http.StatusOK || strings.Count(csv.body, "\n") != 1+3*bigGroups {
				t.Errorf("%s: CSV %d with %d lines", name, csv.StatusCode, strings.Count(csv.body, "\n"))
			}
		}
	})
}
