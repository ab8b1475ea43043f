package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"groupdesk/agora"
	"groupdesk/views"
	"groupdesk/web/store"
)

// lastAuditID is the id of the newest record, 0 if none.
func lastAuditID(t *testing.T, e *env) int64 {
	t.Helper()
	var id int64
	if err := e.srv.st.DB().QueryRow(`SELECT coalesce(max(id), 0) FROM audit_log`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// pinClockInsideSignInWindow stops the server's clock in the middle of
// the current failed sign-in window: failures are counted per address and
// window (windows start every store.LoginWindow), so a test that expects
// one record for many failures must not straddle a window's start.
func pinClockInsideSignInWindow(e *env) {
	at := time.Now().Truncate(store.LoginWindow).Add(store.LoginWindow / 2)
	e.srv.now = func() time.Time { return at }
}

// auditSince returns the records written after id, oldest first.
func auditSince(t *testing.T, e *env, id int64) []store.AuditEntry {
	t.Helper()
	entries, err := e.srv.st.AuditPage(context.Background(), store.AuditFilter{After: id, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(entries)
	return entries
}

// oneRecord asserts exactly one record was written after id and returns it.
func oneRecord(t *testing.T, e *env, since int64) store.AuditEntry {
	t.Helper()
	got := auditSince(t, e, since)
	if len(got) != 1 {
		t.Fatalf("%d audit records, want exactly 1: %+v", len(got), got)
	}
	r := got[0]
	if time.Since(r.At) > time.Minute || r.At.Location() != time.UTC {
		t.Errorf("record time %v", r.At)
	}
	return r
}

func TestAuditGroupCreateEditDelete(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		e := newEnv(t, withDB(db)).login()
		if err := e.sb.CreateUsers(context.Background(), "alice", "bob", "carol", "dave", "erin"); err != nil {
			t.Fatal(err)
		}

		// Create: the new group's id is the target, known only after the call.
		since := lastAuditID(t, e)
		p := e.post("/groups", validCreateForm("Audited"))
		wantStatus(t, p, http.StatusSeeOther)
		id := strings.TrimPrefix(p.Header.Get("Location"), "/groups/")
		r := oneRecord(t, e, since)
		five := 5
		want := store.AuditEntry{ID: r.ID, At: r.At, Actor: "admin", Addr: "127.0.0.1", Action: store.ActionGroupCreate, TargetType: store.TargetGroup, Target: id,
			Summary: store.AuditSummary{Name: "Audited", Owner: "alice", Members: &five, MaxUsers: 300}, Outcome: store.OutcomeSuccess}
		if diff := cmp.Diff(want, r); diff != "" {
			t.Errorf("create record (-want +got):\n%s", diff)
		}

		// Edit: field, old → new, for each changed field only.
		form := editForm(t, e.get("/groups/"+id+"/edit"))
		form.Set("groupname", "Audited twice")
		form.Set("maxusers", "400")
		form.Set("membersonly", "false")
		since = lastAuditID(t, e)
		wantStatus(t, e.post("/groups/"+id, form), http.StatusSeeOther)
		r = oneRecord(t, e, since)
		wantChanges := []store.AuditChange{
			{Field: "groupname", Old: "Audited", New: "Audited twice"},
			{Field: "maxusers", Old: "300", New: "400"},
			{Field: "membersonly", Old: "true", New: "false"},
		}
		if r.Action != store.ActionGroupUpdate || r.Target != id || r.Actor != "admin" || r.Outcome != store.OutcomeSuccess {
			t.Errorf("edit record %+v", r)
		}
		if diff := cmp.Diff(wantChanges, r.Summary.Changes); diff != "" {
			t.Errorf("edit changes (-want +got):\n%s", diff)
		}
		// No change: nothing sent, nothing recorded.
		since = lastAuditID(t, e)
		wantStatus(t, e.post("/groups/"+id, editForm(t, e.get("/groups/"+id+"/edit"))), http.StatusSeeOther)
		if n := len(auditSince(t, e, since)); n != 0 {
			t.Errorf("an edit without changes wrote %d records", n)
		}

		// Delete: the group as it was at deletion.
		since = lastAuditID(t, e)
		wantStatus(t, e.post("/groups/"+id+"/delete", nil), http.StatusSeeOther)
		r = oneRecord(t, e, since)
		if r.Action != store.ActionGroupDelete || r.Target != id || r.Outcome != store.OutcomeSuccess ||
			r.Summary.Name != "Audited twice" || r.Summary.Owner != "alice" || r.Summary.Members == nil || *r.Summary.Members != 5 {
			t.Errorf("delete record %+v (members %v)", r, r.Summary.Members)
		}
		// Deleting it again is recorded as a failure: the client's reading
		// as the code, Agora's code and words as the message.
		since = lastAuditID(t, e)
		wantStatus(t, e.post("/groups/"+id+"/delete", nil), http.StatusSeeOther)
		r = oneRecord(t, e, since)
		if r.Action != store.ActionGroupDelete || r.Outcome != store.OutcomeFailure || r.ErrorCode != "group_not_found" || !strings.Contains(r.ErrorMsg, "resource_not_found: ") || !strings.Contains(r.ErrorMsg, id) {
			t.Errorf("second delete record %+v", r)
		}

		// "Who deleted group X": the audit page filtered to the group answers,
		// in words, and the group is marked deleted instead of linked.
		page := e.get("/audit?target=" + id)
		wantStatus(t, page, http.StatusOK)
		rows := page.find("audit-row")
		if rows.Length() != 4 {
			t.Fatalf("%d rows for the group, want 4", rows.Length())
		}
		del := page.doc.Find(`[data-testid="audit-row"][data-action="delete_group"][data-outcome="success"]`)
		if got := del.Find(`[data-testid="audit-actor"]`).Text(); got != "admin" {
			t.Errorf("deleted by %q", got)
		}
		if got := strings.TrimSpace(del.Find(`[data-testid="audit-summary"]`).Text()); got != "“Audited twice”, owner alice, 5 members at deletion" {
			t.Errorf("delete summary %q", got)
		}
		if page.find("audit-target-link").Length() != 0 || page.find("audit-target-deleted").Length() != 4 {
			t.Error("a deleted group is still linked")
		}
		edit := page.doc.Find(`[data-testid="audit-row"][data-action="update_group"]`)
		if got := edit.Find(`[data-testid="audit-summary"]`).Text(); !strings.Contains(got, "Name: “Audited” → “Audited twice”") || !strings.Contains(got, "Approval required: Yes → No") {
			t.Errorf("edit summary %q", got)
		}
	})
}

func TestAuditUpstreamFailures(t *testing.T) {
	t.Run("sandbox rejects", func(t *testing.T) {
		e := newEnv(t).login()
		since := lastAuditID(t, e)
		form := validCreateForm("Rejected")
		form.Set("owner", "nobody.here")
		form.Set("members", "")
		p := e.post("/groups", form)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		r := oneRecord(t, e, since)
		if r.Action != store.ActionGroupCreate || r.Outcome != store.OutcomeFailure || r.ErrorCode != "user_not_found" ||
			!strings.Contains(r.ErrorMsg, "resource_not_found: ") || !strings.Contains(r.ErrorMsg, "nobody.here") || r.Target != "" {
			t.Errorf("record %+v", r)
		}
	})
	t.Run("sandbox down", func(t *testing.T) {
		e := newEnv(t, withAPI(closedPortURL(t)), withClientOpts(agora.WithRetries(0, time.Millisecond))).login()
		since := lastAuditID(t, e)
		p := e.post("/groups", validCreateForm("Unreachable"))
		if p.StatusCode < 500 {
			t.Fatalf("status %d", p.StatusCode)
		}
		r := oneRecord(t, e, since)
		if r.Outcome != store.OutcomeFailure || r.ErrorCode != "unreachable" || !strings.Contains(r.ErrorMsg, "POST") {
			t.Errorf("record %+v", r)
		}
		since = lastAuditID(t, e)
		e.post("/groups/123/delete", nil)
		r = oneRecord(t, e, since)
		if r.Action != store.ActionGroupDelete || r.Target != "123" || r.Outcome != store.OutcomeFailure || r.ErrorCode != "unreachable" {
			t.Errorf("delete record %+v", r)
		}
	})
}

// closedPortURL is an address where nothing listens.
func closedPortURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func TestAuditSignInAndOut(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		e := newEnv(t, withDB(db))
		since := lastAuditID(t, e)
		wantStatus(t, e.post("/login", url.Values{"username": {"admin"}, "password": {"wrong password"}}), http.StatusUnauthorized)
		r := oneRecord(t, e, since)
		if r.Action != store.ActionLogin || r.Actor != "" || r.Target != "admin" || r.Outcome != store.OutcomeFailure || r.ErrorCode != "bad_credentials" {
			t.Errorf("failed sign-in %+v", r)
		}
		since = lastAuditID(t, e)
		e.login()
		r = oneRecord(t, e, since)
		if r.Action != store.ActionLogin || r.Actor != "admin" || r.Target != "admin" || r.Outcome != store.OutcomeSuccess || r.Addr != "127.0.0.1" {
			t.Errorf("sign-in %+v", r)
		}
		since = lastAuditID(t, e)
		wantStatus(t, e.post("/logout", nil), http.StatusSeeOther)
		r = oneRecord(t, e, since)
		if r.Action != store.ActionLogout || r.Actor != "admin" || r.Outcome != store.OutcomeSuccess {
			t.Errorf("sign-out %+v", r)
		}
	})
}

func TestAuditAccountChanges(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		e := newEnv(t, withDB(db)).login()
		steps := []struct {
			name   string
			do     func() *page
			status int
			check  func(r store.AuditEntry) bool
		}{
			{"create", func() *page {
				return e.post("/accounts", url.Values{"username": {"Mod.Two"}, "password": {"ten chars!!"}, "role": {"moderator"}})
			}, 303, func(r store.AuditEntry) bool {
				return r.Action == store.ActionAccountCreate && r.Target == "mod.two" && r.Summary.Role == store.RoleModerator && r.Outcome == store.OutcomeSuccess
			}},
			{"create again", func() *page {
				return e.post("/accounts", url.Values{"username": {"mod.two"}, "password": {"ten chars!!"}, "role": {"viewer"}})
			}, 422, func(r store.AuditEntry) bool {
				return r.Action == store.ActionAccountCreate && r.Outcome == store.OutcomeFailure && r.ErrorCode == "account_exists"
			}},
			{"role", func() *page { return e.post("/accounts/mod.two/role", url.Values{"role": {"admin"}}) }, 303, func(r store.AuditEntry) bool {
				return r.Action == store.ActionAccountRole && r.Summary.OldRole == store.RoleModerator && r.Summary.Role == store.RoleAdmin && r.Outcome == store.OutcomeSuccess
			}},
			{"password", func() *page { return e.post("/accounts/mod.two/password", url.Values{"password": {"another one!"}}) }, 303, func(r store.AuditEntry) bool {
				return r.Action == store.ActionAccountPassword && r.Target == "mod.two" && r.Outcome == store.OutcomeSuccess
			}},
			{"disable", func() *page { return e.post("/accounts/mod.two/disable", nil) }, 303, func(r store.AuditEntry) bool {
				return r.Action == store.ActionAccountDisable && r.Outcome == store.OutcomeSuccess
			}},
			{"last admin", func() *page { return e.post("/accounts/admin/role", url.Values{"role": {"viewer"}}) }, 303, func(r store.AuditEntry) bool {
				return r.Action == store.ActionAccountRole && r.Target == "admin" && r.Outcome == store.OutcomeFailure && r.ErrorCode == "last_admin"
			}},
			{"enable", func() *page { return e.post("/accounts/mod.two/enable", nil) }, 303, func(r store.AuditEntry) bool {
				return r.Action == store.ActionAccountEnable && r.Outcome == store.OutcomeSuccess
			}},
		}
		for _, s := range steps {
			since := lastAuditID(t, e)
			p := s.do()
			if p.StatusCode != s.status {
				t.Errorf("%s: status %d, want %d", s.name, p.StatusCode, s.status)
				continue
			}
			r := oneRecord(t, e, since)
			if r.Actor != "admin" || r.Addr != "127.0.0.1" || r.TargetType != store.TargetAccount || !s.check(r) {
				t.Errorf("%s: record %+v", s.name, r)
			}
		}
		// From the shell.
		since := lastAuditID(t, e)
		if err := e.srv.st.CreateAccount(context.Background(), store.ShellActor, "from.shell", "ten chars!!", store.RoleViewer); err != nil {
			t.Fatal(err)
		}
		if r := oneRecord(t, e, since); r.Actor != store.ShellActor.Name || r.Addr != "local" || r.Summary.Role != store.RoleViewer {
			t.Errorf("shell record %+v", r)
		}
	})
}

// TestAccountRules: what the accounts page allows, and the last admin.
func TestAccountRules(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		e := newEnv(t, withDB(db)).login()
		accounts := e.get("/accounts")
		wantStatus(t, accounts, http.StatusOK)
		if accounts.find("account-row").Length() != 1 {
			t.Fatalf("%d rows", accounts.find("account-row").Length())
		}
		for _, path := range []string{"/accounts/admin/disable", "/accounts/admin/role"} {
			p := e.post(path, url.Values{"role": {"moderator"}})
			wantStatus(t, p, http.StatusSeeOther)
			if got := e.follow(p).text("flash"); got != "admin is the last active admin, so it cannot be demoted or disabled. Make another account admin first." {
				t.Errorf("%s: flash %q", path, got)
			}
		}
		// A disabled account cannot sign in, and its session ends at once.
		e.addAccount("soon.gone", store.RoleModerator)
		gone := e.browserAs("soon.gone", testRolePass)
		wantStatus(t, e.getWith(gone, "/groups/new"), http.StatusOK)
		wantStatus(t, e.post("/accounts/soon.gone/disable", nil), http.StatusSeeOther)
		if p := e.getWith(gone, "/groups/new"); p.StatusCode != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/login") {
			t.Errorf("a disabled account's session still works: %d", p.StatusCode)
		}
		c := e.newBrowser()
		p := e.postWith(c, "/login", url.Values{"username": {"soon.gone"}, "password": {testRolePass}})
		wantStatus(t, p, http.StatusUnauthorized)
		var code string
		if err := e.srv.st.DB().QueryRow(`SELECT o.error_code FROM audit_log a JOIN audit_outcomes o ON o.record_id = a.id WHERE a.action = 'sign_in' ORDER BY a.id DESC LIMIT 1`).Scan(&code); err != nil || code != "account_disabled" {
			t.Errorf("disabled sign-in recorded as %q, %v", code, err)
		}
		// A demoted admin loses the accounts page on the next click.
		e.addAccount("second.admin", store.RoleAdmin)
		second := e.browserAs("second.admin", testRolePass)
		wantStatus(t, e.getWith(second, "/accounts"), http.StatusOK)
		wantStatus(t, e.post("/accounts/second.admin/role", url.Values{"role": {"viewer"}}), http.StatusSeeOther)
		wantStatus(t, e.getWith(second, "/accounts"), http.StatusForbidden)
		// With another active admin, admin can step down.
		wantStatus(t, e.post("/accounts/second.admin/role", url.Values{"role": {"admin"}}), http.StatusSeeOther)
		wantStatus(t, e.post("/accounts/admin/role", url.Values{"role": {"moderator"}}), http.StatusSeeOther)
		wantStatus(t, e.get("/accounts"), http.StatusForbidden)
		// The create form keeps what was typed and says what is wrong.
		p = e.postWith(second, "/accounts", url.Values{"username": {"ok.name"}, "password": {"short"}, "role": {"moderator"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if got := p.text("error-password"); got != "Use at least 10 characters." {
			t.Errorf("password error %q", got)
		}
		if v := p.find("input-new-username").AttrOr("value", ""); v != "ok.name" {
			t.Errorf("username not kept: %q", v)
		}
		if v, _ := p.find("input-new-role").Find("option[selected]").Attr("value"); v != "moderator" {
			t.Errorf("role not kept: %q", v)
		}
	})
}

// failAuditWrites makes every insert into table fail, as a full disk or a
// broken database would.
func failAuditWrites(t *testing.T, e *env, table string) {
	t.Helper()
	q := `CREATE TRIGGER test_fail_` + table + ` BEFORE INSERT ON ` + table + ` BEGIN SELECT RAISE(ABORT, 'disk is full (test)'); END`
	if e.srv.st.Dialect() == store.Postgres {
		q = `CREATE FUNCTION test_fail_` + table + `() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk is full (test)'; END $$;
			CREATE TRIGGER test_fail_` + table + ` BEFORE INSERT ON ` + table + ` FOR EACH ROW EXECUTE FUNCTION test_fail_` + table + `()`
	}
	if _, err := e.srv.st.DB().Exec(q); err != nil {
		t.Fatal(err)
	}
}

func TestAuditWriteFailureRefusesTheAction(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		e := newEnv(t, withDB(db)).login()
		if err := e.sb.CreateUsers(context.Background(), "alice", "bob", "carol", "dave", "erin"); err != nil {
			t.Fatal(err)
		}
		id, _ := newTestGroup(t, e)
		failAuditWrites(t, e, "audit_log")

		e.rec.reset()
		p := e.post("/groups", validCreateForm("Never created"))
		wantStatus(t, p, http.StatusInternalServerError)
		if got := p.text("error-message"); !strings.Contains(got, "nothing was changed") {
			t.Errorf("message %q", got)
		}
		if n := len(e.upstreamCalls()); n != 0 {
			t.Errorf("Agora was called %d times although the record could not be written", n)
		}
		e.rec.reset()
		wantStatus(t, e.post("/groups/"+id+"/delete", nil), http.StatusInternalServerError)
		for _, c := range e.upstreamCalls() {
			if c.Method != http.MethodGet {
				t.Errorf("unrecorded call %v", c)
			}
		}
		if _, _, err := e.client.Groups.GetOne(context.Background(), id); err != nil {
			t.Errorf("the group was deleted without a record: %v", err)
		}
		wantStatus(t, e.post("/accounts", url.Values{"username": {"unrecorded"}, "password": {"ten chars!!"}, "role": {"viewer"}}), http.StatusInternalServerError)
		if acc, _ := e.srv.st.Account(context.Background(), "unrecorded"); acc != nil {
			t.Error("an account was created without a record")
		}
		// Nor can anyone sign in unrecorded.
		c := e.newBrowser()
		wantStatus(t, e.postWith(c, "/login", url.Values{"username": {"admin"}, "password": {testAdminPass}}), http.StatusInternalServerError)
		if p := e.getWith(c, "/groups"); p.StatusCode != http.StatusSeeOther {
			t.Errorf("signed in without a record: %d", p.StatusCode)
		}
	})
}

func TestAuditOutcomeFailureAfterTheChange(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		e := newEnv(t, withDB(db)).login()
		if err := e.sb.CreateUsers(context.Background(), "alice", "bob", "carol", "dave", "erin"); err != nil {
			t.Fatal(err)
		}
		failAuditWrites(t, e, "audit_outcomes")
		since := lastAuditID(t, e)
		p := e.post("/groups", validCreateForm("Outcome lost"))
		wantStatus(t, p, http.StatusInternalServerError)
		if got := p.text("error-message"); !strings.Contains(got, "was sent to Agora, but its outcome could not be recorded") {
			t.Errorf("message %q", got)
		}
		// The attempt is on record, with the outcome it truly has: unknown.
		got := auditSince(t, e, since)
		if len(got) != 1 || got[0].Action != store.ActionGroupCreate || got[0].Outcome != store.OutcomeUnknown || got[0].Summary.Name != "Outcome lost" {
			t.Fatalf("records %+v", got)
		}
		list := e.get("/audit?outcome=unknown")
		if list.find("audit-row").Length() != 1 {
			t.Errorf("unknown outcome not shown")
		}
	})
}

func TestAuditIsAppendOnly(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		e := newEnv(t, withDB(db)).login()
		before, err := e.srv.st.AuditPage(context.Background(), store.AuditFilter{})
		if err != nil || len(before) == 0 {
			t.Fatalf("records %d, %v", len(before), err)
		}
		attempts := []string{
			`UPDATE audit_log SET actor = 'someone else'`,
			`DELETE FROM audit_log`,
			`UPDATE audit_outcomes SET outcome = 'success'`,
			`DELETE FROM audit_outcomes`,
		}
		if db.dialect == store.Postgres {
			attempts = append(attempts,
				`DELETE FROM audit_log WHERE id < 0`, // refused even when it matches nothing
				`TRUNCATE audit_outcomes`,
				`TRUNCATE audit_log, audit_outcomes`)
		}
		for _, q := range attempts {
			_, err := e.srv.st.DB().Exec(q)
			if err == nil || !strings.Contains(err.Error(), "audit records cannot be") {
				t.Errorf("%s: %v", q, err)
			}
		}
		after, err := e.srv.st.AuditPage(context.Background(), store.AuditFilter{})
		if diff := cmp.Diff(before, after); diff != "" || err != nil {
			t.Errorf("records changed (-before +after), %v:\n%s", err, diff)
		}
		// And the app has no statement that would try.
		files, _ := filepath.Glob("*.go")
		re := regexp.MustCompile(`(?i)(UPDATE\s+audit_|DELETE\s+FROM\s+audit_|REPLACE\s+INTO\s+audit_|INSERT\s+OR\s+REPLACE\s+INTO\s+audit_)`)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, _ := os.ReadFile(f)
			if m := re.Find(b); m != nil {
				t.Errorf("%s contains %q", f, m)
			}
		}
	})
}

func TestAuditSurvivesRestart(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		e := newEnv(t, withDB(db)).login()
		e.post("/logout", nil)
		want, err := e.srv.st.AuditPage(context.Background(), store.AuditFilter{})
		if err != nil || len(want) < 2 {
			t.Fatalf("records %d, %v", len(want), err)
		}
		e.web.Close()
		if err := e.srv.Close(); err != nil {
			t.Fatal(err)
		}
		st, err := store.Open(db.dir, db.url)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		got, err := st.AuditPage(context.Background(), store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("after reopening (-before +after):\n%s", diff)
		}
	})
}

// seedAudit appends n records directly, one a minute from start, cycling
// through actors, actions and outcomes.
func seedAudit(t *testing.T, e *env, n int, start time.Time) {
	t.Helper()
	actors := []string{"ann", "ben", "cy"}
	actions := []string{store.ActionGroupCreate, store.ActionGroupUpdate, store.ActionGroupDelete}
	for i := range n {
		var outcome error
		if i%4 == 3 {
			outcome = &store.AuditFailure{Code: "x", Msg: "failed"}
		}
		err := e.srv.st.AppendAudit(context.Background(), store.AuditEntry{
			At: start.Add(time.Duration(i) * time.Minute), Actor: actors[i%3], Addr: "10.0.0.1",
			Action: actions[i%3], TargetType: store.TargetGroup, Target: strconv.Itoa(1000 + i%7),
		}, outcome)
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestAuditPagingAndFilters(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		e := newEnv(t, withDB(db))
		day := time.Date(2025, 3, 1, 23, 0, 0, 0, time.UTC)
		seedAudit(t, e, 130, day) // 23:00 on Mar 1 to 01:09 on Mar 2
		e.login()

		pageIDs := func(p *page) []int64 {
			var ids []int64
			p.find("audit-row").Each(func(_ int, s *goquery.Selection) {
				id, _ := strconv.ParseInt(s.AttrOr("data-id", ""), 10, 64)
				ids = append(ids, id)
			})
			return ids
		}
		all := func(f store.AuditFilter) []int64 {
			entries, err := e.srv.st.AuditPage(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, en := range entries {
				ids = append(ids, en.ID)
			}
			return ids
		}
		// Older links walk every record once, newest first; Newer walks back.
		for _, q := range []string{"", "?actor=ann&outcome=success", "?action=delete_group&target=1003"} {
			f, _, _ := parseAuditFilter(mustQuery(q), views.NewLocalizer(views.English))
			want := all(f)
			var got []int64
			var pages []string
			next := "/audit" + q
			for next != "" {
				p := e.get(next)
				wantStatus(t, p, http.StatusOK)
				pages = append(pages, next)
				ids := pageIDs(p)
				if len(ids) > auditPageSize {
					t.Fatalf("%d rows on a page", len(ids))
				}
				got = append(got, ids...)
				next = p.find("pager-older").AttrOr("href", "")
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%q: walking Older (-want +got):\n%s", q, diff)
			}
			// Newer from the last page leads back through the same pages.
			last := e.get(pages[len(pages)-1])
			var back []int64
			for newer := last.find("pager-newer").AttrOr("href", ""); newer != ""; {
				p := e.get(newer)
				back = append(pageIDs(p), back...)
				newer = p.find("pager-newer").AttrOr("href", "")
			}
			if len(pages) > 1 {
				if diff := cmp.Diff(want[:len(want)-len(pageIDs(last))], back); diff != "" {
					t.Errorf("%q: walking Newer (-want +got):\n%s", q, diff)
				}
			}
		}

		// Filters, alone and combined, against what they mean.
		seeded := auditSince(t, e, 0)
		tests := []struct {
			q    string
			keep func(r store.AuditEntry) bool
		}{
			{"?actor=ben", func(r store.AuditEntry) bool { return r.Actor == "ben" }},
			{"?action=update_group&outcome=failure", func(r store.AuditEntry) bool {
				return r.Action == store.ActionGroupUpdate && r.Outcome == store.OutcomeFailure
			}},
			{"?target=1002&actor=cy", func(r store.AuditEntry) bool { return r.Target == "1002" && r.Actor == "cy" }},
			{"?from=2025-03-02", func(r store.AuditEntry) bool { return !r.At.Before(day.Add(time.Hour)) }},
			{"?to=2025-03-01&action=create_group", func(r store.AuditEntry) bool {
				return r.At.Before(day.Add(time.Hour)) && r.Action == store.ActionGroupCreate
			}},
			{"?from=2025-03-01&to=2025-03-01&outcome=success&actor=ann", func(r store.AuditEntry) bool {
				return r.At.Before(day.Add(time.Hour)) && r.Outcome == store.OutcomeSuccess && r.Actor == "ann"
			}},
		}
		for _, tc := range tests {
			var want []int64
			for i := len(seeded) - 1; i >= 0; i-- {
				if tc.keep(seeded[i]) {
					want = append(want, seeded[i].ID)
				}
			}
			if len(want) > auditPageSize {
				want = want[:auditPageSize]
			}
			p := e.get("/audit" + tc.q)
			if diff := cmp.Diff(want, pageIDs(p)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.q, diff)
			}
			// The CSV export of the same filter holds the same rows, in order.
			if got := csvIDs(t, e, "/audit.csv"+tc.q); !slices.Equal(got, all(mustFilter(tc.q))) {
				t.Errorf("%s: CSV ids %v, page %v", tc.q, got, want)
			}
		}
		p := e.get("/audit?from=yesterday")
		if got := p.text("filter-error"); !strings.Contains(got, "“yesterday” is not a date") {
			t.Errorf("bad date message %q", got)
		}
	})
}

func mustQuery(q string) url.Values {
	v, _ := url.ParseQuery(strings.TrimPrefix(q, "?"))
	return v
}

func mustFilter(q string) store.AuditFilter {
	f, _, _ := parseAuditFilter(mustQuery(q), views.NewLocalizer(views.English))
	return f
}

// csvIDs reads the id column of an audit CSV.
func csvIDs(t *testing.T, e *env, path string) []int64 {
	t.Helper()
	p := e.get(path)
	wantStatus(t, p, http.StatusOK)
	recs, err := csv.NewReader(strings.NewReader(p.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 || recs[0][0] != "id" {
		t.Fatalf("CSV header %v", recs)
	}
	var ids []int64
	for _, r := range recs[1:] {
		id, _ := strconv.ParseInt(r[0], 10, 64)
		ids = append(ids, id)
	}
	return ids
}

func TestAuditCSVMatchesPage(t *testing.T) {
	e := newEnv(t).login()
	id, _ := newTestGroup(t, e)
	form := editForm(t, e.get("/groups/"+id+"/edit"))
	form.Set("groupname", "=cmd|' /C calc'!A0")
	wantStatus(t, e.post("/groups/"+id, form), http.StatusSeeOther)
	wantStatus(t, e.post("/login", url.Values{"username": {"@evil"}, "password": {"x"}}), http.StatusUnauthorized)

	p := e.get("/audit")
	c := e.get("/audit.csv")
	if ct := c.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	recs, err := csv.NewReader(strings.NewReader(c.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rows := p.find("audit-row")
	if len(recs)-1 != rows.Length() {
		t.Fatalf("CSV has %d rows, page %d", len(recs)-1, rows.Length())
	}
	rows.Each(func(i int, s *goquery.Selection) {
		rec := recs[i+1]
		cell := func(tid string) string {
			return strings.Join(strings.Fields(s.Find(`[data-testid="`+tid+`"]`).Text()), " ")
		}
		if rec[0] != s.AttrOr("data-id", "") || rec[4] != s.AttrOr("data-action", "") || rec[8] != s.AttrOr("data-outcome", "") {
			t.Errorf("row %d: CSV %v", i, rec)
		}
		if actor := cell("audit-actor"); rec[2] != csvCell(actor) && !(rec[2] == "" && actor == "(not signed in)") {
			t.Errorf("row %d: actor %q vs %q", i, rec[2], actor)
		}
		if got := strings.TrimPrefix(rec[6], "'"); got != cell("audit-target") && !strings.HasPrefix(cell("audit-target"), got) {
			t.Errorf("row %d: target %q vs %q", i, rec[6], cell("audit-target"))
		}
	})
	// Spreadsheet-safe: a formula in a name or a username is defused.
	for _, rec := range recs[1:] {
		for _, f := range rec {
			if f != "" && strings.ContainsRune("=+-@", rune(f[0])) {
				t.Errorf("cell %q starts a formula", f)
			}
		}
	}
	if !strings.Contains(c.body, ",'@evil,") {
		t.Errorf("defused cells missing:\n%s", c.body)
	}
}

func TestGroupHistoryTab(t *testing.T) {
	e := newEnv(t).login()
	id, _ := newTestGroup(t, e)
	for i := range 2 {
		form := editForm(t, e.get("/groups/"+id+"/edit"))
		form.Set("groupname", fmt.Sprintf("History %02d", i))
		wantStatus(t, e.post("/groups/"+id, form), http.StatusSeeOther)
	}
	// Older records of the group, and one of another group, straight into
	// the log: enough for a second page.
	ctx := context.Background()
	for i := range groupHistoryPageSize {
		entry := store.AuditEntry{At: time.Now(), Actor: "admin", Action: store.ActionAllow, TargetType: store.TargetGroup,
			Target: id, Summary: store.AuditSummary{User: fmt.Sprintf("user%02d", i)}}
		if i == 0 {
			entry.Target = "999999"
		}
		if err := e.srv.st.AppendAudit(ctx, entry, nil); err != nil {
			t.Fatal(err)
		}
	}
	form := editForm(t, e.get("/groups/"+id+"/edit"))
	form.Set("groupname", "History newest")
	wantStatus(t, e.post("/groups/"+id, form), http.StatusSeeOther)

	detail := e.get("/groups/" + id)
	if detail.find("group-history").Length() != 0 {
		t.Error("the Overview still shows the history")
	}
	e.rec.reset()
	p := e.get("/groups/" + id + "/history")
	wantStatus(t, p, http.StatusOK)
	if n := len(e.upstreamCalls()); n != 0 {
		t.Errorf("history page made %d Agora calls", n)
	}
	if cur := p.find("tab-history").AttrOr("aria-current", ""); cur != "page" {
		t.Errorf("history tab aria-current %q", cur)
	}
	rows := p.find("group-history").Find(`[data-testid="audit-row"]`)
	if rows.Length() != groupHistoryPageSize {
		t.Fatalf("%d history rows on the first page", rows.Length())
	}
	if got := strings.TrimSpace(rows.First().Find(`[data-testid="audit-summary"]`).Text()); got != "Name: “History 01” → “History newest”" {
		t.Errorf("newest history row %q", got)
	}
	if got := strings.TrimSpace(rows.Eq(1).Find(`[data-testid="audit-summary"]`).Text()); got != "User: user49" {
		t.Errorf("second history row %q", got)
	}
	if p.find("pager-newer").Length() != 0 {
		t.Error("newer link on the newest page")
	}
	older := e.get(p.find("pager-older").AttrOr("href", ""))
	wantStatus(t, older, http.StatusOK)
	// 49 allow records + 3 edits = 52 in all (newTestGroup is not audited).
	rest := older.find("audit-row")
	if rest.Length() != 52-groupHistoryPageSize {
		t.Errorf("%d rows on the second page", rest.Length())
	}
	if older.find("pager-older").Length() != 0 || older.find("pager-newer").Length() != 1 {
		t.Error("second page: want only a newer link")
	}
	if href := p.find("history-link").AttrOr("href", ""); href != "/audit?target="+id {
		t.Errorf("history link %q", href)
	}
}

func TestAuditActionLabels(t *testing.T) {
	for _, a := range store.AuditActions {
		if !views.Has("audit.action." + a) {
			t.Errorf("no label for %s", a)
		}
	}
	for _, o := range []string{store.OutcomeSuccess, store.OutcomeFailure, store.OutcomeUnknown} {
		if !views.Has("audit.outcome." + o) {
			t.Errorf("no label for %s", o)
		}
	}
	for _, r := range store.Roles {
		if !views.Has("account.role." + string(r)) {
			t.Errorf("no label for %s", r)
		}
	}
	for _, k := range store.AuditKinds {
		if !views.Has("audit.kind." + k) {
			t.Errorf("no label for kind %s", k)
		}
	}
	// Every failure code the log writes reads in words: the accounts' and
	// sign-ins' codes, ours for calls without an answer, and every reason
	// the agora client gives an answer.
	codes := []string{
		"bad_credentials", "locked", "account_disabled", "account_exists", "account_not_found", "last_admin", "wrong_password",
		"answer_lost", "not_applied", "invalid_input", "timeout", "unreachable", "error",
	}
	for _, r := range []agora.Reason{
		agora.ReasonUnauthorized, agora.ReasonAppNotFound, agora.ReasonRateLimited, agora.ReasonPlanLimit,
		agora.ReasonServerError, agora.ReasonBadResponse, agora.ReasonTimeout, agora.ReasonNoAnswer,
		agora.ReasonGroupNotFound, agora.ReasonUserNotFound, agora.ReasonNotFound, agora.ReasonNotMember,
		agora.ReasonAlreadyMember, agora.ReasonOwnerForbidden, agora.ReasonAlreadyOwner, agora.ReasonNotAdmin,
		agora.ReasonTooManyAdmins, agora.ReasonBlocked, agora.ReasonUserTooManyGroups, agora.ReasonGroupDisabled,
		agora.ReasonGroupFull, agora.ReasonMaxUsersBelowCount, agora.ReasonAppTooManyGroups, agora.ReasonLimitExceeded,
		agora.ReasonContentViolation, agora.ReasonInvalidRequest, agora.ReasonForbidden,
	} {
		codes = append(codes, string(r))
	}
	en := views.NewLocalizer(views.English)
	for _, code := range append(codes, "resource_not_found") {
		if got := auditErrorText(en, code); strings.HasPrefix(got, "Failed (") {
			t.Errorf("failure code %s reads %q", code, got)
		}
	}
	if got := auditErrorText(en, "something_new"); got != "Failed (something_new)" {
		t.Errorf("an unknown code reads %q", got)
	}
}

// The log says why an action failed in the moderator's language, Agora's
// own words one hover away; failed sign-ins say how many and when; the
// kind filter shows sign-ins apart from group changes.
func TestAuditLogReadsInPlainWords(t *testing.T) {
	e := newEnv(t).login()
	form := validCreateForm("Rejected in words")
	form.Set("owner", "nobody.here")
	form.Set("members", "")
	wantStatus(t, e.post("/groups", form), http.StatusUnprocessableEntity)
	for range 2 {
		wantStatus(t, e.postWith(e.newBrowser(), "/login", url.Values{"username": {"admin"}, "password": {"not the password"}}), http.StatusUnauthorized)
	}

	for _, tc := range []struct{ lang, reason, attempts string }{
		{"en", "The user does not exist", "2 attempts, "},
		{"zh", "用户不存在", "2 次尝试，"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			wantStatus(t, e.post("/language", url.Values{"lang": {tc.lang}}), http.StatusSeeOther)
			p := e.get("/audit?action=create_group&outcome=failure")
			failure := p.find("audit-error").First()
			if got := strings.TrimSpace(failure.Text()); got != tc.reason {
				t.Errorf("failure reads %q, want %q", got, tc.reason)
			}
			if title := failure.AttrOr("title", ""); !strings.HasPrefix(title, "user_not_found: resource_not_found: ") || !strings.Contains(title, "nobody.here") {
				t.Errorf("Agora's words on hover: %q", title)
			}
			attempts := e.get("/audit?action=sign_in&outcome=failure").text("audit-attempts")
			if !strings.HasPrefix(attempts, tc.attempts) || strings.Count(attempts, ":") != 4 {
				t.Errorf("failed sign-ins read %q", attempts)
			}
		})
	}
	wantStatus(t, e.post("/language", url.Values{"lang": {"en"}}), http.StatusSeeOther)

	for kind, allowed := range map[string][]string{
		store.KindSignIns: {store.ActionLogin, store.ActionLogout},
		store.KindGroups:  {store.ActionGroupCreate},
	} {
		p := e.get("/audit?kind=" + kind)
		rows := p.find("audit-row")
		if rows.Length() == 0 {
			t.Errorf("kind %s: no rows", kind)
		}
		rows.Each(func(_ int, r *goquery.Selection) {
			if a := r.AttrOr("data-action", ""); !slices.Contains(allowed, a) {
				t.Errorf("kind %s shows a %s record", kind, a)
			}
		})
		if v := p.find("filter-kind").Find("option[selected]").AttrOr("value", ""); v != kind {
			t.Errorf("kind %s: the filter shows %q", kind, v)
		}
		if href := p.find("audit-csv").AttrOr("href", ""); !strings.Contains(href, "kind="+kind) {
			t.Errorf("kind %s: the CSV link %q drops it", kind, href)
		}
	}
}
