package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"groupdesk/views"
	"groupdesk/web/search"
)

// searchFilters are the parameters that make GET /groups a search of the
// index; without any of them the list stays the live view of Agora.
var searchFilters = []string{"q", "owner", "visibility", "min_members", "max_members"}

func isSearch(q url.Values) bool {
	for _, k := range searchFilters {
		if q.Get(k) != "" {
			return true
		}
	}
	return false
}

// groupSearch is GET /groups?q=…&owner=…&visibility=…&min_members=…&
// max_members=…&sort=…&dir=…&page=…: a page of groups from Groupdesk's
// own index, which Agora cannot search.
func (s *Server) groupSearch(c echo.Context) error {
	ctx := c.Request().Context()
	v := c.QueryParams()
	f := views.SearchForm{
		Q: v.Get("q"), Owner: v.Get("owner"), Visibility: v.Get("visibility"),
		MinMembers: v.Get("min_members"), MaxMembers: v.Get("max_members"), Sort: v.Get("sort"), Dir: v.Get("dir"),
	}
	q := search.Query{Text: f.Q, Owner: f.Owner, MinMembers: atoiOrZero(f.MinMembers), MaxMembers: atoiOrZero(f.MaxMembers)}
	// Unknown values are dropped rather than refused: the form only
	// offers known ones, and a shared link should still open.
	switch search.Visibility(f.Visibility) {
	case search.Public, search.Private:
		q.Visibility = search.Visibility(f.Visibility)
	default:
		f.Visibility = ""
	}
	switch search.Sort(f.Sort) {
	case search.ByName, search.ByMembers, search.ByCreated, search.ByModified:
		q.Sort = search.Sort(f.Sort)
	default:
		f.Sort, q.Sort = "", search.ByName
	}
	if f.Dir != "desc" {
		f.Dir = "asc"
	}
	q.Desc = f.Dir == "desc"
	q.Page = max(atoiOrZero(v.Get("page")), 1)

	d := views.GroupSearch{Form: f, Page: q.Page}
	status := http.StatusOK
	res, err := s.index.Search(ctx, q)
	var tooLong *search.QueryTooLongError
	var st search.Stats
	switch {
	case errors.As(err, &tooLong):
		d.TooLong, status = tooLong.Len, http.StatusBadRequest
		if st, err = s.index.Stats(ctx); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		st = res.Index
		d.Total, d.Pages = res.Total, res.Pages
		d.Rows = make([]views.GroupRow, 0, len(res.Groups))
		for _, g := range res.Groups {
			d.Rows = append(d.Rows, views.GroupRow{
				ID: g.ID, Name: g.Name, Owner: g.Owner, Members: g.Members, LastModified: g.Modified,
				URL: groupURL(g.ID), EditURL: groupEditURL(g.ID), DeleteURL: groupDeleteURL(g.ID), OwnerURL: userGroupsURL(g.Owner),
			})
		}
	}
	d.IndexGroups, d.IndexUpdated, d.SyncRunning, d.SyncSeen = st.Groups, st.LastFullSync, !st.PassStarted.IsZero(), st.PassSeen
	if !st.LastFullSync.IsZero() {
		d.IndexAgeMinutes = max(int(s.now().Sub(st.LastFullSync)/time.Minute), 0)
	}
	if !d.SyncRunning && st.LastFullSync.IsZero() {
		// The first sync may be queued, not yet started.
		run, err := s.runningIndexSync(ctx)
		if err != nil {
			return err
		}
		d.SyncRunning = run != nil
	}
	d.BackQuery = c.Request().URL.RawQuery
	p := s.page(c, views.NavGroups, "search.title")
	if d.FirstSync = d.SyncRunning && st.LastFullSync.IsZero(); d.FirstSync {
		// The results show the first sync's progress: htmx asks for them
		// again, and without JavaScript the page reloads.
		p.RefreshSeconds = reportRefreshSeconds
	}
	d.SortURLs = map[string]templ.SafeURL{}
	for _, col := range []string{"name", "members", "created", "modified"} {
		dir := "asc"
		if string(q.Sort) == col && !q.Desc {
			dir = "desc"
		}
		d.SortURLs[col] = searchURL(f, col, dir, 1)
	}
	if d.Page > 1 {
		d.PrevURL = searchURL(f, f.Sort, f.Dir, d.Page-1)
	}
	if d.Page < d.Pages {
		d.NextURL = searchURL(f, f.Sort, f.Dir, d.Page+1)
	}
	return render(c, status, views.GroupSearchPage(p, d))
}

// searchURL is the address of a page of results, keeping the filters.
func searchURL(f views.SearchForm, sort, dir string, page int) templ.SafeURL {
	v := url.Values{}
	for k, val := range map[string]string{
		"q": f.Q, "owner": f.Owner, "visibility": f.Visibility,
		"min_members": f.MinMembers, "max_members": f.MaxMembers, "sort": sort,
	} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if sort != "" {
		v.Set("dir", dir)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return templ.SafeURL("/groups?" + v.Encode())
}

func atoiOrZero(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// The index follows every change made through Groupdesk at once, so a
// moderator finds what they just did. A failure is logged, not shown: the
// change itself worked, and the next full sync repairs the index.

func (s *Server) indexCreated(c echo.Context, id string, in groupInput, members int) {
	now := s.now()
	s.indexUpsert(c, search.Group{
		ID: id, Name: in.GroupName, Description: in.Description, Owner: in.Owner, Members: members,
		MaxUsers: in.MaxUsers, Public: in.Public, Created: now, Modified: now,
	})
}

func (s *Server) indexEdited(c echo.Context, id string, in groupInput) {
	g, ok, err := s.index.Get(c.Request().Context(), id)
	if err != nil || !ok {
		s.logIndexError(id, err)
		return
	}
	g.Name, g.Description, g.MaxUsers, g.Public, g.Modified = in.GroupName, in.Description, in.MaxUsers, in.Public, s.now()
	s.indexUpsert(c, g)
}

func (s *Server) indexDeleted(c echo.Context, id string) {
	s.logIndexError(id, s.index.MarkGone(c.Request().Context(), id))
}

func (s *Server) indexUpsert(c echo.Context, g search.Group) {
	s.logIndexError(g.ID, s.index.Upsert(c.Request().Context(), g))
}

func (s *Server) logIndexError(id string, err error) {
	if err != nil {
		s.log.Error("search index not updated; the next full sync will", "group", id, "err", err)
	}
}
