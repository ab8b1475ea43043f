package sandbox

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

var digits = regexp.MustCompile(`^[0-9]{15,18}$`)

// The seed's create example, sent verbatim (with "desc").
const seedCreateBody = `{
    "groupname": "testgroup",
    "desc": "test",
    "public": true,
    "maxusers": 300,
    "owner": "testuser",
    "members": [
      "user2"
    ]
}`

// The seed's PUT example, sent verbatim (with "description").
const seedPutBody = `{
    "groupname": "testgroup1",
    "description": "test",
    "maxusers": 300,
    "membersonly": true,
    "allowinvites": true
}`

var envelopeKeys = []string{"action", "application", "applicationName", "organization", "uri", "entities", "data", "timestamp", "duration"}

func wantEnvelope(t *testing.T, e *env, res response, action, path string, extra ...string) {
	t.Helper()
	wantKeys(t, res.body, append(append([]string(nil), envelopeKeys...), extra...)...)
	if res.body["action"] != action {
		t.Errorf("action %v, want %q", res.body["action"], action)
	}
	if got, want := res.body["uri"], e.url(path); got != want {
		t.Errorf("uri %v, want %q", got, want)
	}
	if res.body["application"] != e.sb.ApplicationUUID() || res.body["applicationName"] != testApp || res.body["organization"] != testOrg {
		t.Errorf("application fields wrong: %s", res.raw)
	}
	if ents, ok := res.body["entities"].([]any); !ok || len(ents) != 0 {
		t.Errorf("entities %v, want []", res.body["entities"])
	}
	for _, k := range []string{"timestamp", "duration"} {
		if _, ok := res.body[k].(float64); !ok {
			t.Errorf("%s is not a number", k)
		}
	}
}

func TestSeedCreateDetailModifyDelete(t *testing.T) {
	e := newEnv(t)
	e.createUsers("testuser", "user2")

	res := e.ok("POST", "/chatgroups", seedCreateBody)
	wantEnvelope(t, e, res, "post", "/chatgroups")
	data := dataObject(t, res)
	wantKeys(t, data, "groupid")
	id, _ := data["groupid"].(string)
	if !digits.MatchString(id) {
		t.Fatalf("groupid %v is not a numeric string", data["groupid"])
	}

	res = e.ok("GET", "/chatgroups/"+id, nil)
	wantEnvelope(t, e, res, "get", "/chatgroups/"+id, "count")
	if count(t, res) != 1 {
		t.Errorf("count %d, want 1", count(t, res))
	}
	g := dataList(t, res)[0].(map[string]any)
	wantKeys(t, g, "id", "name", "description", "membersonly", "allowinvites", "invite_need_confirm", "maxusers",
		"owner", "created", "custom", "mute", "disabled", "affiliations_count", "affiliations", "public")
	want := map[string]any{
		"id": id, "name": "testgroup", "description": "test", "membersonly": false,
		"allowinvites": false, "invite_need_confirm": true, "maxusers": 300.0, "owner": "testuser",
		"custom": "", "mute": false, "disabled": false, "affiliations_count": 2.0, "public": true,
	}
	for k, v := range want {
		if g[k] != v {
			t.Errorf("detail %s = %#v, want %#v", k, g[k], v)
		}
	}
	if c, ok := g["created"].(float64); !ok || c < 1e12 {
		t.Errorf("created %v is not a number of ms", g["created"])
	}
	if got := fmt.Sprint(g["affiliations"]); got != "[map[member:user2] map[owner:testuser]]" {
		t.Errorf("affiliations %s", got)
	}

	res = e.ok("PUT", "/chatgroups/"+id, seedPutBody)
	wantEnvelope(t, e, res, "put", "/chatgroups/"+id)
	if got := fmt.Sprint(res.body["data"]); got != "map[allowinvites:true description:true groupname:true maxusers:true membersonly:true]" {
		t.Errorf("PUT data %s", got)
	}
	g = dataList(t, e.ok("GET", "/chatgroups/"+id, nil))[0].(map[string]any)
	if g["name"] != "testgroup1" || g["membersonly"] != true || g["allowinvites"] != true {
		t.Errorf("PUT not applied: %v", g)
	}

	res = e.ok("DELETE", "/chatgroups/"+id, nil)
	wantEnvelope(t, e, res, "delete", "/chatgroups/"+id)
	if got := fmt.Sprint(res.body["data"]); got != "map[groupid:"+id+" success:true]" {
		t.Errorf("DELETE data %s", got)
	}
	if _, ok := dataObject(t, res)["groupid"].(string); !ok {
		t.Error("DELETE groupid is not a string")
	}
	wantError(t, e.do("DELETE", "/chatgroups/"+id, nil), 404, "resource_not_found", "grpID "+id+" does not exist!")
	wantError(t, e.do("GET", "/chatgroups/"+id, nil), 404, "service_resource_not_found", "do not find this group:"+id)
}

func TestSeedListAllPages(t *testing.T) {
	e := newEnv(t)
	e.createUsers("user1", "user2")
	g1 := e.createGroup("testgroup1", "user1", "user2")
	g2 := e.createGroup("testgroup2", "user2")
	g3 := e.createGroup("testgroup3", "user1")

	res := e.ok("GET", "/chatgroups?limit=2", nil)
	wantEnvelope(t, e, res, "get", "/chatgroups", "params", "count", "cursor")
	if got := fmt.Sprint(res.body["params"]); got != "map[limit:[2]]" {
		t.Errorf("params %s", got)
	}
	items := dataList(t, res)
	if count(t, res) != 2 || len(items) != 2 {
		t.Fatalf("first page has %d items, count %d", len(items), count(t, res))
	}
	first := items[0].(map[string]any)
	wantKeys(t, first, "owner", "groupid", "affiliations", "type", "lastModified", "groupname")
	if first["groupid"] != g3 || items[1].(map[string]any)["groupid"] != g2 {
		t.Errorf("not newest first: %v", items)
	}
	if first["owner"] != "acme#desk_user1" || first["type"] != "group" || first["affiliations"] != 1.0 || first["groupname"] != "testgroup3" {
		t.Errorf("item %v", first)
	}
	if lm, ok := first["lastModified"].(string); !ok || !regexp.MustCompile(`^[0-9]{13}$`).MatchString(lm) {
		t.Errorf("lastModified %#v is not a string of ms", first["lastModified"])
	}
	cursor, ok := res.body["cursor"].(string)
	if !ok || cursor == "" || strings.Contains(cursor, "=") {
		t.Fatalf("cursor %#v: want unpadded base64 text", res.body["cursor"])
	}

	res = e.ok("GET", "/chatgroups?limit=2&cursor="+cursor, nil)
	wantEnvelope(t, e, res, "get", "/chatgroups", "params", "count") // last page: no cursor key
	items = dataList(t, res)
	if len(items) != 1 || items[0].(map[string]any)["groupid"] != g1 || items[0].(map[string]any)["affiliations"] != 2.0 {
		t.Errorf("second page %v", items)
	}
	if p := res.body["params"].(map[string]any); fmt.Sprint(p["cursor"]) != "["+cursor+"]" {
		t.Errorf("params %v", p)
	}

	// No query string: no params key; default limit 10.
	res = e.ok("GET", "/chatgroups", nil)
	wantEnvelope(t, e, res, "get", "/chatgroups", "count")
	if count(t, res) != 3 {
		t.Errorf("count %d", count(t, res))
	}
}

func TestListLegacyLastModifiedAndLimits(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.LegacyLastModified = true; c.ListLimitMax = 2 })
	e.createUsers("u")
	for i := range 3 {
		e.createGroup(fmt.Sprint("g", i), "u")
	}
	res := e.ok("GET", "/chatgroups?limit=50", nil)
	items := dataList(t, res)
	if len(items) != 2 {
		t.Errorf("limit not clamped to ListLimitMax: %d items", len(items))
	}
	wantKeys(t, items[0].(map[string]any), "owner", "groupid", "affiliations", "type", "last_modified", "groupname")

	for _, q := range []string{"limit=0", "limit=-1", "limit=abc"} {
		wantError(t, e.do("GET", "/chatgroups?"+q, nil), 400, "invalid_parameter", "")
	}
	for _, c := range []string{"!!!", "Zm9v", e.sb.encodeCursor(5)[:4], "aW06Z3JvdXA6b3RoZXIjYXBwOjU"} {
		wantError(t, e.do("GET", "/chatgroups?cursor="+c, nil), 400, "invalid_parameter", "")
	}
}

func TestSeedJoinedGroups(t *testing.T) {
	e := newEnv(t)
	e.createUsers("user1", "owner")
	g1 := e.createGroup("testgroup1", "owner", "user1")
	g2 := e.createGroup("testgroup2", "user1")

	// No params: all groups, most recently joined first, no params key.
	res := e.ok("GET", "/users/user1/joined_chatgroups", nil)
	wantEnvelope(t, e, res, "get", "/users/user1/joined_chatgroups", "count")
	items := dataList(t, res)
	if len(items) != 2 || count(t, res) != 2 {
		t.Fatalf("joined %v", items)
	}
	wantKeys(t, items[0].(map[string]any), "groupid", "groupname")
	if items[0].(map[string]any)["groupid"] != g2 || items[1].(map[string]any)["groupid"] != g1 {
		t.Errorf("joined order %v", items)
	}

	// The seed's paged example: past the end is an empty 200 page.
	res = e.ok("GET", "/users/user1/joined_chatgroups?pagesize=1&pagenum=100", nil)
	wantEnvelope(t, e, res, "get", "/users/user1/joined_chatgroups", "count", "params")
	if len(dataList(t, res)) != 0 || count(t, res) != 0 {
		t.Errorf("page 100: %s", res.raw)
	}
	if got := fmt.Sprint(res.body["params"]); got != "map[pagenum:[100] pagesize:[1]]" {
		t.Errorf("params %s", got)
	}
	res = e.ok("GET", "/users/USER1/joined_chatgroups?pagesize=1&pagenum=2", nil)
	if items := dataList(t, res); len(items) != 1 || items[0].(map[string]any)["groupid"] != g1 {
		t.Errorf("page 2: %s", res.raw)
	}

	wantError(t, e.do("GET", "/users/nobody/joined_chatgroups", nil), 404, "resource_not_found", "username nobody doesn't exist!")
	wantError(t, e.do("GET", "/users/user1/joined_chatgroups?pagenum=0", nil), 400, "invalid_parameter", "")
	wantError(t, e.do("GET", "/users/user1/joined_chatgroups?pagesize=x", nil), 400, "invalid_parameter", "")
}

func TestJoinedPageSizeClamp(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.JoinedPageSizeDefault = 2; c.JoinedPageSizeMax = 3 })
	e.createUsers("u")
	for i := range 5 {
		e.createGroup(fmt.Sprint("g", i), "u")
	}
	if n := len(dataList(t, e.ok("GET", "/users/u/joined_chatgroups?pagenum=1", nil))); n != 2 {
		t.Errorf("default pagesize: %d items, want 2", n)
	}
	if n := len(dataList(t, e.ok("GET", "/users/u/joined_chatgroups?pagesize=50", nil))); n != 3 {
		t.Errorf("pagesize 50 with max 3: %d items, want 3", n)
	}
}

func TestDetailSeveralIDs(t *testing.T) {
	e := newEnv(t)
	e.createUsers("u")
	a := e.createGroup("a", "u")
	b := e.createGroup("b", "u")

	res := e.ok("GET", "/chatgroups/"+b+",404404404404404,"+a+",nonsense", nil)
	items := dataList(t, res)
	if count(t, res) != 2 || len(items) != 2 || items[0].(map[string]any)["id"] != b || items[1].(map[string]any)["id"] != a {
		t.Errorf("mixed detail: %s", res.raw)
	}
	wantError(t, e.do("GET", "/chatgroups/111,222", nil), 404, "service_resource_not_found", "do not find this group:111")

	ids := make([]string, 101)
	for i := range ids {
		ids[i] = fmt.Sprint(1000 + i)
	}
	wantError(t, e.do("GET", "/chatgroups/"+strings.Join(ids, ","), nil), 400, "invalid_parameter",
		"the number of group ids is more than max limit : 100")
}

func TestCreateValidation(t *testing.T) {
	e := newEnv(t)
	e.createUsers("owner", "m1")
	long := func(n int) string { return strings.Repeat("群", n) }
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("x%d", i)
	}
	tests := []struct {
		name       string
		body       any
		status     int
		code, desc string
	}{
		{"no public", `{"owner":"owner"}`, 400, "invalid_parameter", "group must contain public field!"},
		{"null public", `{"owner":"owner","public":null}`, 400, "invalid_parameter", "group must contain public field!"},
		{"no owner", `{"public":true}`, 400, "invalid_parameter", "owner must be provided"},
		{"owner missing", `{"public":true,"owner":"ghost"}`, 404, "resource_not_found", "username ghost doesn't exist!"},
		{"member missing", `{"public":true,"owner":"owner","members":["m1","ghost2"]}`, 404, "resource_not_found", "username ghost2 doesn't exist!"},
		{"public not bool", `{"public":"yes","owner":"owner"}`, 400, "invalid_parameter", "public must be a boolean (true or false)"},
		{"maxusers text", `{"public":true,"owner":"owner","maxusers":"lots"}`, 400, "invalid_parameter", "maxusers must be an integer"},
		{"maxusers fraction", `{"public":true,"owner":"owner","maxusers":2.5}`, 400, "invalid_parameter", "maxusers must be an integer"},
		{"maxusers zero", `{"public":true,"owner":"owner","maxusers":0}`, 400, "invalid_parameter", "maxusers must be at least 1"},
		{"maxusers over plan", `{"public":true,"owner":"owner","maxusers":2001}`, 403, "exceed_limit", "maxUsers cannot exceed 2000"},
		{"members over 100", map[string]any{"public": true, "owner": "owner", "maxusers": 500, "members": many}, 403, "exceed_limit", "members size is greater than max user size !"},
		{"members over maxusers", `{"public":true,"owner":"owner","maxusers":1,"members":["m1"]}`, 403, "exceed_limit", "members size is greater than max user size !"},
		{"members not array", `{"public":true,"owner":"owner","members":"m1"}`, 400, "invalid_parameter", "members must be an array of strings"},
		{"groupname too long", map[string]any{"public": true, "owner": "owner", "groupname": long(129)}, 403, "exceed_limit", "groupname cannot exceed to 128"},
		{"desc too long", map[string]any{"public": true, "owner": "owner", "desc": long(513)}, 403, "exceed_limit", "desc cannot exceed to 512"},
		{"description too long", map[string]any{"public": true, "owner": "owner", "description": long(513)}, 403, "exceed_limit", "description cannot exceed to 512"},
		{"custom too long", map[string]any{"public": true, "owner": "owner", "custom": strings.Repeat("c", 8193)}, 403, "exceed_limit", "custom cannot exceed to 8192"},
		{"avatar too long", map[string]any{"public": true, "owner": "owner", "avatar": strings.Repeat("a", 1025)}, 400, "invalid_parameter", "avatar length is too big"},
		{"bad json", `{"groupname"="x"}`, 400, "json_parse", ""},
		{"empty body", ``, 400, "json_parse", ""},
		{"array body", `[1,2]`, 400, "json_parse", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, e.do("POST", "/chatgroups", tt.body), tt.status, tt.code, tt.desc)
		})
	}

	res := e.do("POST", "/chatgroups", `{"groupname"="x"}`)
	if d, _ := res.body["error_description"].(string); !strings.HasPrefix(d, "Unexpected character ('=' (code 61)): was expecting a colon to separate field name and value") {
		t.Errorf("json_parse wording: %q", d)
	}
	res = e.do("POST", "/chatgroups", ``)
	if d, _ := res.body["error_description"].(string); !strings.HasPrefix(d, "No content to map due to end-of-input") {
		t.Errorf("empty body wording: %q", d)
	}
}

func TestCreateOptionsAndSynonyms(t *testing.T) {
	e := newEnv(t)
	e.createUsers("owner", "m1")
	// maxusers as a string (the seed types it String), description and
	// members_only spellings, upper-case usernames, owner repeated in members.
	res := e.ok("POST", "/chatgroups", `{"public":false,"owner":"OWNER","maxusers":"300","description":"d",
		"members_only":true,"allowinvites":true,"invite_need_confirm":false,"custom":"k=v","members":["M1","owner","m1"]}`)
	id := dataObject(t, res)["groupid"].(string)
	g := dataList(t, e.ok("GET", "/chatgroups/"+id, nil))[0].(map[string]any)
	want := map[string]any{"maxusers": 300.0, "description": "d", "membersonly": true, "allowinvites": true,
		"invite_need_confirm": false, "custom": "k=v", "owner": "owner", "affiliations_count": 2.0, "public": false, "name": ""}
	for k, v := range want {
		if g[k] != v {
			t.Errorf("%s = %#v, want %#v", k, g[k], v)
		}
	}
	// No Content-Type header at all is fine (facts §2).
	req, _ := http.NewRequest("POST", e.url("/chatgroups"), strings.NewReader(`{"public":true,"owner":"owner","allowinvites":true}`))
	req.Header.Set("Authorization", "Bearer "+e.token)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("create without Content-Type: %d", resp.StatusCode)
	}
}

func TestModifyValidation(t *testing.T) {
	e := newEnv(t)
	e.createUsers("owner", "m1", "m2", "outsider")
	id := e.createGroup("g", "owner", "m1", "m2")
	tests := []struct {
		name       string
		body       string
		status     int
		code, desc string
	}{
		{"desc is not a PUT key", `{"desc":"x"}`, 400, "invalid_parameter", "some of [desc] are not valid fields"},
		{"unknown keys sorted", `{"zzz":1,"groupname":"x","aaa":2}`, 400, "invalid_parameter", "some of [aaa, zzz] are not valid fields"},
		{"null value", `{"groupname":null}`, 400, "invalid_parameter", "groupname must not be null"},
		{"wrong type", `{"membersonly":"yes"}`, 400, "invalid_parameter", "membersonly must be a boolean (true or false)"},
		{"maxusers below members", `{"maxusers":2}`, 403, "forbidden_op", "current user count is larger than the maxUsers that you want to update !"},
		{"maxusers over plan", `{"maxusers":5000}`, 403, "exceed_limit", "maxUsers cannot exceed 2000"},
		{"custom over 1024", `{"custom":"` + strings.Repeat("c", 1025) + `"}`, 403, "exceed_limit", "custom cannot exceed to 1024"},
		{"groupname over 128", `{"groupname":"` + strings.Repeat("n", 129) + `"}`, 403, "exceed_limit", "groupname cannot exceed to 128"},
		{"newowner not member", `{"newowner":"outsider"}`, 403, "forbidden_op", "user: outsider doesn't exist in group: " + id},
		{"newowner same", `{"newowner":"owner"}`, 403, "forbidden_op", "new owner and old owner are the same"},
		{"bad json", `{"groupname":}`, 400, "json_parse", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, e.do("PUT", "/chatgroups/"+id, tt.body), tt.status, tt.code, tt.desc)
		})
	}
	wantError(t, e.do("PUT", "/chatgroups/99999999999999", `{"groupname":"x"}`), 404, "resource_not_found", "grpID 99999999999999 does not exist!")
	wantError(t, e.do("PUT", "/chatgroups/abc", `{"groupname":"x"}`), 404, "resource_not_found", "grpID abc does not exist!")

	// Sent keys are echoed exactly, custom and public included.
	res := e.ok("PUT", "/chatgroups/"+id, `{"custom":"x","public":false,"invite_need_confirm":false,"maxusers":3}`)
	if got := fmt.Sprint(res.body["data"]); got != "map[custom:true invite_need_confirm:true maxusers:true public:true]" {
		t.Errorf("PUT echo %s", got)
	}
	res = e.ok("PUT", "/chatgroups/"+id, `{"newowner":"M1"}`)
	if got := fmt.Sprint(res.body["data"]); got != "map[newowner:true]" {
		t.Errorf("transfer echo %s", got)
	}
	g := dataList(t, e.ok("GET", "/chatgroups/"+id, nil))[0].(map[string]any)
	if g["owner"] != "m1" || g["custom"] != "x" || g["public"] != false || g["maxusers"] != 3.0 {
		t.Errorf("after PUT: %v", g)
	}
	if got := fmt.Sprint(g["affiliations"]); got != "[map[member:m2] map[member:owner] map[owner:m1]]" {
		t.Errorf("affiliations after transfer %s", got)
	}
}

func TestBodyTooLarge(t *testing.T) {
	e := newEnv(t)
	big := `{"public":true,"owner":"o","custom":"` + strings.Repeat("x", 1<<20) + `"}`
	wantError(t, e.do("POST", "/chatgroups", big), 413, "Request Entity Too Large", "Request Entity Too Large")
}

func TestJoinedHugePageNumber(t *testing.T) {
	e := newEnv(t)
	e.createUsers("u")
	e.createGroup("g", "u")
	res := e.ok("GET", "/users/u/joined_chatgroups?pagesize=100&pagenum=9223372036854775807", nil)
	if len(dataList(t, res)) != 0 {
		t.Errorf("huge pagenum returned groups: %s", res.raw)
	}
}

func TestInjectedClock(t *testing.T) {
	at := time.UnixMilli(1542361730243)
	e := newEnv(t, func(c *Config) { c.Now = func() time.Time { return at } })
	e.createUsers("u")
	res := e.ok("POST", "/chatgroups", `{"public":true,"owner":"u"}`)
	if res.body["timestamp"] != 1542361730243.0 {
		t.Errorf("timestamp %v", res.body["timestamp"])
	}
	id := dataObject(t, res)["groupid"].(string)
	if id != "1542361730243000" {
		t.Errorf("groupid %s, want creation ms × 1000", id)
	}
	// Ids stay unique and increasing when the clock stands still.
	if id2 := e.createGroup("second", "u"); id2 != "1542361730243001" {
		t.Errorf("second groupid %s", id2)
	}
	g := dataList(t, e.ok("GET", "/chatgroups/"+id, nil))[0].(map[string]any)
	if g["created"] != 1542361730243.0 {
		t.Errorf("created %v", g["created"])
	}
}
