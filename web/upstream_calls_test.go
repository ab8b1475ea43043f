package web

import (
	"net/url"
	"testing"
)

// TestUpstreamCallCounts is the budget of Agora calls per page, in one
// place: what a moderator's click costs against the app's rate limit.
func TestUpstreamCallCounts(t *testing.T) {
	e := newEnv(t).login()
	id, req := newTestGroup(t, e)
	edit := editForm(t, e.get("/groups/"+id+"/edit"))
	edit.Set("groupname", "Counted")
	if err := e.sb.CreateUsers(t.Context(), "alice", "bob", "carol", "dave", "erin"); err != nil {
		t.Fatal(err)
	}
	loadMore := e.get("/groups?limit=10").find("load-more").AttrOr("hx-get", "")
	steps := []struct {
		name   string
		do     func() *page
		status int
		calls  int
	}{
		{"list page", func() *page { return e.get("/groups?limit=25") }, 200, 1},
		{"load more", func() *page { return e.get(loadMore, "HX-Request", "true") }, 200, 1},
		{"jump to id", func() *page { return e.get("/groups/jump?id=" + id) }, 303, 1},
		{"detail page", func() *page { return e.get("/groups/" + id) }, 200, 1},
		{"member filter", func() *page { return e.get("/groups/"+id+"?q=b", "HX-Request", "true") }, 200, 1},
		{"members CSV", func() *page { return e.get("/groups/" + id + "/members.csv") }, 200, 1},
		{"members tab", func() *page { return e.get("/groups/" + id + "/members") }, 200, 3}, // the group, its admins, its mutes
		{"remove question", func() *page {
			return e.post("/groups/"+id+"/members/remove", url.Values{"username": {"bob"}})
		}, 200, 0},
		{"ownership question", func() *page { return e.post("/groups/"+id+"/owner", url.Values{"newowner": {"bob"}}) }, 200, 1},
		{"user's groups", func() *page { return e.get("/users/alice/groups") }, 200, 2},
		{"audit log", func() *page { return e.get("/audit") }, 200, 0},
		{"audit CSV", func() *page { return e.get("/audit.csv") }, 200, 0},
		{"report page", func() *page { return e.get("/reports/membership") }, 200, 0},
		{"create form", func() *page { return e.get("/groups/new") }, 200, 0},
		{"create", func() *page { return e.post("/groups", validCreateForm("Counted create")) }, 303, 1},
		{"edit form", func() *page { return e.get("/groups/" + id + "/edit") }, 200, 1},
		{"edit", func() *page { return e.post("/groups/"+id, edit) }, 303, 2}, // read the current values (conflict check), then PUT
		{"delete confirmation", func() *page { return e.get("/groups/" + id + "/delete") }, 200, 1},
		{"delete", func() *page { return e.post("/groups/"+id+"/delete", url.Values{"name": {req.GroupName}}) }, 303, 2},
	}
	for _, s := range steps {
		e.rec.reset()
		p := s.do()
		if p.StatusCode != s.status {
			t.Errorf("%s: status %d, want %d", s.name, p.StatusCode, s.status)
		}
		n := len(e.upstreamCalls())
		if n != s.calls {
			t.Errorf("%s: %d upstream calls, budget %d: %v", s.name, n, s.calls, e.upstreamCalls())
		}
		t.Logf("%-20s %d call(s)", s.name, n)
	}
}
