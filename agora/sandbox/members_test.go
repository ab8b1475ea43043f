package sandbox

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestMembersAPI(t *testing.T) {
	e := newEnv(t)
	e.createUsers("owner", "a", "b", "c", "d", "outsider")
	id := e.createGroup("g", "owner")
	base := "/chatgroups/" + id

	res := e.ok("POST", base+"/users/A", nil)
	if got := fmt.Sprint(res.body["data"]); got != "map[action:add_member groupid:"+id+" result:true user:a]" {
		t.Errorf("add one: %s", got)
	}
	wantError(t, e.do("POST", base+"/users/a", nil), 403, "forbidden_op", "can not join this group, reason:user: a already in group: "+id)
	wantError(t, e.do("POST", base+"/users/ghost", nil), 404, "resource_not_found", "username ghost doesn't exist!")
	wantError(t, e.do("POST", "/chatgroups/123/users/a", nil), 404, "resource_not_found", "grpID 123 does not exist!")

	res = e.ok("POST", base+"/users", `{"usernames":["b","c","a"]}`)
	if got := fmt.Sprint(res.body["data"]); got != "map[action:add_member groupid:"+id+" newmembers:[b c]]" {
		t.Errorf("add batch: %s", got)
	}
	wantError(t, e.do("POST", base+"/users", `{"usernames":[]}`), 400, "invalid_parameter", "usernames must be provided")
	many := make([]string, 61)
	for i := range many {
		many[i] = fmt.Sprintf("%q", fmt.Sprint("u", i))
	}
	wantError(t, e.do("POST", base+"/users", `{"usernames":[`+strings.Join(many, ",")+`]}`), 400, "invalid_parameter",
		"addMembers: addMembers number more than maxSize : 60")

	// Member list: owner first, then join order; count = page size.
	res = e.ok("GET", base+"/users?pagenum=1&pagesize=2", nil)
	wantKeys(t, res.body, append(envelopeKeys, "count", "params")...)
	if got := fmt.Sprint(res.body["data"]); got != "[map[owner:owner] map[member:a]]" || count(t, res) != 2 {
		t.Errorf("members page 1: %s", got)
	}
	if got := fmt.Sprint(e.ok("GET", base+"/users?pagenum=2&pagesize=2", nil).body["data"]); got != "[map[member:b] map[member:c]]" {
		t.Errorf("members page 2: %s", got)
	}
	if n := len(dataList(t, e.ok("GET", base+"/users?pagenum=9&pagesize=2", nil))); n != 0 {
		t.Errorf("members past end: %d", n)
	}
	wantError(t, e.do("GET", "/chatgroups/123/users", nil), 404, "service_resource_not_found", "do not find this group:123")

	// Admins.
	res = e.ok("POST", base+"/admin", `{"newadmin":"b"}`)
	if got := fmt.Sprint(res.body["data"]); got != "map[newadmin:b result:success]" {
		t.Errorf("add admin: %s", got)
	}
	wantError(t, e.do("POST", base+"/admin", `{"newadmin":"outsider"}`), 404, "resource_not_found", "user: outsider doesn't exist in group: "+id)
	wantError(t, e.do("POST", base+"/admin", `{"newadmin":"owner"}`), 403, "forbidden_op", "forbidden operation on group owner!")
	wantError(t, e.do("POST", base+"/admin", `{}`), 400, "invalid_parameter", "newadmin must be provided")
	res = e.ok("GET", base+"/admin", nil)
	if got := fmt.Sprint(res.body["data"]); got != "[b]" || count(t, res) != 1 {
		t.Errorf("admins: %s", res.raw)
	}
	// Admins appear as members in detail.
	g := dataList(t, e.ok("GET", "/chatgroups/"+id, nil))[0].(map[string]any)
	if got := fmt.Sprint(g["affiliations"]); got != "[map[member:c] map[member:b] map[member:a] map[owner:owner]]" {
		t.Errorf("detail affiliations: %s", got)
	}
	res = e.ok("DELETE", base+"/admin/b", nil)
	if got := fmt.Sprint(res.body["data"]); got != "map[oldadmin:b result:success]" {
		t.Errorf("remove admin: %s", got)
	}
	wantError(t, e.do("DELETE", base+"/admin/b", nil), 403, "forbidden_op", "user:b is not admin of group:"+id)

	// Remove one: an object; errors as error responses.
	res = e.ok("DELETE", base+"/users/a", nil)
	if got := fmt.Sprint(res.body["data"]); got != "map[action:remove_member groupid:"+id+" result:true user:a]" {
		t.Errorf("remove one: %s", got)
	}
	wantError(t, e.do("DELETE", base+"/users/a", nil), 403, "forbidden_op", "users [a] are not members of this group!")
	wantError(t, e.do("DELETE", base+"/users/owner", nil), 403, "forbidden_op", "forbidden operation on group owner!")
	wantError(t, e.do("DELETE", base+"/users/ghost", nil), 404, "resource_not_found", "username ghost doesn't exist!")

	// Remove several: an array with a result per user.
	res = e.ok("DELETE", base+"/users/b,ghost,owner,d", nil)
	items := dataList(t, res)
	want := []string{
		"map[action:remove_member groupid:" + id + " result:true user:b]",
		"map[action:remove_member groupid:" + id + " reason:user ghost doesn't exist. result:false user:ghost]",
		"map[action:remove_member groupid:" + id + " reason:forbidden operation on group owner! result:false user:owner]",
		"map[action:remove_member groupid:" + id + " reason:user: d doesn't exist in group: " + id + " result:false user:d]",
	}
	for i, w := range want {
		if got := fmt.Sprint(items[i]); got != w {
			t.Errorf("batch item %d: %s, want %s", i, got, w)
		}
	}
	g = dataList(t, e.ok("GET", "/chatgroups/"+id, nil))[0].(map[string]any)
	if g["affiliations_count"] != 2.0 {
		t.Errorf("count after removals: %v", g["affiliations_count"])
	}
	long := strings.Repeat("x,", 61)
	wantError(t, e.do("DELETE", base+"/users/"+long+"y", nil), 400, "invalid_parameter", "kickMember: kickMembers number more than maxSize : 60")
}

func TestGroupCapacity(t *testing.T) {
	e := newEnv(t)
	e.createUsers("owner", "a", "b", "c")
	id := dataObject(t, e.ok("POST", "/chatgroups", `{"public":true,"owner":"owner","maxusers":2}`))["groupid"].(string)
	e.ok("POST", "/chatgroups/"+id+"/users/a", nil)
	wantError(t, e.do("POST", "/chatgroups/"+id+"/users/b", nil), 403, "exceed_limit", "members size is greater than max user size !")
	wantError(t, e.do("POST", "/chatgroups/"+id+"/users", `{"usernames":["b","c"]}`), 403, "exceed_limit", "members size is greater than max user size !")
}

func TestMemberCursorPagingAndJoinedTime(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().UnixMilli())
	e := newEnv(t, func(c *Config) { c.Now = func() time.Time { return time.UnixMilli(clock.Load()) } })
	e.createUsers("owner", "a", "b", "c", "d")
	created := clock.Load()
	id := e.createGroup("g", "owner", "a")
	for _, u := range []string{"b", "c", "d"} {
		clock.Add(1000)
		e.ok("POST", "/chatgroups/"+id+"/users/"+u, nil)
	}
	e.ok("POST", "/chatgroups/"+id+"/admin", `{"newadmin":"b"}`)
	base := "/chatgroups/" + id + "/users"

	// version=v3: plain names, no owner, cursor until the last page.
	res := e.ok("GET", base+"?version=v3&limit=2", nil)
	wantData(t, res, `["a","b"]`)
	c, ok := res.body["cursor"].(string)
	if !ok {
		t.Fatalf("no cursor: %s", res.raw)
	}
	res = e.ok("GET", base+"?version=v3&limit=2&cursor="+c, nil)
	wantData(t, res, `["c","d"]`)
	if res.body["cursor"] != nil {
		t.Errorf("cursor on the last page: %s", res.raw)
	}
	wantData(t, e.ok("GET", base+"?version=v3&limit=3&sort=desc", nil), `["d","c","b"]`)

	// The Web SDK's form: role objects with the owner and admin keys, joined_time on request.
	res = e.ok("GET", base+"?limit=3&joined_time=true", nil)
	wantData(t, res, fmt.Sprintf(`[{"owner":"owner","joined_time":%d},{"member":"a","joined_time":%d},{"admin":"b","joined_time":%d}]`,
		created, created, created+1000))
	c = res.body["cursor"].(string)
	wantData(t, e.ok("GET", base+"?limit=3&cursor="+c, nil), `[{"member":"c"},{"member":"d"}]`)
	wantError(t, e.do("GET", base+"?limit=3&cursor=nope", nil), 400, "invalid_parameter", "")
	wantError(t, e.do("GET", base+"?limit=3&sort=up", nil), 400, "invalid_parameter", "")
	wantError(t, e.do("GET", "/chatgroups/123/users?limit=3", nil), 404, "service_resource_not_found", "do not find this group:123")

	// joined_time on the numbered list and on the detail.
	wantData(t, e.ok("GET", base+"?pagenum=2&pagesize=2&joined_time=true", nil),
		fmt.Sprintf(`[{"member":"b","joined_time":%d},{"member":"c","joined_time":%d}]`, created+1000, created+2000))
	g := detail(t, e, id)
	if _, has := g["affiliations"].([]any)[0].(map[string]any)["joined_time"]; has {
		t.Error("joined_time without asking")
	}
	g = dataList(t, e.ok("GET", "/chatgroups/"+id+"?joined_time=true", nil))[0].(map[string]any)
	if first := g["affiliations"].([]any)[0].(map[string]any); first["member"] != "d" || first["joined_time"] != float64(created+3000) {
		t.Errorf("detail first affiliation %v", first)
	}
}

func TestCreateApprovalAndJoinedPageSize(t *testing.T) {
	e := newEnv(t)
	e.createUsers("u")
	id := dataObject(t, e.ok("POST", "/chatgroups", `{"public":true,"owner":"u","approval":true}`))["groupid"].(string)
	if g := detail(t, e, id); g["membersonly"] != true {
		t.Errorf("approval not stored as membersonly: %v", g["membersonly"])
	}
	if err := e.sb.BulkCreateGroups(context.Background(), 520, "u", 0); err != nil {
		t.Fatal(err)
	}
	if n := count(t, e.ok("GET", "/users/u/joined_chatgroups?pagenum=1&pagesize=1000", nil)); n != 500 {
		t.Errorf("pagesize 1000 gave %d, want the 500 maximum", n)
	}
}

func TestMemberListAdminKeyOption(t *testing.T) {
	for _, adminKey := range []bool{false, true} {
		e := newEnv(t, func(c *Config) { c.MemberListAdminKey = adminKey })
		e.createUsers("owner", "a")
		id := e.createGroup("g", "owner", "a")
		e.ok("POST", "/chatgroups/"+id+"/admin", `{"newadmin":"a"}`)
		want := `[{"owner":"owner"},{"member":"a"}]`
		if adminKey {
			want = `[{"owner":"owner"},{"admin":"a"}]`
		}
		wantData(t, e.ok("GET", "/chatgroups/"+id+"/users?pagenum=1&pagesize=10", nil), want)
	}
}

// TestMemberQueriesReadOnlyTheIndex: every query of a group's member rows
// is answered from an index that holds all the columns it reads. A column
// added to those reads and not to the index once made each member of a
// 2,000-member detail a lookup in the table (6.6 → 5.0 ms when mended).
func TestMemberQueriesReadOnlyTheIndex(t *testing.T) {
	e := newEnv(t)
	for name, query := range map[string]string{
		"owner": ownerQuery, "newest": newestMembersQuery, "page": membersPageQuery,
		"after, ascending": membersAfterQuery(">"), "after, descending": membersAfterQuery("<"),
	} {
		rows, err := e.sb.store.r.Query(`EXPLAIN QUERY PLAN `+query, 1, 1, 1, 1)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if len(plan) != 1 || !strings.Contains(plan[0], "USING COVERING INDEX members_by_group_joined") {
			t.Errorf("%s members query: plan %q, want one search of the covering index members_by_group_joined", name, plan)
		}
	}
}
