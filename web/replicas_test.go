package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

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

		// Signing out on B ends the session on A too.
		wantStatus(t, b.postWith(onB, "/logout", nil), http.StatusSeeOther)
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
