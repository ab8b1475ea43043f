package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"groupdesk/agora"
	"groupdesk/agora/sandbox"
	"groupdesk/web/jobs"
	"groupdesk/web/store"
)

// Users of the bulk sandboxes.
const (
	bulkTarget = "spam.user"
	bulkOwner  = "owner.one"
)

// bulkWorld is a sandbox of its own in which bulkTarget is a member of
// groups, owning the first few; wrap (if not nil) stands in front of it.
type bulkWorld struct {
	sb     *sandbox.Sandbox
	url    string
	groups []string // every group bulkTarget is in, oldest first
	owned  []string // those bulkTarget owns
	client *agora.Client
}

func newBulkWorld(t *testing.T, n, owned int, wrap func(http.Handler) http.Handler) *bulkWorld {
	t.Helper()
	sb, err := sandbox.Open(sandbox.Config{DataDir: t.TempDir(), Org: testOrg, App: testApp, AppID: testAppID, AppCertificate: testAppCert})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	ctx := context.Background()
	if err := sb.CreateUsers(ctx, bulkTarget, bulkOwner, "member.one", "loner"); err != nil {
		t.Fatal(err)
	}
	var h http.Handler = sb.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	// The setup's client goes to the sandbox directly, never through wrap.
	direct := httptest.NewServer(sb.Handler())
	t.Cleanup(direct.Close)
	client, err := agora.NewClient(agora.Config{Host: direct.URL, OrgName: testOrg, AppName: testApp, AppID: testAppID, AppCertificate: testAppCert},
		agora.WithRateLimits(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	w := &bulkWorld{sb: sb, url: srv.URL, client: client}
	for i := range n {
		owner, members := bulkOwner, []string{bulkTarget, "member.one"}
		if i < owned {
			owner, members = bulkTarget, []string{"member.one"}
		}
		id, _, err := client.Groups.Create(ctx, &agora.CreateGroupRequest{
			GroupName: fmt.Sprintf("bulk %d", i), Public: true, MaxUsers: agora.Int(200), Owner: owner, Members: members,
		})
		if err != nil {
			t.Fatal(err)
		}
		w.groups = append(w.groups, id)
		if i < owned {
			w.owned = append(w.owned, id)
		}
	}
	return w
}

// isMember reports whether user is in group (false for a deleted group).
func (w *bulkWorld) isMember(t *testing.T, group, user string) bool {
	t.Helper()
	g, _, err := w.client.Groups.GetOne(context.Background(), group)
	if err != nil {
		if missing(err) {
			return false
		}
		t.Fatal(err)
	}
	for _, a := range g.Affiliations {
		if a.Username == user {
			return true
		}
	}
	return false
}

// startBulk enqueues a bulk job directly, as a confirmed form would.
func (e *env) startBulk(args bulkArgs) int64 {
	e.t.Helper()
	j, _, err := e.srv.jobs.Enqueue(context.Background(), args, jobs.Opts{By: args.By, MaxAttempts: bulkJobMaxAttempts})
	if err != nil {
		e.t.Fatal(err)
	}
	return j.ID
}

const jobWaitLimit = 2 * time.Minute

// waitJob polls job id's row until ok says yes.
func waitJob(t *testing.T, e *env, id int64, what string, ok func(*jobs.Job) bool) *jobs.Job {
	t.Helper()
	deadline := time.Now().Add(jobWaitLimit)
	for {
		j, err := e.srv.jobs.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if ok(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d is not %s after %s: %+v", id, what, jobWaitLimit, j)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitJobEnd(t *testing.T, e *env, id int64) *jobs.Job {
	t.Helper()
	return waitJob(t, e, id, "ended", func(j *jobs.Job) bool { return !j.State.Live() })
}

// jobCSV downloads a job's results: group → [outcome, reason].
func jobCSV(t *testing.T, e *env, id int64) map[string][]string {
	t.Helper()
	p := e.get(jobPath(id) + "/results.csv")
	wantStatus(t, p, http.StatusOK)
	rows, err := csv.NewReader(strings.NewReader(p.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "group_id,outcome,reason,agora_message,at" {
		t.Fatalf("CSV header %v", rows)
	}
	out := map[string][]string{}
	for _, r := range rows[1:] {
		out[r[0]] = r[1:3]
	}
	return out
}

// countCalls counts the recorded calls whose method and path match.
func countCalls(calls []call, method, pathPart string) int {
	n := 0
	for _, c := range calls {
		if c.Method == method && strings.Contains(c.Path, pathPart) {
			n++
		}
	}
	return n
}

func TestUserPage(t *testing.T) {
	w := newBulkWorld(t, 12, 2, nil)
	e := newEnv(t, withAPI(w.url)).login()
	// An admin in one group the user does not own.
	if _, err := w.client.Members.AddAdmin(context.Background(), w.groups[5], bulkTarget); err != nil {
		t.Fatal(err)
	}
	e.rec.reset()
	p := e.get("/users/" + bulkTarget + "?pagesize=20")
	wantStatus(t, p, http.StatusOK)
	roles := map[string]string{}
	p.find("user-group-row").Each(func(_ int, s *goquery.Selection) {
		id, _ := s.Attr("data-group-id")
		roles[id], _ = s.Attr("data-role")
		if got := strings.TrimSpace(s.Find(`[data-testid="group-members"]`).Text()); got == "—" || got == "" {
			t.Errorf("group %s: no member count", id)
		}
	})
	if len(roles) != 12 {
		t.Fatalf("%d rows, want 12", len(roles))
	}
	for i, id := range w.groups {
		want := "member"
		switch {
		case i < 2:
			want = "owner"
		case i == 5:
			want = "admin"
		}
		if roles[id] != want {
			t.Errorf("group %d (%s): role %q, want %q", i, id, roles[id], want)
		}
	}
	if n := p.find("select-group").Length(); n != 12 {
		t.Errorf("%d checkboxes, want 12", n)
	}
	if p.find("select-all").Length() != 1 || p.find("user-actions").Length() != 1 {
		t.Error("no select-all or no actions form")
	}
	// One joined call, one detail call, one admin list per group not owned.
	if got, want := len(e.upstreamCalls()), 2+10; got != want {
		t.Errorf("%d calls, want %d: %v", got, want, e.upstreamCalls())
	}

	unknown := e.get("/users/no.such.user")
	wantStatus(t, unknown, http.StatusOK)
	if !strings.Contains(unknown.text("user-not-found"), "no.such.user") {
		t.Errorf("unknown user: message %q", unknown.text("user-not-found"))
	}

	// A viewer sees the groups but no checkbox or action.
	e.addAccount("view.only", store.RoleViewer)
	v := e.browserAs("view.only", testRolePass)
	vp := e.getWith(v, "/users/"+bulkTarget)
	wantStatus(t, vp, http.StatusOK)
	if vp.find("user-group-row").Length() == 0 || vp.find("select-group").Length() != 0 || vp.find("user-actions").Length() != 0 {
		t.Errorf("viewer: %d rows, %d checkboxes, %d forms", vp.find("user-group-row").Length(), vp.find("select-group").Length(), vp.find("user-actions").Length())
	}
	// And may not start a job.
	if got := e.postWith(v, "/users/"+bulkTarget+"/actions", url.Values{"action": {"remove"}, "all": {"1"}, "confirm": {"1"}}); got.StatusCode != http.StatusForbidden {
		t.Errorf("viewer POST: status %d, want 403", got.StatusCode)
	}
}

func TestUserActionsConfirmation(t *testing.T) {
	w := newBulkWorld(t, 12, 3, nil)
	e := newEnv(t, withAPI(w.url)).login()
	path := "/users/" + bulkTarget + "/actions"
	three := url.Values{"action": {"remove"}, "group": w.groups[3:6]}

	tests := []struct {
		name      string
		form      url.Values
		headers   []string
		status    int
		count     int    // the confirmation's number of groups
		sentence  string // part of what it says
		errorPart string // part of its error, if any
	}{
		{name: "three groups", form: three, status: 200, count: 3, sentence: "will be removed from 3 groups"},
		{name: "as a dialog", form: three, headers: []string{"HX-Request", "true"}, status: 200, count: 3, sentence: "will be removed from 3 groups"},
		{name: "all groups", form: url.Values{"action": {"mute"}, "all": {"1"}, "duration": {"1h"}}, status: 200, count: 12, sentence: "muted in 12 groups for 1 hour"},
		{name: "block needs a reason", form: url.Values{"action": {"block"}, "all": {"1"}}, status: 422, errorPart: "Give a reason"},
		{name: "reason at most 200", form: url.Values{"action": {"block"}, "all": {"1"}, "reason": {strings.Repeat("x", 201)}}, status: 422, errorPart: "longer than 200"},
		{name: "until in the past", form: url.Values{"action": {"block"}, "all": {"1"}, "reason": {"spam"}, "until": {"2001-01-01"}}, status: 422, errorPart: "after today"},
		{name: "unknown duration", form: url.Values{"action": {"mute"}, "all": {"1"}, "duration": {"2y"}}, status: 422, errorPart: "how long"},
		{name: "nothing selected", form: url.Values{"action": {"remove"}}, status: 422, errorPart: "Select at least one"},
		{name: "unknown action", form: url.Values{"action": {"explode"}, "all": {"1"}}, status: 422, errorPart: "Choose an action"},
		{name: "delete owned counts only owned", form: url.Values{"action": {"delete-owned"}, "group": w.groups[:6]}, status: 200, count: 3, sentence: "3 groups owned by spam.user will be deleted"},
		{name: "twelve need the number typed", form: url.Values{"action": {"remove"}, "all": {"1"}, "confirm": {"1"}, "typed": {"11"}}, status: 422, count: 12, errorPart: "Type 12"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := e.post(path, tc.form, tc.headers...)
			wantStatus(t, p, tc.status)
			if len(tc.headers) > 0 && p.find("bulk-dialog").Length() != 1 {
				t.Error("no dialog for htmx")
			}
			if tc.count > 0 {
				if got, _ := p.find("bulk-description").Attr("data-count"); got != strconv.Itoa(tc.count) {
					t.Errorf("count %s, want %d", got, tc.count)
				}
			}
			if tc.sentence != "" && !strings.Contains(p.text("bulk-description"), tc.sentence) {
				t.Errorf("says %q, want it to contain %q", p.text("bulk-description"), tc.sentence)
			}
			if tc.errorPart != "" && !strings.Contains(p.text("bulk-error"), tc.errorPart) {
				t.Errorf("error %q, want %q", p.text("bulk-error"), tc.errorPart)
			}
			if tc.count >= 10 && tc.errorPart == "" && p.find("bulk-typed").Length() != 1 {
				t.Error("10 groups or more: no field to type the number")
			}
			if tc.count > 0 && tc.count < 10 && p.find("bulk-typed").Length() != 0 {
				t.Error("fewer than 10 groups: the number is asked for")
			}
		})
	}
	// No job was started by any of these.
	if list, _ := e.srv.jobs.List(context.Background(), jobs.Filter{Kind: bulkJobKind}); len(list) != 0 {
		t.Errorf("%d jobs started, want none", len(list))
	}
	// Three groups need no typing: the POST answers 303 to the job.
	p := e.post(path, url.Values{"action": {"remove"}, "group": w.groups[3:6], "confirm": {"1"}})
	wantStatus(t, p, http.StatusSeeOther)
	if !strings.HasPrefix(p.Header.Get("Location"), "/jobs/") {
		t.Fatalf("Location %q", p.Header.Get("Location"))
	}
}

// TestBulkRemoveAll removes the user from every group with one job: one
// call per group, the owned groups fail (Agora refuses to remove the
// owner), a second job retries exactly those.
func TestBulkRemoveAll(t *testing.T) {
	w := newBulkWorld(t, 15, 2, nil)
	e := newEnv(t, withAPI(w.url)).login()
	p := e.post("/users/"+bulkTarget+"/actions", url.Values{"action": {"remove"}, "all": {"1"}, "confirm": {"1"}, "typed": {"15"}})
	wantStatus(t, p, http.StatusSeeOther)
	id, err := strconv.ParseInt(strings.TrimPrefix(p.Header.Get("Location"), "/jobs/"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	e.rec.reset()
	j := waitJobEnd(t, e, id)
	if j.State != jobs.StateDone || j.Done != 13 || j.Failed != 2 || j.Total != 15 {
		t.Fatalf("job %+v: want done, 13 done, 2 failed of 15", j)
	}
	if n := countCalls(e.upstreamCalls(), http.MethodDelete, "/users/"+bulkTarget); n != 15 || j.Calls != 15 {
		t.Errorf("%d remove calls (job counted %d), want 15", n, j.Calls)
	}
	for i, g := range w.groups {
		if member := w.isMember(t, g, bulkTarget); member != (i < 2) {
			t.Errorf("group %d: member %v", i, member)
		}
	}
	page := e.get(jobPath(id))
	wantStatus(t, page, http.StatusOK)
	if page.text("job-done") != "13" || page.text("job-failed") != "2" || page.text("job-remaining") != "0" || page.text("job-percent") != "100%" {
		t.Errorf("page: done %s failed %s remaining %s percent %s", page.text("job-done"), page.text("job-failed"), page.text("job-remaining"), page.text("job-percent"))
	}
	if page.text("job-started-by") != "admin" || page.find("job-failure").Length() != 2 || page.find("job-retry").Length() != 1 {
		t.Errorf("page: by %q, %d failures listed, retry %d", page.text("job-started-by"), page.find("job-failure").Length(), page.find("job-retry").Length())
	}
	rows := jobCSV(t, e, id)
	for i, g := range w.groups {
		want := []string{"done", ""}
		if i < 2 {
			want = []string{"failed", string(agora.ReasonOwnerForbidden)}
		}
		if got := rows[g]; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("CSV group %d: %v, want %v", i, got, want)
		}
	}
	// One audit record per group, with the job's id.
	entries, err := e.srv.st.AuditPage(context.Background(), store.AuditFilter{Action: store.ActionBulkRemove})
	if err != nil {
		t.Fatal(err)
	}
	perGroup := map[string]int{}
	for _, en := range entries {
		if en.Summary.Job != id || en.Summary.Member != bulkTarget {
			t.Errorf("audit %+v: want job %d, member %s", en, id, bulkTarget)
		}
		perGroup[en.Target]++
	}
	if len(perGroup) != 15 {
		t.Errorf("audit covers %d groups, want 15", len(perGroup))
	}
	for g, n := range perGroup {
		if n != 1 {
			t.Errorf("group %s: %d audit records", g, n)
		}
	}

	audit := e.get("/audit?action=" + store.ActionBulkRemove)
	if rows := audit.find("audit-row"); rows.Length() != 15 || !strings.Contains(audit.text("audit-summary"), fmt.Sprintf("User spam.user Part of job %d", id)) {
		t.Errorf("audit page: %d rows, summary %q", rows.Length(), audit.text("audit-summary"))
	}
	start := e.get("/audit?action=" + store.ActionJobStart)
	if !strings.Contains(start.text("audit-summary"), "Remove from the groups: 15 groups") {
		t.Errorf("job start record: %q", start.text("audit-summary"))
	}

	// Retry the failed: a new job over exactly the two owned groups.
	e.rec.reset()
	r := e.post(jobPath(id)+"/retry-failed", nil)
	wantStatus(t, r, http.StatusSeeOther)
	retry, _ := strconv.ParseInt(strings.TrimPrefix(r.Header.Get("Location"), "/jobs/"), 10, 64)
	if retry == id || retry == 0 {
		t.Fatalf("retry Location %q", r.Header.Get("Location"))
	}
	rj := waitJobEnd(t, e, retry)
	if rj.Total != 2 || rj.Failed != 2 {
		t.Errorf("retry job %+v, want the 2 owned groups, failing again", rj)
	}
	if n := countCalls(e.upstreamCalls(), http.MethodDelete, "/users/"+bulkTarget); n != 2 {
		t.Errorf("retry made %d remove calls, want 2", n)
	}
	if got := e.get(jobPath(retry)).find("job-retry-of").Length(); got != 1 {
		t.Error("the retry's page does not link the job it retries")
	}
	list := e.get("/jobs")
	if list.find("job-row").Length() != 2 {
		t.Errorf("/jobs lists %d jobs, want 2", list.find("job-row").Length())
	}
}

// TestBulkFaults: a user with no groups, a group deleted and a user who
// left before the job reached them, and Agora answering 429 for a while.
func TestBulkFaults(t *testing.T) {
	t.Run("no groups", func(t *testing.T) {
		w := newBulkWorld(t, 0, 0, nil)
		e := newEnv(t, withAPI(w.url)).login()
		p := e.post("/users/loner/actions", url.Values{"action": {"remove"}, "all": {"1"}, "confirm": {"1"}})
		wantStatus(t, p, http.StatusSeeOther)
		page := e.follow(p)
		id, _ := strconv.ParseInt(strings.TrimPrefix(p.Header.Get("Location"), "/jobs/"), 10, 64)
		j := waitJobEnd(t, e, id)
		if j.State != jobs.StateDone || j.Total != 0 || j.Calls != 0 {
			t.Errorf("job %+v", j)
		}
		page = e.get(jobPath(id))
		if page.find("job-nothing").Length() != 1 {
			t.Errorf("the page does not say there was nothing to do: %s", page.text("job-status"))
		}
	})
	t.Run("deleted and left meanwhile", func(t *testing.T) {
		w := newBulkWorld(t, 4, 0, nil)
		e := newEnv(t, withAPI(w.url)).login()
		ctx := context.Background()
		if _, err := w.client.Groups.Delete(ctx, w.groups[1]); err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.client.Members.Remove(ctx, w.groups[2], bulkTarget); err != nil {
			t.Fatal(err)
		}
		for _, action := range []string{bulkRemove, bulkBlock, bulkMute} {
			id := e.startBulk(bulkArgs{Action: action, Username: bulkTarget, Groups: w.groups, Reason: "spam", MuteMs: -1, By: "admin"})
			j := waitJobEnd(t, e, id)
			if j.State != jobs.StateDone || j.Failed != 0 || j.Done != 4 {
				t.Errorf("%s: job %+v, want 4 done, none failed", action, j)
			}
			rows := jobCSV(t, e, id)
			if rows[w.groups[1]][0] != itemAlready || rows[w.groups[2]][0] != itemAlready {
				t.Errorf("%s: deleted group %v, left group %v: want already", action, rows[w.groups[1]], rows[w.groups[2]])
			}
		}
		// The bulk delete skips the deleted group without a call, and
		// records that it did.
		e.rec.reset()
		id := e.startBulk(bulkArgs{Action: bulkDelete, Groups: w.groups, By: "admin"})
		j := waitJobEnd(t, e, id)
		if j.State != jobs.StateDone || j.Failed != 0 || j.Done != 4 {
			t.Errorf("delete: job %+v", j)
		}
		if n := countCalls(e.upstreamCalls(), http.MethodDelete, "/chatgroups/"); n != 3 {
			t.Errorf("delete: %d delete calls, want 3 (one group was gone)", n)
		}
		entries, err := e.srv.st.AuditPage(ctx, store.AuditFilter{Action: store.ActionGroupDelete})
		if err != nil || len(entries) != 4 {
			t.Fatalf("delete: %d audit records (%v), want 4", len(entries), err)
		}
		for _, en := range entries {
			gone := en.Target == w.groups[1]
			if en.Summary.Job != id || gone != (en.Outcome == store.OutcomeFailure) {
				t.Errorf("delete audit %+v", en)
			}
		}
	})
	t.Run("429 for a while", func(t *testing.T) {
		var refusals atomic.Int32
		refusals.Store(12)
		w := newBulkWorld(t, 5, 0, func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodDelete && refusals.Add(-1) >= 0 {
					rw.Header().Set("Content-Type", "application/json")
					rw.WriteHeader(http.StatusTooManyRequests)
					fmt.Fprint(rw, `{"error":"reach_limit","error_description":"This request has reached api limit"}`)
					return
				}
				next.ServeHTTP(rw, r)
			})
		})
		// The client's own retries off: the job's per-item retries are tested.
		e := newEnv(t, withAPI(w.url), withClientOpts(agora.WithRetries(0, 0))).login()
		e.srv.bulk.configure(0, time.Millisecond, time.Minute)
		id := e.startBulk(bulkArgs{Action: bulkRemove, Username: bulkTarget, Groups: w.groups, By: "admin"})
		j := waitJobEnd(t, e, id)
		if j.State != jobs.StateDone || j.Done != 5 || j.Failed != 0 {
			t.Fatalf("job %+v, want all 5 done", j)
		}
		if j.Calls != 5+12 {
			t.Errorf("%d calls, want 17 (5 groups, 12 refused)", j.Calls)
		}
		for _, g := range w.groups {
			if w.isMember(t, g, bulkTarget) {
				t.Errorf("still in %s", g)
			}
		}
	})
}

func TestBulkBlockRecordsAndDelete(t *testing.T) {
	w := newBulkWorld(t, 6, 3, nil)
	e := newEnv(t, withAPI(w.url)).login()
	until := time.Now().AddDate(0, 0, 3).Format(time.DateOnly)
	p := e.post("/users/"+bulkTarget+"/actions", url.Values{"action": {"block"}, "group": w.groups[3:], "reason": {"links to a scam"}, "until": {until}, "confirm": {"1"}})
	wantStatus(t, p, http.StatusSeeOther)
	id, _ := strconv.ParseInt(strings.TrimPrefix(p.Header.Get("Location"), "/jobs/"), 10, 64)
	if j := waitJobEnd(t, e, id); j.Done != 3 || j.Failed != 0 {
		t.Fatalf("block job %+v", j)
	}
	for _, g := range w.groups[3:] {
		recs, err := e.srv.st.BlockRecords(context.Background(), g)
		if err != nil {
			t.Fatal(err)
		}
		r, ok := recs[bulkTarget]
		if !ok || r.Reason != "links to a scam" || r.BlockedBy != "admin" || r.Until.Format(time.DateOnly) != until {
			t.Errorf("group %s: block record %+v", g, r)
		}
		if w.isMember(t, g, bulkTarget) {
			t.Errorf("group %s: still a member after the block", g)
		}
	}

	// Delete the groups the user owns, from the user's page.
	p = e.post("/users/"+bulkTarget+"/actions", url.Values{"action": {"delete-owned"}, "all": {"1"}})
	wantStatus(t, p, http.StatusOK)
	if got := p.find("bulk-group").Length(); got != 3 {
		t.Fatalf("the confirmation names %d groups, want the 3 owned", got)
	}
	if !strings.Contains(p.text("bulk-groups"), "2 members") {
		t.Errorf("the confirmation does not say how many members each has: %q", p.text("bulk-groups"))
	}
	e.rec.reset()
	p = e.post("/users/"+bulkTarget+"/actions", url.Values{"action": {"delete-owned"}, "all": {"1"}, "confirm": {"1"}})
	wantStatus(t, p, http.StatusSeeOther)
	id, _ = strconv.ParseInt(strings.TrimPrefix(p.Header.Get("Location"), "/jobs/"), 10, 64)
	if j := waitJobEnd(t, e, id); j.Done != 3 || j.Failed != 0 {
		t.Fatalf("delete job %+v", j)
	}
	for i, g := range w.groups[:3] {
		if _, _, err := w.client.Groups.GetOne(context.Background(), g); !missing(err) {
			t.Errorf("owned group %d still exists (%v)", i, err)
		}
	}
	entries, err := e.srv.st.AuditPage(context.Background(), store.AuditFilter{Action: store.ActionGroupDelete})
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if en.Summary.Job != id || en.Summary.Owner != bulkTarget || en.Summary.Members == nil || *en.Summary.Members != 2 || en.Outcome != store.OutcomeSuccess {
			t.Errorf("audit %+v", en)
		}
	}
	if len(entries) != 3 {
		t.Errorf("%d delete records, want 3", len(entries))
	}
}

func TestGroupsBulkDelete(t *testing.T) {
	w := newBulkWorld(t, 12, 0, nil)
	e := newEnv(t, withAPI(w.url)).login()
	// The group list offers the checkboxes.
	list := e.get("/groups")
	if list.find("groups-delete").Length() != 1 || list.find("select-group").Length() == 0 {
		t.Fatal("the group list has no bulk delete form or checkboxes")
	}
	form := url.Values{"group": w.groups}
	p := e.post("/groups/bulk-delete", form)
	wantStatus(t, p, http.StatusOK)
	if !strings.Contains(p.text("bulk-description"), "12 groups will be deleted") || p.find("bulk-typed").Length() != 1 {
		t.Fatalf("confirmation: %q", p.text("bulk-description"))
	}
	form.Set("confirm", "1")
	form.Set("typed", "12")
	e.rec.reset()
	p = e.post("/groups/bulk-delete", form)
	wantStatus(t, p, http.StatusSeeOther)
	id, _ := strconv.ParseInt(strings.TrimPrefix(p.Header.Get("Location"), "/jobs/"), 10, 64)
	j := waitJobEnd(t, e, id)
	if j.Done != 12 || j.Failed != 0 {
		t.Fatalf("job %+v", j)
	}
	calls := e.upstreamCalls()
	// One detail read for the confirmation's count, one for the audit,
	// and one delete per group.
	if d := countCalls(calls, http.MethodDelete, "/chatgroups/"); d != 12 || len(calls) != 12+2 {
		t.Errorf("%d deletes, %d calls in all; want 12 and 14: %v", d, len(calls), calls)
	}
}

// TestBulkJobResumesAfterRestart stops the dashboard mid-job and starts a
// new one on the same database: the job resumes, and no group finished
// before the stop is done again.
func TestBulkJobResumesAfterRestart(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		const n = 40
		w := newBulkWorld(t, n, 0, nil)
		first := newEnv(t, withAPI(w.url), withDB(db)).login()
		first.srv.bulk.configure(40, time.Millisecond, time.Minute) // ~1 s for the job
		id := first.startBulk(bulkArgs{Action: bulkRemove, Username: bulkTarget, Groups: w.groups, By: "admin"})
		waitJob(t, first, id, "a third done", func(j *jobs.Job) bool { return j.Done >= n/3 })
		first.web.Close()
		first.srv.Close()
		before := countCalls(first.upstreamCalls(), http.MethodDelete, "/users/"+bulkTarget)

		second := newEnv(t, withAPI(w.url), withDB(db))
		j := waitJobEnd(t, second, id)
		if j.State != jobs.StateDone || j.Done != n || j.Failed != 0 {
			t.Fatalf("job after the restart %+v, want all %d done", j, n)
		}
		after := countCalls(second.upstreamCalls(), http.MethodDelete, "/users/"+bulkTarget)
		// The groups in flight at the stop (at most bulkParallel) may be
		// sent again (they then count as already done); no other.
		if before+after > n+bulkParallel || before == 0 || after == 0 {
			t.Errorf("remove calls: %d before the stop, %d after; want %d in all (at most %d more)", before, after, n, bulkParallel)
		}
		// Only groups in flight at the stop were called by both servers.
		calledBefore, calledAfter := removedGroups(first.upstreamCalls()), removedGroups(second.upstreamCalls())
		both := 0
		for g := range calledAfter {
			if calledBefore[g] {
				both++
			}
		}
		if both > bulkParallel || len(calledBefore)+len(calledAfter)-both != n {
			t.Errorf("%d groups called before the stop, %d after, %d by both; want all %d, at most %d twice",
				len(calledBefore), len(calledAfter), both, n, bulkParallel)
		}
		items, err := second.srv.jobs.Items(context.Background(), id, "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != n {
			t.Errorf("%d items recorded, want %d", len(items), n)
		}
		for _, g := range w.groups {
			if w.isMember(t, g, bulkTarget) {
				t.Errorf("still in %s", g)
			}
		}
	})
}

// TestJobPageWhileRunningAndCancel: a running job's page polls itself
// (htmx every second, a meta refresh without JavaScript) and shows the
// rate and the time left; Cancel stops it and the groups not reached stay
// as they were.
func TestJobPageWhileRunningAndCancel(t *testing.T) {
	w := newBulkWorld(t, 30, 0, nil)
	e := newEnv(t, withAPI(w.url)).login()
	e.srv.bulk.configure(10, time.Millisecond, time.Minute) // 3 s for the job
	id := e.startBulk(bulkArgs{Action: bulkMute, Username: bulkTarget, Groups: w.groups, MuteMs: 600_000, By: "admin"})
	waitJob(t, e, id, "under way", func(j *jobs.Job) bool { return j.State == jobs.StateRunning && j.Done >= 2 })

	p := e.get(jobPath(id))
	wantStatus(t, p, http.StatusOK)
	body := p.find("job-body")
	if trigger, _ := body.Attr("hx-trigger"); trigger != "every 1s" {
		t.Errorf("running job: hx-trigger %q, want every 1s", trigger)
	}
	if !strings.Contains(p.body, `<noscript><meta http-equiv="refresh"`) {
		t.Error("running job: no meta refresh for browsers without JavaScript")
	}
	if p.text("job-rate") == "" || p.text("job-left") == "" {
		t.Errorf("running job: rate %q, time left %q", p.text("job-rate"), p.text("job-left"))
	}
	if p.find("job-cancel").Length() != 1 {
		t.Error("running job: no Cancel button")
	}
	if got := p.text("job-title"); got != "Mute spam.user in 30 groups" {
		t.Errorf("title %q", got)
	}
	frag := e.get(jobPath(id), "HX-Request", "true")
	if strings.Contains(frag.body, "<html") || frag.find("job-body").Length() != 1 {
		t.Error("the htmx poll does not answer the fragment alone")
	}

	c := e.post(jobPath(id)+"/cancel", nil)
	wantStatus(t, c, http.StatusSeeOther)
	j := waitJobEnd(t, e, id)
	if j.State != jobs.StateCanceled || j.EndedBy != "admin" || j.Done >= 30 {
		t.Fatalf("after Cancel: %+v", j)
	}
	page := e.get(jobPath(id))
	if !strings.Contains(page.text("job-canceled"), "admin") || page.find("job-cancel").Length() != 0 {
		t.Errorf("canceled job page: %q, cancel buttons %d", page.text("job-canceled"), page.find("job-cancel").Length())
	}
	if _, ok := page.find("job-body").Attr("hx-trigger"); ok || strings.Contains(page.body, `http-equiv="refresh"`) {
		t.Error("an ended job's page still polls")
	}
	rows := jobCSV(t, e, id)
	if len(rows) >= 30 || len(rows) < 2 {
		t.Errorf("%d groups recorded for a job canceled part way", len(rows))
	}
	// Every group recorded is muted; at most one more (its call was cut
	// off by the cancel after Agora acted) is muted without a record.
	unrecorded := 0
	for _, g := range w.groups {
		list, _, err := w.client.Members.ListMuted(context.Background(), g)
		if err != nil {
			t.Fatal(err)
		}
		_, recorded := rows[g]
		switch {
		case len(list) > 0 && !recorded:
			unrecorded++
		case len(list) == 0 && recorded:
			t.Errorf("group %s recorded but not muted", g)
		}
	}
	if unrecorded > 1 {
		t.Errorf("%d groups muted without a record, want at most the one in flight", unrecorded)
	}
	entries, err := e.srv.st.AuditPage(context.Background(), store.AuditFilter{Action: store.ActionJobCancel})
	if err != nil || len(entries) != 1 || entries[0].Summary.Job != id {
		t.Errorf("cancel audit: %+v, %v", entries, err)
	}
	// Canceling an ended job says so.
	again := e.follow(e.post(jobPath(id)+"/cancel", nil))
	if !strings.Contains(again.text("flash"), "already ended") {
		t.Errorf("second cancel: flash %q", again.text("flash"))
	}
}

func TestJobPagesNotFound(t *testing.T) {
	e := newEnv(t).login()
	e.srv.reports.configure(nil, 0)
	report, _, err := e.srv.jobs.Enqueue(context.Background(), membershipReportArgs{StartedBy: "admin"}, jobs.Opts{By: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/jobs/999999", "/jobs/abc", jobPath(report.ID), jobPath(report.ID) + "/results.csv"} {
		if p := e.get(path); p.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, p.StatusCode)
		}
	}
}

func TestJobPace(t *testing.T) {
	for _, tc := range []struct {
		limit, share, want float64
	}{
		{100, 0, 50}, // the default share: half
		{100, 0.25, 25},
		{300, 1, 300},
		{0, 0.5, 0}, // no client-side limit: jobs unpaced too
	} {
		cfg := Config{AgoraRateLimit: tc.limit, JobRateShare: tc.share}
		if got := cfg.jobCallsPerSecond(); got != tc.want {
			t.Errorf("limit %g share %g: %g calls/s, want %g", tc.limit, tc.share, got, tc.want)
		}
	}
	e := newEnv(t, withConfig(func(c *Config) { c.AgoraRateLimit, c.JobRateShare = 80, 0.5 }))
	if e.srv.bulk.limiter == nil || float64(e.srv.bulk.limiter.Limit()) != 40 || e.srv.bulk.limiter.Burst() != 1 {
		t.Errorf("the jobs' limiter: %+v, want 40 calls/s without burst", e.srv.bulk.limiter)
	}
	if err := (Config{DataDir: "x", Mode: ModeSandbox, JobRateShare: 2}).Validate(); err == nil || !strings.Contains(err.Error(), "GROUPDESK_JOB_RATE_SHARE") {
		t.Errorf("share 2: %v", err)
	}
}

// removedGroups is the set of groups the calls removed bulkTarget from.
func removedGroups(calls []call) map[string]bool {
	out := map[string]bool{}
	for _, c := range calls {
		if c.Method == http.MethodDelete && strings.HasSuffix(c.Path, "/users/"+bulkTarget) {
			out[strings.Split(strings.SplitAfter(c.Path, "/chatgroups/")[1], "/")[0]] = true
		}
	}
	return out
}
