package agora

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Response bodies below are the seed page's examples (trailing commas
// removed) and the captured shapes of shared/reference/agora-chat-facts.md.

const seedCreateResponse = `{
    "action": "post",
    "application": "8be024f0-XXXX-XXXX-b697-5d598d5f8402",
    "uri": "http://XXXX/XXXX/XXXX/chatgroups",
    "entities": [],
    "data": {
      "groupid": "6602XXXX783617"
    },
    "timestamp": 1542361730243,
    "duration": 0,
    "organization": "XXXX",
    "applicationName": "XXXX"
}`

func TestGroupsCreate(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups", func(w http.ResponseWriter, r *http.Request) {
		// The seed's request example: description goes as "desc", maxusers as a number.
		testRequest(t, r, "POST", nil, `{
			"groupname": "testgroup",
			"desc": "test",
			"public": true,
			"maxusers": 300,
			"owner": "testuser",
			"members": ["user2"]
		}`)
		writeJSON(w, 200, seedCreateResponse)
	})

	id, resp, err := client.Groups.Create(context.Background(), &CreateGroupRequest{
		GroupName:   "testgroup",
		Description: "test",
		Public:      true,
		MaxUsers:    Int(300),
		Owner:       "testuser",
		Members:     []string{"user2"},
	})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if id != "6602XXXX783617" {
		t.Errorf("group id = %q", id)
	}
	if resp.Timestamp != 1542361730243 || resp.Attempts != 1 || resp.StatusCode != 200 {
		t.Errorf("resp = %+v", resp)
	}
}

func TestGroupsCreateAllOptionalFields(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "POST", nil, `{
			"groupname": "Team 1 团队",
			"desc": "with spaces and / slashes",
			"public": false,
			"maxusers": 2000,
			"allowinvites": true,
			"membersonly": false,
			"invite_need_confirm": false,
			"owner": "owner_1",
			"members": ["a", "b.c", "d-e"],
			"custom": "tag=1"
		}`)
		writeJSON(w, 200, `{"action":"post","data":{"groupid":"1433492852257879"},"timestamp":1,"duration":3}`)
	})
	id, resp, err := client.Groups.Create(context.Background(), &CreateGroupRequest{
		GroupName: "Team 1 团队", Description: "with spaces and / slashes",
		MaxUsers: Int(2000), AllowInvites: Bool(true), MembersOnly: Bool(false), InviteNeedConfirm: Bool(false),
		Owner: "owner_1", Members: []string{"a", "b.c", "d-e"}, Custom: String("tag=1"),
	})
	if err != nil || id != "1433492852257879" || resp.Duration != 3 {
		t.Fatalf("Create = %q, %+v, %v", id, resp, err)
	}
}

func TestGroupsCreateMinimalBody(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups", func(w http.ResponseWriter, r *http.Request) {
		// Optional pointer fields are left out; the string fields of the
		// request type have no omitempty and go as "".
		testRequest(t, r, "POST", nil, `{"groupname":"","desc":"","public":true,"owner":"u1"}`)
		writeJSON(w, 200, `{"data":{"groupid":"1"}}`)
	})
	if _, _, err := client.Groups.Create(context.Background(), &CreateGroupRequest{Public: true, Owner: "u1"}); err != nil {
		t.Fatal(err)
	}
}

func TestGroupsCreateWithoutGroupID(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"data":{}}`)
	})
	if _, _, err := client.Groups.Create(context.Background(), &CreateGroupRequest{Owner: "u1"}); err == nil {
		t.Fatal("want an error for a response without groupid")
	}
}

const seedDetailResponse = `{
    "action": "get",
    "application": "8be024f0-XXXX-XXXX-b697-5d598d5f8402",
    "uri": "http://XXXX/XXXX/XXXX/chatgroups/66016455491585",
    "entities": [],
    "data": [
      {
        "id": "66016455491585",
        "name": "testgroup1",
        "description": "testgroup1",
        "membersonly": false,
        "allowinvites": false,
        "maxusers": 200,
        "owner": "user1",
        "created": 1542356598609,
        "custom": "",
        "affiliations_count": 3,
        "affiliations": [
          {
            "member": "user3"
          },
          {
            "member": "user2"
          },
          {
            "owner": "user1"
          }
        ],
        "public": true
      }
    ],
    "timestamp": 1542360200677,
    "duration": 0,
    "organization": "XXXX",
    "applicationName": "XXXX"
}`

var seedGroup = &Group{
	ID: "66016455491585", Name: "testgroup1", Description: "testgroup1",
	MaxUsers: 200, Owner: "user1", Created: 1542356598609, Public: true,
	AffiliationsCount: 3,
	Affiliations: []Affiliation{
		{Username: "user3", Role: RoleMember},
		{Username: "user2", Role: RoleMember},
		{Username: "user1", Role: RoleOwner},
	},
}

func TestGroupsGetSeedExample(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/66016455491585", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", nil, "")
		writeJSON(w, 200, seedDetailResponse)
	})
	groups, resp, err := client.Groups.Get(context.Background(), "66016455491585")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if diff := cmp.Diff([]*Group{seedGroup}, groups); diff != "" {
		t.Errorf("groups mismatch (-want +got):\n%s", diff)
	}
	if resp.Timestamp != 1542360200677 || resp.Count != 1 {
		t.Errorf("resp.Timestamp = %d, Count = %d", resp.Timestamp, resp.Count)
	}
}

// A 2021-style capture: more keys, top-level count, and the server's order
// differs from the order asked.
const capturedDetailResponse = `{
  "action":"get","application":"8be024f0-e978-11e8-b697-5d598d5f8402","uri":"https://a1.easemob.com/org/app/chatgroups/2,1",
  "entities":[],
  "data":[
    {"id":"1","name":"one","description":"","membersonly":true,"allowinvites":false,"invite_need_confirm":true,
     "maxusers":500,"owner":"boss","created":1557479328046,"custom":"x","mute":true,"disabled":false,"scale":"normal",
     "affiliations_count":2,"affiliations":[{"member":"m_1"},{"owner":"boss"}],"public":false},
    {"id":"2","name":"two","description":"d","membersonly":false,"allowinvites":true,"maxusers":200,"owner":"u",
     "created":1557479328047,"custom":"","affiliations_count":1,"affiliations":[{"owner":"u"}],"public":true,"avatar":"https://x/a.png"}
  ],
  "timestamp":1611111111111,"duration":7,"organization":"org","applicationName":"app","count":2,"properties":{}
}`

func TestGroupsGetReturnsRequestOrderAndCount(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/2,1", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", nil, "")
		writeJSON(w, 200, capturedDetailResponse)
	})
	groups, resp, err := client.Groups.Get(context.Background(), "2", "1")
	if err != nil {
		t.Fatal(err)
	}
	want := []*Group{
		{ID: "2", Name: "two", Description: "d", AllowInvites: true, MaxUsers: 200, Owner: "u", Created: 1557479328047,
			Avatar: "https://x/a.png", AffiliationsCount: 1, Affiliations: []Affiliation{{"u", RoleOwner}}, Public: true},
		{ID: "1", Name: "one", MembersOnly: true, InviteNeedConfirm: true, MaxUsers: 500, Owner: "boss", Created: 1557479328046,
			Custom: "x", Mute: true, AffiliationsCount: 2, Affiliations: []Affiliation{{"m_1", RoleMember}, {"boss", RoleOwner}}},
	}
	if diff := cmp.Diff(want, groups); diff != "" {
		t.Errorf("groups mismatch (-want +got):\n%s", diff)
	}
	if resp.Count != 2 || resp.Duration != 7 {
		t.Errorf("Count = %d, Duration = %d", resp.Count, resp.Duration)
	}
}

// GetWithoutMembers makes the same call as Get and returns the same
// groups, without their member lists.
func TestGroupsGetWithoutMembers(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/2,1", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", nil, "")
		writeJSON(w, 200, capturedDetailResponse)
	})
	full, _, err := client.Groups.Get(context.Background(), "2", "1")
	if err != nil {
		t.Fatal(err)
	}
	lean, resp, err := client.Groups.GetWithoutMembers(context.Background(), "2", "1")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range full {
		g.Affiliations = nil
	}
	if diff := cmp.Diff(full, lean); diff != "" {
		t.Errorf("groups mismatch (-Get without members +GetWithoutMembers):\n%s", diff)
	}
	if resp.Count != 2 || lean[1].AffiliationsCount != 2 {
		t.Errorf("Count = %d, AffiliationsCount = %d", resp.Count, lean[1].AffiliationsCount)
	}
}

func TestGroupsGetPathEscapesIDs(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/", func(w http.ResponseWriter, r *http.Request) {
		if got, want := r.URL.EscapedPath(), "/org/app/chatgroups/a%20b,c%3Fd"; got != want {
			t.Errorf("path = %s, want %s", got, want)
		}
		writeJSON(w, 200, `{"data":[{"id":"c?d"},{"id":"a b"}]}`)
	})
	groups, _, err := client.Groups.Get(context.Background(), "a b", "c?d")
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 2 || groups[0].ID != "a b" || groups[1].ID != "c?d" {
		t.Errorf("groups = %+v", groups)
	}
}

func TestGroupsGetBatchesOf100(t *testing.T) {
	client, mux := setup(t)
	var (
		mu      sync.Mutex
		batches [][]string
	)
	mux.HandleFunc("/org/app/chatgroups/", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", nil, "")
		ids := strings.Split(strings.TrimPrefix(r.URL.Path, "/org/app/chatgroups/"), ",")
		mu.Lock()
		batches = append(batches, ids)
		mu.Unlock()
		// Answer in reverse order, and leave out every id ending in 7.
		var items []string
		for i := len(ids) - 1; i >= 0; i-- {
			if !strings.HasSuffix(ids[i], "7") {
				items = append(items, fmt.Sprintf(`{"id":%q,"name":"g%s"}`, ids[i], ids[i]))
			}
		}
		writeJSON(w, 200, fmt.Sprintf(`{"data":[%s],"count":%d}`, strings.Join(items, ","), len(items)))
	})

	ids := make([]string, 250)
	var want []*Group
	for i := range ids {
		ids[i] = fmt.Sprint(1000 + i)
		if !strings.HasSuffix(ids[i], "7") {
			want = append(want, &Group{ID: ids[i], Name: "g" + ids[i]})
		}
	}
	groups, resp, err := client.Groups.Get(context.Background(), ids...)
	if err != nil {
		t.Fatal(err)
	}
	if got := []int{len(batches[0]), len(batches[1]), len(batches[2])}; len(batches) != 3 || !cmp.Equal(got, []int{100, 100, 50}) {
		t.Fatalf("batches = %d calls, sizes %v; want 100/100/50", len(batches), got)
	}
	if diff := cmp.Diff(ids[:100], batches[0]); diff != "" {
		t.Errorf("first batch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, groups); diff != "" {
		t.Errorf("groups not in request order (-want +got):\n%s", diff)
	}
	if resp.Count != len(want) || resp.Attempts != 3 {
		t.Errorf("resp.Count = %d (want %d), Attempts = %d (want 3)", resp.Count, len(want), resp.Attempts)
	}
}

func TestGroupsGetMissing(t *testing.T) {
	notFound := `{"error":"service_resource_not_found","exception":"com.easemob.group.exception.ServiceResourceNotFoundException","timestamp":1557479328046,"duration":0,"error_description":"do not find this group:9"}`
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/9", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 404, notFound) })
	mux.HandleFunc("/org/app/chatgroups/8,9", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, `{"error":"resource_not_found","error_description":"grpID 8 does not exist!"}`)
	})
	mux.HandleFunc("/org/app/chatgroups/1,9", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"data":[{"id":"1"}],"count":1}`)
	})
	ctx := context.Background()

	t.Run("single id is ErrNotFound", func(t *testing.T) {
		groups, resp, err := client.Groups.Get(ctx, "9")
		if !errors.Is(err, ErrNotFound) || groups != nil {
			t.Fatalf("Get(9) = %v, %v; want ErrNotFound", groups, err)
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != "service_resource_not_found" || resp.StatusCode != 404 {
			t.Errorf("err = %#v, resp = %v", err, resp)
		}
	})
	t.Run("several ids all missing is empty", func(t *testing.T) {
		groups, resp, err := client.Groups.Get(ctx, "8", "9")
		if err != nil || len(groups) != 0 || resp == nil {
			t.Fatalf("Get(8,9) = %v, %v, %v; want no groups and no error", groups, resp, err)
		}
	})
	t.Run("some missing are absent", func(t *testing.T) {
		groups, _, err := client.Groups.Get(ctx, "1", "9")
		if err != nil || len(groups) != 1 || groups[0].ID != "1" {
			t.Fatalf("Get(1,9) = %v, %v", groups, err)
		}
	})
	t.Run("GetOne", func(t *testing.T) {
		if _, _, err := client.Groups.GetOne(ctx, "9"); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetOne(9) error = %v, want ErrNotFound", err)
		}
	})
}

func TestGroupsGetWrongAppIsAnError(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/1,2", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, `{"error":"organization_application_not_found","error_description":"Could not find application for org/app from URI: org/app/chatgroups/1,2"}`)
	})
	_, _, err := client.Groups.Get(context.Background(), "1", "2")
	if ReasonOf(err) != ReasonAppNotFound || !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v (reason %q), want the 404 for an unknown app", err, ReasonOf(err))
	}
}

func TestGroupsGetOne(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/66016455491585", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", nil, "")
		writeJSON(w, 200, seedDetailResponse)
	})
	mux.HandleFunc("/org/app/chatgroups/5", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"data":[],"count":0}`)
	})
	g, _, err := client.Groups.GetOne(context.Background(), "66016455491585")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(seedGroup, g); diff != "" {
		t.Errorf("group mismatch (-want +got):\n%s", diff)
	}
	if _, _, err := client.Groups.GetOne(context.Background(), "5"); !errors.Is(err, ErrNotFound) {
		t.Errorf("empty data: err = %v, want ErrNotFound", err)
	}
}

func TestGroupsUpdateSeedExample(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/66021836783617", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "PUT", nil, `{
			"groupname": "testgroup1",
			"description": "test",
			"maxusers": 300,
			"membersonly": true,
			"allowinvites": true
		}`)
		writeJSON(w, 200, `{
		    "action": "put",
		    "application": "8be024f0-XXXX-XXXX-b697-5d598d5f8402",
		    "uri": "http://XXXX/XXXX/XXXX/chatgroups/66021836783617",
		    "entities": [],
		    "data": {"membersonly": true, "allowinvites": true, "description": true, "maxusers": true, "groupname": true},
		    "timestamp": 1542363146301,
		    "duration": 0,
		    "organization": "XXXX",
		    "applicationName": "XXXX"
		}`)
	})
	resp, err := client.Groups.Update(context.Background(), "66021836783617", &UpdateGroupRequest{
		GroupName: String("testgroup1"), Description: String("test"), MaxUsers: Int(300),
		MembersOnly: Bool(true), AllowInvites: Bool(true),
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if resp.Timestamp != 1542363146301 {
		t.Errorf("Timestamp = %d", resp.Timestamp)
	}
}

func TestGroupsUpdateIsSparse(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/1", func(w http.ResponseWriter, r *http.Request) {
		// Only the set keys; an explicit false and an empty string are sent.
		testRequest(t, r, "PUT", nil, `{"membersonly":false,"custom":""}`)
		writeJSON(w, 200, `{"data":{"membersonly":true,"custom":true}}`)
	})
	if _, err := client.Groups.Update(context.Background(), "1", &UpdateGroupRequest{MembersOnly: Bool(false), Custom: String("")}); err != nil {
		t.Fatal(err)
	}
}

func TestGroupsUpdateNotApplied(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/1", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "PUT", nil, `{"groupname":"n","description":"d","maxusers":10,"public":true}`)
		// maxusers false, public missing, description a non-boolean.
		writeJSON(w, 200, `{"data":{"groupname":true,"description":"yes","maxusers":false}}`)
	})
	resp, err := client.Groups.Update(context.Background(), "1", &UpdateGroupRequest{
		GroupName: String("n"), Description: String("d"), MaxUsers: Int(10), Public: Bool(true),
	})
	var na *NotAppliedError
	if !errors.As(err, &na) {
		t.Fatalf("err = %v, want *NotAppliedError", err)
	}
	if diff := cmp.Diff([]string{"description", "maxusers", "public"}, na.Fields); diff != "" {
		t.Errorf("Fields (-want +got):\n%s", diff)
	}
	if resp == nil || resp.StatusCode != 200 {
		t.Errorf("resp = %v", resp)
	}
	if want := "agora: the server did not apply: description, maxusers, public"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
}

func TestGroupsTransferOwner(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/1", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "PUT", nil, `{"newowner":"user_2"}`)
		writeJSON(w, 200, `{"action":"put","data":{"newowner":true},"timestamp":1,"duration":0}`)
	})
	mux.HandleFunc("/org/app/chatgroups/2", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"action":"put","data":{"newowner":false}}`)
	})
	if _, err := client.Groups.TransferOwner(context.Background(), "1", "user_2"); err != nil {
		t.Fatal(err)
	}
	var na *NotAppliedError
	if _, err := client.Groups.TransferOwner(context.Background(), "2", "user_2"); !errors.As(err, &na) || na.Fields[0] != "newowner" {
		t.Errorf("err = %v, want NotAppliedError{newowner}", err)
	}
}

func TestGroupsDelete(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/66021836783617", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "DELETE", nil, "")
		writeJSON(w, 200, `{
		    "action": "delete",
		    "application": "8be024f0-XXXX-XXXX-b697-5d598d5f8402",
		    "uri": "http://XXXX/XXXX/XXXX/chatgroups/66021836783617",
		    "entities": [],
		    "data": {"success": true, "groupid": "66021836783617"},
		    "timestamp": 1542363546590,
		    "duration": 0,
		    "organization": "XXXX",
		    "applicationName": "XXXX"
		}`)
	})
	mux.HandleFunc("/org/app/chatgroups/2", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"data":{"success":false,"groupid":"2"}}`)
	})
	resp, err := client.Groups.Delete(context.Background(), "66021836783617")
	if err != nil || resp.Timestamp != 1542363546590 {
		t.Fatalf("Delete = %v, %v", resp, err)
	}
	if _, err := client.Groups.Delete(context.Background(), "2"); err == nil {
		t.Error("success=false: want an error")
	}
}

const seedListResponse = `{
    "action": "get",
    "params": {"limit": ["2"]},
    "uri": "https://XXXX/XXXX/XXXX/chatgroups",
    "entities": [],
    "data": [
        {
            "owner": "XXXX#XXXX_user1",
            "groupid": "100743775617286960",
            "affiliations": 2,
            "type": "group",
            "last_modified": "1441021038124",
            "groupname": "testgroup1"
        },
        {
            "owner": "XXXX#XXXX_user2",
            "groupid": "100973270123152176",
            "affiliations": 1,
            "type": "group",
            "last_modified": "1441074471486",
            "groupname": "testgroup2"
        }
    ],
    "timestamp": 1441094193812,
    "duration": 14,
    "cursor": "Y2hhdGdyb3VwczplYXNlbW9iLWRlbW8vY2hhdGRlbW91aV8z",
    "count": 2
}`

func TestGroupsListSeedExample(t *testing.T) {
	// The seed example's owners carry the prefix of org XXXX, app XXXX.
	client, mux, _ := setupApp(t, "XXXX", "XXXX")
	mux.HandleFunc("/XXXX/XXXX/chatgroups", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", url.Values{"limit": {"2"}}, "")
		writeJSON(w, 200, seedListResponse)
	})
	groups, resp, err := client.Groups.List(context.Background(), &ListOptions{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := []*GroupSummary{
		{ID: "100743775617286960", Name: "testgroup1", Owner: "user1", MemberCount: 2, Type: "group", LastModified: 1441021038124},
		{ID: "100973270123152176", Name: "testgroup2", Owner: "user2", MemberCount: 1, Type: "group", LastModified: 1441074471486},
	}
	if diff := cmp.Diff(want, groups); diff != "" {
		t.Errorf("groups mismatch (-want +got):\n%s", diff)
	}
	if resp.Cursor != "Y2hhdGdyb3VwczplYXNlbW9iLWRlbW8vY2hhdGRlbW91aV8z" || resp.Count != 2 || resp.Duration != 14 || resp.Timestamp != 1441094193812 {
		t.Errorf("resp paging = cursor %q count %d duration %d timestamp %d", resp.Cursor, resp.Count, resp.Duration, resp.Timestamp)
	}
}

func TestGroupsListLastPageCurrentKeys(t *testing.T) {
	client, mux, _ := setupApp(t, "easemob-demo", "testapp")
	mux.HandleFunc("/easemob-demo/testapp/chatgroups", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", url.Values{"limit": {"10"}, "cursor": {"abc=="}}, "")
		// Current docs: lastModified; last page: no cursor key. Owners with
		// "_" and "#" in the username, one without the prefix, one with a
		// foreign prefix, one with the app key in another case.
		writeJSON(w, 200, `{
		  "action":"get","params":{"limit":["10"],"cursor":["abc=="]},
		  "application":"8be024f0-e978-11e8-b697-5d598d5f8402","organization":"easemob-demo","applicationName":"testapp",
		  "uri":"https://a1.easemob.com/easemob-demo/testapp/chatgroups","entities":[],
		  "data":[
		    {"owner":"easemob-demo#testapp_user_1","groupid":"1","affiliations":3,"type":"group","lastModified":"1705312000000","groupname":"a"},
		    {"owner":"easemob-demo#testapp_a#b_c","groupid":"2","affiliations":1,"type":"group","lastModified":"1705312000001","groupname":"b"},
		    {"owner":"plain_user","groupid":"3","affiliations":1,"type":"group","lastModified":1705312000002,"groupname":"c"},
		    {"owner":"other#testapp_x","groupid":"4","affiliations":1,"type":"group","groupname":"d"},
		    {"owner":"EASEMOB-DEMO#TestApp_y","groupid":"5","affiliations":1,"type":"group","lastModified":"1","last_modified":"2","groupname":"e"}
		  ],
		  "timestamp":1705312999999,"duration":2,"count":5
		}`)
	})
	groups, resp, err := client.Groups.List(context.Background(), &ListOptions{Limit: 10, Cursor: "abc=="})
	if err != nil {
		t.Fatal(err)
	}
	want := []*GroupSummary{
		{ID: "1", Name: "a", Owner: "user_1", MemberCount: 3, Type: "group", LastModified: 1705312000000},
		{ID: "2", Name: "b", Owner: "a#b_c", MemberCount: 1, Type: "group", LastModified: 1705312000001},
		{ID: "3", Name: "c", Owner: "plain_user", MemberCount: 1, Type: "group", LastModified: 1705312000002},
		{ID: "4", Name: "d", Owner: "other#testapp_x", MemberCount: 1, Type: "group"},
		{ID: "5", Name: "e", Owner: "y", MemberCount: 1, Type: "group", LastModified: 1},
	}
	if diff := cmp.Diff(want, groups); diff != "" {
		t.Errorf("groups mismatch (-want +got):\n%s", diff)
	}
	if resp.Cursor != "" || resp.Count != 5 {
		t.Errorf("last page: Cursor = %q, Count = %d", resp.Cursor, resp.Count)
	}
}

func TestGroupsListNoOptions(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", nil, "")
		if r.URL.RawQuery != "" {
			t.Errorf("raw query = %q, want none", r.URL.RawQuery)
		}
		writeJSON(w, 200, `{"data":[],"count":0}`)
	})
	for _, opts := range []*ListOptions{nil, {}} {
		groups, resp, err := client.Groups.List(context.Background(), opts)
		if err != nil || len(groups) != 0 || resp.Cursor != "" {
			t.Errorf("List(%v) = %v, %v, %v", opts, groups, resp, err)
		}
	}
}

func TestGroupsListJoinedSeedExample(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/users/user1/joined_chatgroups", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", nil, "")
		writeJSON(w, 200, `{
		    "action": "get",
		    "application": "8be024f0-XXXX-XXXX-b697-5d598d5f8402",
		    "uri": "http://XXXX/XXXX/XXXX/users/user1/joined_chatgroups",
		    "entities": [],
		    "data": [
		      {"groupid": "66XXXX85", "groupname": "testgroup1"},
		      {"groupid": "66016467025921", "groupname": "testgroup2"}
		    ],
		    "timestamp": 1542359565885,
		    "duration": 1,
		    "organization": "XXXX",
		    "applicationName": "testapp",
		    "count": 2
		}`)
	})
	groups, resp, err := client.Groups.ListJoined(context.Background(), "user1", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []*JoinedGroup{{ID: "66XXXX85", Name: "testgroup1"}, {ID: "66016467025921", Name: "testgroup2"}}
	if diff := cmp.Diff(want, groups); diff != "" {
		t.Errorf("groups mismatch (-want +got):\n%s", diff)
	}
	if resp.Count != 2 || resp.Duration != 1 {
		t.Errorf("Count = %d, Duration = %d", resp.Count, resp.Duration)
	}
}

func TestGroupsListJoinedEmptyPage(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/users/user1/joined_chatgroups", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", url.Values{"pagesize": {"1"}, "pagenum": {"100"}}, "")
		// The seed's paged example, verbatim apart from whitespace.
		writeJSON(w, 200, `{
		    "action":"get","application":"8bXXXX02","applicationName":"testapp","count":0,
		    "data":[ ],"duration":0,"entities":[ ],"organization":"XXXX",
		    "params":{"pagesize":["1"],"pagenum":["100"]},"properties":{ },
		    "timestamp":1645177932072,"uri":"http://XXXX/XXXX/XXXX/users/user1/joined_chatgroups"
		}`)
	})
	groups, resp, err := client.Groups.ListJoined(context.Background(), "user1", &JoinedOptions{PageNum: 100, PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*JoinedGroup{}, groups); diff != "" {
		t.Errorf("want an empty, non-nil page (-want +got):\n%s", diff)
	}
	if resp.Count != 0 || resp.Timestamp != 1645177932072 {
		t.Errorf("resp = %+v", resp)
	}
}

func TestGroupsListJoinedUnknownUser(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/users/ghost/joined_chatgroups", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, `{"error":"resource_not_found","exception":"com.easemob.group.exception.ResourceNotFoundException","timestamp":1,"duration":0,"error_description":"username ghost doesn't exist!"}`)
	})
	_, _, err := client.Groups.ListJoined(context.Background(), "ghost", &JoinedOptions{PageSize: 5})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	if want := "agora: GET /org/app/users/ghost/joined_chatgroups: 404 resource_not_found: username ghost doesn't exist!"; err.Error() != want {
		t.Errorf("Error() = %q\nwant      %q", err, want)
	}
}
