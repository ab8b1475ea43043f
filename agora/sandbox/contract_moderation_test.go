package sandbox_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"groupdesk/agora"
)

// TestContractModeration drives the client's moderation methods against the
// sandbox over HTTP: each change is read back through the client, and each
// refusal comes back with the Reason the client decides.
func TestContractModeration(t *testing.T) {
	h := newHarness(t)
	h.users(append([]string{"mod.owner", "mod.outsider"}, names("mod.m", 0, 80)...)...)
	c, rec := h.client()
	ctx := t.Context()
	gid := createGroup(t, c, &agora.CreateGroupRequest{GroupName: "Moderated", Owner: "mod.owner", Public: true,
		MaxUsers: agora.Int(200), Members: names("mod.m", 0, 80)})

	wantReason := func(t *testing.T, what string, err error, want agora.Reason) {
		t.Helper()
		if got := agora.ReasonOf(err); got != want {
			t.Errorf("%s: ReasonOf(%v) = %q, want %q", what, err, got, want)
		}
	}
	isMember := func(t *testing.T, user string) bool {
		t.Helper()
		g, _, err := c.Groups.GetOne(ctx, gid)
		mustOK(t, "GetOne", err)
		return slices.ContainsFunc(g.Affiliations, func(a agora.Affiliation) bool { return a.Username == user })
	}

	t.Run("admins", func(t *testing.T) {
		_, err := c.Members.AddAdmin(ctx, gid, "mod.m000")
		mustOK(t, "AddAdmin", err)
		admins, _, err := c.Members.ListAdmins(ctx, gid)
		mustOK(t, "ListAdmins", err)
		if !slices.Contains(admins, "mod.m000") {
			t.Errorf("ListAdmins = %v, want mod.m000", admins)
		}
		_, err = c.Members.AddAdmin(ctx, gid, "mod.outsider")
		wantReason(t, "AddAdmin(non-member)", err, agora.ReasonNotMember)
		_, err = c.Members.RemoveAdmin(ctx, gid, "mod.m000")
		mustOK(t, "RemoveAdmin", err)
		_, err = c.Members.RemoveAdmin(ctx, gid, "mod.m000")
		wantReason(t, "RemoveAdmin(not admin)", err, agora.ReasonNotAdmin)
		var ae *agora.Error
		if agora.ReasonOf(err) == agora.ReasonNotAdmin && (!errors.As(err, &ae) || ae.User != "mod.m000") {
			t.Errorf("RemoveAdmin: the error does not name the user: %+v", ae)
		}
	})

	t.Run("mute, list, unmute", func(t *testing.T) {
		before := time.Now()
		res, resp, err := c.Members.Mute(ctx, gid, time.Hour, "mod.m001", "mod.m002")
		mustOK(t, "Mute", err)
		wantResp(t, "Mute", resp, 1)
		if len(res) != 2 || !res[0].OK || !res[1].OK {
			t.Fatalf("Mute = %+v", res)
		}
		for _, r := range res {
			if !within(r.Expire, before.Add(time.Hour-time.Second), time.Now().Add(time.Hour+time.Second)) {
				t.Errorf("%s: Expire = %v, want about an hour from now", r.Username, r.Expire.Time())
			}
		}
		if ex := rec.last(t); ex.Method != "POST" || !strings.HasSuffix(ex.Path, "/chatgroups/"+gid+"/mute") ||
			!slices.Equal(bodyKeys(t, ex.Body), []string{"mute_duration", "usernames"}) {
			t.Errorf("Mute sent %s %s %s", ex.Method, ex.Path, ex.Body)
		}
		_, _, err = c.Members.Mute(ctx, gid, agora.MutePermanent, "mod.m003")
		mustOK(t, "Mute permanent", err)

		muted, _, err := c.Members.ListMuted(ctx, gid)
		mustOK(t, "ListMuted", err)
		var got []string
		for _, m := range muted {
			got = append(got, m.Username)
		}
		if want := []string{"mod.m001", "mod.m002", "mod.m003"}; !slices.Equal(sorted(got), want) {
			t.Errorf("ListMuted = %v, want %v", got, want)
		}

		_, _, err = c.Members.Mute(ctx, gid, time.Hour, "mod.owner")
		wantReason(t, "Mute(owner)", err, agora.ReasonOwnerForbidden)
		_, _, err = c.Members.Mute(ctx, gid, time.Hour, "mod.outsider")
		wantReason(t, "Mute(non-member)", err, agora.ReasonNotMember)

		res, _, err = c.Members.Unmute(ctx, gid, "mod.m001", "mod.m002", "mod.m003")
		mustOK(t, "Unmute", err)
		if len(res) != 3 || !res[0].OK || !res[1].OK || !res[2].OK {
			t.Errorf("Unmute = %+v", res)
		}
		muted, _, err = c.Members.ListMuted(ctx, gid)
		mustOK(t, "ListMuted", err)
		if len(muted) != 0 {
			t.Errorf("after Unmute, ListMuted = %+v", muted)
		}
	})

	t.Run("mute all and disable show in the detail", func(t *testing.T) {
		for _, step := range []struct {
			name           string
			call           func() (*agora.Response, error)
			mute, disabled bool
		}{
			{"MuteAll", func() (*agora.Response, error) { return c.Groups.MuteAll(ctx, gid) }, true, false},
			{"Disable", func() (*agora.Response, error) { return c.Groups.Disable(ctx, gid) }, true, true},
			{"UnmuteAll", func() (*agora.Response, error) { return c.Groups.UnmuteAll(ctx, gid) }, false, true},
			{"Enable", func() (*agora.Response, error) { return c.Groups.Enable(ctx, gid) }, false, false},
		} {
			_, err := step.call()
			mustOK(t, step.name, err)
			g, _, err := c.Groups.GetOne(ctx, gid)
			mustOK(t, "GetOne", err)
			if g.Mute != step.mute || g.Disabled != step.disabled {
				t.Errorf("after %s: mute %v disabled %v, want %v %v", step.name, g.Mute, g.Disabled, step.mute, step.disabled)
			}
		}
	})

	t.Run("announcement", func(t *testing.T) {
		_, err := c.Groups.SetAnnouncement(ctx, gid, "Be kind. 友善交流。")
		mustOK(t, "SetAnnouncement", err)
		text, _, err := c.Groups.GetAnnouncement(ctx, gid)
		mustOK(t, "GetAnnouncement", err)
		if text != "Be kind. 友善交流。" {
			t.Errorf("GetAnnouncement = %q", text)
		}
		n := rec.count()
		_, err = c.Groups.SetAnnouncement(ctx, gid, strings.Repeat("x", agora.MaxAnnouncementLen+1))
		wantValidation(t, err, "announcement")
		if rec.count() != n {
			t.Error("a too long announcement was sent")
		}
	})

	t.Run("allow list", func(t *testing.T) {
		res, _, err := c.Members.Allow(ctx, gid, "mod.m010")
		mustOK(t, "Allow one", err)
		if len(res) != 1 || !res[0].OK || res[0].Username != "mod.m010" {
			t.Errorf("Allow one = %+v", res)
		}
		res, _, err = c.Members.Allow(ctx, gid, "mod.m011", "mod.outsider")
		mustOK(t, "Allow many", err)
		if len(res) != 2 || !res[0].OK || res[1].OK || res[1].Kind() != agora.ReasonNotMember {
			t.Errorf("Allow many = %+v (kinds %q)", res, kinds(res))
		}
		allowed, _, err := c.Members.ListAllowed(ctx, gid)
		mustOK(t, "ListAllowed", err)
		if !slices.Contains(allowed, "mod.m010") || !slices.Contains(allowed, "mod.m011") {
			t.Errorf("ListAllowed = %v", allowed)
		}
		res, _, err = c.Members.Disallow(ctx, gid, "mod.m010", "mod.m011")
		mustOK(t, "Disallow", err)
		if len(res) != 2 || !res[0].OK || !res[1].OK {
			t.Errorf("Disallow = %+v", res)
		}
		allowed, _, err = c.Members.ListAllowed(ctx, gid)
		mustOK(t, "ListAllowed", err)
		if slices.Contains(allowed, "mod.m010") || slices.Contains(allowed, "mod.m011") {
			t.Errorf("after Disallow, ListAllowed = %v", allowed)
		}
	})

	t.Run("block removes from the group, unblock does not add back", func(t *testing.T) {
		res, _, err := c.Members.Block(ctx, gid, "mod.m020")
		mustOK(t, "Block one", err)
		if len(res) != 1 || !res[0].OK {
			t.Errorf("Block one = %+v", res)
		}
		if isMember(t, "mod.m020") {
			t.Error("a blocked user is still a member")
		}
		blocked, _, err := c.Members.ListBlocked(ctx, gid, nil)
		mustOK(t, "ListBlocked", err)
		if !slices.Equal(blocked, []string{"mod.m020"}) {
			t.Errorf("ListBlocked = %v", blocked)
		}
		_, _, err = c.Members.Add(ctx, gid, "mod.m020")
		if err == nil {
			t.Error("a blocked user could be added again")
		}

		_, _, err = c.Members.Block(ctx, gid, "mod.owner")
		wantReason(t, "Block(owner)", err, agora.ReasonOwnerForbidden)

		res, _, err = c.Members.Block(ctx, gid, "mod.m021", "mod.outsider")
		mustOK(t, "Block many", err)
		if len(res) != 2 || !res[0].OK || res[1].OK || res[1].Kind() != agora.ReasonNotMember {
			t.Errorf("Block many = %+v (kinds %q)", res, kinds(res))
		}

		res, _, err = c.Members.Unblock(ctx, gid, "mod.m020", "mod.m021")
		mustOK(t, "Unblock", err)
		if len(res) != 2 || !res[0].OK || !res[1].OK {
			t.Errorf("Unblock = %+v", res)
		}
		blocked, _, err = c.Members.ListBlocked(ctx, gid, nil)
		mustOK(t, "ListBlocked", err)
		if len(blocked) != 0 {
			t.Errorf("after Unblock, ListBlocked = %v", blocked)
		}
		if isMember(t, "mod.m020") {
			t.Error("unblocking added the user back")
		}
	})

	t.Run("more than 60 users go in batches with per-user results", func(t *testing.T) {
		batch := names("mod.m", 30, 50)
		batch = append(batch, "mod.outsider")
		batch = append(batch, names("mod.m", 0, 10)...) // 61 names
		rec.reset()
		res, resp, err := c.Members.Mute(ctx, gid, time.Minute, names("mod.m", 30, 50)...)
		mustOK(t, "Mute 50", err)
		wantResp(t, "Mute 50", resp, 1)
		if len(res) != 50 {
			t.Errorf("Mute 50: %d results", len(res))
		}

		rec.reset()
		res, resp, err = c.Members.Block(ctx, gid, batch...)
		mustOK(t, "Block 61", err)
		wantResp(t, "Block 61", resp, 2)
		if n := rec.count(); n != 2 {
			t.Errorf("blocking 61 names took %d calls, want 2", n)
		}
		if len(res) != 61 {
			t.Fatalf("Block 61: %d results", len(res))
		}
		for i, r := range res {
			if r.Username != batch[i] {
				t.Errorf("result %d is for %s, want %s", i, r.Username, batch[i])
			}
			if want := batch[i] != "mod.outsider"; r.OK != want {
				t.Errorf("result %d = %+v, want OK %v", i, r, want)
			}
		}

		rec.reset()
		res, resp, err = c.Members.Unblock(ctx, gid, batch...)
		mustOK(t, "Unblock 61", err)
		wantResp(t, "Unblock 61", resp, 2)
		if len(res) != 61 {
			t.Errorf("Unblock 61: %d results", len(res))
		}
		for _, ex := range rec.calls() {
			if n := strings.Count(ex.Path[strings.LastIndex(ex.Path, "/")+1:], ",") + 1; n < 2 || n > 60 {
				t.Errorf("an unblock call carried %d names: %s", n, ex.Path)
			}
		}
	})

	t.Run("unknown group", func(t *testing.T) {
		const gone = "1234567890123456"
		_, _, err := c.Members.ListMuted(ctx, gone)
		wantReason(t, "ListMuted", err, agora.ReasonGroupNotFound)
		_, _, err = c.Members.Block(ctx, gone, "mod.m050")
		wantReason(t, "Block", err, agora.ReasonGroupNotFound)
		_, err = c.Groups.MuteAll(ctx, gone)
		wantReason(t, "MuteAll", err, agora.ReasonGroupNotFound)
		_, _, err = c.Groups.GetAnnouncement(ctx, gone)
		wantReason(t, "GetAnnouncement", err, agora.ReasonGroupNotFound)
	})
}

func kinds(res []agora.MemberResult) []agora.Reason {
	out := make([]agora.Reason, len(res))
	for i, r := range res {
		out[i] = r.Kind()
	}
	return out
}
