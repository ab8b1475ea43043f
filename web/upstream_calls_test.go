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
		max    int
		exact  bool
	}{
		{"list page", func() *page { return e.get("/groups?limit=25") }, 200, 2, false},
		{"load more", func() *page { return e.get(loadMore, "HX-Request", "true") }, 200, 2, false},
		{"jump to id", func() *page { return e.get("/groups/jump?id=" + id) }, 303, 1, true},
		{"detail page", func() *page { return e.get("/groups/" + id) }, 200, 1, true},
		{"member filter", func() *page { return e.get("/groups/"+id+"?q=b", "HX-Request", "true") }, 200, 1, true},
		{"members CSV", func() *page { return e.get("/groups/" + id + "/members.csv") }, 200, 1, true},
		{"user's groups", func() *page { return e.get("/users/alice/groups") }, 200, 2, true},
		{"audit log", func() *page { return e.get("/audit") }, 200, 0, true},
		{"audit CSV", func() *page { return e.get("/audit.csv") }, 200, 0, true},
		{"report page", func() *page { return e.get("/reports/membership") }, 200, 0, true},
		{"create form", func() *page { return e.get("/groups/new") }, 200, 0, true},
		{"create", func() *page { return e.post("/groups", validCreateForm("Counted create")) }, 303, 1, true},
		{"edit form", func() *page { return e.get("/groups/" + id + "/edit") }, 200, 1, true},
		{"edit", func() *page { return e.post("/groups/"+id, edit) }, 303, 1, true},
		{"delete confirmation", func() *page { return e.get("/groups/" + id + "/delete") }, 200, 1, true},
		{"delete", func() *page { return e.post("/groups/"+id+"/delete", url.Values{"name": {req.GroupName}}) }, 303, 2, true},
	}
	for _, s := range steps {
		e.rec.reset()
		p := s.do()
		if p.StatusCode != s.status {
			t.Errorf("%s: status %d, want %d", s.name, p.StatusCode, s.status)
		}
		n := len(e.upstreamCalls())
		if n > s.max || (s.exact && n != s.max) {
			t.Errorf("%s: %d upstream calls, budget %d: %v", s.name, n, s.max, e.upstreamCalls())
		}
		t.Logf("%-20s %d call(s)", s.name, n)
	}
}
