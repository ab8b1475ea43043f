package web

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"groupdesk/web/store"
)

// revokeDeadline is how soon another replica must refuse a demoted or
// disabled account (issue #16); the poll is four times as frequent.
const revokeDeadline = 2 * time.Second

func TestAuthPollLeavesMarginForTheDeadline(t *testing.T) {
	if authPollInterval*4 > revokeDeadline {
		t.Errorf("authPollInterval %v: another replica could take longer than %v to refuse a disabled account", authPollInterval, revokeDeadline)
	}
}

// TestReplicasRevokeAccessPromptly runs two replicas on one database, each
// keeping sessions and accounts in memory. A moderator is served by both;
// the admin demotes her on A: A refuses her the moderator page on her next
// click, B as soon as its poll sees the accounts stamp move. Then the admin
// disables her on A: A signs her out at once, B likewise after its poll.
func TestReplicasRevokeAccessPromptly(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		dbB := db
		if db.dialect == store.Postgres {
			dbB.dir = t.TempDir()
		}
		a := newEnv(t, withDB(db))
		b := newEnv(t, withDB(dbB))
		a.login()
		a.addAccount("mod.replica", store.RoleModerator)
		onA := a.browserAs("mod.replica", testRolePass)
		aURL, _ := url.Parse(a.web.URL)
		bURL, _ := url.Parse(b.web.URL)
		onB := b.newBrowser()
		onB.Jar.SetCookies(bURL, onA.Jar.Cookies(aURL))

		// Both have served her, so both hold her session and account.
		for _, p := range []*page{a.getWith(onA, "/groups/new"), b.getWith(onB, "/groups/new"), b.getWith(onB, "/groups/new")} {
			wantStatus(t, p, http.StatusOK)
		}

		wantStatus(t, a.post("/accounts/mod.replica/role", url.Values{"role": {string(store.RoleViewer)}}), http.StatusSeeOther)
		wantStatus(t, a.getWith(onA, "/groups/new"), http.StatusForbidden)
		waitForStatus(t, b, onB, "/groups/new", http.StatusForbidden)
		wantStatus(t, b.getWith(onB, "/groups"), http.StatusOK) // still a viewer

		wantStatus(t, a.post("/accounts/mod.replica/disable", nil), http.StatusSeeOther)
		wantStatus(t, a.getWith(onA, "/groups"), http.StatusSeeOther)
		waitForStatus(t, b, onB, "/groups", http.StatusSeeOther)
		if p := b.getWith(onB, "/groups"); p.Header.Get("Location") != "/login?next=%2Fgroups" {
			t.Errorf("B sends the disabled account to %q, want the login page", p.Header.Get("Location"))
		}
	})
}

// waitForStatus asks e for path until it answers status, and fails if that
// takes longer than revokeDeadline.
func waitForStatus(t *testing.T, e *env, c *http.Client, path string, status int) {
	t.Helper()
	start := time.Now()
	for {
		p := e.getWith(c, path)
		if p.StatusCode == status {
			t.Logf("the other replica answered %d after %v", status, time.Since(start).Round(time.Millisecond))
			return
		}
		if time.Since(start) > revokeDeadline {
			t.Fatalf("the other replica still answers %d to %s after %v, want %d", p.StatusCode, path, revokeDeadline, status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
