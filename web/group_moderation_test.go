package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"groupdesk/agora"
	"groupdesk/views"
	"groupdesk/web/store"
)

// moderationOf fetches a group's Moderation tab.
func (e *env) moderationOf(id string) *page {
	e.t.Helper()
	p := e.get("/groups/" + id + "/moderation")
	wantStatus(e.t, p, http.StatusOK)
	return p
}

// outcomeOf is the status of one user's row in the per-user result table.
func outcomeOf(p *page, user string) string {
	return p.doc.Find(`[data-testid="outcome-row"][data-username="`+user+`"]`).AttrOr("data-status", "")
}

func rowUsers(p *page, testid string) []string {
	var out []string
	p.find(testid).Each(func(_ int, s *goquery.Selection) { out = append(out, s.AttrOr("data-username", "")) })
	return out
}

// groupAudit returns the group's records of one action, oldest first.
func groupAudit(t *testing.T, e *env, id, action string) []store.AuditEntry {
	t.Helper()
	got, err := e.srv.st.AuditPage(context.Background(), store.AuditFilter{Target: id, Action: action})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(got)
	return got
}

func TestModerationPageShowsState(t *testing.T) {
	e := newEnv(t).login()
	id, _ := newTestGroup(t, e)
	ctx := context.Background()
	if _, _, err := e.client.Members.Mute(ctx, id, time.Hour, "carol"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.client.Members.Block(ctx, id, "-minus.user"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.client.Members.Allow(ctx, id, "bob"); err != nil {
		t.Fatal(err)
	}
	e.rec.reset()
	p := e.moderationOf(id)
	if n := len(e.upstreamCalls()); n != 4 {
		t.Errorf("moderation page made %d Agora calls, want 4 (group, mutes, blocks, allow list)", n)
	}
	if cur := p.find("tab-moderation").AttrOr("aria-current", ""); cur != "page" {
		t.Errorf("moderation tab aria-current %q", cur)
	}
	if got := p.find("state-mute").AttrOr("data-on", ""); got != "false" {
		t.Errorf("mute-all state %q", got)
	}
	if got := rowUsers(p, "muted-row"); !slices.Equal(got, []string{"carol"}) {
		t.Errorf("muted rows %v", got)
	}
	if p.find("muted-until").Length() != 1 {
		t.Error("the mute's end is not shown")
	}
	if got := rowUsers(p, "blocked-row"); !slices.Equal(got, []string{"-minus.user"}) {
		t.Errorf("blocked rows %v", got)
	}
	// Blocked through the client, not Groupdesk: no reason is known.
	if p.find("blocked-unrecorded").Length() != 1 {
		t.Error("a block without a record should say so")
	}
	if got := rowUsers(p, "allowed-row"); !slices.Contains(got, "bob") || !slices.Contains(got, "alice") {
		t.Errorf("allowed rows %v", got)
	}
	// Forms post where the URL contract says.
	for testid, action := range map[string]string{
		"unmute": "/mutes/remove", "unblock": "/blocks/remove", "disallow": "/allow/remove",
		"mute-all": "/mute-all",
	} {
		form := p.find(testid).First().Closest("form")
		if got := form.AttrOr("action", ""); got != "/groups/"+id+action {
			t.Errorf("%s posts to %q", testid, got)
		}
	}
	if got := p.find("unmute").First().Closest("form").Find(`input[name="username"]`).AttrOr("value", ""); got != "carol" {
		t.Errorf("unmute posts username %q", got)
	}
	if p.find("block-form").Length() != 1 || p.find("allow-form").Length() != 1 {
		t.Error("a moderator should get the block and allow forms")
	}

	// A viewer sees the state and no controls.
	e.addAccount("v.moderation", store.RoleViewer)
	v := e.getWith(e.browserAs("v.moderation", testRolePass), "/groups/"+id+"/moderation")
	wantStatus(t, v, http.StatusOK)
	for _, testid := range []string{"block-form", "allow-form", "unmute", "unblock", "disallow", "mute-all", "disable-group"} {
		if v.find(testid).Length() != 0 {
			t.Errorf("viewer sees %s", testid)
		}
	}
	if got := rowUsers(v, "muted-row"); !slices.Equal(got, []string{"carol"}) {
		t.Errorf("viewer: muted rows %v", got)
	}
}

func TestModerationPageUnknownGroup(t *testing.T) {
	e := newEnv(t).login()
	p := e.get("/groups/99999999999/moderation")
	wantStatus(t, p, http.StatusNotFound)
}

func TestBlockWithReasonAndUnblock(t *testing.T) {
	e := newEnv(t).login()
	id, _ := newTestGroup(t, e)
	ctx := context.Background()
	until := time.Now().UTC().AddDate(0, 0, 3).Format(time.DateOnly)
	e.rec.reset()
	p := e.post("/groups/"+id+"/blocks", url.Values{
		"username": {"bob carol", "alice", "nobody.here"},
		"reason":   {"  Spam links  "},
		"until":    {until},
	})
	wantStatus(t, p, http.StatusSeeOther)
	if loc := p.Header.Get("Location"); loc != "/groups/"+id+"/moderation" {
		t.Errorf("redirect to %q", loc)
	}
	if calls := e.upstreamCalls(); len(calls) != 1 || calls[0].Method != http.MethodPost || !strings.HasSuffix(calls[0].Path, "/blocks/users") {
		t.Errorf("block made calls %+v, want one POST …/blocks/users", calls)
	}
	page := e.follow(p)
	if got := page.find("flash").AttrOr("data-kind", ""); got != views.FlashInfo {
		t.Errorf("flash kind %q for a partly refused block", got)
	}
	if got := page.text("flash"); got != "Block user: 2 of 4 done." {
		t.Errorf("flash %q", got)
	}
	for user, want := range map[string]string{"bob": "done", "carol": "done", "alice": "refused", "nobody.here": "refused"} {
		if got := outcomeOf(page, user); got != want {
			t.Errorf("outcome of %s: %q, want %q", user, got, want)
		}
	}
	owner := page.doc.Find(`[data-testid="outcome-row"][data-username="alice"]`).Text()
	if !strings.Contains(owner, "owner cannot be") {
		t.Errorf("the owner's refusal says %q", owner)
	}
	if got := rowUsers(page, "blocked-row"); !slices.Contains(got, "bob") || !slices.Contains(got, "carol") {
		t.Errorf("blocked rows %v", got)
	}
	bobRow := page.doc.Find(`[data-testid="blocked-row"][data-username="bob"]`)
	if got := strings.TrimSpace(bobRow.Find(`[data-testid="blocked-reason"]`).Text()); got != "Spam links" {
		t.Errorf("bob's reason %q", got)
	}
	if got := strings.TrimSpace(bobRow.Find(`[data-testid="blocked-by"]`).Text()); got != "admin" {
		t.Errorf("bob blocked by %q", got)
	}
	if got := bobRow.Find(`[data-testid="blocked-until-time"]`).AttrOr("datetime", ""); !strings.HasPrefix(got, until) {
		t.Errorf("bob blocked until %q, want %s", got, until)
	}
	recs, err := e.srv.st.BlockRecords(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs["bob"].Reason != "Spam links" || recs["bob"].Until.Format(time.DateOnly) != until {
		t.Errorf("block records %+v", recs)
	}
	// Blocking took them out of the group.
	g, _, err := e.client.Groups.GetOne(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range g.Affiliations {
		if a.Username == "bob" || a.Username == "carol" {
			t.Errorf("%s is still a member", a.Username)
		}
	}
	// One audit record per user, the refusals with Agora's reason.
	audit := groupAudit(t, e, id, store.ActionBlock)
	if len(audit) != 4 {
		t.Fatalf("%d block records in the audit log, want 4", len(audit))
	}
	byUser := map[string]store.AuditEntry{}
	for _, a := range audit {
		byUser[a.Summary.User] = a
		if a.Summary.Reason != "Spam links" || a.Summary.Until.Format(time.DateOnly) != until || a.Actor != "admin" {
			t.Errorf("audit record %+v", a)
		}
	}
	if byUser["bob"].Outcome != store.OutcomeSuccess || byUser["alice"].Outcome != store.OutcomeFailure || byUser["alice"].ErrorCode != string(agora.ReasonOwnerForbidden) {
		t.Errorf("audit outcomes: bob %+v, alice %+v", byUser["bob"], byUser["alice"])
	}

	// Unblock bob (and someone who is not blocked): one call.
	e.rec.reset()
	p = e.post("/groups/"+id+"/blocks/remove", url.Values{"username": {"bob"}})
	wantStatus(t, p, http.StatusSeeOther)
	if n := len(e.upstreamCalls()); n != 1 {
		t.Errorf("unblock made %d calls", n)
	}
	page = e.follow(p)
	if got := outcomeOf(page, "bob"); got != "done" {
		t.Errorf("unblock outcome %q", got)
	}
	if got := rowUsers(page, "blocked-row"); slices.Contains(got, "bob") {
		t.Errorf("bob still blocked: %v", got)
	}
	recs, _ = e.srv.st.BlockRecords(ctx, id)
	if _, ok := recs["bob"]; ok || len(recs) != 1 {
		t.Errorf("block records after unblock %+v", recs)
	}
	// Unblocking someone who is not blocked is "already so".
	page = e.follow(e.post("/groups/"+id+"/blocks/remove", url.Values{"username": {"bob"}}))
	if got := outcomeOf(page, "bob"); got != "already" {
		t.Errorf("second unblock outcome %q", got)
	}
	if got := groupAudit(t, e, id, store.ActionUnblock); len(got) != 2 || got[0].Summary.User != "bob" {
		t.Errorf("unblock audit %+v", got)
	}
}

func TestBlockFormRefusals(t *testing.T) {
	e := newEnv(t).login()
	id, _ := newTestGroup(t, e)
	today := time.Now().UTC().Format(time.DateOnly)
	tests := []struct {
		name  string
		form  url.Values
		field string
	}{
		{"no user", url.Values{"reason": {"spam"}}, "username"},
		{"bad user", url.Values{"username": {"bob", "not valid!"}, "reason": {"spam"}}, "username"},
		{"no reason", url.Values{"username": {"bob"}, "reason": {"   "}}, "reason"},
		{"long reason", url.Values{"username": {"bob"}, "reason": {strings.Repeat("é", store.MaxBlockReasonLen+1)}}, "reason"},
		{"hidden character", url.Values{"username": {"bob"}, "reason": {"spam\u202e"}}, "reason"},
		{"until today", url.Values{"username": {"bob"}, "reason": {"spam"}, "until": {today}}, "until"},
		{"until not a date", url.Values{"username": {"bob"}, "reason": {"spam"}, "until": {"next week"}}, "until"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.rec.reset()
			p := e.post("/groups/"+id+"/blocks", tt.form)
			wantStatus(t, p, http.StatusUnprocessableEntity)
			for _, c := range e.upstreamCalls() {
				if c.Method == http.MethodPost {
					t.Errorf("refused form still sent %s %s", c.Method, c.Path)
				}
			}
			if p.find("error-"+tt.field).Length() != 1 {
				t.Errorf("no message for %s", tt.field)
			}
			// What was typed is kept.
			if got := p.find("block-reason").AttrOr("value", ""); got != tt.form.Get("reason") {
				t.Errorf("reason kept as %q", got)
			}
			if got := p.find("block-until").AttrOr("value", ""); got != tt.form.Get("until") {
				t.Errorf("until kept as %q", got)
			}
		})
	}
	if got := groupAudit(t, e, id, store.ActionBlock); len(got) != 0 {
		t.Errorf("refused forms were audited: %+v", got)
	}
}

func TestIncidentSwitches(t *testing.T) {
	e := newEnv(t).login()
	id, _ := newTestGroup(t, e)
	tests := []struct {
		path, action, state, flash string
		on                         bool
	}{
		{"/mute-all", store.ActionMuteAll, "state-mute", "The whole group is muted", true},
		{"/unmute-all", store.ActionUnmuteAll, "state-mute", "no longer muted", false},
		{"/disable", store.ActionGroupDisable, "state-disabled", "The group is disabled", true},
		{"/enable", store.ActionGroupEnable, "state-disabled", "enabled again", false},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			e.rec.reset()
			p := e.post("/groups/"+id+tt.path, nil)
			wantStatus(t, p, http.StatusSeeOther)
			if n := len(e.upstreamCalls()); n != 1 {
				t.Errorf("%s made %d calls", tt.path, n)
			}
			page := e.follow(p)
			if got := page.text("flash"); !strings.Contains(got, tt.flash) {
				t.Errorf("flash %q", got)
			}
			want := "false"
			if tt.on {
				want = "true"
			}
			if got := page.find(tt.state).AttrOr("data-on", ""); got != want {
				t.Errorf("%s data-on %q, want %s", tt.state, got, want)
			}
			audit := groupAudit(t, e, id, tt.action)
			if len(audit) != 1 || audit[0].Outcome != store.OutcomeSuccess {
				t.Errorf("audit %+v", audit)
			}
		})
	}
	// The switch shown is the one that undoes the current state.
	e.post("/groups/"+id+"/mute-all", nil)
	page := e.moderationOf(id)
	if page.find("unmute-all").Length() != 1 || page.find("mute-all").Length() != 0 {
		t.Error("a muted group should offer unmute-all only")
	}
	if p := e.post("/groups/99999999999/mute-all", nil); p.StatusCode != http.StatusNotFound {
		t.Errorf("mute-all of an unknown group: %d", p.StatusCode)
	}
}

func TestDisableAsksFirst(t *testing.T) {
	e := newEnv(t).login()
	id, _ := newTestGroup(t, e)
	p := e.moderationOf(id)
	href := p.find("disable-group").AttrOr("href", "")
	if href != "/groups/"+id+"/moderation?confirm=disable" {
		t.Fatalf("disable link %q", href)
	}
	// Without JavaScript: a page; with htmx: a dialog. Neither disables.
	page := e.get(href)
	wantStatus(t, page, http.StatusOK)
	if page.find("disable-page").Length() != 1 || page.find("disable-confirm").Closest("form").AttrOr("action", "") != "/groups/"+id+"/disable" {
		t.Error("no confirmation page posting to /disable")
	}
	dialog := e.get(href, "HX-Request", "true")
	if dialog.find("disable-dialog").Length() != 1 || dialog.find("flash-area").Length() != 0 {
		t.Errorf("htmx confirmation is not a bare dialog:\n%s", dialog.body)
	}
	if got := e.moderationOf(id).find("state-disabled").AttrOr("data-on", ""); got != "false" {
		t.Error("asking disabled the group")
	}
}

func TestAllowList(t *testing.T) {
	e := newEnv(t).login()
	id, _ := newTestGroup(t, e)
	e.rec.reset()
	p := e.post("/groups/"+id+"/allow", url.Values{"username": {"bob"}})
	wantStatus(t, p, http.StatusSeeOther)
	if n := len(e.upstreamCalls()); n != 1 {
		t.Errorf("allow made %d calls", n)
	}
	page := e.follow(p)
	if got := outcomeOf(page, "bob"); got != "done" {
		t.Errorf("allow outcome %q", got)
	}
	if got := rowUsers(page, "allowed-row"); !slices.Contains(got, "bob") {
		t.Errorf("allow list %v", got)
	}
	// A non-member is refused, with the reason.
	page = e.follow(e.post("/groups/"+id+"/allow", url.Values{"username": {"zed.nobody"}}))
	if got := outcomeOf(page, "zed.nobody"); got != "refused" {
		t.Errorf("non-member outcome %q", got)
	}
	if got := page.find("flash").AttrOr("data-kind", ""); got != views.FlashError {
		t.Errorf("flash kind %q when all were refused", got)
	}
	// Removing bob works; the owner stays on the list whatever is asked.
	page = e.follow(e.post("/groups/"+id+"/allow/remove", url.Values{"username": {"bob", "alice"}}))
	if outcomeOf(page, "bob") != "done" || outcomeOf(page, "alice") != "refused" {
		t.Errorf("disallow outcomes bob %q alice %q", outcomeOf(page, "bob"), outcomeOf(page, "alice"))
	}
	if got := rowUsers(page, "allowed-row"); slices.Contains(got, "bob") {
		t.Errorf("bob still allowed: %v", got)
	}
	if got := groupAudit(t, e, id, store.ActionDisallow); len(got) != 2 {
		t.Errorf("%d disallow records, want one per user", len(got))
	}
	// An empty form sends nothing.
	e.rec.reset()
	page = e.follow(e.post("/groups/"+id+"/allow", url.Values{"username": {""}}))
	if got := page.find("flash").AttrOr("data-kind", ""); got != views.FlashError || len(e.upstreamCalls()) != 4 {
		t.Errorf("empty allow: flash %q, %d calls (want only the page's 4)", got, len(e.upstreamCalls()))
	}
}

func TestAnnouncement(t *testing.T) {
	e := newEnv(t).login()
	id, _ := newTestGroup(t, e)
	if _, err := e.client.Groups.SetAnnouncement(context.Background(), id, "Old text"); err != nil {
		t.Fatal(err)
	}
	p := e.get("/groups/" + id + "/announcement")
	wantStatus(t, p, http.StatusOK)
	if got := p.text("input-announcement"); got != "Old text" {
		t.Errorf("announcement shown %q", got)
	}
	// 513 characters of three bytes each: refused by character count, kept.
	long := strings.Repeat("公", agora.MaxAnnouncementLen+1)
	e.rec.reset()
	r := e.post("/groups/"+id+"/announcement", url.Values{"announcement": {long}, "orig": {"Old text"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if n := len(e.upstreamCalls()); n != 0 {
		t.Errorf("a refused announcement made %d calls", n)
	}
	if got := r.text("input-announcement"); got != long {
		t.Errorf("the text was not kept (%d characters)", len([]rune(got)))
	}
	if got := r.text("error-announcement"); !strings.Contains(got, "512") {
		t.Errorf("field message %q", got)
	}
	// 512 of them fit.
	exact := strings.Repeat("公", agora.MaxAnnouncementLen)
	e.rec.reset()
	r = e.post("/groups/"+id+"/announcement", url.Values{"announcement": {exact}, "orig": {"Old text"}})
	wantStatus(t, r, http.StatusSeeOther)
	if n := len(e.upstreamCalls()); n != 1 {
		t.Errorf("saving made %d calls", n)
	}
	if got := e.follow(r).text("flash"); got != "Announcement saved." {
		t.Errorf("flash %q", got)
	}
	got, _, err := e.client.Groups.GetAnnouncement(context.Background(), id)
	if err != nil || got != exact {
		t.Errorf("announcement in Agora: %d characters, %v", len([]rune(got)), err)
	}
	audit := groupAudit(t, e, id, store.ActionSetAnnouncement)
	if len(audit) != 1 || len(audit[0].Summary.Changes) != 1 || audit[0].Summary.Changes[0].Old != "Old text" {
		t.Errorf("audit %+v", audit)
	}
	// A viewer reads it; there is no form.
	e.addAccount("v.announcement", store.RoleViewer)
	v := e.getWith(e.browserAs("v.announcement", testRolePass), "/groups/"+id+"/announcement")
	wantStatus(t, v, http.StatusOK)
	if v.find("announcement-form").Length() != 0 || v.text("announcement-text") != exact {
		t.Errorf("viewer: form %d, text %q", v.find("announcement-form").Length(), v.text("announcement-text"))
	}
	hist := e.get("/groups/" + id + "/history")
	if got := hist.text("audit-summary"); !strings.HasPrefix(got, "Announcement: “Old text” → “公") {
		t.Errorf("history says %q", got)
	}
}

func TestUnblockSweepLiftsExpiredBlocks(t *testing.T) {
	e := newEnv(t).login()
	id, _ := newTestGroup(t, e)
	ctx := context.Background()
	until := time.Now().UTC().AddDate(0, 0, 2).Format(time.DateOnly)
	wantStatus(t, e.post("/groups/"+id+"/blocks", url.Values{"username": {"bob"}, "reason": {"cool off"}, "until": {until}}), http.StatusSeeOther)
	wantStatus(t, e.post("/groups/"+id+"/blocks", url.Values{"username": {"carol"}, "reason": {"for good"}}), http.StatusSeeOther)
	end, _ := time.Parse(time.DateOnly, until)

	// Before the end: nothing to lift.
	if n, err := e.srv.sweepExpiredBlocks(ctx, end.Add(-time.Minute)); err != nil || n != 0 {
		t.Fatalf("early sweep lifted %d, %v", n, err)
	}
	e.rec.reset()
	if n, err := e.srv.sweepExpiredBlocks(ctx, end); err != nil || n != 1 {
		t.Fatalf("sweep at the end lifted %d, %v", n, err)
	}
	if n := len(e.upstreamCalls()); n != 1 {
		t.Errorf("sweep made %d calls, want 1", n)
	}
	blocked, _, err := e.client.Members.ListBlocked(ctx, id, nil)
	if err != nil || !slices.Equal(blocked, []string{"carol"}) {
		t.Errorf("blocked after the sweep: %v, %v", blocked, err)
	}
	recs, _ := e.srv.st.BlockRecords(ctx, id)
	if _, ok := recs["bob"]; ok || len(recs) != 1 {
		t.Errorf("records after the sweep %+v", recs)
	}
	audit := groupAudit(t, e, id, store.ActionUnblock)
	if len(audit) != 1 || audit[0].Actor != store.SystemActor.Name || !audit[0].Summary.Expired || audit[0].Summary.User != "bob" || audit[0].Outcome != store.OutcomeSuccess {
		t.Errorf("sweep audit %+v", audit)
	}
	// Idempotent: nothing left to do.
	if n, err := e.srv.sweepExpiredBlocks(ctx, end.Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("second sweep lifted %d, %v", n, err)
	}
}

func TestUnblockSweepGroupGone(t *testing.T) {
	e := newEnv(t).login()
	id, _ := newTestGroup(t, e)
	ctx := context.Background()
	until := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	wantStatus(t, e.post("/groups/"+id+"/blocks", url.Values{"username": {"bob"}, "reason": {"x"}, "until": {until}}), http.StatusSeeOther)
	if _, err := e.client.Groups.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	end, _ := time.Parse(time.DateOnly, until)
	if _, err := e.srv.sweepExpiredBlocks(ctx, end); err != nil {
		t.Fatal(err)
	}
	if recs, _ := e.srv.st.BlockRecords(ctx, id); len(recs) != 0 {
		t.Errorf("records of a deleted group stay: %+v", recs)
	}
}

// TestTimedUnblockSurvivesRestart: pending unblocks are rows in the
// database, so a block recorded by one process is lifted by the next: by
// the periodic job when its end passed while nothing ran, and by a later
// sweep otherwise.
func TestTimedUnblockSurvivesRestart(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		e := newEnv(t, withDB(db)).login()
		id, _ := newTestGroup(t, e)
		ctx := context.Background()
		until := time.Now().UTC().AddDate(0, 0, 2).Format(time.DateOnly)
		wantStatus(t, e.post("/groups/"+id+"/blocks", url.Values{"username": {"bob"}, "reason": {"later"}, "until": {until}}), http.StatusSeeOther)
		// carol's block ended while the dashboard was down.
		wantStatus(t, e.post("/groups/"+id+"/blocks", url.Values{"username": {"carol"}, "reason": {"short"}}), http.StatusSeeOther)
		rec := store.BlockRecord{GroupID: id, Username: "carol", Reason: "short", BlockedBy: "admin", BlockedAt: time.Now().Add(-time.Hour), Until: time.Now().Add(-time.Minute)}
		if err := e.srv.st.PutBlockRecord(ctx, rec); err != nil {
			t.Fatal(err)
		}
		e.web.Close()
		if err := e.srv.Close(); err != nil {
			t.Fatal(err)
		}

		e2 := newEnv(t, withDB(db))
		// The periodic job runs at start: wait for it to lift carol.
		deadline := time.Now().Add(30 * time.Second)
		for {
			recs, err := e2.srv.st.BlockRecords(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := recs["carol"]; !ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the periodic sweep did not lift carol's expired block after the restart")
			}
			time.Sleep(50 * time.Millisecond)
		}
		blocked, _, err := e2.client.Members.ListBlocked(ctx, id, nil)
		if err != nil || !slices.Equal(blocked, []string{"bob"}) {
			t.Errorf("blocked after restart: %v, %v", blocked, err)
		}
		end, _ := time.Parse(time.DateOnly, until)
		if n, err := e2.srv.sweepExpiredBlocks(ctx, end); err != nil || n != 1 {
			t.Errorf("bob's block at its end: lifted %d, %v", n, err)
		}
		blocked, _, _ = e2.client.Members.ListBlocked(ctx, id, nil)
		if len(blocked) != 0 {
			t.Errorf("still blocked: %v", blocked)
		}
	})
}

// The demo's blocked users get a reason when the sandbox is seeded (main
// calls RecordDemoBlocks with the sandbox's block lists).
func TestDemoBlocksHaveReasons(t *testing.T) {
	e := newEnv(t).login()
	ctx := context.Background()
	list, err := e.sb.BlockList(ctx)
	if err != nil || len(list) == 0 {
		t.Fatalf("demo block lists: %d, %v", len(list), err)
	}
	blocks := make([]DemoBlock, len(list))
	for i, b := range list {
		blocks[i] = DemoBlock{GroupID: b.GroupID, Username: b.Username}
	}
	if err := e.srv.RecordDemoBlocks(ctx, blocks); err != nil {
		t.Fatal(err)
	}
	p := e.moderationOf(list[0].GroupID)
	row := p.doc.Find(`[data-testid="blocked-row"][data-username="` + list[0].Username + `"]`)
	if got := strings.TrimSpace(row.Find(`[data-testid="blocked-reason"]`).Text()); got != demoBlockReason {
		t.Errorf("demo block reason %q", got)
	}
}

// A block lifted outside Groupdesk leaves a record the sweep cannot act
// on; Agora's block list settles it, so it is not retried every minute.
func TestUnblockSweepSettlesBlocksLiftedElsewhere(t *testing.T) {
	e := newEnv(t).login()
	id, _ := newTestGroup(t, e)
	ctx := context.Background()
	until := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	wantStatus(t, e.post("/groups/"+id+"/blocks", url.Values{"username": {"bob", "carol"}, "reason": {"x"}, "until": {until}}), http.StatusSeeOther)
	if _, _, err := e.client.Members.Unblock(ctx, id, "carol"); err != nil {
		t.Fatal(err)
	}
	end, _ := time.Parse(time.DateOnly, until)
	if n, err := e.srv.sweepExpiredBlocks(ctx, end); err != nil || n != 1 {
		t.Fatalf("sweep lifted %d, %v", n, err)
	}
	if recs, _ := e.srv.st.BlockRecords(ctx, id); len(recs) != 0 {
		t.Errorf("records left after the sweep: %+v", recs)
	}
	before := len(groupAudit(t, e, id, store.ActionUnblock))
	if _, err := e.srv.sweepExpiredBlocks(ctx, end.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if after := len(groupAudit(t, e, id, store.ActionUnblock)); after != before {
		t.Errorf("the next sweep tried again: %d → %d unblock records", before, after)
	}
}

// When Agora's answer to a switch is lost, the group's detail says whether
// it was made.
func TestSwitchAnswerLost(t *testing.T) {
	lossy := newLossyAgora(t)
	e := newEnv(t, withAPI(lossy.url), withClientOpts(agora.WithRetries(0, 0))).login()
	e.sb, _ = sharedSandbox(t)
	id, _ := newTestGroup(t, e)

	lossy.set(http.MethodPost, "500")
	p := e.post("/groups/"+id+"/mute-all", nil)
	lossy.set(http.MethodPost, "")
	wantStatus(t, p, http.StatusSeeOther)
	if got := e.follow(p).find("state-mute").AttrOr("data-on", ""); got != "true" {
		t.Errorf("mute-all applied but the page says data-on=%q", got)
	}
	rec := groupAudit(t, e, id, store.ActionMuteAll)
	if len(rec) != 1 || rec[0].Outcome != store.OutcomeSuccess || rec[0].ErrorCode != store.CodeAnswerLost {
		t.Errorf("audit of a lost but applied switch: %+v", rec)
	}

	lossy.set(http.MethodPost, "500 not applied")
	p = e.post("/groups/"+id+"/disable", nil)
	lossy.set(http.MethodPost, "")
	wantStatus(t, p, http.StatusBadGateway)
	if got := p.text("error-message"); !strings.Contains(got, "did not change") {
		t.Errorf("error page says %q", got)
	}
	rec = groupAudit(t, e, id, store.ActionGroupDisable)
	if len(rec) != 1 || rec[0].Outcome != store.OutcomeFailure || rec[0].ErrorCode != store.CodeAnswerLost {
		t.Errorf("audit of a lost switch that was not made: %+v", rec)
	}
}

// While Agora fails, a sweep stops at the first group: the blocks stay
// recorded for the next sweep, and the audit log gets one group's failures
// a minute, not every group's.
func TestUnblockSweepStopsWhileAgoraFails(t *testing.T) {
	lossy := newLossyAgora(t)
	e := newEnv(t, withAPI(lossy.url), withClientOpts(agora.WithRetries(0, 0))).login()
	e.sb, _ = sharedSandbox(t)
	ctx := context.Background()
	until := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	var ids []string
	for range 2 {
		id, _ := newTestGroup(t, e)
		wantStatus(t, e.post("/groups/"+id+"/blocks", url.Values{"username": {"bob"}, "reason": {"x"}, "until": {until}}), http.StatusSeeOther)
		ids = append(ids, id)
	}
	end, _ := time.Parse(time.DateOnly, until)
	lossy.set(http.MethodDelete, "500 not applied")
	n, err := e.srv.sweepExpiredBlocks(ctx, end)
	lossy.set(http.MethodDelete, "")
	if err != nil || n != 0 {
		t.Fatalf("sweep while Agora fails: lifted %d, %v", n, err)
	}
	tried := 0
	for _, id := range ids {
		if recs, _ := e.srv.st.BlockRecords(ctx, id); len(recs) != 1 {
			t.Errorf("group %s: records %+v, want bob's kept", id, recs)
		}
		tried += len(groupAudit(t, e, id, store.ActionUnblock))
	}
	if tried != 1 {
		t.Errorf("%d unblock attempts recorded, want 1 (the sweep stops at the first failure)", tried)
	}
	// Once Agora answers again, both are lifted.
	if n, err := e.srv.sweepExpiredBlocks(ctx, end); err != nil || n != 2 {
		t.Errorf("sweep after recovery: lifted %d, %v", n, err)
	}
}
