package sandbox

import (
	"fmt"
	"strings"
	"testing"
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
