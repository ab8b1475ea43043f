package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"groupdesk/agora"
	"groupdesk/web/store"
)

// putBodies are the bodies of the update calls made since the last reset.
func putBodies(t *testing.T, e *env) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, c := range e.upstreamCalls() {
		if c.Method == http.MethodPut {
			var m map[string]any
			if err := json.Unmarshal([]byte(c.Body), &m); err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
	}
	return out
}

func lastAuditChanges(t *testing.T, e *env) []store.AuditChange {
	t.Helper()
	recs, err := e.srv.st.AuditPage(context.Background(), store.AuditFilter{Action: store.ActionGroupUpdate, Limit: 1})
	if err != nil || len(recs) != 1 {
		t.Fatalf("audit: %v, %d records", err, len(recs))
	}
	return recs[0].Summary.Changes
}

// TestGroupEditConflict: two moderators save the same field. The second
// save sends nothing and shows the values side by side; saving that page
// applies the moderator's value over the current one, and the audit's old
// value is what Agora held at save time.
func TestGroupEditConflict(t *testing.T) {
	e := newEnv(t).login()
	id, req := newTestGroup(t, e)
	form := editForm(t, e.get("/groups/"+id+"/edit"))

	// Someone else renames the group and raises its maximum meanwhile.
	if _, err := e.client.Groups.Update(context.Background(), id, &agora.UpdateGroupRequest{GroupName: agora.String("Changed by B"), MaxUsers: agora.Int(70)}); err != nil {
		t.Fatal(err)
	}
	form.Set("groupname", "Renamed by A")
	e.rec.reset()
	p := e.post("/groups/"+id, form)
	wantStatus(t, p, http.StatusConflict)
	if puts := putBodies(t, e); len(puts) != 0 {
		t.Fatalf("a conflicting save was sent: %v", puts)
	}
	rows := p.find("conflict-row")
	if rows.Length() != 1 || rows.AttrOr("data-field", "") != "groupname" {
		t.Fatalf("conflict rows: %d, first %q", rows.Length(), rows.AttrOr("data-field", ""))
	}
	got := []string{p.text("conflict-base"), p.text("conflict-yours"), p.text("conflict-current")}
	if diff := cmp.Diff([]string{req.GroupName, "Renamed by A", "Changed by B"}, got); diff != "" {
		t.Errorf("base, yours, current (-want +got):\n%s", diff)
	}
	if got := p.find("input-groupname").AttrOr("value", ""); got != "Renamed by A" {
		t.Errorf("the form lost the moderator's value: %q", got)
	}

	// Apply anyway: only the moderator's field is sent; B's maximum stays.
	e.rec.reset()
	wantStatus(t, e.post("/groups/"+id, editForm(t, p)), http.StatusSeeOther)
	if diff := cmp.Diff([]map[string]any{{"groupname": "Renamed by A"}}, putBodies(t, e)); diff != "" {
		t.Errorf("apply anyway sent (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]store.AuditChange{{Field: "groupname", Old: "Changed by B", New: "Renamed by A"}}, lastAuditChanges(t, e)); diff != "" {
		t.Errorf("audit changes (-want +got):\n%s", diff)
	}
	g, _, err := e.client.Groups.GetOne(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if g.Name != "Renamed by A" || g.MaxUsers != 70 {
		t.Errorf("group now %q, max %d", g.Name, g.MaxUsers)
	}
}

// TestGroupEditOtherFieldChangedMeanwhile: a field someone else changed
// that this moderator left alone is no conflict, and is kept.
func TestGroupEditOtherFieldChangedMeanwhile(t *testing.T) {
	e := newEnv(t).login()
	id, _ := newTestGroup(t, e)
	form := editForm(t, e.get("/groups/"+id+"/edit"))
	if _, err := e.client.Groups.Update(context.Background(), id, &agora.UpdateGroupRequest{GroupName: agora.String("Changed by B")}); err != nil {
		t.Fatal(err)
	}
	form.Set("description", "New description")
	e.rec.reset()
	wantStatus(t, e.post("/groups/"+id, form), http.StatusSeeOther)
	if diff := cmp.Diff([]map[string]any{{"description": "New description"}}, putBodies(t, e)); diff != "" {
		t.Errorf("sent (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]store.AuditChange{{Field: "description", Old: "Line one\nLine two", New: "New description"}}, lastAuditChanges(t, e)); diff != "" {
		t.Errorf("audit changes (-want +got):\n%s", diff)
	}
}

// TestGroupEditConcurrentSaves: two moderators on one dashboard save the
// same field at the same moment: one is saved, the other is told of the
// conflict (saves of one group take turns between the read and the write).
func TestGroupEditConcurrentSaves(t *testing.T) {
	e := newEnv(t).login()
	other := e.newBrowser()
	if p := e.postWith(other, "/login", url.Values{"username": {"admin"}, "password": {testAdminPass}}); p.StatusCode != http.StatusSeeOther {
		t.Fatalf("second login: %d", p.StatusCode)
	}
	for round := range 5 {
		id, _ := newTestGroup(t, e)
		mine := editForm(t, e.get("/groups/"+id+"/edit"))
		theirs := editForm(t, e.getWith(other, "/groups/"+id+"/edit"))
		mine.Set("groupname", fmt.Sprint("Mine ", round))
		theirs.Set("groupname", fmt.Sprint("Theirs ", round))
		var pages [2]*page
		var wg sync.WaitGroup
		wg.Go(func() { pages[0] = e.post("/groups/"+id, mine) })
		wg.Go(func() { pages[1] = e.postWith(other, "/groups/"+id, theirs) })
		wg.Wait()
		statuses := []int{pages[0].StatusCode, pages[1].StatusCode}
		slices.Sort(statuses)
		if !slices.Equal(statuses, []int{http.StatusSeeOther, http.StatusConflict}) {
			t.Fatalf("round %d: statuses %v, want one saved and one conflict", round, statuses)
		}
	}
}
