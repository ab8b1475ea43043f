package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"groupdesk/agora"
	"groupdesk/web/store"
)

// memberGroup creates the users and a group owned by "m.owner" with them
// as members.
func memberGroup(t *testing.T, e *env, maxUsers int, members ...string) string {
	t.Helper()
	if err := e.sb.CreateUsers(context.Background(), append([]string{"m.owner"}, members...)...); err != nil {
		t.Fatal(err)
	}
	first := members[:min(len(members), agora.MaxMembersOnCreate)]
	id := e.createGroup(&agora.CreateGroupRequest{
		GroupName: "Members " + t.Name(), Description: "d", MaxUsers: agora.Int(maxUsers),
		Owner: "m.owner", Members: first,
	})
	if rest := members[len(first):]; len(rest) > 0 {
		if _, _, err := e.client.Members.Add(context.Background(), id, rest...); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// userNames are n usernames with a prefix: p0, p1, …
func userNames(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

// outcomesOf is the per-user table under the flash: username → status.
func outcomesOf(p *page) map[string]string {
	out := map[string]string{}
	p.find("outcome-row").Each(func(_ int, s *goquery.Selection) {
		out[s.AttrOr("data-username", "")] = s.AttrOr("data-status", "")
	})
	return out
}

// rowsOf is the member table: username → badges' test ids, space separated.
func rowsOf(p *page) map[string]string {
	out := map[string]string{}
	p.find("member-row").Each(func(_ int, s *goquery.Selection) {
		var badges []string
		s.Find(`[data-testid^="badge-"]`).Each(func(_ int, b *goquery.Selection) {
			badges = append(badges, strings.TrimPrefix(b.AttrOr("data-testid", ""), "badge-"))
		})
		out[s.AttrOr("data-username", "")] = strings.Join(badges, " ")
	})
	return out
}

// countCalls is the number of upstream calls of each method and path
// shape, e.g. "POST users" for the batch add.
func callsMatching(calls []call, method, suffix string) int {
	n := 0
	for _, c := range calls {
		if c.Method == method && strings.Contains(c.Path, suffix) {
			n++
		}
	}
	return n
}

func TestMembersPage(t *testing.T) {
	e := newEnv(t).login()
	id := memberGroup(t, e, 50, "mp.admin", "mp.muted", "mp.plain", "mp.forever")
	ctx := context.Background()
	if _, err := e.client.Members.AddAdmin(ctx, id, "mp.admin"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.client.Members.Mute(ctx, id, time.Hour, "mp.muted"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.client.Members.Mute(ctx, id, agora.MutePermanent, "mp.forever"); err != nil {
		t.Fatal(err)
	}

	e.rec.reset()
	p := e.get("/groups/" + id + "/members")
	wantStatus(t, p, http.StatusOK)
	// The budget: the group, its admins and its mute list, nothing else.
	calls := e.upstreamCalls()
	if len(calls) != 3 || callsMatching(calls, "GET", "/admin") != 1 || callsMatching(calls, "GET", "/mute") != 1 {
		t.Errorf("members page calls: %v", calls)
	}
	want := map[string]string{
		"m.owner": "owner", "mp.admin": "admin", "mp.muted": "member muted",
		"mp.plain": "member", "mp.forever": "member muted",
	}
	if diff := cmp.Diff(want, rowsOf(p)); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if p.find("tab-members").AttrOr("aria-current", "") != "page" {
		t.Error("the Members tab is not the current one")
	}
	// A checkbox on every row but the owner's.
	if n := p.find("member-select").Length(); n != 4 {
		t.Errorf("%d checkboxes, want 4", n)
	}
	if p.doc.Find(`tr[data-username="m.owner"] [data-testid="member-select"]`).Length() != 0 {
		t.Error("the owner has a checkbox")
	}
	muted := p.doc.Find(`tr[data-username="mp.muted"] [data-testid="muted-until"]`)
	until, err := time.Parse(time.RFC3339, muted.AttrOr("datetime", ""))
	if err != nil || until.Before(time.Now().Add(50*time.Minute)) || until.After(time.Now().Add(70*time.Minute)) {
		t.Errorf("muted until %q (%v), want in about an hour", muted.AttrOr("datetime", ""), err)
	}
	if got := p.doc.Find(`tr[data-username="mp.forever"] [data-testid="badge-muted"]`).Text(); !strings.Contains(got, "until unmuted") {
		t.Errorf("permanent mute badge %q", got)
	}
	// The Block… form of the action bar: a required reason of at most 200
	// characters and an optional date, posted to the blocks route.
	reason := p.find("block-reason")
	if _, req := reason.Attr("required"); !req || reason.AttrOr("maxlength", "") != "200" || reason.AttrOr("name", "") != "reason" {
		t.Errorf("block reason input: %v", reason.Nodes[0].Attr)
	}
	if p.find("block-until").AttrOr("type", "") != "date" || p.find("action-block").AttrOr("formaction", "") != "/groups/"+id+"/blocks" {
		t.Error("block form: until is not a date or the button does not post to /blocks")
	}
	// Every other action skips the form's validation (the reason).
	for _, b := range []string{"action-remove", "action-admin", "action-unadmin", "action-mute", "action-unmute"} {
		if _, ok := p.find(b).Attr("formnovalidate"); !ok {
			t.Errorf("%s is blocked by the reason's validation", b)
		}
	}
}

func TestMembersPagePagingAndFilter(t *testing.T) {
	e := newEnv(t).login()
	names := userNames("pg.", 150)
	id := memberGroup(t, e, 200, names...)

	p := e.get("/groups/" + id + "/members")
	if n := p.find("member-row").Length(); n != 100 {
		t.Errorf("page 1: %d rows, want 100", n)
	}
	if p.text("members-page") != "Page 1 of 2" || p.find("members-prev").Length() != 0 {
		t.Errorf("pager %q", p.text("members-page"))
	}
	next := p.find("members-next").AttrOr("href", "")
	p2 := e.get(next)
	if n := p2.find("member-row").Length(); n != 51 {
		t.Errorf("page 2 (%s): %d rows, want 51", next, n)
	}
	if p2.find("members-next").Length() != 0 {
		t.Error("page 2 offers a next page")
	}
	f := e.get("/groups/" + id + "/members?q=PG.14")
	var got []string
	f.find("member-row").Each(func(_ int, s *goquery.Selection) { got = append(got, s.AttrOr("data-username", "")) })
	want := []string{"pg.14", "pg.140", "pg.141", "pg.142", "pg.143", "pg.144", "pg.145", "pg.146", "pg.147", "pg.148", "pg.149"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("filter (-want +got):\n%s", diff)
	}
	if f.find("members-pager").Length() != 0 {
		t.Error("a one-page result has a pager")
	}
	if over := e.get("/groups/" + id + "/members?page=99"); over.text("members-page") != "Page 2 of 2" {
		t.Errorf("page past the end shows %q", over.text("members-page"))
	}
}

func TestMembersViewerSeesNoActions(t *testing.T) {
	e := newEnv(t)
	e.addAccount("v.members", store.RoleViewer)
	e.login()
	id := memberGroup(t, e, 10, "vm.one")
	c := e.browserAs("v.members", testRolePass)
	p := e.getWith(c, "/groups/"+id+"/members")
	wantStatus(t, p, http.StatusOK)
	for _, testid := range []string{"add-members-form", "member-actions", "member-select", "owner-form"} {
		if p.find(testid).Length() != 0 {
			t.Errorf("a viewer is offered %s", testid)
		}
	}
	if p.find("member-row").Length() != 2 {
		t.Errorf("viewer sees %d rows", p.find("member-row").Length())
	}
}

func TestMembersAdd(t *testing.T) {
	e := newEnv(t).login()
	id := memberGroup(t, e, 10, "ad.in")
	if err := e.sb.CreateUsers(context.Background(), "ad.new1", "ad.new2"); err != nil {
		t.Fatal(err)
	}
	e.rec.reset()
	p := e.post("/groups/"+id+"/members", url.Values{"usernames": {"ad.new1, ad.in\nad.new2 AD.NEW1"}})
	wantStatus(t, p, http.StatusSeeOther)
	if loc := p.Header.Get("Location"); loc != "/groups/"+id+"/members" {
		t.Errorf("redirect to %q", loc)
	}
	calls := e.upstreamCalls()
	if len(calls) != 2 || callsMatching(calls, "POST", "/users") != 1 {
		t.Errorf("add calls: %v", calls)
	}
	r := e.follow(p)
	want := map[string]string{"ad.new1": "done", "ad.new2": "done", "ad.in": "already", "AD.NEW1": "already"}
	if diff := cmp.Diff(want, outcomesOf(r)); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if r.find("flash").AttrOr("data-kind", "") != "success" || !strings.Contains(r.text("flash"), "Added 2 users of 2") {
		t.Errorf("flash %q", r.text("flash"))
	}
	// The audit log knows who added them, and the page says so.
	added := r.doc.Find(`tr[data-username="ad.new1"] [data-testid="member-added"]`).Text()
	if !strings.Contains(added, "by admin on") {
		t.Errorf("added column %q", added)
	}
	if got := r.doc.Find(`tr[data-username="ad.in"] [data-testid="member-added"]`).Text(); strings.TrimSpace(got) != "" {
		t.Errorf("a member added outside Groupdesk shows %q", got)
	}
	a := e.get("/audit?action=add_member&target=" + id)
	var summaries []string
	a.find("audit-row").Each(func(_ int, s *goquery.Selection) {
		summaries = append(summaries, strings.TrimSpace(s.Find(`[data-testid="audit-summary"]`).Text())+" "+s.AttrOr("data-outcome", ""))
	})
	if diff := cmp.Diff([]string{"User: ad.new2 success", "User: ad.new1 success"}, summaries); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
}

func TestMembersAddRefusals(t *testing.T) {
	e := newEnv(t).login()
	id := memberGroup(t, e, 5, "rf.a", "rf.b")
	if err := e.sb.CreateUsers(context.Background(), "rf.c", "rf.d", "rf.e"); err != nil {
		t.Fatal(err)
	}

	t.Run("invalid names: all listed, nothing sent, the text kept", func(t *testing.T) {
		e.rec.reset()
		p := e.post("/groups/"+id+"/members", url.Values{"usernames": {"rf.c bad/name also!bad"}})
		wantStatus(t, p, http.StatusSeeOther)
		if n := len(e.upstreamCalls()); n != 0 {
			t.Errorf("%d calls", n)
		}
		r := e.follow(p)
		if diff := cmp.Diff(map[string]string{"bad/name": "refused", "also!bad": "refused"}, outcomesOf(r)); diff != "" {
			t.Errorf("outcomes (-want +got):\n%s", diff)
		}
		if got := r.find("add-usernames").Text(); got != "rf.c bad/name also!bad" {
			t.Errorf("text box %q", got)
		}
	})
	t.Run("more than fit: refused before sending", func(t *testing.T) {
		e.rec.reset()
		p := e.post("/groups/"+id+"/members", url.Values{"usernames": {"rf.c rf.d rf.e rf.a"}})
		calls := e.upstreamCalls()
		if len(calls) != 1 || calls[0].Method != "GET" {
			t.Errorf("calls %v, want the one read", calls)
		}
		r := e.follow(p)
		if r.find("flash").AttrOr("data-kind", "") != "error" || !strings.Contains(r.text("flash"), "3 members would not fit; the group has room for 2 more (maximum 5)") {
			t.Errorf("flash %q", r.text("flash"))
		}
		if diff := cmp.Diff(map[string]string{"rf.a": "already"}, outcomesOf(r)); diff != "" {
			t.Errorf("outcomes (-want +got):\n%s", diff)
		}
	})
	t.Run("unknown user: refused, the others added", func(t *testing.T) {
		p := e.post("/groups/"+id+"/members", url.Values{"usernames": {"rf.nobody rf.c"}})
		r := e.follow(p)
		if diff := cmp.Diff(map[string]string{"rf.nobody": "refused", "rf.c": "done"}, outcomesOf(r)); diff != "" {
			t.Errorf("outcomes (-want +got):\n%s", diff)
		}
		if rowsOf(r)["rf.c"] != "member" {
			t.Error("rf.c not listed as a member")
		}
	})
	t.Run("nothing to add", func(t *testing.T) {
		r := e.follow(e.post("/groups/"+id+"/members", url.Values{"usernames": {"rf.a"}}))
		if r.find("flash").AttrOr("data-kind", "") != "info" || outcomesOf(r)["rf.a"] != "already" {
			t.Errorf("flash %q outcomes %v", r.text("flash"), outcomesOf(r))
		}
	})
}

// TestMembersBatchBudgets: adding 150 names is one read and three adds;
// removing 150 is three removals and nothing else.
func TestMembersBatchBudgets(t *testing.T) {
	e := newEnv(t).login()
	id := memberGroup(t, e, 200, "bb.first")
	names := userNames("bb.", 150)
	if err := e.sb.CreateUsers(context.Background(), names...); err != nil {
		t.Fatal(err)
	}
	e.rec.reset()
	p := e.post("/groups/"+id+"/members", url.Values{"usernames": {strings.Join(names, "\n")}})
	wantStatus(t, p, http.StatusSeeOther)
	calls := e.upstreamCalls()
	if len(calls) > 4 || callsMatching(calls, "GET", "/chatgroups/") > 1 || callsMatching(calls, "POST", "/users") > 3 {
		t.Errorf("add 150: %d calls: %v", len(calls), calls)
	}
	t.Logf("add 150 names: %d calls", len(calls))
	r := e.follow(p)
	if n := r.doc.Find(`[data-testid="outcome-row"][data-status="done"]`).Length(); n != 150 {
		t.Errorf("%d added", n)
	}

	form := url.Values{"username": names, "confirm": {"1"}}
	e.rec.reset()
	p = e.post("/groups/"+id+"/members/remove", form)
	wantStatus(t, p, http.StatusSeeOther)
	calls = e.upstreamCalls()
	if len(calls) != 3 || callsMatching(calls, "DELETE", "/users/") != 3 {
		t.Errorf("remove 150: %d calls: %v", len(calls), calls)
	}
	t.Logf("remove 150 members: %d calls", len(calls))
	r = e.follow(p)
	if n := r.doc.Find(`[data-testid="outcome-row"][data-status="done"]`).Length(); n != 150 {
		t.Errorf("%d removed", n)
	}
	if n := r.find("member-row").Length(); n != 2 {
		t.Errorf("%d members left, want the owner and bb.first", n)
	}
}

func TestMembersRemove(t *testing.T) {
	e := newEnv(t).login()
	id := memberGroup(t, e, 10, "rm.a", "rm.b", "rm.c")
	form := url.Values{"username": {"rm.a", "rm.gone"}}

	t.Run("asks first, without a call", func(t *testing.T) {
		e.rec.reset()
		p := e.post("/groups/"+id+"/members/remove", form)
		wantStatus(t, p, http.StatusOK)
		if n := len(e.upstreamCalls()); n != 0 {
			t.Errorf("%d calls", n)
		}
		if p.text("remove-title") != "Remove 2 members?" || p.find("remove-page").Length() != 1 {
			t.Errorf("page title %q", p.text("remove-title"))
		}
		if got := p.find("remove-names").Text(); !strings.Contains(got, "rm.a") || !strings.Contains(got, "rm.gone") {
			t.Errorf("names %q", got)
		}
		hx := e.post("/groups/"+id+"/members/remove", form, "HX-Request", "true")
		if hx.find("remove-dialog").Length() != 1 || strings.Contains(hx.body, "<html") {
			t.Errorf("htmx answer is not the dialog: %s", hx.body)
		}
		if hx.text("remove-confirm") != "Remove 2 members" {
			t.Errorf("confirm button %q", hx.text("remove-confirm"))
		}
	})
	t.Run("confirmed: done, and already gone is not a failure", func(t *testing.T) {
		confirmed := url.Values{"username": {"rm.a", "rm.gone"}, "confirm": {"1"}}
		e.rec.reset()
		p := e.post("/groups/"+id+"/members/remove", confirmed)
		wantStatus(t, p, http.StatusSeeOther)
		if n := len(e.upstreamCalls()); n != 1 {
			t.Errorf("%d calls", n)
		}
		r := e.follow(p)
		if diff := cmp.Diff(map[string]string{"rm.a": "done", "rm.gone": "already"}, outcomesOf(r)); diff != "" {
			t.Errorf("outcomes (-want +got):\n%s", diff)
		}
		if _, ok := rowsOf(r)["rm.a"]; ok {
			t.Error("rm.a still listed")
		}
	})
	t.Run("one user who is gone, and the owner", func(t *testing.T) {
		r := e.follow(e.post("/groups/"+id+"/members/remove", url.Values{"username": {"rm.a"}, "confirm": {"1"}}))
		if diff := cmp.Diff(map[string]string{"rm.a": "already"}, outcomesOf(r)); diff != "" {
			t.Errorf("outcomes (-want +got):\n%s", diff)
		}
		r = e.follow(e.post("/groups/"+id+"/members/remove", url.Values{"username": {"m.owner"}, "confirm": {"1"}}))
		if diff := cmp.Diff(map[string]string{"m.owner": "refused"}, outcomesOf(r)); diff != "" {
			t.Errorf("outcomes (-want +got):\n%s", diff)
		}
	})
	t.Run("nothing selected", func(t *testing.T) {
		r := e.follow(e.post("/groups/"+id+"/members/remove", nil))
		if !strings.Contains(r.text("flash"), "Select at least one member") {
			t.Errorf("flash %q", r.text("flash"))
		}
		hx := e.post("/groups/"+id+"/members/remove", nil, "HX-Request", "true")
		if hx.find("nothing-dialog").Length() != 1 {
			t.Errorf("htmx: %s", hx.body)
		}
	})
}

func TestMembersAdmins(t *testing.T) {
	e := newEnv(t).login()
	id := memberGroup(t, e, 10, "ag.a", "ag.b")
	e.rec.reset()
	r := e.follow(e.post("/groups/"+id+"/admins", url.Values{"username": {"ag.a"}}))
	if diff := cmp.Diff(map[string]string{"ag.a": "done"}, outcomesOf(r)); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if got := r.text("flash"); got != "ag.a is now an admin." {
		t.Errorf("flash %q", got)
	}
	if rowsOf(r)["ag.a"] != "admin" {
		t.Errorf("ag.a badges %q", rowsOf(r)["ag.a"])
	}
	for _, tc := range []struct {
		path, user, want string
	}{
		{"/admins", "ag.nobody", "refused"}, // not a member
		{"/admins/remove", "ag.a", "done"},
		{"/admins/remove", "ag.b", "already"}, // not an admin
	} {
		e.rec.reset()
		p := e.post("/groups/"+id+tc.path, url.Values{"username": {tc.user}})
		if n := len(e.upstreamCalls()); n != 1 {
			t.Errorf("%s %s: %d calls", tc.path, tc.user, n)
		}
		if got := outcomesOf(e.follow(p)); got[tc.user] != tc.want {
			t.Errorf("%s %s: %v, want %s", tc.path, tc.user, got, tc.want)
		}
	}
	e.rec.reset()
	r = e.follow(e.post("/groups/"+id+"/admins", url.Values{"username": {"ag.a", "ag.b"}}))
	if !strings.Contains(r.text("flash"), "exactly one") {
		t.Errorf("two selected: flash %q", r.text("flash"))
	}
	a := e.get("/audit?target=" + id)
	var actions []string
	a.find("audit-row").Each(func(_ int, s *goquery.Selection) {
		actions = append(actions, s.AttrOr("data-action", "")+" "+s.AttrOr("data-outcome", ""))
	})
	want := []string{"remove_admin failure", "remove_admin success", "add_admin failure", "add_admin success"}
	if diff := cmp.Diff(want, actions); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
}

func TestMembersMute(t *testing.T) {
	e := newEnv(t).login()
	id := memberGroup(t, e, 10, "mu.a", "mu.b")
	e.rec.reset()
	p := e.post("/groups/"+id+"/mutes", url.Values{"username": {"mu.a", "mu.b"}, "duration": {"1h"}})
	wantStatus(t, p, http.StatusSeeOther)
	calls := e.upstreamCalls()
	if len(calls) != 1 || !strings.Contains(calls[0].Body, `"mute_duration":3600000`) {
		t.Errorf("mute calls: %v", calls)
	}
	r := e.follow(p)
	if diff := cmp.Diff(map[string]string{"mu.a": "done", "mu.b": "done"}, outcomesOf(r)); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if rowsOf(r)["mu.a"] != "member muted" {
		t.Errorf("mu.a badges %q", rowsOf(r)["mu.a"])
	}
	a := e.get("/audit?action=mute&target=" + id)
	if got := a.find("audit-summary").First().Text(); !strings.Contains(got, "for 1 hour") {
		t.Errorf("audit summary %q", got)
	}

	r = e.follow(e.post("/groups/"+id+"/mutes", url.Values{"username": {"m.owner"}, "duration": {"forever"}}))
	if diff := cmp.Diff(map[string]string{"m.owner": "refused"}, outcomesOf(r)); diff != "" {
		t.Errorf("muting the owner (-want +got):\n%s", diff)
	}
	e.rec.reset()
	r = e.follow(e.post("/groups/"+id+"/mutes", url.Values{"username": {"mu.a"}, "duration": {"2h"}}))
	if !strings.Contains(r.text("flash"), "how long") {
		t.Errorf("bad duration: flash %q", r.text("flash"))
	}

	e.rec.reset()
	p = e.post("/groups/"+id+"/mutes/remove", url.Values{"username": {"mu.a"}})
	if n := len(e.upstreamCalls()); n != 1 {
		t.Errorf("unmute: %d calls", n)
	}
	r = e.follow(p)
	if diff := cmp.Diff(map[string]string{"mu.a": "done"}, outcomesOf(r)); diff != "" {
		t.Errorf("unmute (-want +got):\n%s", diff)
	}
	if rowsOf(r)["mu.a"] != "member" || rowsOf(r)["mu.b"] != "member muted" {
		t.Errorf("after unmute: %v", rowsOf(r))
	}
}

func TestMembersOwnerTransfer(t *testing.T) {
	e := newEnv(t).login()
	id := memberGroup(t, e, 10, "ow.next")

	e.rec.reset()
	p := e.post("/groups/"+id+"/owner", url.Values{"newowner": {"ow.next"}})
	wantStatus(t, p, http.StatusOK)
	if n := len(e.upstreamCalls()); n != 1 {
		t.Errorf("confirmation: %d calls", n)
	}
	if got := p.text("owner-question"); !strings.Contains(got, "m.owner will no longer own") || !strings.Contains(got, "ow.next becomes its owner") {
		t.Errorf("question %q", got)
	}
	hx := e.post("/groups/"+id+"/owner", url.Values{"newowner": {"ow.next"}}, "HX-Request", "true")
	if hx.find("owner-dialog").Length() != 1 {
		t.Errorf("htmx: %s", hx.body)
	}
	for _, bad := range []struct{ user, flash string }{
		{"m.owner", "already owns"},
		{"ow.stranger", "not a member"},
	} {
		r := e.follow(e.post("/groups/"+id+"/owner", url.Values{"newowner": {bad.user}}))
		if !strings.Contains(r.text("flash"), bad.flash) {
			t.Errorf("%s: flash %q", bad.user, r.text("flash"))
		}
	}

	e.rec.reset()
	p = e.post("/groups/"+id+"/owner", url.Values{"newowner": {"ow.next"}, "owner": {"m.owner"}, "confirm": {"1"}})
	wantStatus(t, p, http.StatusSeeOther)
	if calls := e.upstreamCalls(); len(calls) != 1 || calls[0].Method != "PUT" {
		t.Errorf("transfer calls: %v", calls)
	}
	r := e.follow(p)
	if got := r.text("flash"); got != "ow.next now owns the group." {
		t.Errorf("flash %q", got)
	}
	if diff := cmp.Diff(map[string]string{"m.owner": "member", "ow.next": "owner"}, rowsOf(r)); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	a := e.get("/audit?action=transfer_owner&target=" + id)
	if got := strings.TrimSpace(a.find("audit-summary").First().Text()); got != "from m.owner to ow.next" {
		t.Errorf("audit summary %q", got)
	}
}

// lostAdd is Agora failing an add after receiving it: the change may have
// been made.
type lostAdd struct{ moderationService }

func (lostAdd) AddMembers(context.Context, string, ...string) ([]string, *agora.Response, error) {
	return nil, nil, &agora.Error{StatusCode: http.StatusServiceUnavailable, Reason: agora.ReasonServerError, Description: "busy"}
}

// TestMembersAddAnswerLost: when Agora's answer is lost nobody is shown as
// added or refused for sure, and the audit records stay "unknown".
func TestMembersAddAnswerLost(t *testing.T) {
	e := newEnv(t).login()
	id := memberGroup(t, e, 10, "al.in")
	e.srv.mod = lostAdd{e.srv.mod}
	r := e.follow(e.post("/groups/"+id+"/members", url.Values{"usernames": {"al.x al.y"}}))
	if r.find("flash").AttrOr("data-kind", "") != "error" || !strings.Contains(r.text("flash"), "answer was lost") {
		t.Errorf("flash %q", r.text("flash"))
	}
	if diff := cmp.Diff(map[string]string{"al.x": "refused", "al.y": "refused"}, outcomesOf(r)); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	a := e.get("/audit?action=add_member&target=" + id)
	var outcomes []string
	a.find("audit-row").Each(func(_ int, s *goquery.Selection) { outcomes = append(outcomes, s.AttrOr("data-outcome", "")) })
	if diff := cmp.Diff([]string{"unknown", "unknown"}, outcomes); diff != "" {
		t.Errorf("audit outcomes (-want +got):\n%s", diff)
	}
}
