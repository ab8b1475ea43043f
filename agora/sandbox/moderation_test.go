package sandbox

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// wantData checks that the response's data is exactly the JSON want (key
// order aside).
func wantData(t *testing.T, res response, want string) {
	t.Helper()
	got, err := json.Marshal(res.body["data"])
	if err != nil {
		t.Fatal(err)
	}
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want JSON %s: %v", want, err)
	}
	wb, _ := json.Marshal(w)
	if string(got) != string(wb) {
		t.Errorf("data\n got %s\nwant %s", got, wb)
	}
}

// modEnv is a group "g" owned by "owner" with members a, b, c and the
// non-member "outsider".
func modEnv(t *testing.T, mutate ...func(*Config)) (*env, string) {
	e := newEnv(t, mutate...)
	e.createUsers("owner", "a", "b", "c", "outsider")
	return e, e.createGroup("g", "owner", "a", "b", "c")
}

func detail(t *testing.T, e *env, id string) map[string]any {
	t.Helper()
	return dataList(t, e.ok("GET", "/chatgroups/"+id, nil))[0].(map[string]any)
}

func TestMuteAPI(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().UnixMilli())
	e, id := modEnv(t, func(c *Config) { c.Now = func() time.Time { return time.UnixMilli(clock.Load()) } })
	base := "/chatgroups/" + id
	now := clock.Load()

	res := e.ok("GET", base+"/mute", nil)
	wantKeys(t, res.body, envelopeKeys...)
	wantData(t, res, `[]`)

	res = e.ok("POST", base+"/mute", `{"usernames":["a","B"],"mute_duration":60000}`)
	wantData(t, res, fmt.Sprintf(`[{"result":true,"expire":%d,"user":"a"},{"result":true,"expire":%d,"user":"b"}]`, now+60000, now+60000))
	e.ok("POST", base+"/mute", `{"usernames":["c"],"mute_duration":-1}`)
	wantData(t, e.ok("GET", base+"/mute", nil),
		fmt.Sprintf(`[{"expire":%d,"user":"a"},{"expire":%d,"user":"b"},{"expire":-1,"user":"c"}]`, now+60000, now+60000))

	// Refusals are whole-call errors and mute nobody.
	wantError(t, e.do("POST", base+"/mute", `{"usernames":["a","owner"],"mute_duration":1000}`), 403, "forbidden_op", "forbidden operation on group owner!")
	wantError(t, e.do("POST", base+"/mute", `{"usernames":["outsider"],"mute_duration":1000}`), 403, "forbidden_op", "users [outsider] are not members of this group!")
	wantError(t, e.do("POST", base+"/mute", `{"usernames":["ghost"]}`), 403, "forbidden_op", "users [ghost] are not members of this group!")
	wantError(t, e.do("POST", base+"/mute", `{"usernames":["a"],"mute_duration":-5}`), 400, "invalid_parameter", "")
	wantError(t, e.do("POST", base+"/mute", `{"usernames":[]}`), 400, "invalid_parameter", "usernames must be provided")
	wantError(t, e.do("POST", base+"/mute", `{"usernames":[`+quotedNames(61)+`]}`), 400, "invalid_parameter", "userNames size is more than max limit : 60")
	wantError(t, e.do("POST", "/chatgroups/123/mute", `{"usernames":["a"]}`), 404, "resource_not_found", "grpID 123 does not exist!")
	wantError(t, e.do("GET", "/chatgroups/123/mute", nil), 404, "resource_not_found", "grpID 123 does not exist!")

	// The mute ends by itself at its expiry; the permanent one stays.
	clock.Add(60000)
	wantData(t, e.ok("GET", base+"/mute", nil), `[{"expire":-1,"user":"c"}]`)

	// A mute survives leaving and re-joining.
	e.ok("DELETE", base+"/users/c", nil)
	e.ok("POST", base+"/users/c", nil)
	wantData(t, e.ok("GET", base+"/mute", nil), `[{"expire":-1,"user":"c"}]`)

	// Unmute: always an array; a user who is not muted is a per-user failure.
	res = e.ok("DELETE", base+"/mute/c,a", nil)
	wantData(t, res, `[{"result":true,"user":"c"},{"result":false,"reason":"user: a is not muted in group: `+id+`","user":"a"}]`)
	wantData(t, e.ok("DELETE", base+"/mute/c", nil), `[{"result":false,"reason":"user: c is not muted in group: `+id+`","user":"c"}]`)
	wantData(t, e.ok("GET", base+"/mute", nil), `[]`)
	wantError(t, e.do("DELETE", base+"/mute/"+strings.Repeat("x,", 60)+"y", nil), 400, "invalid_parameter", "removeMute member size more than max limit : 60")

	// mute_duration 0 lifts a mute; without a duration the mute is permanent.
	e.ok("POST", base+"/mute", `{"usernames":["a"],"mute_duration":1000}`)
	wantData(t, e.ok("POST", base+"/mute", `{"usernames":["a"],"mute_duration":0}`), `[{"result":true,"expire":0,"user":"a"}]`)
	wantData(t, e.ok("GET", base+"/mute", nil), `[]`)
	wantData(t, e.ok("POST", base+"/mute", `{"usernames":["a"]}`), `[{"result":true,"expire":-1,"user":"a"}]`)
}

func TestMuteNonMemberBadRequestOption(t *testing.T) {
	e, id := modEnv(t, func(c *Config) { c.MuteNonMemberBadRequest = true })
	wantError(t, e.do("POST", "/chatgroups/"+id+"/mute", `{"usernames":["outsider"],"mute_duration":1000}`), 400, "invalid_parameter",
		"users [outsider] are not members of this group!")
}

func TestMuteAllAndDisable(t *testing.T) {
	e, id := modEnv(t)
	base := "/chatgroups/" + id
	if g := detail(t, e, id); g["mute"] != false || g["disabled"] != false {
		t.Fatalf("fresh group: mute %v disabled %v", g["mute"], g["disabled"])
	}
	cases := []struct {
		method, path, data string
		mute, disabled     bool
	}{
		{"POST", "/ban", `{"mute":true}`, true, false},
		{"POST", "/ban", `{"mute":true}`, true, false}, // idempotent
		{"POST", "/disable", `{"disabled":true}`, true, true},
		{"DELETE", "/ban", `{"mute":false}`, false, true},
		{"POST", "/enable", `{"disabled":false}`, false, false},
	}
	for _, c := range cases {
		res := e.ok(c.method, base+c.path, nil)
		wantData(t, res, c.data)
		if res.body["action"] != strings.ToLower(c.method) {
			t.Errorf("%s %s: action %v", c.method, c.path, res.body["action"])
		}
		if g := detail(t, e, id); g["mute"] != c.mute || g["disabled"] != c.disabled {
			t.Errorf("after %s %s: mute %v disabled %v", c.method, c.path, g["mute"], g["disabled"])
		}
	}
	// Mute-all does not touch the mute list.
	e.ok("POST", base+"/ban", nil)
	wantData(t, e.ok("GET", base+"/mute", nil), `[]`)
	for _, p := range []string{"/ban", "/disable", "/enable"} {
		wantError(t, e.do("POST", "/chatgroups/123"+p, nil), 404, "resource_not_found", "grpID 123 does not exist!")
	}
	wantError(t, e.do("DELETE", "/chatgroups/123/ban", nil), 404, "resource_not_found", "grpID 123 does not exist!")
}

func TestBlockAPI(t *testing.T) {
	e, id := modEnv(t)
	base := "/chatgroups/" + id
	e.ok("POST", base+"/admin", `{"newadmin":"b"}`)
	e.ok("POST", base+"/white/users/a", nil)

	res := e.ok("POST", base+"/blocks/users/A", nil)
	wantData(t, res, `{"result":true,"action":"add_blocks","user":"a","groupid":"`+id+`"}`)
	// Blocking takes the user out of the group (and its allow-list entry).
	g := detail(t, e, id)
	if g["affiliations_count"] != 3.0 || strings.Contains(fmt.Sprint(g["affiliations"]), "member:a") {
		t.Errorf("blocked user still a member: %v", g["affiliations"])
	}
	wantData(t, e.ok("GET", base+"/white/users", nil), `["owner","b"]`)
	// A blocked user cannot be added until unblocked.
	wantError(t, e.do("POST", base+"/users/a", nil), 403, "forbidden_op", "can not join this group, reason:user: a is in the blacklist of group: "+id)
	wantError(t, e.do("POST", base+"/users", `{"usernames":["outsider","a"]}`), 403, "forbidden_op", "can not join this group, reason:user: a is in the blacklist of group: "+id)
	if g := detail(t, e, id); g["affiliations_count"] != 3.0 {
		t.Errorf("a refused batch added someone: %v", g["affiliations"])
	}

	wantError(t, e.do("POST", base+"/blocks/users/owner", nil), 403, "forbidden_op", "forbidden operation on group owner!")
	wantError(t, e.do("POST", base+"/blocks/users/outsider", nil), 403, "forbidden_op", "users [outsider] are not members of this group!")
	wantError(t, e.do("POST", base+"/blocks/users/a", nil), 403, "forbidden_op", "users [a] are not members of this group!")
	wantError(t, e.do("POST", base+"/blocks/users/ghost", nil), 404, "resource_not_found", "username ghost doesn't exist!")
	wantError(t, e.do("POST", "/chatgroups/123/blocks/users/a", nil), 404, "resource_not_found", "grpID 123 does not exist!")

	// Block many: per-user results; the admin loses the role with the membership.
	res = e.ok("POST", base+"/blocks/users", `{"usernames":["b","owner","outsider"]}`)
	wantData(t, res, `[{"result":true,"action":"add_blocks","user":"b","groupid":"`+id+`"},`+
		`{"result":false,"action":"add_blocks","reason":"forbidden operation on group owner!","user":"owner","groupid":"`+id+`"},`+
		`{"result":false,"action":"add_blocks","reason":"user: outsider doesn't exist in group: `+id+`","user":"outsider","groupid":"`+id+`"}]`)
	wantData(t, e.ok("GET", base+"/admin", nil), `[]`)
	wantError(t, e.do("POST", base+"/blocks/users", `{"usernames":["outsider","a"]}`), 403, "forbidden_op", "users [outsider] are not members of this group!")
	wantError(t, e.do("POST", base+"/blocks/users", `{"usernames":[`+quotedNames(61)+`]}`), 400, "invalid_parameter", "userNames is more than max limit : 60")

	// The list: newest first, with count.
	res = e.ok("GET", base+"/blocks/users", nil)
	wantKeys(t, res.body, append(envelopeKeys, "count")...)
	wantData(t, res, `["b","a"]`)

	// Unblock one (object), many (array); unblocking does not re-add.
	wantData(t, e.ok("DELETE", base+"/blocks/users/b", nil), `{"result":true,"action":"remove_blocks","user":"b","groupid":"`+id+`"}`)
	wantError(t, e.do("DELETE", base+"/blocks/users/b", nil), 403, "forbidden_op", "users [b] are not members of this group!")
	wantData(t, e.ok("DELETE", base+"/blocks/users/a%2Cb", nil),
		`[{"result":true,"action":"remove_blocks","user":"a","groupid":"`+id+`"},`+
			`{"result":false,"action":"remove_blocks","reason":"user: b is not in the blacklist of group: `+id+`","user":"b","groupid":"`+id+`"}]`)
	wantError(t, e.do("DELETE", base+"/blocks/users/"+strings.Repeat("x,", 60)+"y", nil), 400, "invalid_parameter", "removeBlacklist: list size more than max limit : 60")
	wantData(t, e.ok("GET", base+"/blocks/users", nil), `[]`)
	if g := detail(t, e, id); g["affiliations_count"] != 2.0 {
		t.Errorf("unblocking re-added: %v", g["affiliations"])
	}
	e.ok("POST", base+"/users/a", nil) // now allowed again
}

func TestBlockListPaging(t *testing.T) {
	e := newEnv(t)
	var names []string
	for i := range 120 {
		names = append(names, fmt.Sprintf("u%03d", i))
	}
	e.createUsers(append(names, "owner")...)
	id := e.createGroup("g", "owner", names[:100]...)
	e.ok("POST", "/chatgroups/"+id+"/users", map[string]any{"usernames": names[100:]})
	for i := 0; i < len(names); i += 60 {
		e.ok("POST", "/chatgroups/"+id+"/blocks/users", map[string]any{"usernames": names[i:min(i+60, len(names))]})
	}
	base := "/chatgroups/" + id + "/blocks/users"
	if res := e.ok("GET", base, nil); count(t, res) != 120 || res.body["cursor"] != nil {
		t.Errorf("no params: count %d cursor %v", count(t, res), res.body["cursor"])
	}
	// pageSize alone caps at 50; walking the cursor yields everyone once, newest first.
	var got []string
	path := base + "?pageSize=500"
	for pages := 0; ; pages++ {
		res := e.ok("GET", path, nil)
		for _, n := range dataList(t, res) {
			got = append(got, n.(string))
		}
		if n := count(t, res); n > 50 {
			t.Fatalf("page of %d", n)
		}
		c, ok := res.body["cursor"].(string)
		if !ok {
			break
		}
		path = base + "?pageSize=50&cursor=" + c
	}
	if len(got) != 120 || got[0] != "u119" || got[119] != "u000" {
		t.Errorf("walk: %d names, first %v", len(got), got[:3])
	}
	wantError(t, e.do("GET", base+"?cursor=bogus", nil), 400, "invalid_parameter", "")
}

func TestAllowListAPI(t *testing.T) {
	e, id := modEnv(t)
	base := "/chatgroups/" + id
	// The owner and admins are on it by default.
	res := e.ok("GET", base+"/white/users", nil)
	wantKeys(t, res.body, append(envelopeKeys, "count")...)
	wantData(t, res, `["owner"]`)
	e.ok("POST", base+"/admin", `{"newadmin":"c"}`)

	wantData(t, e.ok("POST", base+"/white/users/a", nil), `{"result":true,"action":"add_user_whitelist","user":"a","groupid":"`+id+`"}`)
	wantError(t, e.do("POST", base+"/white/users/outsider", nil), 403, "forbidden_op", "users [outsider] are not members of this group!")
	res = e.ok("POST", base+"/white/users", `{"usernames":["b","outsider"]}`)
	wantData(t, res, `[{"result":true,"action":"add_user_whitelist","user":"b","groupid":"`+id+`"},`+
		`{"result":false,"action":"add_user_whitelist","reason":"user: outsider doesn't exist in group: `+id+`","user":"outsider","groupid":"`+id+`"}]`)
	wantError(t, e.do("POST", base+"/white/users", `{"usernames":["outsider"]}`), 403, "forbidden_op", "users [outsider] are not members of this group!")
	wantError(t, e.do("POST", base+"/white/users", `{"usernames":[`+quotedNames(61)+`]}`), 400, "invalid_parameter", "usernames size is more than max limit : 60")
	res = e.ok("GET", base+"/white/users", nil)
	wantData(t, res, `["owner","c","a","b"]`)
	if count(t, res) != 4 {
		t.Errorf("count %d", count(t, res))
	}

	// Remove: always an array; owner and admins stay.
	res = e.ok("DELETE", base+"/white/users/a,owner,c,outsider", nil)
	wantData(t, res, `[{"result":true,"action":"remove_user_whitelist","user":"a","groupid":"`+id+`"},`+
		`{"result":false,"action":"remove_user_whitelist","reason":"forbidden operation on group owner!","user":"owner","groupid":"`+id+`"},`+
		`{"result":false,"action":"remove_user_whitelist","reason":"user: c is admin of group: `+id+`","user":"c","groupid":"`+id+`"},`+
		`{"result":false,"action":"remove_user_whitelist","reason":"user: outsider is not in the whitelist of group: `+id+`","user":"outsider","groupid":"`+id+`"}]`)
	wantData(t, e.ok("DELETE", base+"/white/users/b", nil), `[{"result":true,"action":"remove_user_whitelist","user":"b","groupid":"`+id+`"}]`)
	wantError(t, e.do("DELETE", base+"/white/users/"+strings.Repeat("x,", 60)+"y", nil), 400, "invalid_parameter", "removeWhitelist size is more than max limit : 60")
	// Leaving the group takes the user off the list.
	e.ok("POST", base+"/white/users/a", nil)
	e.ok("DELETE", base+"/users/a", nil)
	wantData(t, e.ok("GET", base+"/white/users", nil), `["owner","c"]`)
	wantError(t, e.do("GET", "/chatgroups/123/white/users", nil), 404, "resource_not_found", "grpID 123 does not exist!")
}

func TestAnnouncementAPI(t *testing.T) {
	e, id := modEnv(t)
	base := "/chatgroups/" + id + "/announcement"
	res := e.ok("GET", base, nil)
	wantKeys(t, res.body, append(envelopeKeys, "count")...)
	wantData(t, res, `{"announcement":""}`)
	wantData(t, e.ok("POST", base, `{"announcement":"Be kind 友善"}`), `{"id":"`+id+`","result":true}`)
	wantData(t, e.ok("GET", base, nil), `{"announcement":"Be kind 友善"}`)
	e.ok("POST", base, map[string]string{"announcement": strings.Repeat("字", 512)})
	wantError(t, e.do("POST", base, map[string]string{"announcement": strings.Repeat("字", 513)}), 403, "forbidden_op", "announce info length exceeds limit!")
	wantError(t, e.do("POST", base, `{}`), 400, "illegal_argument", "announcement is null")
	wantError(t, e.do("POST", base, `{"announcement":5}`), 400, "invalid_parameter", "")
	wantError(t, e.do("GET", "/chatgroups/123/announcement", nil), 404, "resource_not_found", "grpID 123 does not exist!")
	wantError(t, e.do("POST", "/chatgroups/123/announcement", `{"announcement":"x"}`), 404, "resource_not_found", "grpID 123 does not exist!")
}

// The owner cannot be removed, muted, blocked or demoted; the admin limit
// holds; ownership moves to a member.
func TestOwnerAndAdminRules(t *testing.T) {
	e, id := modEnv(t)
	base := "/chatgroups/" + id
	wantError(t, e.do("DELETE", base+"/users/owner", nil), 403, "forbidden_op", "forbidden operation on group owner!")
	wantError(t, e.do("POST", base+"/mute", `{"usernames":["owner"]}`), 403, "forbidden_op", "forbidden operation on group owner!")
	wantError(t, e.do("POST", base+"/blocks/users/owner", nil), 403, "forbidden_op", "forbidden operation on group owner!")
	wantError(t, e.do("DELETE", base+"/admin/owner", nil), 403, "forbidden_op", "user:owner is not admin of group:"+id)

	// Transfer to an admin: the admin becomes owner, the old owner a member.
	e.ok("POST", base+"/admin", `{"newadmin":"a"}`)
	wantData(t, e.ok("PUT", base, `{"newowner":"a"}`), `{"newowner":true}`)
	wantData(t, e.ok("GET", base+"/admin", nil), `[]`)
	if g := detail(t, e, id); g["owner"] != "a" {
		t.Errorf("owner %v", g["owner"])
	}
	e.ok("DELETE", base+"/users/owner", nil) // no longer the owner
	wantError(t, e.do("PUT", base, `{"newowner":"outsider"}`), 403, "forbidden_op", "user: outsider doesn't exist in group: "+id)
	wantError(t, e.do("PUT", base, `{"newowner":"a"}`), 403, "forbidden_op", "new owner and old owner are the same")

	// 99 admins at most.
	var names []string
	for i := range 100 {
		names = append(names, fmt.Sprintf("m%03d", i))
	}
	e.createUsers(names...)
	big := dataObject(t, e.ok("POST", "/chatgroups", map[string]any{"public": true, "owner": "owner", "maxusers": 200}))["groupid"].(string)
	e.ok("POST", "/chatgroups/"+big+"/users", map[string]any{"usernames": names[:60]})
	e.ok("POST", "/chatgroups/"+big+"/users", map[string]any{"usernames": names[60:]})
	for _, n := range names[:99] {
		e.ok("POST", "/chatgroups/"+big+"/admin", map[string]string{"newadmin": n})
	}
	wantError(t, e.do("POST", "/chatgroups/"+big+"/admin", map[string]string{"newadmin": names[99]}), 403, "exceed_limit", "the number of admins has reached the limit : 99")
}

func TestMaxJoinedGroupsOption(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxJoinedGroupsPerUser = 2 })
	e.createUsers("owner", "u")
	g1 := e.createGroup("g1", "owner")
	g2 := e.createGroup("g2", "owner")
	g3 := e.createGroup("g3", "owner")
	e.ok("POST", "/chatgroups/"+g1+"/users/u", nil)
	e.ok("POST", "/chatgroups/"+g2+"/users/u", nil)
	wantError(t, e.do("POST", "/chatgroups/"+g3+"/users/u", nil), 403, "exceed_limit", "user u has joined too many groups!")
}

// Group deletion and user deletion take the moderation rows with them.
func TestModerationRowsFollowDeletes(t *testing.T) {
	e, id := modEnv(t)
	base := "/chatgroups/" + id
	e.ok("POST", base+"/mute", `{"usernames":["a"]}`)
	e.ok("POST", base+"/blocks/users/b", nil)
	e.ok("DELETE", "/users/a", nil)
	e.ok("DELETE", "/users/b", nil)
	wantData(t, e.ok("GET", base+"/mute", nil), `[]`)
	wantData(t, e.ok("GET", base+"/blocks/users", nil), `[]`)
	e.ok("DELETE", base, nil)
	wantError(t, e.do("GET", base+"/blocks/users", nil), 404, "resource_not_found", "grpID "+id+" does not exist!")
}

func quotedNames(n int) string {
	q := make([]string, n)
	for i := range q {
		q[i] = fmt.Sprintf(`"n%d"`, i)
	}
	return strings.Join(q, ",")
}
