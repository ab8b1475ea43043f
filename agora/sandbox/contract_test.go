package sandbox_test

// Contract tests: the real agora client against the real sandbox over real
// HTTP. Each test has its own sandbox (its own SQLite file), so they run in
// parallel. A failure here is a mismatch between the client, the sandbox
// and shared/reference/agora-chat-facts.md; messages that start with "BUG"
// mark a known one.

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"groupdesk/agora"
	"groupdesk/agora/sandbox"
)

var groupIDPattern = regexp.MustCompile(`^[0-9]{16}$`)

func TestContractUsers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c, rec := h.client()
	ctx := t.Context()

	t.Run("create one", func(t *testing.T) {
		before := time.Now()
		rec.reset()
		users, resp, err := c.Users.Create(ctx, agora.NewUser{Username: "Solo.User_1", Password: "secret", Nickname: "Solo"})
		mustOK(t, "Users.Create", err)
		wantResp(t, "Users.Create", resp, 1)
		if len(users) != 1 {
			t.Fatalf("Users.Create returned %d users, want 1", len(users))
		}
		u := users[0]
		if u.Username != "solo.user_1" { // the sandbox lower-cases usernames (doc.go, seed: case-insensitive)
			t.Errorf("Username = %q, want solo.user_1", u.Username)
		}
		if u.UUID == "" || u.Type != "user" || !u.Activated {
			t.Errorf("user = %+v, want a uuid, type user, activated", u)
		}
		if !within(u.Created, before.Add(-time.Second), time.Now().Add(time.Second)) || u.Modified != u.Created {
			t.Errorf("Created = %d, Modified = %d, want both about now", u.Created, u.Modified)
		}
		// One user goes as an object, not an array.
		if body := rec.last(t).Body; len(body) == 0 || body[0] != '{' {
			t.Errorf("single-user create body = %s, want a JSON object", body)
		}
		got, resp, err := c.Users.Get(ctx, "SOLO.user_1")
		mustOK(t, "Users.Get", err)
		wantResp(t, "Users.Get", resp, 1)
		if got.Username != "solo.user_1" || got.UUID != u.UUID || got.Created != u.Created {
			t.Errorf("Users.Get = %+v, want the created user %+v", got, u)
		}
	})

	t.Run("create many in batches of 60", func(t *testing.T) {
		var batch []agora.NewUser
		for _, n := range names("batch.user_", 0, 61) {
			batch = append(batch, agora.NewUser{Username: n, Password: "pw"})
		}
		rec.reset()
		users, resp, err := c.Users.Create(ctx, batch...)
		mustOK(t, "Users.Create", err)
		wantResp(t, "Users.Create", resp, 2)
		if n := rec.count(); n != 2 {
			t.Errorf("61 users took %d HTTP calls, want 2 (60 + 1)", n)
		}
		for _, ex := range rec.calls() {
			if ex.Method != http.MethodPost || len(ex.Body) == 0 || ex.Body[0] != '[' {
				t.Errorf("batch create sent %s with body starting %.10q, want POST with a JSON array", ex.Method, ex.Body)
			}
		}
		if len(users) != 61 {
			t.Fatalf("Users.Create returned %d users, want 61", len(users))
		}
		for i, u := range users {
			if u.Username != batch[i].Username {
				t.Errorf("users[%d] = %q, want %q", i, u.Username, batch[i].Username)
			}
		}
		if _, _, err := c.Users.Get(ctx, "batch.user_060"); err != nil {
			t.Errorf("the user of the second batch is missing: %v", err)
		}
	})

	t.Run("duplicate fails the whole batch", func(t *testing.T) {
		_, _, err := c.Users.Create(ctx, agora.NewUser{Username: "fresh.one", Password: "pw"}, agora.NewUser{Username: "solo.user_1", Password: "pw"})
		wantAPIError(t, err, agora.ErrInvalidInput, 400, "duplicate_unique_property_exists", "solo.user_1")
		_, _, err = c.Users.Get(ctx, "fresh.one")
		wantAPIError(t, err, agora.ErrNotFound, 404, "service_resource_not_found", "Service resource not found")
	})

	t.Run("unknown user", func(t *testing.T) {
		_, resp, err := c.Users.Get(ctx, "nobody.here")
		wantAPIError(t, err, agora.ErrNotFound, 404, "service_resource_not_found", "Service resource not found")
		if resp == nil || resp.StatusCode != 404 || resp.Attempts != 1 {
			t.Errorf("Response = %+v, want the 404 answer after 1 attempt (404 is not retried)", resp)
		}
		_, err = c.Users.Delete(ctx, "nobody.here")
		wantAPIError(t, err, agora.ErrNotFound, 404, "service_resource_not_found", "")
	})

	t.Run("invalid username", func(t *testing.T) {
		rec.reset()
		for _, tc := range []struct {
			name  string
			call  func() error
			field string
		}{
			{"create with a space", func() error {
				_, _, err := c.Users.Create(ctx, agora.NewUser{Username: "bad name", Password: "pw"})
				return err
			}, "users[0].username"},
			{"create too long", func() error {
				_, _, err := c.Users.Create(ctx, agora.NewUser{Username: strings.Repeat("a", 65), Password: "pw"})
				return err
			}, "users[0].username"},
			{"create without password", func() error {
				_, _, err := c.Users.Create(ctx, agora.NewUser{Username: "good.name"})
				return err
			}, "users[0].password"},
			{"get with a slash", func() error { _, _, err := c.Users.Get(ctx, "a/b"); return err }, "username"},
			{"delete empty", func() error { _, err := c.Users.Delete(ctx, ""); return err }, "username"},
		} {
			t.Run(tc.name, func(t *testing.T) { wantValidation(t, tc.call(), tc.field) })
		}
		if n := rec.count(); n != 0 {
			t.Errorf("invalid requests made %d HTTP calls, want 0", n)
		}
		// The sandbox refuses what the client refuses.
		status, body, err := h.raw("POST", "/users", `{"username":"bad name","password":"pw"}`)
		if status != 400 {
			t.Errorf("raw create of an invalid username: status %d, want 400: %s", status, body)
		}
		wantAPIError(t, err, agora.ErrInvalidInput, 400, "illegal_argument", "is not legal")
		status, body, err = h.raw("POST", "/users", `{"username":"`+strings.Repeat("a", 65)+`","password":"pw"}`)
		if status != 400 {
			t.Errorf("raw create of a 65-character username: status %d, want 400: %s", status, body)
		}
		wantAPIError(t, err, agora.ErrInvalidInput, 400, "illegal_argument", "is not legal")
		// 64 characters is the limit on both sides.
		long := strings.Repeat("b", 64)
		if _, _, err := c.Users.Create(ctx, agora.NewUser{Username: long, Password: "pw"}); err != nil {
			t.Errorf("a 64-character username: %v", err)
		}
	})

	t.Run("delete removes memberships and owned groups", func(t *testing.T) {
		_, _, err := c.Users.Create(ctx,
			agora.NewUser{Username: "leaver.owner", Password: "pw"},
			agora.NewUser{Username: "leaver.member", Password: "pw"},
			agora.NewUser{Username: "stayer", Password: "pw"})
		mustOK(t, "Users.Create", err)
		owned := createGroup(t, c, &agora.CreateGroupRequest{GroupName: "owned", Public: true, Owner: "leaver.owner", Members: []string{"stayer"}})
		other := createGroup(t, c, &agora.CreateGroupRequest{GroupName: "other", Public: true, Owner: "stayer", Members: []string{"leaver.owner", "leaver.member"}})

		resp, err := c.Users.Delete(ctx, "leaver.owner")
		mustOK(t, "Users.Delete", err)
		wantResp(t, "Users.Delete", resp, 1)
		_, _, err = c.Users.Get(ctx, "leaver.owner")
		wantAPIError(t, err, agora.ErrNotFound, 404, "service_resource_not_found", "")
		_, _, err = c.Groups.GetOne(ctx, owned)
		if !errors.Is(err, agora.ErrNotFound) {
			t.Errorf("the deleted user's own group: err = %v, want ErrNotFound", err)
		}
		g, _, err := c.Groups.GetOne(ctx, other)
		mustOK(t, "GetOne", err)
		if g.AffiliationsCount != 2 || slices.Contains(memberNames(g.Affiliations, agora.RoleMember), "leaver.owner") {
			t.Errorf("after the member was deleted: count %d, affiliations %v; want 2 without leaver.owner", g.AffiliationsCount, g.Affiliations)
		}
		joined, _, err := c.Groups.ListJoined(ctx, "stayer", nil)
		mustOK(t, "ListJoined", err)
		if len(joined) != 1 || joined[0].ID != other {
			t.Errorf("stayer's groups = %+v, want only %s", joined, other)
		}
	})
}

func TestContractGroupCreate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c, rec := h.client()
	ctx := t.Context()
	h.users("lead.owner_1", "m_one", "m.two", "m_three", "pub.owner")

	t.Run("all fields", func(t *testing.T) {
		before := time.Now()
		rec.reset()
		id := createGroup(t, c, &agora.CreateGroupRequest{
			GroupName:         "Support 支持 & <team>",
			Description:       "Everyone who answers tickets",
			Public:            false,
			MaxUsers:          agora.Int(300),
			AllowInvites:      agora.Bool(true),
			MembersOnly:       agora.Bool(true),
			InviteNeedConfirm: agora.Bool(false),
			Owner:             "Lead.Owner_1",
			Members:           []string{"m_one", "m.two", "M_Three", "lead.owner_1", "m_one"},
			Custom:            agora.String(`{"tier":"gold"}`),
		})
		after := time.Now()
		if !groupIDPattern.MatchString(id) {
			t.Errorf("group id %q is not a 16-digit string", id)
		}
		sent := rec.last(t)
		if sent.Method != "POST" || sent.Path != "/"+ctOrg+"/"+ctApp+"/chatgroups" {
			t.Errorf("create sent %s %s", sent.Method, sent.Path)
		}
		keys := bodyKeys(t, sent.Body)
		if !slices.Contains(keys, "desc") || slices.Contains(keys, "description") || !slices.Contains(keys, "public") {
			t.Errorf("create body keys %v: want desc (not description) and public", keys)
		}

		g, resp, err := c.Groups.GetOne(ctx, id)
		mustOK(t, "GetOne", err)
		wantResp(t, "GetOne", resp, 1)
		if resp.Count != 1 {
			t.Errorf("Response.Count = %d, want 1", resp.Count)
		}
		want := agora.Group{
			ID: id, Name: "Support 支持 & <team>", Description: "Everyone who answers tickets",
			Public: false, MembersOnly: true, AllowInvites: true, InviteNeedConfirm: false,
			MaxUsers: 300, Owner: "lead.owner_1", Custom: `{"tier":"gold"}`, AffiliationsCount: 4,
		}
		gotScalars := scalars(g)
		gotScalars.Created = 0
		if !reflect.DeepEqual(gotScalars, want) {
			t.Errorf("GetOne =\n %+v\nwant\n %+v", gotScalars, want)
		}
		if !within(g.Created, before.Add(-time.Second), after.Add(time.Second)) {
			t.Errorf("Created = %v, want between %v and %v", g.Created.Time(), before, after)
		}
		if owners := memberNames(g.Affiliations, agora.RoleOwner); !slices.Equal(owners, []string{"lead.owner_1"}) {
			t.Errorf("owner affiliations = %v, want [lead.owner_1]", owners)
		}
		if m := sorted(memberNames(g.Affiliations, agora.RoleMember)); !slices.Equal(m, []string{"m.two", "m_one", "m_three"}) {
			t.Errorf("member affiliations = %v, want m.two, m_one, m_three (duplicates and the owner dropped)", m)
		}
		if len(g.Affiliations) != g.AffiliationsCount {
			t.Errorf("%d affiliations, AffiliationsCount %d", len(g.Affiliations), g.AffiliationsCount)
		}
	})

	t.Run("defaults and public forces allowinvites off", func(t *testing.T) {
		id := createGroup(t, c, &agora.CreateGroupRequest{Public: true, Owner: "pub.owner", AllowInvites: agora.Bool(true)})
		g, _, err := c.Groups.GetOne(ctx, id)
		mustOK(t, "GetOne", err)
		want := agora.Group{ID: id, Public: true, AllowInvites: false, InviteNeedConfirm: true, MaxUsers: agora.DefaultMaxUsers,
			Owner: "pub.owner", AffiliationsCount: 1}
		gotScalars := scalars(g)
		gotScalars.Created = 0
		if !reflect.DeepEqual(gotScalars, want) {
			t.Errorf("GetOne =\n %+v\nwant\n %+v", gotScalars, want)
		}
		if len(g.Affiliations) != 1 || g.Affiliations[0] != (agora.Affiliation{Username: "pub.owner", Role: agora.RoleOwner}) {
			t.Errorf("Affiliations = %v, want only the owner", g.Affiliations)
		}
	})

	t.Run("limits agree at the boundary", func(t *testing.T) {
		id := createGroup(t, c, &agora.CreateGroupRequest{
			GroupName: strings.Repeat("群", agora.MaxGroupNameLen), Description: strings.Repeat("é", agora.MaxDescriptionLen),
			Public: true, Owner: "pub.owner", Custom: agora.String(strings.Repeat("c", agora.MaxCustomLen)),
			MaxUsers: agora.Int(sandbox.DefaultMaxUsersPerGroup),
		})
		g, _, err := c.Groups.GetOne(ctx, id)
		mustOK(t, "GetOne", err)
		if len([]rune(g.Name)) != agora.MaxGroupNameLen || len([]rune(g.Description)) != agora.MaxDescriptionLen ||
			len(g.Custom) != agora.MaxCustomLen || g.MaxUsers != sandbox.DefaultMaxUsersPerGroup {
			t.Errorf("boundary group came back with name %d, desc %d, custom %d characters, maxusers %d",
				len([]rune(g.Name)), len([]rune(g.Description)), len(g.Custom), g.MaxUsers)
		}
	})

	t.Run("sandbox errors", func(t *testing.T) {
		for _, tc := range []struct {
			name     string
			req      agora.CreateGroupRequest
			sentinel error
			status   int
			code     string
			desc     string
		}{
			{"unknown owner", agora.CreateGroupRequest{Public: true, Owner: "ghost.owner"},
				agora.ErrNotFound, 404, "resource_not_found", "username ghost.owner doesn't exist!"},
			{"unknown member", agora.CreateGroupRequest{Public: true, Owner: "pub.owner", Members: []string{"m_one", "ghost_member"}},
				agora.ErrNotFound, 404, "resource_not_found", "username ghost_member doesn't exist!"},
			{"members and owner above maxusers", agora.CreateGroupRequest{Public: true, Owner: "pub.owner", MaxUsers: agora.Int(2), Members: []string{"m_one", "m.two"}},
				agora.ErrForbidden, 403, "exceed_limit", "members size is greater than max user size !"},
			{"maxusers above the plan", agora.CreateGroupRequest{Public: true, Owner: "pub.owner", MaxUsers: agora.Int(sandbox.DefaultMaxUsersPerGroup + 1)},
				agora.ErrForbidden, 403, "exceed_limit", "maxUsers cannot exceed 2000"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				rec.reset()
				id, resp, err := c.Groups.Create(ctx, &tc.req)
				if id != "" {
					t.Errorf("Create returned id %q with an error", id)
				}
				wantAPIError(t, err, tc.sentinel, tc.status, tc.code, tc.desc)
				if resp == nil || resp.StatusCode != tc.status {
					t.Errorf("Response = %v, want the %d answer", resp, tc.status)
				}
				if n := rec.count(); n != 1 {
					t.Errorf("a failed create was sent %d times, want 1 (POST is never retried)", n)
				}
			})
		}
	})

	t.Run("client validation sends nothing", func(t *testing.T) {
		tooMany := names("x", 0, agora.MaxMembersOnCreate+1)
		for _, tc := range []struct {
			name  string
			req   *agora.CreateGroupRequest
			field string
		}{
			{"nil request", nil, "request"},
			{"no owner", &agora.CreateGroupRequest{Public: true}, "owner"},
			{"invalid owner", &agora.CreateGroupRequest{Public: true, Owner: "bad owner"}, "owner"},
			{"name too long", &agora.CreateGroupRequest{Public: true, Owner: "pub.owner", GroupName: strings.Repeat("n", agora.MaxGroupNameLen+1)}, "groupname"},
			{"description too long", &agora.CreateGroupRequest{Public: true, Owner: "pub.owner", Description: strings.Repeat("d", agora.MaxDescriptionLen+1)}, "desc"},
			{"custom too long", &agora.CreateGroupRequest{Public: true, Owner: "pub.owner", Custom: agora.String(strings.Repeat("c", agora.MaxCustomLen+1))}, "custom"},
			{"maxusers 0", &agora.CreateGroupRequest{Public: true, Owner: "pub.owner", MaxUsers: agora.Int(0)}, "maxusers"},
			{"too many members", &agora.CreateGroupRequest{Public: true, Owner: "pub.owner", Members: tooMany}, "members"},
			{"invalid member", &agora.CreateGroupRequest{Public: true, Owner: "pub.owner", Members: []string{"ok", "not ok"}}, "members[1]"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				rec.reset()
				id, resp, err := c.Groups.Create(ctx, tc.req)
				wantValidation(t, err, tc.field)
				if id != "" || resp != nil {
					t.Errorf("Create = %q, %v; want no id and no response", id, resp)
				}
				if n := rec.count(); n != 0 {
					t.Errorf("%d HTTP calls, want 0", n)
				}
			})
		}
	})

	t.Run("raw requests the client cannot send", func(t *testing.T) {
		for _, tc := range []struct {
			name, body string
			sentinel   error
			status     int
			code, desc string
		}{
			{"missing public", `{"groupname":"g","owner":"pub.owner"}`,
				agora.ErrInvalidInput, 400, "invalid_parameter", "group must contain public field!"},
			{"null public", `{"groupname":"g","public":null,"owner":"pub.owner"}`,
				agora.ErrInvalidInput, 400, "invalid_parameter", "group must contain public field!"},
			{"missing owner", `{"groupname":"g","public":true}`,
				agora.ErrInvalidInput, 400, "invalid_parameter", "owner must be provided"},
			{"name too long", `{"groupname":"` + strings.Repeat("n", agora.MaxGroupNameLen+1) + `","public":true,"owner":"pub.owner"}`,
				agora.ErrForbidden, 403, "exceed_limit", "groupname cannot exceed to 128"},
			{"desc too long", `{"desc":"` + strings.Repeat("d", agora.MaxDescriptionLen+1) + `","public":true,"owner":"pub.owner"}`,
				agora.ErrForbidden, 403, "exceed_limit", "desc cannot exceed to 512"},
			{"101 members", `{"public":true,"owner":"pub.owner","members":["` + strings.Join(names("x", 0, 101), `","`) + `"]}`,
				agora.ErrForbidden, 403, "exceed_limit", "members size is greater than max user size !"},
			{"maxusers 0", `{"public":true,"owner":"pub.owner","maxusers":0}`,
				agora.ErrInvalidInput, 400, "invalid_parameter", "maxusers must be at least 1"},
			{"body over 1 MiB", `{"public":true,"owner":"pub.owner","custom":"` + strings.Repeat("c", 1<<20) + `"}`,
				agora.ErrInvalidInput, 413, "Request Entity Too Large", "Request Entity Too Large"},
			{"malformed JSON", `{"public":true,"owner" "pub.owner"}`,
				agora.ErrInvalidInput, 400, "json_parse", "was expecting a colon"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, body, err := h.raw("POST", "/chatgroups", tc.body)
				if status != tc.status {
					t.Errorf("status %d, want %d: %s", status, tc.status, body)
				}
				ae := wantAPIError(t, err, tc.sentinel, tc.status, tc.code, tc.desc)
				if ae.Method != "POST" || ae.Path != "/"+ctOrg+"/"+ctApp+"/chatgroups" {
					t.Errorf("Error names %s %s", ae.Method, ae.Path)
				}
			})
		}
	})
}

func TestContractGroupGetMany(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c, rec := h.client()
	ctx := t.Context()
	h.users("bulk.owner")
	mustOK(t, "BulkCreateGroups", h.sb.BulkCreateGroups(ctx, 250, "bulk.owner", 2))

	list, _, err := c.Groups.List(ctx, &agora.ListOptions{Limit: 1000})
	mustOK(t, "List", err)
	if len(list) != 250 {
		t.Fatalf("List returned %d groups, want 250", len(list))
	}
	// Ask in an order that is neither the list's nor its reverse.
	var ids []string
	for i := range list {
		ids = append(ids, list[(i*7)%len(list)].ID)
	}
	if len(slices.Compact(sorted(ids))) != 250 {
		t.Fatal("test bug: the id permutation has duplicates")
	}

	t.Run("250 ids in 3 calls, in the order asked", func(t *testing.T) {
		rec.reset()
		groups, resp, err := c.Groups.Get(ctx, ids...)
		mustOK(t, "Get", err)
		wantResp(t, "Get", resp, 3)
		if resp.Count != 250 {
			t.Errorf("Response.Count = %d, want 250", resp.Count)
		}
		calls := rec.calls()
		if len(calls) != 3 {
			t.Errorf("Get of 250 ids made %d HTTP calls, want 3", len(calls))
		}
		for i, ex := range calls {
			n := strings.Count(strings.TrimPrefix(ex.Path, "/"+ctOrg+"/"+ctApp+"/chatgroups/"), ",") + 1
			if want := []int{100, 100, 50}[min(i, 2)]; n != want {
				t.Errorf("call %d carried %d ids, want %d", i, n, want)
			}
		}
		if len(groups) != 250 {
			t.Fatalf("Get returned %d groups, want 250", len(groups))
		}
		for i, g := range groups {
			if g.ID != ids[i] {
				t.Fatalf("groups[%d].ID = %s, want %s (order asked)", i, g.ID, ids[i])
			}
			if g.Owner != "bulk.owner" || g.AffiliationsCount != 3 || len(g.Affiliations) != 3 {
				t.Fatalf("group %s: owner %q, %d affiliations (count %d), want bulk.owner and 3", g.ID, g.Owner, len(g.Affiliations), g.AffiliationsCount)
			}
		}
	})

	t.Run("mixed found and missing", func(t *testing.T) {
		asked := []string{ids[0], "9999999999999999", ids[1], "not-a-number", ids[2]}
		groups, resp, err := c.Groups.Get(ctx, asked...)
		mustOK(t, "Get", err)
		wantResp(t, "Get", resp, 1)
		var got []string
		for _, g := range groups {
			got = append(got, g.ID)
		}
		if want := []string{ids[0], ids[1], ids[2]}; !slices.Equal(got, want) {
			t.Errorf("Get(mixed) = %v, want %v", got, want)
		}
		if resp.Count != 3 {
			t.Errorf("Response.Count = %d, want 3", resp.Count)
		}
	})

	t.Run("a batch where every id is missing", func(t *testing.T) {
		asked := slices.Clone(ids[:100])
		for i := range 100 {
			asked = append(asked, fmt.Sprintf("88888888%08d", i))
		}
		asked = append(asked, ids[100])
		rec.reset()
		groups, resp, err := c.Groups.Get(ctx, asked...)
		mustOK(t, "Get", err)
		if len(groups) != 101 || groups[100].ID != ids[100] {
			t.Errorf("Get returned %d groups, want 101 ending with %s", len(groups), ids[100])
		}
		if n := rec.count(); n != 3 || resp.Attempts != 3 {
			t.Errorf("%d HTTP calls, Attempts %d; want 3 and 3 (the all-missing batch is a 404, not retried)", n, resp.Attempts)
		}
	})

	t.Run("only missing ids", func(t *testing.T) {
		groups, _, err := c.Groups.Get(ctx, "9999999999999998", "9999999999999997")
		if err != nil || len(groups) != 0 {
			t.Errorf("Get(two missing) = %d groups, %v; want none and no error", len(groups), err)
		}
	})

	t.Run("single missing id", func(t *testing.T) {
		for _, id := range []string{"9999999999999999", "abc"} {
			_, _, err := c.Groups.Get(ctx, id)
			wantAPIError(t, err, agora.ErrNotFound, 404, "service_resource_not_found", "do not find this group:"+id)
			g, resp, err := c.Groups.GetOne(ctx, id)
			if g != nil || !errors.Is(err, agora.ErrNotFound) {
				t.Errorf("GetOne(%s) = %v, %v; want ErrNotFound", id, g, err)
			}
			if resp == nil || resp.StatusCode != 404 {
				t.Errorf("GetOne(%s) Response = %v, want the 404", id, resp)
			}
		}
	})

	t.Run("the sandbox refuses more than 100 ids", func(t *testing.T) {
		status, body, err := h.raw("GET", "/chatgroups/"+strings.Join(ids[:101], ","), "")
		if status != 400 {
			t.Errorf("status %d, want 400: %s", status, body)
		}
		wantAPIError(t, err, agora.ErrInvalidInput, 400, "invalid_parameter", "more than max limit : 100")
	})
}

func TestContractGroupUpdate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c, rec := h.client()
	ctx := t.Context()
	h.users("up.owner", "up_a", "up_b", "up_c", "outsider")
	id := createGroup(t, c, &agora.CreateGroupRequest{
		GroupName: "before", Description: "old description", Public: true, MaxUsers: agora.Int(50),
		Owner: "up.owner", Members: []string{"up_a", "up_b", "up_c"}, Custom: agora.String("old custom"),
	})
	get := func(t *testing.T) *agora.Group {
		t.Helper()
		g, _, err := c.Groups.GetOne(ctx, id)
		mustOK(t, "GetOne", err)
		return g
	}
	orig := get(t)

	t.Run("sparse", func(t *testing.T) {
		rec.reset()
		resp, err := c.Groups.Update(ctx, id, &agora.UpdateGroupRequest{GroupName: agora.String("after"), MaxUsers: agora.Int(300)})
		mustOK(t, "Update", err)
		wantResp(t, "Update", resp, 1)
		sent := rec.last(t)
		if sent.Method != "PUT" {
			t.Errorf("Update sent %s, want PUT", sent.Method)
		}
		if keys := bodyKeys(t, sent.Body); !slices.Equal(keys, []string{"groupname", "maxusers"}) {
			t.Errorf("Update body keys = %v, want only [groupname maxusers]", keys)
		}
		g := get(t)
		want := *orig
		want.Name, want.MaxUsers = "after", 300
		if !groupEqual(g, &want) {
			t.Errorf("after Update:\n %+v\nwant\n %+v", g, want)
		}
	})

	t.Run("every field", func(t *testing.T) {
		rec.reset()
		_, err := c.Groups.Update(ctx, id, &agora.UpdateGroupRequest{
			Description: agora.String("new description"), Custom: agora.String(""), MembersOnly: agora.Bool(true),
			AllowInvites: agora.Bool(true), InviteNeedConfirm: agora.Bool(false), Public: agora.Bool(false),
		})
		mustOK(t, "Update", err)
		keys := bodyKeys(t, rec.last(t).Body)
		if want := []string{"allowinvites", "custom", "description", "invite_need_confirm", "membersonly", "public"}; !slices.Equal(keys, want) {
			t.Errorf("Update body keys = %v, want %v (description, not desc)", keys, want)
		}
		g := get(t)
		if g.Description != "new description" || g.Custom != "" || !g.MembersOnly || !g.AllowInvites || g.InviteNeedConfirm || g.Public {
			t.Errorf("after Update: %+v", g)
		}
		if g.Name != "after" || g.MaxUsers != 300 || g.Owner != "up.owner" || g.Created != orig.Created || g.AffiliationsCount != 4 {
			t.Errorf("Update changed fields it did not send: %+v", g)
		}
		// Setting public on PUT does not force allowinvites (doc.go: only create does).
		_, err = c.Groups.Update(ctx, id, &agora.UpdateGroupRequest{Public: agora.Bool(true)})
		mustOK(t, "Update", err)
		if g := get(t); !g.Public || !g.AllowInvites {
			t.Errorf("after public=true: public %v allowinvites %v, want true true", g.Public, g.AllowInvites)
		}
	})

	t.Run("errors", func(t *testing.T) {
		_, err := c.Groups.Update(ctx, id, &agora.UpdateGroupRequest{MaxUsers: agora.Int(3)})
		wantAPIError(t, err, agora.ErrForbidden, 403, "forbidden_op", "current user count is larger than the maxUsers")
		if g := get(t); g.MaxUsers != 300 {
			t.Errorf("a refused maxusers change was applied: %d", g.MaxUsers)
		}
		// Exactly the member count is allowed.
		_, err = c.Groups.Update(ctx, id, &agora.UpdateGroupRequest{MaxUsers: agora.Int(4)})
		mustOK(t, "Update maxusers = member count", err)
		_, err = c.Groups.Update(ctx, id, &agora.UpdateGroupRequest{MaxUsers: agora.Int(sandbox.DefaultMaxUsersPerGroup + 1)})
		wantAPIError(t, err, agora.ErrForbidden, 403, "exceed_limit", "maxUsers cannot exceed")
		_, err = c.Groups.Update(ctx, "1234567890123456", &agora.UpdateGroupRequest{GroupName: agora.String("x")})
		wantAPIError(t, err, agora.ErrNotFound, 404, "resource_not_found", "grpID 1234567890123456 does not exist!")

		rec.reset()
		for _, tc := range []struct {
			name  string
			req   *agora.UpdateGroupRequest
			field string
		}{
			{"nil", nil, "request"},
			{"empty", &agora.UpdateGroupRequest{}, "request"},
			{"name too long", &agora.UpdateGroupRequest{GroupName: agora.String(strings.Repeat("n", agora.MaxGroupNameLen+1))}, "groupname"},
			{"description too long", &agora.UpdateGroupRequest{Description: agora.String(strings.Repeat("d", agora.MaxDescriptionLen+1))}, "description"},
			{"custom too long", &agora.UpdateGroupRequest{Custom: agora.String(strings.Repeat("c", agora.MaxCustomLen+1))}, "custom"},
			{"maxusers 0", &agora.UpdateGroupRequest{MaxUsers: agora.Int(0)}, "maxusers"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := c.Groups.Update(ctx, id, tc.req)
				wantValidation(t, err, tc.field)
			})
		}
		if n := rec.count(); n != 0 {
			t.Errorf("invalid updates made %d HTTP calls, want 0", n)
		}
		// The sandbox's own limits for what the client refuses.
		status, body, err := h.raw("PUT", "/chatgroups/"+id, `{"custom":"`+strings.Repeat("c", 1025)+`"}`)
		if status != 403 {
			t.Errorf("raw PUT of 1025-character custom: %d %s", status, body)
		}
		wantAPIError(t, err, agora.ErrForbidden, 403, "exceed_limit", "custom cannot exceed to 1024")
		_, _, err = h.raw("PUT", "/chatgroups/"+id, `{"desc":"seed spelling"}`)
		wantAPIError(t, err, agora.ErrInvalidInput, 400, "invalid_parameter", "some of [desc] are not valid fields")
	})

	t.Run("avatar set by another client is read back", func(t *testing.T) {
		if g := get(t); g.Avatar != "" {
			t.Fatalf("Avatar = %q before it was set", g.Avatar)
		}
		status, body, err := h.raw("PUT", "/chatgroups/"+id, `{"avatar":"https://cdn.example.com/a.png"}`)
		if status != 200 || err != nil {
			t.Fatalf("raw PUT avatar: %d %v %s", status, err, body)
		}
		if g := get(t); g.Avatar != "https://cdn.example.com/a.png" {
			t.Errorf("Avatar = %q, want the URL set", g.Avatar)
		}
	})

	t.Run("transfer owner", func(t *testing.T) {
		rec.reset()
		resp, err := c.Groups.TransferOwner(ctx, id, "UP_A")
		mustOK(t, "TransferOwner", err)
		wantResp(t, "TransferOwner", resp, 1)
		if keys := bodyKeys(t, rec.last(t).Body); !slices.Equal(keys, []string{"newowner"}) {
			t.Errorf("TransferOwner body keys = %v, want [newowner]", keys)
		}
		g := get(t)
		if g.Owner != "up_a" || !slices.Equal(memberNames(g.Affiliations, agora.RoleOwner), []string{"up_a"}) {
			t.Errorf("after transfer: owner %q, affiliations %v; want up_a", g.Owner, g.Affiliations)
		}
		if !slices.Contains(memberNames(g.Affiliations, agora.RoleMember), "up.owner") || g.AffiliationsCount != 4 {
			t.Errorf("the old owner should stay a member and the count stay 4: %v (%d)", g.Affiliations, g.AffiliationsCount)
		}
		list, _, err := c.Groups.List(ctx, nil)
		mustOK(t, "List", err)
		if len(list) != 1 || list[0].Owner != "up_a" {
			t.Errorf("List after transfer = %+v, want owner up_a", list)
		}

		_, err = c.Groups.TransferOwner(ctx, id, "outsider")
		wantAPIError(t, err, agora.ErrForbidden, 403, "forbidden_op", "user: outsider doesn't exist in group: "+id)
		_, err = c.Groups.TransferOwner(ctx, id, "up_a")
		wantAPIError(t, err, agora.ErrForbidden, 403, "forbidden_op", "new owner and old owner are the same")
		_, err = c.Groups.TransferOwner(ctx, "1234567890123456", "up_b")
		wantAPIError(t, err, agora.ErrNotFound, 404, "resource_not_found", "grpID 1234567890123456 does not exist!")
		if g := get(t); g.Owner != "up_a" {
			t.Errorf("a refused transfer changed the owner to %q", g.Owner)
		}
	})
}

func TestContractGroupDelete(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c, rec := h.client()
	ctx := t.Context()
	h.users("del.owner", "del_member")
	keep := createGroup(t, c, &agora.CreateGroupRequest{GroupName: "keep", Public: true, Owner: "del.owner"})
	gone := createGroup(t, c, &agora.CreateGroupRequest{GroupName: "gone", Public: true, Owner: "del.owner", Members: []string{"del_member"}})

	rec.reset()
	resp, err := c.Groups.Delete(ctx, gone)
	mustOK(t, "Delete", err)
	wantResp(t, "Delete", resp, 1)
	if ex := rec.last(t); ex.Method != "DELETE" || ex.Path != "/"+ctOrg+"/"+ctApp+"/chatgroups/"+gone {
		t.Errorf("Delete sent %s %s (want a single slash after the host)", ex.Method, ex.Path)
	}

	rec.reset()
	resp, err = c.Groups.Delete(ctx, gone)
	wantAPIError(t, err, agora.ErrNotFound, 404, "resource_not_found", "grpID "+gone+" does not exist!")
	if resp == nil || resp.Attempts != 1 || rec.count() != 1 {
		t.Errorf("second delete: Response %v after %d calls, want one 404 (not retried)", resp, rec.count())
	}
	_, _, err = c.Groups.GetOne(ctx, gone)
	wantAPIError(t, err, agora.ErrNotFound, 404, "service_resource_not_found", "do not find this group:"+gone)
	_, _, err = c.Members.List(ctx, gone, nil)
	wantAPIError(t, err, agora.ErrNotFound, 404, "service_resource_not_found", "")
	_, _, err = c.Members.Add(ctx, gone, "del_member")
	wantAPIError(t, err, agora.ErrNotFound, 404, "resource_not_found", "grpID "+gone+" does not exist!")

	list := listAll(t, c, 0)
	if len(list) != 1 || list[0].ID != keep {
		t.Errorf("List after delete = %+v, want only %s", list, keep)
	}
	joined, _, err := c.Groups.ListJoined(ctx, "del_member", nil)
	mustOK(t, "ListJoined", err)
	if len(joined) != 0 {
		t.Errorf("the member of a deleted group still has joined groups %+v", joined)
	}
	if _, err := c.Groups.Delete(ctx, "not-a-number"); !errors.Is(err, agora.ErrNotFound) {
		t.Errorf("Delete(non-numeric id): %v, want ErrNotFound", err)
	}
	_, err = c.Groups.Delete(ctx, "a,b")
	wantValidation(t, err, "id")
}

func TestContractGroupList(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c, rec := h.client()
	ctx := t.Context()
	owners := []string{"ops_team.lead", "qa.bot_2", "x_y.z_"}
	pool := []string{"lm.0", "lm_1", "lm.2"}
	var newUsers []agora.NewUser
	for _, u := range append(slices.Clone(owners), pool...) {
		newUsers = append(newUsers, agora.NewUser{Username: u, Password: "pw"})
	}
	_, _, err := c.Users.Create(ctx, newUsers...)
	mustOK(t, "Users.Create", err)

	const n = 23
	before := time.Now()
	var ids []string
	for i := range n {
		ids = append(ids, createGroup(t, c, &agora.CreateGroupRequest{
			GroupName: fmt.Sprintf("list group %02d", i), Public: i%2 == 0, Owner: owners[i%3], Members: pool[:i%4],
		}))
	}
	after := time.Now()

	for _, tc := range []struct {
		limit int
		sizes []int
	}{
		{7, []int{7, 7, 7, 2}},
		{8, []int{8, 8, 7}},
		{n, []int{n}}, // exactly full: no cursor, no empty page after it
		{n + 1, []int{n}},
	} {
		t.Run(fmt.Sprintf("walk with limit %d", tc.limit), func(t *testing.T) {
			walkList(t, c, rec, tc.limit, tc.sizes, ids, owners, before, after)
		})
	}

	t.Run("default and clamped limits", func(t *testing.T) {
		got, resp, err := c.Groups.List(ctx, nil)
		mustOK(t, "List", err)
		if len(got) != agora.DefaultListLimit || resp.Cursor == "" {
			t.Errorf("List(nil) = %d groups, cursor %q; want %d and a cursor", len(got), resp.Cursor, agora.DefaultListLimit)
		}
		got, resp, err = c.Groups.List(ctx, &agora.ListOptions{Limit: 5000})
		mustOK(t, "List", err)
		if len(got) != n || resp.Cursor != "" {
			t.Errorf("List(limit 5000) = %d groups, cursor %q; want all %d and no cursor", len(got), resp.Cursor, n)
		}
		_, _, err = c.Groups.List(ctx, &agora.ListOptions{Limit: -1})
		wantValidation(t, err, "limit")
		_, _, err = c.Groups.List(ctx, &agora.ListOptions{Cursor: "bm90IGEgY3Vyc29y"})
		wantAPIError(t, err, agora.ErrInvalidInput, 400, "invalid_parameter", "is not valid")
	})

	t.Run("membership changes move lastModified, not the order", func(t *testing.T) {
		oldest := ids[0]
		all := listAll(t, c, 100)
		was := all[len(all)-1]
		if was.ID != oldest || was.MemberCount != 1 {
			t.Fatalf("oldest group: %+v, want %s last with 1 member", was, oldest)
		}
		time.Sleep(5 * time.Millisecond) // a later millisecond than the creation
		_, _, err := c.Members.Add(ctx, oldest, "lm.2")
		mustOK(t, "Members.Add", err)
		all = listAll(t, c, 100)
		now := all[len(all)-1]
		if now.ID != oldest || now.MemberCount != 2 {
			t.Fatalf("oldest group after adding a member: %+v, want %s still last, with 2 members", now, oldest)
		}
		if now.LastModified <= was.LastModified {
			t.Errorf("LastModified = %v did not move after a membership change (was %v)", now.LastModified.Time(), was.LastModified.Time())
		}
	})

	t.Run("limit above the sandbox maximum is clamped", func(t *testing.T) {
		hc := newHarness(t, func(c *sandbox.Config) { c.ListLimitMax = 5 })
		hc.users("clamp.owner")
		mustOK(t, "BulkCreateGroups", hc.sb.BulkCreateGroups(ctx, 12, "clamp.owner", 0))
		cc, crec := hc.client()
		got, resp, err := cc.Groups.List(ctx, &agora.ListOptions{Limit: 50})
		mustOK(t, "List", err)
		if q := crec.last(t).Query; q != "limit=50" {
			t.Errorf("query %q, want limit=50 (the clamp is the server's)", q)
		}
		if len(got) != 5 || resp.Cursor == "" {
			t.Errorf("List(limit 50) with ListLimitMax 5 = %d groups, cursor %q; want 5 and a cursor", len(got), resp.Cursor)
		}
		if all := listAll(t, cc, 50); len(all) != 12 {
			t.Errorf("walk with the clamped limit found %d groups, want 12", len(all))
		}
	})

	t.Run("legacy last_modified key", func(t *testing.T) {
		hl := newHarness(t, func(c *sandbox.Config) { c.LegacyLastModified = true })
		hl.users("legacy.owner")
		cl, _ := hl.client()
		start := time.Now()
		createGroup(t, cl, &agora.CreateGroupRequest{Public: true, Owner: "legacy.owner"})
		got, _, err := cl.Groups.List(ctx, nil)
		mustOK(t, "List", err)
		if len(got) != 1 || !within(got[0].LastModified, start.Add(-time.Second), time.Now().Add(time.Second)) || got[0].Owner != "legacy.owner" {
			t.Errorf("List with last_modified = %+v, want LastModified about now", got)
		}
	})
}

// walkList walks the list of all groups with limit and checks the page
// sizes and every item against the groups created (ids, oldest first).
func walkList(t *testing.T, c *agora.Client, rec *recorder, limit int, wantSizes []int, ids, owners []string, before, after time.Time) {
	t.Helper()
	n := len(ids)
	var (
		all   []*agora.GroupSummary
		sizes []int
		opts  = &agora.ListOptions{Limit: limit}
	)
	for page := 0; ; page++ {
		if page > n {
			t.Fatal("the walk does not end")
		}
		rec.reset()
		got, resp, err := c.Groups.List(t.Context(), opts)
		mustOK(t, "List", err)
		wantResp(t, "List", resp, 1)
		if q := rec.last(t).Query; !strings.Contains(q, fmt.Sprintf("limit=%d", limit)) || (page > 0) != strings.Contains(q, "cursor=") {
			t.Errorf("page %d: List query %q, want limit=%d and a cursor after the first page", page, q, limit)
		}
		if resp.Count != len(got) {
			t.Errorf("page %d: Response.Count = %d, %d items", page, resp.Count, len(got))
		}
		sizes = append(sizes, len(got))
		all = append(all, got...)
		if resp.Cursor == "" {
			break
		}
		opts.Cursor = resp.Cursor
	}
	if !slices.Equal(sizes, wantSizes) {
		t.Errorf("page sizes %v, want %v (no cursor on the last page, no empty page)", sizes, wantSizes)
	}
	if len(all) != n {
		t.Fatalf("the walk returned %d groups, want %d", len(all), n)
	}
	for k, g := range all {
		i := n - 1 - k // newest first
		if g.ID != ids[i] {
			t.Errorf("item %d = %s, want %s (newest first, each once)", k, g.ID, ids[i])
			continue
		}
		if g.Owner != owners[i%3] {
			t.Errorf("group %d: Owner = %q, want the plain username %q", i, g.Owner, owners[i%3])
		}
		if g.MemberCount != 1+i%4 {
			t.Errorf("group %d: MemberCount = %d, want %d", i, g.MemberCount, 1+i%4)
		}
		if g.Name != fmt.Sprintf("list group %02d", i) || g.Type != "group" {
			t.Errorf("group %d: Name %q, Type %q", i, g.Name, g.Type)
		}
		if !within(g.LastModified, before.Add(-time.Second), after.Add(time.Second)) {
			t.Errorf("group %d: LastModified = %v, want between %v and %v", i, g.LastModified.Time(), before, after)
		}
	}
}

func TestContractListJoined(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c, rec := h.client()
	ctx := t.Context()
	h.users("joined.owner", "lonely_user")
	// 25 groups; "bulk.member00001" is in all of them.
	mustOK(t, "BulkCreateGroups", h.sb.BulkCreateGroups(ctx, 25, "joined.owner", 1))
	const member = "bulk.member00001"
	// Most recently joined first: the bulk groups were joined in creation order.
	var want []string
	for i := 25; i >= 1; i-- {
		want = append(want, fmt.Sprintf("bulk group %d", i))
	}
	// Joining one more group through the client puts it first.
	extra := createGroup(t, c, &agora.CreateGroupRequest{GroupName: "latest", Public: true, Owner: "lonely_user"})
	_, _, err := c.Members.Add(ctx, extra, member)
	mustOK(t, "Members.Add", err)
	want = append([]string{"latest"}, want...)

	t.Run("pages", func(t *testing.T) {
		var got []string
		for page := 1; page <= 3; page++ {
			rec.reset()
			groups, resp, err := c.Groups.ListJoined(ctx, member, &agora.JoinedOptions{PageNum: page, PageSize: 10})
			mustOK(t, "ListJoined", err)
			wantResp(t, "ListJoined", resp, 1)
			ex := rec.last(t)
			if ex.Path != "/"+ctOrg+"/"+ctApp+"/users/"+member+"/joined_chatgroups" || !strings.Contains(ex.Query, fmt.Sprintf("pagenum=%d", page)) || !strings.Contains(ex.Query, "pagesize=10") {
				t.Errorf("ListJoined sent %s?%s", ex.Path, ex.Query)
			}
			if wantN := []int{10, 10, 6}[page-1]; len(groups) != wantN || resp.Count != wantN {
				t.Errorf("page %d: %d groups, Count %d; want %d", page, len(groups), resp.Count, wantN)
			}
			for _, g := range groups {
				if !groupIDPattern.MatchString(g.ID) {
					t.Errorf("joined group id %q", g.ID)
				}
				got = append(got, g.Name)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("joined groups over 3 pages = %v, want %v", got, want)
		}
		groups, resp, err := c.Groups.ListJoined(ctx, member, &agora.JoinedOptions{PageNum: 4, PageSize: 10})
		mustOK(t, "ListJoined past the end", err)
		if groups == nil || len(groups) != 0 || resp.Count != 0 {
			t.Errorf("page past the end = %v (count %d), want an empty list", groups, resp.Count)
		}
	})

	t.Run("defaults", func(t *testing.T) {
		all, _, err := c.Groups.ListJoined(ctx, member, nil)
		mustOK(t, "ListJoined", err)
		if len(all) != 26 || all[0].ID != extra {
			t.Errorf("ListJoined without paging = %d groups, want all 26 starting with %s", len(all), extra)
		}
		first, _, err := c.Groups.ListJoined(ctx, member, &agora.JoinedOptions{PageNum: 1})
		mustOK(t, "ListJoined", err)
		if len(first) != sandbox.DefaultJoinedPageSizeDefault {
			t.Errorf("pagenum alone returned %d groups, want the default page size %d", len(first), sandbox.DefaultJoinedPageSizeDefault)
		}
		big, _, err := c.Groups.ListJoined(ctx, "joined.owner", &agora.JoinedOptions{PageSize: 1000})
		mustOK(t, "ListJoined", err)
		if len(big) != 25 {
			t.Errorf("the owner's groups = %d, want 25", len(big))
		}
		none, _, err := c.Groups.ListJoined(ctx, "LONELY_USER", nil)
		mustOK(t, "ListJoined", err)
		if len(none) != 1 || none[0].ID != extra {
			t.Errorf("lonely_user's groups = %+v, want only %s (owner counts as joined)", none, extra)
		}
	})

	t.Run("errors", func(t *testing.T) {
		_, _, err := c.Groups.ListJoined(ctx, "ghost.user", nil)
		wantAPIError(t, err, agora.ErrNotFound, 404, "resource_not_found", "username ghost.user doesn't exist!")
		_, _, err = c.Groups.ListJoined(ctx, "ghost.user", &agora.JoinedOptions{PageNum: 2, PageSize: 5})
		wantAPIError(t, err, agora.ErrNotFound, 404, "resource_not_found", "username ghost.user doesn't exist!")
		rec.reset()
		_, _, err = c.Groups.ListJoined(ctx, member, &agora.JoinedOptions{PageNum: -1})
		wantValidation(t, err, "pagenum")
		_, _, err = c.Groups.ListJoined(ctx, "bad user", nil)
		wantValidation(t, err, "username")
		if n := rec.count(); n != 0 {
			t.Errorf("invalid calls made %d HTTP calls", n)
		}
	})
}

func TestContractMembers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c, rec := h.client()
	ctx := t.Context()
	pool := names("m.user_", 0, 140)
	h.users(append([]string{"m.owner"}, pool...)...)
	gid := createGroup(t, c, &agora.CreateGroupRequest{GroupName: "members", Public: true, MaxUsers: agora.Int(500), Owner: "m.owner", Members: pool[:5]})
	// joinOrder is who should be in the group, in join order after the owner.
	joinOrder := slices.Clone(pool[:5])

	t.Run("add one", func(t *testing.T) {
		rec.reset()
		added, resp, err := c.Members.Add(ctx, gid, "M.USER_005")
		mustOK(t, "Add", err)
		wantResp(t, "Add", resp, 1)
		if !slices.Equal(added, []string{"m.user_005"}) {
			t.Errorf("Add = %v, want [m.user_005]", added)
		}
		if ex := rec.last(t); ex.Method != "POST" || !strings.HasSuffix(ex.Path, "/chatgroups/"+gid+"/users/M.USER_005") || len(ex.Body) != 0 {
			t.Errorf("single add sent %s %s with body %q", ex.Method, ex.Path, ex.Body)
		}
		joinOrder = append(joinOrder, "m.user_005")
	})

	t.Run("add a batch of 70", func(t *testing.T) {
		batch := pool[6:76]
		rec.reset()
		added, resp, err := c.Members.Add(ctx, gid, batch...)
		mustOK(t, "Add", err)
		wantResp(t, "Add", resp, 2)
		calls := rec.calls()
		if len(calls) != 2 {
			t.Fatalf("70 names took %d calls, want 2", len(calls))
		}
		for i, ex := range calls {
			var n int
			if ex.Method == "POST" && strings.HasSuffix(ex.Path, "/chatgroups/"+gid+"/users") {
				n = strings.Count(string(ex.Body), `"m.user_`)
			}
			if want := []int{60, 10}[i]; n != want {
				t.Errorf("batch %d: %s %s with %d names, want POST …/users with %d", i, ex.Method, ex.Path, n, want)
			}
		}
		if !slices.Equal(added, batch) {
			t.Errorf("Add returned %d names, want the 70 asked in order", len(added))
		}
		joinOrder = append(joinOrder, batch...)
	})

	t.Run("add skips members and reports only new ones", func(t *testing.T) {
		added, _, err := c.Members.Add(ctx, gid, "m.user_000", "m.owner", "m.user_076")
		mustOK(t, "Add", err)
		if !slices.Equal(added, []string{"m.user_076"}) {
			t.Errorf("Add = %v, want [m.user_076]", added)
		}
		joinOrder = append(joinOrder, "m.user_076")
		added, _, err = c.Members.Add(ctx, gid, "m.user_000", "m.user_001")
		mustOK(t, "Add", err)
		if added == nil || len(added) != 0 {
			t.Errorf("Add of existing members = %#v, want an empty list", added)
		}
	})

	t.Run("add errors", func(t *testing.T) {
		_, _, err := c.Members.Add(ctx, gid, "m.user_000")
		wantAPIError(t, err, agora.ErrForbidden, 403, "forbidden_op", "user: m.user_000 already in group: "+gid)
		_, _, err = c.Members.Add(ctx, gid, "ghost.one")
		wantAPIError(t, err, agora.ErrNotFound, 404, "resource_not_found", "username ghost.one doesn't exist!")
		_, _, err = c.Members.Add(ctx, gid, "m.user_100", "ghost.two")
		wantAPIError(t, err, agora.ErrNotFound, 404, "resource_not_found", "username ghost.two doesn't exist!")
		_, _, err = c.Members.Add(ctx, "1234567890123456", "m.user_100")
		wantAPIError(t, err, agora.ErrNotFound, 404, "resource_not_found", "grpID 1234567890123456 does not exist!")
		rec.reset()
		_, _, err = c.Members.Add(ctx, gid)
		wantValidation(t, err, "usernames")
		_, _, err = c.Members.Add(ctx, gid, "ok", "not ok")
		wantValidation(t, err, "usernames[1]")
		if n := rec.count(); n != 0 {
			t.Errorf("invalid adds made %d HTTP calls", n)
		}
		// An all-or-nothing batch: the unknown user stopped m.user_100 too.
		g, _, err := c.Groups.GetOne(ctx, gid)
		mustOK(t, "GetOne", err)
		if g.AffiliationsCount != 1+len(joinOrder) {
			t.Errorf("AffiliationsCount = %d, want %d", g.AffiliationsCount, 1+len(joinOrder))
		}
	})

	t.Run("a failing later batch returns the earlier ones", func(t *testing.T) {
		small := createGroup(t, c, &agora.CreateGroupRequest{Public: true, MaxUsers: agora.Int(70), Owner: "m.owner"})
		rec.reset()
		added, resp, err := c.Members.Add(ctx, small, pool[:80]...)
		wantAPIError(t, err, agora.ErrForbidden, 403, "exceed_limit", "members size is greater than max user size !")
		if !slices.Equal(added, pool[:60]) {
			t.Errorf("Add returned %d names with the error, want the 60 of the first batch", len(added))
		}
		if n := rec.count(); n != 2 || resp == nil || resp.Attempts != 2 || resp.StatusCode != 403 {
			t.Errorf("%d calls, Response %v; want 2 calls, the last one's 403, Attempts 2", n, resp)
		}
		g, _, err := c.Groups.GetOne(ctx, small)
		mustOK(t, "GetOne", err)
		if g.AffiliationsCount != 61 {
			t.Errorf("AffiliationsCount = %d, want 61 (the failing batch is not applied at all)", g.AffiliationsCount)
		}
	})

	t.Run("list pages", func(t *testing.T) {
		var got []agora.Affiliation
		for page := 1; ; page++ {
			if page > 20 {
				t.Fatal("member pages do not end")
			}
			affs, resp, err := c.Members.List(ctx, gid, &agora.PageOptions{PageNum: page, PageSize: 20})
			mustOK(t, "Members.List", err)
			if resp.Count != len(affs) {
				t.Errorf("page %d: Count %d, %d items", page, resp.Count, len(affs))
			}
			got = append(got, affs...)
			if len(affs) < 20 {
				break
			}
		}
		want := []agora.Affiliation{{Username: "m.owner", Role: agora.RoleOwner}}
		for _, u := range joinOrder {
			want = append(want, agora.Affiliation{Username: u, Role: agora.RoleMember})
		}
		if !slices.Equal(got, want) {
			t.Errorf("member list = %d entries %v…, want the owner then %d members in join order", len(got), got[:min(3, len(got))], len(joinOrder))
		}
		first, _, err := c.Members.List(ctx, gid, nil)
		mustOK(t, "Members.List", err)
		if len(first) != 10 || first[0].Role != agora.RoleOwner {
			t.Errorf("Members.List(nil) = %d entries, want 10 starting with the owner", len(first))
		}
		_, _, err = c.Members.List(ctx, "1234567890123456", nil)
		wantAPIError(t, err, agora.ErrNotFound, 404, "service_resource_not_found", "do not find this group:1234567890123456")
		_, _, err = c.Members.List(ctx, gid, &agora.PageOptions{PageNum: -1})
		wantValidation(t, err, "pagenum")
	})

	t.Run("list page size is clamped to 100", func(t *testing.T) {
		mustOK(t, "BulkCreateGroups", h.sb.BulkCreateGroups(ctx, 1, "m.owner", 150))
		list, _, err := c.Groups.List(ctx, &agora.ListOptions{Limit: 1})
		mustOK(t, "List", err)
		big := list[0].ID
		affs, resp, err := c.Members.List(ctx, big, &agora.PageOptions{PageNum: 1, PageSize: 1000})
		mustOK(t, "Members.List", err)
		if len(affs) != 100 || resp.Count != 100 {
			t.Errorf("pagesize 1000 returned %d members (Count %d), want 100", len(affs), resp.Count)
		}
		affs, _, err = c.Members.List(ctx, big, &agora.PageOptions{PageNum: 2, PageSize: 1000})
		mustOK(t, "Members.List", err)
		if len(affs) != 51 {
			t.Errorf("page 2 with pagesize 1000 returned %d members, want 51", len(affs))
		}
		affs, _, err = c.Members.List(ctx, big, &agora.PageOptions{PageNum: 3, PageSize: 100})
		mustOK(t, "Members.List", err)
		if affs == nil || len(affs) != 0 {
			t.Errorf("a member page past the end = %#v, want an empty list", affs)
		}
	})

	t.Run("remove one", func(t *testing.T) {
		rec.reset()
		res, resp, err := c.Members.Remove(ctx, gid, "m.user_005")
		mustOK(t, "Remove", err)
		wantResp(t, "Remove", resp, 1)
		if want := []agora.MemberResult{{Username: "m.user_005", OK: true}}; !slices.Equal(res, want) {
			t.Errorf("Remove = %+v, want %+v", res, want)
		}
		if ex := rec.last(t); ex.Method != "DELETE" || !strings.HasSuffix(ex.Path, "/chatgroups/"+gid+"/users/m.user_005") {
			t.Errorf("Remove sent %s %s", ex.Method, ex.Path)
		}
		joinOrder = slices.DeleteFunc(joinOrder, func(s string) bool { return s == "m.user_005" })

		_, _, err = c.Members.Remove(ctx, gid, "m.user_005")
		wantAPIError(t, err, agora.ErrForbidden, 403, "forbidden_op", "users [m.user_005] are not members of this group!")
		_, _, err = c.Members.Remove(ctx, gid, "m.owner")
		wantAPIError(t, err, agora.ErrForbidden, 403, "forbidden_op", "forbidden operation on group owner!")
		_, _, err = c.Members.Remove(ctx, gid, "ghost.one")
		wantAPIError(t, err, agora.ErrNotFound, 404, "resource_not_found", "username ghost.one doesn't exist!")
	})

	t.Run("remove a batch with per-user results", func(t *testing.T) {
		res, resp, err := c.Members.Remove(ctx, gid, "m.user_006", "m.user_139", "ghost.one", "m.owner", "m.user_007")
		mustOK(t, "Remove", err)
		wantResp(t, "Remove", resp, 1)
		want := []agora.MemberResult{
			{Username: "m.user_006", OK: true},
			{Username: "m.user_139", Reason: "user: m.user_139 doesn't exist in group: " + gid},
			{Username: "ghost.one", Reason: "user ghost.one doesn't exist."},
			{Username: "m.owner", Reason: "forbidden operation on group owner!"},
			{Username: "m.user_007", OK: true},
		}
		if !slices.Equal(res, want) {
			t.Errorf("Remove =\n %+v\nwant\n %+v", res, want)
		}
		joinOrder = slices.DeleteFunc(joinOrder, func(s string) bool { return s == "m.user_006" || s == "m.user_007" })
	})

	t.Run("remove more than 60", func(t *testing.T) {
		batch := slices.Clone(joinOrder[10:72]) // 62 members
		rec.reset()
		res, resp, err := c.Members.Remove(ctx, gid, batch...)
		mustOK(t, "Remove", err)
		wantResp(t, "Remove", resp, 2)
		if n := rec.count(); n != 2 {
			t.Errorf("removing 62 names took %d calls, want 2", n)
		}
		if len(res) != 62 {
			t.Fatalf("Remove returned %d results, want 62", len(res))
		}
		for i, r := range res {
			if r.Username != batch[i] || !r.OK {
				t.Errorf("result %d = %+v, want %s removed", i, r, batch[i])
			}
		}
		joinOrder = slices.DeleteFunc(joinOrder, func(s string) bool { return slices.Contains(batch, s) })
		g, _, err := c.Groups.GetOne(ctx, gid)
		mustOK(t, "GetOne", err)
		if g.AffiliationsCount != 1+len(joinOrder) {
			t.Errorf("AffiliationsCount = %d, want %d", g.AffiliationsCount, 1+len(joinOrder))
		}
	})

	t.Run("a batch split that leaves one name keeps per-user results", func(t *testing.T) {
		// The client documents that failures of single users in a batch are
		// results, not errors. Remove splits at 60 names and at 3,000 bytes of
		// path; a trailing batch of exactly one name has no comma, so Agora and
		// the sandbox treat it as the single-user endpoint, which answers a
		// failure with an error status instead of a result.
		long := func(i int) string { return fmt.Sprintf("%s%03d", strings.Repeat("l", agora.MaxUsernameLen-3), i) }
		var longNames []string
		for i := range 46 {
			longNames = append(longNames, long(i))
		}
		h.users(append(slices.Clone(longNames), long(999))...)
		for _, tc := range []struct {
			name    string
			members []string // in the group
			extra   string   // a user who is not a member, asked last
		}{
			{"61 names: 60 + 1", pool[:60], "m.user_139"},
			{"47 names of 64 characters: 46 + 1 by URL length", longNames, long(999)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				grp := createGroup(t, c, &agora.CreateGroupRequest{Public: true, MaxUsers: agora.Int(200), Owner: "m.owner"})
				_, _, err := c.Members.Add(ctx, grp, tc.members...)
				mustOK(t, "Add", err)
				batch := append(slices.Clone(tc.members), tc.extra)
				rec.reset()
				res, _, err := c.Members.Remove(ctx, grp, batch...)
				calls := rec.calls()
				last := ""
				if len(calls) > 0 {
					last = calls[len(calls)-1].Path
				}
				if err != nil {
					t.Errorf("BUG agora/members.go MembersService.Remove (pathBatches): removing %d users where only the last, %s, "+
						"is not a member returned error %q with %d results; want %d per-user results with the last OK=false, "+
						"as its doc promises (\"Failures of single users in a batch are reported in the results\"). "+
						"The last batch was sent alone as DELETE %s (no comma), which is the single-user form.",
						len(batch), tc.extra, err, len(res), len(batch), last)
					return
				}
				if len(res) != len(batch) || res[len(res)-1].OK || res[len(res)-1].Reason == "" {
					t.Errorf("Remove = %d results, last %+v; want %d with the last failed", len(res), res[len(res)-1], len(batch))
				}
			})
		}
	})

	t.Run("admins", func(t *testing.T) {
		admins, resp, err := c.Members.ListAdmins(ctx, gid)
		mustOK(t, "ListAdmins", err)
		wantResp(t, "ListAdmins", resp, 1)
		if admins == nil || len(admins) != 0 {
			t.Errorf("ListAdmins of a new group = %#v, want an empty list", admins)
		}
		a1, a2 := joinOrder[0], joinOrder[1]
		for _, u := range []string{a2, a1} {
			rec.reset()
			resp, err := c.Members.AddAdmin(ctx, gid, u)
			mustOK(t, "AddAdmin", err)
			wantResp(t, "AddAdmin", resp, 1)
			if keys := bodyKeys(t, rec.last(t).Body); !slices.Equal(keys, []string{"newadmin"}) {
				t.Errorf("AddAdmin body keys %v", keys)
			}
		}
		admins, _, err = c.Members.ListAdmins(ctx, gid)
		mustOK(t, "ListAdmins", err)
		if want := []string{a1, a2}; !slices.Equal(admins, want) { // join order, not promotion order
			t.Errorf("ListAdmins = %v, want %v", admins, want)
		}
		affs, _, err := c.Members.List(ctx, gid, &agora.PageOptions{PageNum: 1, PageSize: 3})
		mustOK(t, "Members.List", err)
		if want := []agora.Affiliation{{Username: "m.owner", Role: agora.RoleOwner}, {Username: a1, Role: agora.RoleMember}, {Username: a2, Role: agora.RoleMember}}; !slices.Equal(affs, want) {
			t.Errorf("Members.List = %v, want admins listed as members: %v", affs, want)
		}

		_, err = c.Members.AddAdmin(ctx, gid, a1)
		wantAPIError(t, err, agora.ErrForbidden, 403, "forbidden_op", "is already admin of group")
		_, err = c.Members.AddAdmin(ctx, gid, "m.owner")
		wantAPIError(t, err, agora.ErrForbidden, 403, "forbidden_op", "forbidden operation on group owner!")
		_, err = c.Members.AddAdmin(ctx, gid, "m.user_139")
		wantAPIError(t, err, agora.ErrNotFound, 404, "resource_not_found", "user: m.user_139 doesn't exist in group: "+gid)

		resp, err = c.Members.RemoveAdmin(ctx, gid, a1)
		mustOK(t, "RemoveAdmin", err)
		wantResp(t, "RemoveAdmin", resp, 1)
		admins, _, err = c.Members.ListAdmins(ctx, gid)
		mustOK(t, "ListAdmins", err)
		if !slices.Equal(admins, []string{a2}) {
			t.Errorf("ListAdmins after RemoveAdmin = %v, want [%s]", admins, a2)
		}
		_, err = c.Members.RemoveAdmin(ctx, gid, a1)
		wantAPIError(t, err, agora.ErrForbidden, 403, "forbidden_op", "user:"+a1+" is not admin of group:"+gid)
		_, _, err = c.Members.ListAdmins(ctx, "1234567890123456")
		wantAPIError(t, err, agora.ErrNotFound, 404, "resource_not_found", "grpID 1234567890123456 does not exist!")
		// Removing an admin from the group also ends the admin role.
		_, _, err = c.Members.Remove(ctx, gid, a2)
		mustOK(t, "Remove", err)
		admins, _, err = c.Members.ListAdmins(ctx, gid)
		mustOK(t, "ListAdmins", err)
		if len(admins) != 0 {
			t.Errorf("ListAdmins after the admin left = %v, want none", admins)
		}
	})
}

func TestContractAuth(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.users("auth.owner")
	good, _ := h.client()
	ctx := t.Context()
	id1 := createGroup(t, good, &agora.CreateGroupRequest{Public: true, Owner: "auth.owner"})
	id2 := createGroup(t, good, &agora.CreateGroupRequest{Public: true, Owner: "auth.owner"})

	expired, err := agora.NewAppToken(ctAppID, time.Minute, time.Now().Add(-time.Hour))
	mustOK(t, "NewAppToken", err)
	expiredToken, err := expired.Build(ctCert)
	mustOK(t, "Build", err)
	userTok := &agora.AccessToken2{AppID: ctAppID, IssuedAt: uint32(time.Now().Unix()), Expire: 3600, Salt: 42,
		Services: []agora.TokenService{{Type: agora.ServiceChat, Privileges: map[uint16]uint32{agora.PrivilegeChatUser: 3600}, UserID: "auth.nobody"}}}
	userToken, err := userTok.Build(ctCert)
	mustOK(t, "Build", err)
	validFixed, err := agora.BuildAppToken(ctAppID, ctCert, time.Hour)
	mustOK(t, "BuildAppToken", err)

	fixed := func(tok string) func(*agora.Config) {
		return func(c *agora.Config) { c.AppID, c.AppCertificate, c.AppToken = "", "", tok }
	}
	for _, tc := range []struct {
		name     string
		cfg      func(*agora.Config)
		sentinel error // nil: the calls succeed
		status   int
		code     string
		desc     string
	}{
		{"valid fixed app token", fixed(validFixed), nil, 0, "", ""},
		{"wrong app certificate", func(c *agora.Config) { c.AppCertificate = otherCert },
			agora.ErrUnauthorized, 401, "auth_bad_access_token", "Unable to authenticate"},
		{"another app's credentials", func(c *agora.Config) { c.AppID, c.AppCertificate = otherAppID, otherCert },
			agora.ErrUnauthorized, 401, "auth_bad_access_token", "Unable to authenticate"},
		{"expired fixed token", fixed(expiredToken),
			agora.ErrUnauthorized, 401, "unauthorized", "Unable to authenticate due to expired access token"},
		{"corrupt fixed token", fixed("007notreallyatoken"),
			agora.ErrUnauthorized, 401, "auth_bad_access_token", "Unable to authenticate due to corrupt access token"},
		{"user token of no user", fixed(userToken), // rights of real users: rights_test.go
			agora.ErrUnauthorized, 401, "unauthorized", "Unable to authenticate (OAuth)"},
		{"another org", func(c *agora.Config) { c.OrgName = "99999999" },
			agora.ErrNotFound, 404, "organization_application_not_found", "Could not find application for 99999999/" + ctApp},
		{"another app", func(c *agora.Config) { c.AppName = "other_app" },
			agora.ErrNotFound, 404, "organization_application_not_found", "Could not find application for " + ctOrg + "/other_app"},
		{"app names are case-sensitive", func(c *agora.Config) { c.AppName = strings.ToUpper(ctApp) },
			agora.ErrNotFound, 404, "organization_application_not_found", "Could not find application"},
		{"org is checked before the token", func(c *agora.Config) { c.OrgName, c.AppCertificate = "99999999", otherCert },
			agora.ErrNotFound, 404, "organization_application_not_found", "Could not find application"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, rec := h.clientFor(h.clientConfig(tc.cfg))
			calls := []struct {
				name string
				do   func() (*agora.Response, error)
			}{
				{"GetOne", func() (*agora.Response, error) { _, r, err := c.Groups.GetOne(ctx, id1); return r, err }},
				// Several ids: a 404 here must not be taken for "all ids missing".
				{"Get(2 ids)", func() (*agora.Response, error) { _, r, err := c.Groups.Get(ctx, id1, id2); return r, err }},
				{"List", func() (*agora.Response, error) { _, r, err := c.Groups.List(ctx, nil); return r, err }},
				{"ListJoined", func() (*agora.Response, error) {
					_, r, err := c.Groups.ListJoined(ctx, "auth.owner", nil)
					return r, err
				}},
				{"Users.Get", func() (*agora.Response, error) { _, r, err := c.Users.Get(ctx, "auth.owner"); return r, err }},
				{"Create", func() (*agora.Response, error) {
					_, r, err := c.Groups.Create(ctx, &agora.CreateGroupRequest{Public: true, Owner: "auth.owner"})
					return r, err
				}},
				{"Delete", func() (*agora.Response, error) { return c.Groups.Delete(ctx, "1234567890123456") }},
			}
			for _, call := range calls {
				rec.reset()
				resp, err := call.do()
				if tc.sentinel == nil {
					if call.name == "Delete" {
						if !errors.Is(err, agora.ErrNotFound) {
							t.Errorf("%s: %v, want the group's ErrNotFound", call.name, err)
						}
						continue
					}
					if err != nil {
						t.Errorf("%s: %v", call.name, err)
					}
					continue
				}
				t.Run(call.name, func(t *testing.T) {
					ae := wantAPIError(t, err, tc.sentinel, tc.status, tc.code, tc.desc)
					if resp == nil || resp.StatusCode != tc.status || resp.Attempts != 1 || rec.count() != 1 {
						t.Errorf("Response %v after %d calls; want the %d answer, 1 attempt", resp, rec.count(), tc.status)
					}
					if s := err.Error(); strings.Contains(s, "007e") || strings.Contains(s, "Bearer") {
						t.Errorf("the error shows the token: %s", s)
					}
					if ae.Path == "" || !strings.Contains(ae.Path, "/") {
						t.Errorf("Error.Path = %q", ae.Path)
					}
				})
			}
		})
	}
	// Nothing the refused clients sent changed anything.
	list, _, err := good.Groups.List(ctx, nil)
	mustOK(t, "List", err)
	if len(list) != 3 { // id1, id2, and the one the fixed-token client created
		t.Errorf("%d groups after the auth tests, want 3", len(list))
	}
}

func TestContractRateLimit(t *testing.T) {
	t.Parallel()
	const rps = 5
	h := newHarness(t, func(c *sandbox.Config) { c.RateLimit = rps })
	ctx := t.Context()
	// Set up without HTTP, so no request spends the bucket.
	h.users("rl.owner")
	mustOK(t, "BulkCreateGroups", h.sb.BulkCreateGroups(ctx, 20, "rl.owner", 0))
	retrying, rrec := h.client(agora.WithRetries(4, 50*time.Millisecond))
	single, srec := h.client(agora.WithRetries(0, 0))

	list, _, err := retrying.Groups.List(ctx, &agora.ListOptions{Limit: 100})
	mustOK(t, "List", err)
	if len(list) != 20 {
		t.Fatalf("List = %d groups, want 20", len(list))
	}

	burst := func(n int, call func(i int) (*agora.Response, error)) ([]*agora.Response, []error) {
		resps, errs := make([]*agora.Response, n), make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { resps[i], errs[i] = call(i) })
		}
		wg.Wait()
		return resps, errs
	}

	t.Run("GET honours 429 and Retry-After", func(t *testing.T) {
		rrec.reset()
		start := time.Now()
		resps, errs := burst(12, func(i int) (*agora.Response, error) {
			_, r, err := retrying.Groups.GetOne(ctx, list[i].ID)
			return r, err
		})
		retried := 0
		for i, err := range errs {
			if err != nil {
				t.Errorf("call %d: %v (want success after retries)", i, err)
				continue
			}
			if resps[i].Attempts > 1 {
				retried++
			}
		}
		if retried == 0 {
			t.Errorf("no call of a burst of 12 at %d/s needed a retry", rps)
		}
		var got429 int
		for _, ex := range rrec.calls() {
			if ex.Status == http.StatusTooManyRequests {
				got429++
			}
		}
		if got429 == 0 || len(rrec.calls()) != 12+got429 {
			t.Errorf("%d attempts with %d answered 429; want 12 successes plus one attempt per 429", len(rrec.calls()), got429)
		}
		// Retry-After is whole seconds (at least 1): a retried call waited for it.
		if retried > 0 && time.Since(start) < 900*time.Millisecond {
			t.Errorf("the retried burst ended after %v, before the 1s Retry-After", time.Since(start))
		}
	})

	t.Run("without retries the 429 is returned", func(t *testing.T) {
		var rlErr error
		var rlResp *agora.Response
		for i := range 3 * rps {
			srec.reset()
			_, resp, err := single.Groups.GetOne(ctx, list[i].ID)
			if err != nil {
				rlErr, rlResp = err, resp
				break
			}
		}
		if rlErr == nil {
			t.Fatalf("%d back-to-back calls at %d/s were all accepted", 3*rps, rps)
		}
		wantAPIError(t, rlErr, agora.ErrRateLimited, 429, "reach_limit", "This request has reached api limit")
		if d, ok := agora.RetryAfter(rlErr); !ok || d < time.Second {
			t.Errorf("RetryAfter = %v, %v; want at least 1s", d, ok)
		}
		if rlResp == nil || rlResp.StatusCode != 429 || rlResp.Attempts != 1 || srec.count() != 1 {
			t.Errorf("Response %v after %d calls; want the 429 after 1 attempt", rlResp, srec.count())
		}
	})

	t.Run("POST is never retried", func(t *testing.T) {
		rrec.reset()
		resps, errs := burst(2*rps, func(int) (*agora.Response, error) {
			_, r, err := retrying.Groups.Create(ctx, &agora.CreateGroupRequest{Public: true, Owner: "rl.owner"})
			return r, err
		})
		limited := 0
		for i, err := range errs {
			if err == nil {
				continue
			}
			if !errors.Is(err, agora.ErrRateLimited) {
				t.Errorf("create %d: %v, want success or ErrRateLimited", i, err)
			}
			limited++
			if resps[i] == nil || resps[i].Attempts != 1 {
				t.Errorf("create %d: Response %v, want 1 attempt", i, resps[i])
			}
		}
		if limited == 0 {
			t.Errorf("a burst of %d creates at %d/s was never limited", 2*rps, rps)
		}
		if n := rrec.count(); n != 2*rps {
			t.Errorf("%d creates sent %d requests, want exactly one each", 2*rps, n)
		}
	})

	t.Run("a Retry-After above 10s is left to the caller", func(t *testing.T) {
		slow := newHarness(t, func(c *sandbox.Config) { c.RateLimit = 0.05 }) // one call per 20s
		slow.users("slow.owner")
		sc, srec := slow.client(agora.WithRetries(4, 10*time.Millisecond))
		_, _, err := sc.Groups.List(ctx, nil)
		mustOK(t, "first List", err)
		start := time.Now()
		_, resp, err := sc.Groups.List(ctx, nil)
		wantAPIError(t, err, agora.ErrRateLimited, 429, "reach_limit", "")
		if d, ok := agora.RetryAfter(err); !ok || d < 10*time.Second || d > 20*time.Second {
			t.Errorf("RetryAfter = %v, %v; want about 20s", d, ok)
		}
		if resp == nil || resp.Attempts != 1 || srec.count() != 2 || time.Since(start) > 5*time.Second {
			t.Errorf("Response %v, %d requests in all, %v: want the 429 at once, without waiting", resp, srec.count(), time.Since(start))
		}
	})

	t.Run("DELETE is retried on 429", func(t *testing.T) {
		resps, errs := burst(2*rps, func(i int) (*agora.Response, error) {
			return retrying.Groups.Delete(ctx, list[i].ID)
		})
		retried := 0
		for i, err := range errs {
			if err != nil {
				t.Errorf("delete %d: %v (a 429 cannot have deleted anything: want a retry)", i, err)
			} else if resps[i].Attempts > 1 {
				retried++
			}
		}
		if retried == 0 {
			t.Errorf("no delete of a burst of %d at %d/s was retried", 2*rps, rps)
		}
	})
}

func TestContractPersistence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := t.Context()
	open := func() (*sandbox.Sandbox, *httptest.Server, *agora.Client) {
		t.Helper()
		sb, err := sandbox.Open(sandboxConfig(dir))
		mustOK(t, "sandbox.Open", err)
		srv := httptest.NewServer(sb.Handler())
		c, err := agora.NewClient(agora.Config{Host: srv.URL, OrgName: ctOrg, AppName: ctApp, AppID: ctAppID, AppCertificate: ctCert},
			agora.WithRetries(1, 10*time.Millisecond), agora.WithRateLimits(0, 0))
		mustOK(t, "NewClient", err)
		return sb, srv, c
	}

	sb, srv, c := open()
	_, _, err := c.Users.Create(ctx, agora.NewUser{Username: "keep.owner", Password: "pw"}, agora.NewUser{Username: "keep_member", Password: "pw"})
	mustOK(t, "Users.Create", err)
	id := createGroup(t, c, &agora.CreateGroupRequest{GroupName: "durable", Description: "survives restarts", Public: false,
		MaxUsers: agora.Int(42), Owner: "keep.owner", Members: []string{"keep_member"}, Custom: agora.String("k=v")})
	_, err = c.Members.AddAdmin(ctx, id, "keep_member")
	mustOK(t, "AddAdmin", err)
	before, _, err := c.Groups.GetOne(ctx, id)
	mustOK(t, "GetOne", err)
	appUUID := sb.ApplicationUUID()
	srv.Close()
	mustOK(t, "Close", sb.Close())

	sb, srv, c = open()
	defer func() {
		srv.Close()
		if err := sb.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	after, _, err := c.Groups.GetOne(ctx, id)
	mustOK(t, "GetOne after reopening", err)
	if !groupEqual(after, before) {
		t.Errorf("after reopening:\n %+v\nwant\n %+v", after, before)
	}
	admins, _, err := c.Members.ListAdmins(ctx, id)
	mustOK(t, "ListAdmins", err)
	if !slices.Equal(admins, []string{"keep_member"}) {
		t.Errorf("admins after reopening = %v, want [keep_member]", admins)
	}
	if sb.ApplicationUUID() != appUUID {
		t.Errorf("application UUID changed from %s to %s", appUUID, sb.ApplicationUUID())
	}
	if _, _, err := c.Users.Get(ctx, "keep.owner"); err != nil {
		t.Errorf("user after reopening: %v", err)
	}
	id2 := createGroup(t, c, &agora.CreateGroupRequest{Public: true, Owner: "keep.owner"})
	if len(id2) != len(id) || id2 <= id {
		t.Errorf("a group created after reopening got id %s, want one above %s", id2, id)
	}
}

func TestContractConcurrency(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := t.Context()
	// The default client-side limits, under -race.
	c, _ := h.client(agora.WithRateLimits(100, 50))
	const workers, perWorker = 8, 4
	var all []string
	for w := range workers {
		all = append(all, fmt.Sprintf("c.owner_%d", w), fmt.Sprintf("c.a_%d", w), fmt.Sprintf("c.b_%d", w), fmt.Sprintf("c.c_%d", w), fmt.Sprintf("c.d_%d", w))
	}
	all = append(all, "c.shared")
	h.users(all...)

	ids := make([][]string, workers)
	var wg sync.WaitGroup
	errc := make(chan error, workers*perWorker*4)
	for w := range workers {
		wg.Go(func() {
			owner := fmt.Sprintf("c.owner_%d", w)
			for i := range perWorker {
				id, _, err := c.Groups.Create(ctx, &agora.CreateGroupRequest{
					GroupName: fmt.Sprintf("w%d g%d", w, i), Public: true, Owner: owner,
					Members: []string{fmt.Sprintf("c.a_%d", w), fmt.Sprintf("c.b_%d", w)},
				})
				if err != nil {
					errc <- fmt.Errorf("worker %d create %d: %w", w, i, err)
					return
				}
				ids[w] = append(ids[w], id)
				if _, _, err := c.Members.Add(ctx, id, "c.shared"); err != nil {
					errc <- fmt.Errorf("worker %d add one: %w", w, err)
				}
				added, _, err := c.Members.Add(ctx, id, fmt.Sprintf("c.c_%d", w), fmt.Sprintf("c.d_%d", w))
				if err != nil || len(added) != 2 {
					errc <- fmt.Errorf("worker %d add batch: %v, %w", w, added, err)
				}
				if _, err := c.Members.AddAdmin(ctx, id, fmt.Sprintf("c.a_%d", w)); err != nil {
					errc <- fmt.Errorf("worker %d add admin: %w", w, err)
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}

	var flat []string
	for _, w := range ids {
		flat = append(flat, w...)
	}
	list := listAll(t, c, 7)
	if len(list) != workers*perWorker {
		t.Errorf("List walked %d groups, want %d", len(list), workers*perWorker)
	}
	seen := map[string]bool{}
	for i, g := range list {
		if seen[g.ID] {
			t.Errorf("group %s listed twice", g.ID)
		}
		seen[g.ID] = true
		if g.MemberCount != 6 {
			t.Errorf("group %s: MemberCount %d, want 6", g.ID, g.MemberCount)
		}
		if i > 0 && g.ID >= list[i-1].ID {
			t.Errorf("List is not newest first at %d: %s after %s", i, g.ID, list[i-1].ID)
		}
	}
	groups, resp, err := c.Groups.Get(ctx, flat...)
	mustOK(t, "Get", err)
	if len(groups) != len(flat) || resp.Count != len(flat) {
		t.Errorf("Get = %d groups (Count %d), want %d", len(groups), resp.Count, len(flat))
	}
	for _, g := range groups {
		if !seen[g.ID] || g.AffiliationsCount != 6 || len(g.Affiliations) != 6 {
			t.Errorf("group %s: listed %v, %d affiliations (count %d), want 6", g.ID, seen[g.ID], len(g.Affiliations), g.AffiliationsCount)
		}
	}
	joined, _, err := c.Groups.ListJoined(ctx, "c.shared", nil)
	mustOK(t, "ListJoined", err)
	if len(joined) != len(flat) {
		t.Errorf("c.shared joined %d groups, want %d", len(joined), len(flat))
	}
	for w := range workers {
		admins, _, err := c.Members.ListAdmins(ctx, ids[w][0])
		mustOK(t, "ListAdmins", err)
		if !slices.Equal(admins, []string{fmt.Sprintf("c.a_%d", w)}) {
			t.Errorf("worker %d's admins = %v", w, admins)
		}
	}
}

// TestContractPaths checks that the client's paths are the documented ones
// (facts §7: single slash, joined path with {org}) by replaying them raw.
func TestContractPaths(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c, rec := h.client()
	ctx := t.Context()
	h.users("p.owner", "p_member")
	id := createGroup(t, c, &agora.CreateGroupRequest{Public: true, Owner: "p.owner"})
	prefix := "/" + ctOrg + "/" + ctApp
	rec.reset()
	_, _, _ = c.Members.Add(ctx, id, "p_member")
	_, _ = c.Members.AddAdmin(ctx, id, "p_member")
	_, _, _ = c.Members.ListAdmins(ctx, id)
	_, _ = c.Members.RemoveAdmin(ctx, id, "p_member")
	_, _, _ = c.Members.List(ctx, id, &agora.PageOptions{PageNum: 1, PageSize: 5})
	_, _, _ = c.Groups.ListJoined(ctx, "p_member", &agora.JoinedOptions{PageNum: 1, PageSize: 5})
	_, _, _ = c.Members.Remove(ctx, id, "p_member")
	_, _, _ = c.Users.Get(ctx, "p_member")
	_, _ = c.Users.Delete(ctx, "p_member")
	_, _ = c.Groups.Delete(ctx, id)
	want := []string{
		"POST " + prefix + "/chatgroups/" + id + "/users/p_member",
		"POST " + prefix + "/chatgroups/" + id + "/admin",
		"GET " + prefix + "/chatgroups/" + id + "/admin",
		"DELETE " + prefix + "/chatgroups/" + id + "/admin/p_member",
		"GET " + prefix + "/chatgroups/" + id + "/users?pagenum=1&pagesize=5",
		"GET " + prefix + "/users/p_member/joined_chatgroups?pagenum=1&pagesize=5",
		"DELETE " + prefix + "/chatgroups/" + id + "/users/p_member",
		"GET " + prefix + "/users/p_member",
		"DELETE " + prefix + "/users/p_member",
		"DELETE " + prefix + "/chatgroups/" + id,
	}
	var got []string
	for _, ex := range rec.calls() {
		s := ex.Method + " " + ex.Path
		if ex.Query != "" {
			q, _ := url.ParseQuery(ex.Query)
			s += "?" + q.Encode()
		}
		got = append(got, s)
		if ex.Status != http.StatusOK {
			t.Errorf("%s answered %d", s, ex.Status)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("requests:\n %s\nwant\n %s", strings.Join(got, "\n "), strings.Join(want, "\n "))
	}

	// A trailing slash on Host does not double the slash.
	ts, trec := h.clientFor(h.clientConfig(func(c *agora.Config) { c.Host += "/" }))
	if _, _, err := ts.Groups.List(ctx, nil); err != nil {
		t.Errorf("List with a trailing slash on Host: %v", err)
	}
	if p := trec.last(t).Path; p != prefix+"/chatgroups" {
		t.Errorf("path %q, want %q", p, prefix+"/chatgroups")
	}
}

// TestContractUnavailable covers ErrUnavailable: a sandbox that answers 500
// and one that does not answer at all.
func TestContractUnavailable(t *testing.T) {
	t.Parallel()
	ctx := t.Context()

	t.Run("500 from a sandbox whose store is gone", func(t *testing.T) {
		sb, err := sandbox.Open(sandboxConfig(t.TempDir()))
		mustOK(t, "Open", err)
		srv := httptest.NewServer(sb.Handler())
		defer srv.Close()
		h := &harness{t: t, sb: sb, srv: srv}
		c, rec := h.client()
		mustOK(t, "Close", sb.Close()) // the handler is used after Close on purpose
		_, resp, err := c.Groups.List(ctx, nil)
		wantAPIError(t, err, agora.ErrUnavailable, 500, "internal_server_error", "internal error")
		// 500 is not among the retried statuses (429, 502, 503, 504).
		if resp == nil || resp.Attempts != 1 || rec.count() != 1 {
			t.Errorf("Response %v after %d requests, want one 500", resp, rec.count())
		}
	})

	t.Run("no answer", func(t *testing.T) {
		h := newHarness(t)
		h.users("gone.owner")
		c, rec := h.client(agora.WithRetries(2, time.Millisecond))
		id := createGroup(t, c, &agora.CreateGroupRequest{Public: true, Owner: "gone.owner"})
		h.srv.Close()
		// Drop the kept-alive connection, so every attempt dials and is refused
		// before anything is written.
		rec.base.(*http.Transport).CloseIdleConnections()
		for _, tc := range []struct {
			name     string
			call     func() (*agora.Response, error)
			attempts int
		}{
			{"GET is retried", func() (*agora.Response, error) { _, r, err := c.Groups.GetOne(ctx, id); return r, err }, 3},
			// Nothing was written to a refused connection: a retry is safe.
			{"DELETE is retried before anything was sent", func() (*agora.Response, error) { return c.Groups.Delete(ctx, id) }, 3},
			{"POST is not retried", func() (*agora.Response, error) {
				_, r, err := c.Groups.Create(ctx, &agora.CreateGroupRequest{Public: true, Owner: "gone.owner"})
				return r, err
			}, 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				rec.reset()
				resp, err := tc.call()
				if !errors.Is(err, agora.ErrUnavailable) {
					t.Errorf("err = %v, want ErrUnavailable", err)
				}
				var re *agora.RequestError
				if !errors.As(err, &re) {
					t.Errorf("err %v (%T) is not an *agora.RequestError", err, err)
				}
				var ae *agora.Error
				if errors.As(err, &ae) || resp != nil {
					t.Errorf("a call without an answer has an *Error (%v) or a Response (%v)", ae, resp)
				}
				if n := rec.count(); n != tc.attempts {
					t.Errorf("%d attempts, want %d", n, tc.attempts)
				}
			})
		}
	})
}
