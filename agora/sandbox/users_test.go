package sandbox

import (
	"fmt"
	"strings"
	"testing"
)

func TestUsersAPI(t *testing.T) {
	e := newEnv(t)
	res := e.ok("POST", "/users", `{"username":"Alice","password":"secret"}`)
	wantKeys(t, res.body, append(envelopeKeys, "path")...)
	ents := res.body["entities"].([]any)
	if len(ents) != 1 {
		t.Fatalf("entities %v", ents)
	}
	u := ents[0].(map[string]any)
	wantKeys(t, u, "uuid", "type", "created", "modified", "username", "activated")
	if u["username"] != "alice" || u["type"] != "user" || u["activated"] != true {
		t.Errorf("entity %v", u)
	}
	if _, ok := u["created"].(float64); !ok {
		t.Errorf("created is not a number")
	}
	if strings.Contains(string(res.raw), "secret") {
		t.Error("password echoed")
	}

	res = e.ok("POST", "/users", `[{"username":"bob","password":"p"},{"username":"carol","password":"p"}]`)
	if n := len(res.body["entities"].([]any)); n != 2 {
		t.Errorf("batch created %d", n)
	}

	dup := "Application " + e.sb.ApplicationUUID() + " Entity user requires that property named username be unique, value of alice exists"
	wantError(t, e.do("POST", "/users", `{"username":"ALICE","password":"p"}`), 400, "duplicate_unique_property_exists", dup)
	wantError(t, e.do("POST", "/users", `[{"username":"dan","password":"p"},{"username":"dan","password":"p"}]`), 400, "duplicate_unique_property_exists", "")
	wantError(t, e.do("POST", "/users", `{"username":"bad name","password":"p"}`), 400, "illegal_argument", "")
	wantError(t, e.do("POST", "/users", `{"username":"`+strings.Repeat("a", 65)+`","password":"p"}`), 400, "illegal_argument", "")
	wantError(t, e.do("POST", "/users", `{"username":"erin"}`), 400, "illegal_argument", "password must be provided")
	wantError(t, e.do("POST", "/users", `{"password":"p"}`), 400, "illegal_argument", "username must be provided")
	wantError(t, e.do("POST", "/users", `[]`), 400, "illegal_argument", "")
	wantError(t, e.do("POST", "/users", `[1]`), 400, "json_parse", "")
	wantError(t, e.do("POST", "/users", `"x"`), 400, "json_parse", "")
	// The failed batch left nothing behind.
	wantError(t, e.do("GET", "/users/dan", nil), 404, "service_resource_not_found", "Service resource not found")

	res = e.ok("GET", "/users/ALICE", nil)
	if count(t, res) != 1 || res.body["entities"].([]any)[0].(map[string]any)["uuid"] != u["uuid"] {
		t.Errorf("get user %s", res.raw)
	}
}

func TestDeleteUserLeavesGroupsAndDeletesOwned(t *testing.T) {
	e := newEnv(t)
	e.createUsers("owner", "gone", "stay")
	kept := e.createGroup("kept", "owner", "gone", "stay")
	owned := e.createGroup("owned", "gone", "stay")

	res := e.ok("DELETE", "/users/gone", nil)
	if res.body["entities"].([]any)[0].(map[string]any)["username"] != "gone" {
		t.Errorf("delete user %s", res.raw)
	}
	wantError(t, e.do("GET", "/chatgroups/"+owned, nil), 404, "service_resource_not_found", "")
	g := dataList(t, e.ok("GET", "/chatgroups/"+kept, nil))[0].(map[string]any)
	if g["affiliations_count"] != 2.0 || fmt.Sprint(g["affiliations"]) != "[map[member:stay] map[owner:owner]]" {
		t.Errorf("kept group after delete: %v", g)
	}
	list := dataList(t, e.ok("GET", "/chatgroups", nil))
	if len(list) != 1 || list[0].(map[string]any)["affiliations"] != 2.0 {
		t.Errorf("list after delete: %v", list)
	}
	if n := len(dataList(t, e.ok("GET", "/users/stay/joined_chatgroups", nil))); n != 1 {
		t.Errorf("stay is in %d groups, want 1", n)
	}
	wantError(t, e.do("DELETE", "/users/gone", nil), 404, "service_resource_not_found", "Service resource not found")
}
