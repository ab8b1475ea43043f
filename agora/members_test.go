package agora

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMembersList(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/1/users", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", url.Values{"pagenum": {"2"}, "pagesize": {"10"}}, "")
		writeJSON(w, 200, `{
		  "action":"get","application":"8be024f0-e978-11e8-b697-5d598d5f8402","params":{"pagesize":["10"],"pagenum":["2"]},
		  "uri":"http://a1.easemob.com/org/app/chatgroups/1/users","entities":[],
		  "data":[{"owner":"boss"},{"member":"user_2"},{"member":"u.3"}],
		  "timestamp":1,"duration":0,"organization":"org","applicationName":"app","count":3
		}`)
	})
	members, resp, err := client.Members.List(context.Background(), "1", &PageOptions{PageNum: 2, PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	want := []Affiliation{{"boss", RoleOwner}, {"user_2", RoleMember}, {"u.3", RoleMember}}
	if diff := cmp.Diff(want, members); diff != "" {
		t.Errorf("members mismatch (-want +got):\n%s", diff)
	}
	if resp.Count != 3 {
		t.Errorf("Count = %d", resp.Count)
	}
}

func TestMembersListNoOptions(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/1/users", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", nil, "")
		writeJSON(w, 200, `{"data":[{"owner":"boss"}],"count":1}`)
	})
	if _, _, err := client.Members.List(context.Background(), "1", nil); err != nil {
		t.Fatal(err)
	}
}

func TestMembersAddOne(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/1/users/user_2", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "POST", nil, "")
		writeJSON(w, 200, `{"action":"post","data":{"result":true,"groupid":"1","action":"add_member","user":"user_2"},"timestamp":1,"duration":0}`)
	})
	added, _, err := client.Members.Add(context.Background(), "1", "user_2")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"user_2"}, added); diff != "" {
		t.Errorf("added (-want +got):\n%s", diff)
	}
}

func TestMembersAddBatch(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/1/users", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "POST", nil, `{"usernames":["a","b","c"]}`)
		// "c" was already a member: the server leaves it out of newmembers.
		writeJSON(w, 200, `{"action":"post","data":{"newmembers":["a","b"],"groupid":"1","action":"add_member"}}`)
	})
	added, _, err := client.Members.Add(context.Background(), "1", "a", "b", "c")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b"}, added); diff != "" {
		t.Errorf("added (-want +got):\n%s", diff)
	}
}

func TestMembersAddBatchesOf60(t *testing.T) {
	client, mux := setup(t)
	var (
		mu    sync.Mutex
		sizes []int
		sent  []string
	)
	mux.HandleFunc("/org/app/chatgroups/1/users", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("Content-Type = %q", r.Header.Get("Content-Type"))
		}
		var body struct{ Usernames []string }
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &body); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		sizes = append(sizes, len(body.Usernames))
		sent = append(sent, body.Usernames...)
		mu.Unlock()
		data, _ := json.Marshal(map[string]any{"data": map[string]any{"newmembers": body.Usernames, "groupid": "1"}})
		writeJSON(w, 200, string(data))
	})
	users := make([]string, 130)
	for i := range users {
		users[i] = fmt.Sprintf("user%03d", i)
	}
	added, resp, err := client.Members.Add(context.Background(), "1", users...)
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal([]int{60, 60, 10}, sizes) {
		t.Errorf("batch sizes = %v, want [60 60 10]", sizes)
	}
	if diff := cmp.Diff(users, sent); diff != "" {
		t.Errorf("sent (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(users, added); diff != "" {
		t.Errorf("added (-want +got):\n%s", diff)
	}
	if resp.Attempts != 3 {
		t.Errorf("Attempts = %d, want 3 (one per batch)", resp.Attempts)
	}
}

func TestMembersRemoveOne(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/1/users/user_2", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "DELETE", nil, "")
		writeJSON(w, 200, `{"action":"delete","data":{"result":true,"action":"remove_member","user":"user_2","groupid":"1"}}`)
	})
	results, _, err := client.Members.Remove(context.Background(), "1", "user_2")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]MemberResult{{Username: "user_2", OK: true}}, results); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
}

func TestMembersRemoveBatch(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/1/users/a,b,ghost", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "DELETE", nil, "")
		writeJSON(w, 200, `{"action":"delete","data":[
		  {"result":true,"action":"remove_member","user":"a","groupid":"1"},
		  {"result":true,"action":"remove_member","user":"b","groupid":"1"},
		  {"result":false,"action":"remove_member","reason":"user ghost doesn't exist.","user":"ghost","groupid":"1"}
		]}`)
	})
	results, _, err := client.Members.Remove(context.Background(), "1", "a", "b", "ghost")
	if err != nil {
		t.Fatal(err)
	}
	want := []MemberResult{{Username: "a", OK: true}, {Username: "b", OK: true}, {Username: "ghost", Reason: "user ghost doesn't exist."}}
	if diff := cmp.Diff(want, results); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if k := results[2].Kind(); k != ReasonUserNotFound {
		t.Errorf("Kind() = %q, want %q", k, ReasonUserNotFound)
	}
	if k := results[0].Kind(); k != ReasonUnknown {
		t.Errorf("Kind() of a success = %q", k)
	}
}

func TestMembersRemoveBatchesOf60(t *testing.T) {
	client, mux := setup(t)
	var (
		mu    sync.Mutex
		sizes []int
	)
	mux.HandleFunc("/org/app/chatgroups/1/users/", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "DELETE", nil, "")
		names := strings.Split(strings.TrimPrefix(r.URL.Path, "/org/app/chatgroups/1/users/"), ",")
		mu.Lock()
		sizes = append(sizes, len(names))
		mu.Unlock()
		var rows []map[string]any
		for _, n := range names {
			rows = append(rows, map[string]any{"result": true, "user": n})
		}
		if len(rows) == 1 {
			data, _ := json.Marshal(map[string]any{"data": rows[0]})
			writeJSON(w, 200, string(data))
			return
		}
		data, _ := json.Marshal(map[string]any{"data": rows})
		writeJSON(w, 200, string(data))
	})
	users := make([]string, 121)
	for i := range users {
		users[i] = fmt.Sprintf("u%d", i)
	}
	results, _, err := client.Members.Remove(context.Background(), "1", users...)
	if err != nil {
		t.Fatal(err)
	}
	// Not [60 60 1]: a lone name would hit the single-user endpoint.
	if !cmp.Equal([]int{60, 59, 2}, sizes) {
		t.Errorf("batch sizes = %v, want [60 59 2]", sizes)
	}
	if len(results) != 121 || results[120].Username != "u120" || !results[120].OK {
		t.Errorf("results: %d, last %+v", len(results), results[len(results)-1])
	}
}

func TestPathBatchesKeepURLShort(t *testing.T) {
	long := strings.Repeat("x", 64)
	names := make([]string, 60)
	for i := range names {
		names[i] = long
	}
	batches := pathBatches(names, 60, maxPathListBytes)
	if len(batches) != 2 {
		t.Fatalf("60 names of 64 characters: %d batches, want 2", len(batches))
	}
	for _, b := range batches {
		if n := len(strings.Join(b, ",")); n > maxPathListBytes {
			t.Errorf("batch of %d bytes", n)
		}
	}
}

func TestMembersListAdmins(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/1/admin", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", nil, "")
		writeJSON(w, 200, `{"action":"get","data":["admin_1","admin2"],"timestamp":1,"duration":0,"count":2}`)
	})
	admins, resp, err := client.Members.ListAdmins(context.Background(), "1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"admin_1", "admin2"}, admins); diff != "" || resp.Count != 2 {
		t.Errorf("admins (-want +got):\n%s count %d", diff, resp.Count)
	}
}

func TestMembersAddAdmin(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/1/admin", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "POST", nil, `{"newadmin":"user_2"}`)
		writeJSON(w, 200, `{"action":"post","data":{"result":"success","newadmin":"user_2"}}`)
	})
	if _, err := client.Members.AddAdmin(context.Background(), "1", "user_2"); err != nil {
		t.Fatal(err)
	}
}

func TestMembersRemoveAdmin(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/1/admin/user_2", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "DELETE", nil, "")
		writeJSON(w, 200, `{"action":"delete","data":{"result":"success","oldadmin":"user_2"}}`)
	})
	mux.HandleFunc("/org/app/chatgroups/2/admin/user_2", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"action":"delete","data":{"result":"failure","oldadmin":"user_2"}}`)
	})
	if _, err := client.Members.RemoveAdmin(context.Background(), "1", "user_2"); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Members.RemoveAdmin(context.Background(), "2", "user_2"); err == nil {
		t.Error(`result "failure": want an error`)
	}
}
