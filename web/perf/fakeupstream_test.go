package perf

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The fake upstream's app and data: fakeGroups groups for the list, and one
// more group of bigGroupMembers members (owner included) for the detail.
const (
	fakeOrg         = "perf"
	fakeApp         = "bench"
	fakeAppID       = "0123456789abcdef0123456789abcdef"
	fakeAppCert     = "fedcba9876543210fedcba9876543210"
	fakeGroups      = 100
	fakeFirstID     = 1700000000000000
	fakeBigGroupID  = "1700000000999999"
	bigGroupMembers = 2000
)

// fakeUpstream answers the calls the list and detail pages make from canned
// JSON: list-all and the big group's detail (and the detail of any listed
// group, alone or batched, as Agora would). It checks no token, so the
// dashboard's own cost is all that is measured.
type fakeUpstream struct {
	prefix string                // /{org}/{app}
	lists  map[int][]byte        // list-all body by limit
	groups map[string]fakeDetail // detail items by id
	cache  sync.Map              // detail path → body
}

type fakeDetail struct{ json []byte }

func newFakeUpstream() *fakeUpstream {
	f := &fakeUpstream{prefix: "/" + fakeOrg + "/" + fakeApp, lists: map[int][]byte{}, groups: map[string]fakeDetail{}}
	type listRow struct {
		Owner        string `json:"owner"`
		GroupID      string `json:"groupid"`
		Affiliations int    `json:"affiliations"`
		Type         string `json:"type"`
		GroupName    string `json:"groupname"`
		LastModified string `json:"lastModified"`
	}
	var rows []listRow
	for i := range fakeGroups {
		id := strconv.Itoa(fakeFirstID + fakeGroups - i)
		owner := fmt.Sprintf("owner%02d", i%17)
		members := 3 + i%40
		name := fmt.Sprintf("Group %d 群组 <%d>", i+1, i%7)
		rows = append(rows, listRow{
			Owner: fakeOrg + "#" + fakeApp + "_" + owner, GroupID: id, Affiliations: members,
			Type: "group", GroupName: name, LastModified: strconv.Itoa(1_700_000_000_000 + i*60_000),
		})
		f.groups[id] = fakeDetail{mustJSON(detailItem(id, name, owner, members))}
	}
	for _, limit := range []int{10, 25, 50, 100, 1000} {
		page := map[string]any{
			"action": "get", "application": "8be024f0-e978-11e8-b697-5d598d5f8402",
			"applicationName": fakeApp, "organization": fakeOrg,
			"uri": "http://127.0.0.1/" + fakeOrg + "/" + fakeApp + "/chatgroups", "entities": []any{},
			"data": rows[:min(limit, len(rows))], "timestamp": 1_700_000_000_000, "duration": 0, "count": min(limit, len(rows)),
		}
		// A page that holds every group is the last: no cursor, as Agora
		// does. The search index's sync reads 1,000 a page, so it ends.
		if limit < len(rows) {
			page["cursor"] = "Y2hhdGdyb3VwOmVhc2Vtb2ItZGVtby90ZXN0YXBwOjEw"
		}
		f.lists[limit] = mustJSON(page)
	}
	f.groups[fakeBigGroupID] = fakeDetail{mustJSON(detailItem(fakeBigGroupID, "Big group 大群", "owner00", bigGroupMembers))}
	return f
}

// detailItem is one group as GET /chatgroups/{ids} describes it: members
// most recently joined first, the owner last.
func detailItem(id, name, owner string, members int) map[string]any {
	aff := make([]map[string]string, 0, members)
	for i := members - 1; i >= 1; i-- {
		aff = append(aff, map[string]string{"member": fmt.Sprintf("bulk.member%05d", i)})
	}
	aff = append(aff, map[string]string{"owner": owner})
	return map[string]any{
		"id": id, "name": name, "description": "Canned by the perf harness & its fake upstream",
		"membersonly": false, "allowinvites": true, "invite_need_confirm": true, "maxusers": max(200, members),
		"owner": owner, "created": 1_699_000_000_000, "custom": "", "mute": false, "disabled": false,
		"affiliations_count": members, "affiliations": aff, "public": len(id)%2 == 0,
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// Every group's admin list (two members) and mute list (one member, muted
// until 2100), as the Members tab reads them.
var (
	fakeAdmins = mustJSON(map[string]any{"action": "get", "data": []string{"bulk.member00001", "bulk.member00002"},
		"timestamp": 1_700_000_000_000, "duration": 0, "count": 2})
	fakeMutes = mustJSON(map[string]any{"action": "get", "data": []map[string]any{{"user": "bulk.member00003", "expire": 4_102_444_800_000}},
		"timestamp": 1_700_000_000_000, "duration": 0})
)

func (f *fakeUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), f.prefix+"/chatgroups")
	id, sub, _ := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
	_, known := f.groups[id]
	switch {
	case !ok:
	case r.Method == http.MethodGet && known && sub == "admin":
		f.ok(w, fakeAdmins)
		return
	case r.Method == http.MethodGet && known && sub == "mute":
		f.ok(w, fakeMutes)
		return
	case r.Method == http.MethodDelete && known && sub == "":
		// The bulk-delete job the harness times the job page with; the
		// canned list does not change.
		f.ok(w, mustJSON(map[string]any{"action": "delete", "data": map[string]any{"success": true, "groupid": id},
			"timestamp": 1_700_000_000_000, "duration": 0}))
		return
	case r.Method == http.MethodGet && sub == "":
		f.serveGroups(w, r, rest)
		return
	}
	f.fail(w, http.StatusNotFound, "service_resource_not_found", "Service resource not found")
}

// serveGroups answers list-all and the detail of one or more groups.
func (f *fakeUpstream) serveGroups(w http.ResponseWriter, r *http.Request, rest string) {
	if rest == "" {
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		body, ok := f.lists[limit]
		if !ok {
			body = f.lists[10]
		}
		f.ok(w, body)
		return
	}
	if body, ok := f.cache.Load(rest); ok {
		f.ok(w, body.([]byte))
		return
	}
	var items []string
	for _, id := range strings.Split(strings.TrimPrefix(rest, "/"), ",") {
		if g, ok := f.groups[id]; ok {
			items = append(items, string(g.json))
		}
	}
	if len(items) == 0 {
		f.fail(w, http.StatusNotFound, "service_resource_not_found", "do not find this group:"+strings.TrimPrefix(rest, "/"))
		return
	}
	body := []byte(`{"action":"get","application":"8be024f0-e978-11e8-b697-5d598d5f8402","applicationName":"` + fakeApp +
		`","organization":"` + fakeOrg + `","uri":"http://127.0.0.1/` + fakeOrg + `/` + fakeApp + `/chatgroups` + rest +
		`","entities":[],"data":[` + strings.Join(items, ",") + `],"timestamp":1700000000000,"duration":0,"count":` + strconv.Itoa(len(items)) + `}`)
	f.cache.Store(rest, body)
	f.ok(w, body)
}

func (f *fakeUpstream) ok(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

func (f *fakeUpstream) fail(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(mustJSON(map[string]any{"error": code, "exception": "EasemobException", "timestamp": 1_700_000_000_000, "duration": 0, "error_description": desc}))
}

// TestFakeUpstreamProcess is the in-memory Agora of the throughput runs.
// Only the harness runs it.
func TestFakeUpstreamProcess(t *testing.T) {
	if os.Getenv(roleEnv) != roleFakeUpstream {
		t.Skip("a helper process of TestBenchHarness")
	}
	if err := serveHelper(newFakeUpstream()); err != nil {
		t.Fatal(err)
	}
}
