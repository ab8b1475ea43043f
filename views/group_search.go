package views

import (
	"time"

	"github.com/a-h/templ"
)

// GroupSearch is the data of GET /groups with a search: groups found in
// Groupdesk's own index rather than listed live from Agora.
type GroupSearch struct {
	Form    SearchForm
	TooLong int // the query's length when it was refused; 0 otherwise
	Rows    []GroupRow
	Total   int
	Page    int
	Pages   int
	PrevURL templ.SafeURL // "" on the first page
	NextURL templ.SafeURL // "" on the last page
	// SortURLs sort by each column ("name", "members", "created",
	// "modified"), keeping the filters: descending when that column is
	// already sorted ascending.
	SortURLs map[string]templ.SafeURL
	// The index's freshness: how many groups it holds and when the last
	// full sync finished. Empty with a pass running: the first sync.
	IndexGroups  int
	IndexUpdated time.Time
	// IndexAgeMinutes is how long ago IndexUpdated was, in whole minutes.
	IndexAgeMinutes int
	SyncRunning     bool
	SyncSeen        int
	// FirstSync: the index has never been synced and a sync is running,
	// so the results refresh themselves.
	FirstSync bool
	// BackQuery is this search's query string, for the refresh form to
	// come back to.
	BackQuery string
}

// SearchForm is the search as typed, to fill the form again.
type SearchForm struct {
	Q, Owner, Visibility, MinMembers, MaxMembers, Sort, Dir string
}
