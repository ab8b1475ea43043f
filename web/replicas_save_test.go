package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"

	"groupdesk/internal/pgtest"
	"groupdesk/web/store"
)

// TestGroupEditConcurrentSavesAcrossReplicas: two moderators on two
// replicas (one PostgreSQL database) save the same field of a group at
// the same moment, round after round: one is saved and the other told of
// the conflict, never both "updated" with one change silently lost. Each
// replica's own lock cannot see the other's save; the database's can.
// (SQLite replicas are one process's: TestGroupEditConcurrentSaves.)
func TestGroupEditConcurrentSavesAcrossReplicas(t *testing.T) {
	db := testDB{dialect: store.Postgres, dir: t.TempDir(), url: pgtest.URL(t)}
	dbB := db
	dbB.dir = t.TempDir()
	a := newEnv(t, withDB(db)).login()
	b := newEnv(t, withDB(dbB))
	onB := b.newBrowser()
	if p := b.postWith(onB, "/login", url.Values{"username": {"admin"}, "password": {testAdminPass}}); p.StatusCode != http.StatusSeeOther {
		t.Fatalf("login on B: %d", p.StatusCode)
	}
	const rounds = 20
	lost := 0
	for round := range rounds {
		id, _ := newTestGroup(t, a)
		mine := editForm(t, a.get("/groups/"+id+"/edit"))
		theirs := editForm(t, b.getWith(onB, "/groups/"+id+"/edit"))
		mine.Set("groupname", fmt.Sprint("Mine ", round))
		theirs.Set("groupname", fmt.Sprint("Theirs ", round))
		var pages [2]*page
		var wg sync.WaitGroup
		wg.Go(func() { pages[0] = a.post("/groups/"+id, mine) })
		wg.Go(func() { pages[1] = b.postWith(onB, "/groups/"+id, theirs) })
		wg.Wait()
		statuses := []int{pages[0].StatusCode, pages[1].StatusCode}
		slices.Sort(statuses)
		if !slices.Equal(statuses, []int{http.StatusSeeOther, http.StatusConflict}) {
			lost++
			t.Logf("round %d: statuses %v", round, statuses)
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d rounds did not end with one save and one conflict", lost, rounds)
	}
}
