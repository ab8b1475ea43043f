package sandbox

import "testing"

func TestSDKPublicAndUserGroups(t *testing.T) {
	e := newEnv(t)
	e.createUsers("owner", "u", "stranger")
	pub1 := e.createGroup("pub one", "owner", "u")
	priv := dataObject(t, e.ok("POST", "/chatgroups", `{"public":false,"owner":"u","groupname":"secret"}`))["groupid"].(string)
	pub2 := e.createGroup("pub two", "owner")
	e.ok("POST", "/chatgroups/"+pub1+"/admin", `{"newadmin":"u"}`)

	// Public groups, newest first, paged by cursor; the private one is left out.
	res := e.as("stranger", "GET", "/publicchatgroups?limit=1", nil)
	wantData(t, res, `[{"groupid":"`+pub2+`","groupname":"pub two"}]`)
	c, _ := res.body["cursor"].(string)
	res = e.as("stranger", "GET", "/publicchatgroups?limit=1&cursor="+c, nil)
	wantData(t, res, `[{"groupid":"`+pub1+`","groupname":"pub one"}]`)
	if res.body["cursor"] != nil {
		t.Errorf("cursor after the last public group: %s", res.raw)
	}

	// A user's groups with its role, in entities; and the count.
	res = e.as("u", "GET", "/chatgroups/user/u?pagenum=1&pagesize=10&needAffiliations=true&needRole=true", nil)
	ents := res.body["entities"].([]any)
	if len(ents) != 2 || count(t, res) != 2 {
		t.Fatalf("user groups: %s", res.raw)
	}
	want := map[string]string{priv: "owner", pub1: "admin"}
	for _, it := range ents {
		m := it.(map[string]any)
		if want[m["groupId"].(string)] != m["permission"] || m["affiliations_count"] == nil || m["disabled"] != false {
			t.Errorf("user group item %v", m)
		}
	}
	if res.body["uri"] != e.url("/chatgroups/user/u") {
		t.Errorf("uri %v", res.body["uri"])
	}
	wantData(t, e.as("u", "GET", "/chatgroups/user/u/joined_count", nil), `2`)
	wantError(t, e.as("stranger", "GET", "/chatgroups/user/u", nil), 403, "forbidden_op", "")
	wantError(t, e.do("GET", "/chatgroups/user/ghost", nil), 404, "resource_not_found", "username ghost doesn't exist!")
}

func TestSDKInviteApplyQuit(t *testing.T) {
	e := newEnv(t)
	e.createUsers("owner", "member", "a", "b", "c", "blocked")
	id := e.createGroup("g", "owner", "member", "blocked")
	base := "/chatgroups/" + id
	e.ok("POST", base+"/blocks/users/blocked", nil)

	// invite_need_confirm defaults to true: invitations wait for the invitee.
	// A plain member may not invite until the group allows invites.
	wantError(t, e.as("member", "POST", base+"/invite", `{"usernames":["a"]}`), 403, "forbidden_op", "you have no permission to do this, group admin permission is required")
	res := e.as("owner", "POST", base+"/invite", `{"usernames":["a","member","blocked","ghost"]}`)
	wantData(t, res, `[{"result":true,"action":"invite","user":"a","groupid":"`+id+`"},`+
		`{"result":false,"action":"invite","reason":"user: member already in group: `+id+`","user":"member","groupid":"`+id+`"},`+
		`{"result":false,"action":"invite","reason":"can not join this group, reason:user: blocked is in the blacklist of group: `+id+`","user":"blocked","groupid":"`+id+`"},`+
		`{"result":false,"action":"invite","reason":"user ghost doesn't exist.","user":"ghost","groupid":"`+id+`"}]`)
	wantError(t, e.as("b", "POST", base+"/invite_verify", `{"invitee":"a","verifyResult":true}`), 403, "forbidden_op", "")
	wantError(t, e.as("b", "POST", base+"/invite_verify", `{"invitee":"b","verifyResult":true}`), 403, "forbidden_op", "user: b has no invitation to group: "+id)
	wantData(t, e.as("a", "POST", base+"/invite_verify", `{"invitee":"a","verifyResult":true}`), `{"result":true,"groupid":"`+id+`","action":"invite_verify","user":"a"}`)
	if n := detail(t, e, id)["affiliations_count"]; n != 3.0 {
		t.Errorf("after accepting: %v members", n)
	}
	// Without invite_need_confirm an invitation adds at once.
	e.ok("PUT", base, `{"invite_need_confirm":false,"allowinvites":true}`)
	wantData(t, e.as("member", "POST", base+"/invite", `{"usernames":["b"]}`), `[{"result":true,"action":"invite","user":"b","groupid":"`+id+`"}]`)

	// apply: a public group without approval takes the user at once; with approval it waits.
	wantData(t, e.as("c", "POST", base+"/apply", `{"message":"hi"}`), `{"result":true,"groupid":"`+id+`","action":"apply","user":"c"}`)
	wantError(t, e.as("c", "POST", base+"/apply", `{}`), 403, "forbidden_op", "can not join this group, reason:user: c already in group: "+id)
	wantError(t, e.as("blocked", "POST", base+"/apply", `{}`), 403, "forbidden_op", "")
	e.ok("DELETE", base+"/users/c", nil)
	e.ok("PUT", base, `{"membersonly":true}`)
	e.as("c", "POST", base+"/apply", `{}`)
	if n := detail(t, e, id)["affiliations_count"]; n != 4.0 {
		t.Errorf("an application needing approval joined: %v members", n)
	}
	wantError(t, e.as("member", "POST", base+"/apply_verify", `{"applicant":"c","verifyResult":true}`), 403, "forbidden_op", "")
	wantData(t, e.as("owner", "POST", base+"/apply_verify", `{"applicant":"c","verifyResult":true,"reason":"ok"}`),
		`{"result":true,"groupid":"`+id+`","action":"apply_verify","user":"c"}`)
	wantError(t, e.as("owner", "POST", base+"/apply_verify", `{"applicant":"c","verifyResult":false}`), 403, "forbidden_op", "user: c has not applied to join group: "+id)
	wantError(t, e.do("POST", base+"/apply", `{}`), 400, "invalid_parameter", "")
	priv := dataObject(t, e.ok("POST", "/chatgroups", `{"public":false,"owner":"owner"}`))["groupid"].(string)
	wantError(t, e.as("a", "POST", "/chatgroups/"+priv+"/apply", `{}`), 403, "forbidden_op", "")

	// quit: members leave; the owner cannot; non-members are not joined.
	wantData(t, e.as("c", "DELETE", base+"/quit", nil), `{"result":true,"groupid":"`+id+`","action":"quit","user":"c"}`)
	wantError(t, e.as("c", "DELETE", base+"/quit", nil), 403, "forbidden_op", "users [c] are not members of this group!")
	wantError(t, e.as("owner", "DELETE", base+"/quit", nil), 403, "forbidden_op", "forbidden operation on group owner!")
	if n := detail(t, e, id)["affiliations_count"]; n != 4.0 { // owner, member, a, b
		t.Errorf("after quit: %v members", n)
	}
}

func TestSDKMuteCheckShieldAndUserSettings(t *testing.T) {
	e, id := modEnv(t)
	base := "/chatgroups/" + id
	e.ok("POST", base+"/mute", `{"usernames":["a"],"mute_duration":60000}`)
	wantData(t, e.as("a", "GET", "/sdk"+base+"/mute/a", nil), `true`)
	wantData(t, e.as("b", "GET", "/sdk"+base+"/mute/b", nil), `false`)
	wantError(t, e.as("outsider", "GET", "/sdk"+base+"/mute/outsider", nil), 403, "forbidden_op", "users [outsider] are not members of this group!")

	wantData(t, e.as("a", "POST", base+"/shield?version=v3", nil), `{"result":true,"groupid":"`+id+`","user":"a","shield":true}`)
	wantData(t, e.as("a", "DELETE", base+"/shield", nil), `{"result":true,"groupid":"`+id+`","user":"a","shield":false}`)

	res := e.as("a", "PUT", "/users/a", `{"entities":[{"notification_ignore_`+id+`":true}],"nickname":"Ann","username":"evil"}`)
	ents := res.body["entities"].([]any)
	if ent := ents[0].(map[string]any); ent["username"] != "a" || ent["nickname"] != "Ann" {
		t.Errorf("PUT user entity %v", ent)
	}
	wantError(t, e.as("a", "PUT", "/users/b", `{}`), 403, "forbidden_op", "")
	wantError(t, e.do("PUT", "/users/ghost", `{}`), 404, "service_resource_not_found", "Service resource not found")
}
