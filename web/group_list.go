package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"groupdesk/agora"
	"groupdesk/views"
)

var listPageSizes = []int{10, 25, 50, 100}

const (
	defaultListLimit = 25
	// maxCursorStack bounds the "prev" cursors carried in the URL; further
	// back than this, Previous leads to the oldest page remembered.
	maxCursorStack = 50
)

// groupList is GET /groups: all groups from Agora's list-all, a page
// (limit rows, one call) at a time. Visibility and capacity stay on the
// detail page: only Agora's detail call has them, and it returns every
// member of every group, up to 10,000 each. With a search text or filter
// it is a search of Groupdesk's own index instead (groupSearch).
//
// Paging has one model, kept in the URL: the cursors of the pages before
// the first one shown (prev), that page's cursor, and how many pages from
// there are shown (pages, after "Load more"). A reload or Back shows the
// same rows, and the pager names the rows shown. "Load more" (htmx) asks
// for the next page alone with shown=N, gets its rows, and pushes the URL
// of the grown list.
func (s *Server) groupList(c echo.Context) error {
	q := c.QueryParams()
	if isSearch(q) {
		return s.groupSearch(c)
	}
	v := listView{limit: pageSize(q.Get("limit"), listPageSizes, defaultListLimit)}
	cursor := q.Get("cursor")
	if cursor != "" {
		v.prev = q["prev"]
		if len(v.prev) > maxCursorStack {
			v.prev = v.prev[len(v.prev)-maxCursorStack:]
		}
	}
	pages := 1
	fragment := isHTMX(c)
	if fragment {
		// The pages already shown are the last ones of the stack.
		shown, _ := strconv.Atoi(q.Get("shown"))
		shown = min(max(shown, 0), len(v.prev))
		v.shown = slices.Clone(v.prev[len(v.prev)-shown:])
		v.prev = v.prev[:len(v.prev)-shown]
		v.earlier = shown
	} else if n, err := strconv.Atoi(q.Get("pages")); err == nil {
		pages = min(max(n, 1), maxLoadedPages)
	}

	var rows []views.GroupRow
	for range pages {
		summaries, resp, err := s.groups.List(c.Request().Context(), &agora.ListOptions{Limit: v.limit, Cursor: cursor})
		if err != nil {
			return err
		}
		v.shown = append(v.shown, cursor)
		v.rows += len(summaries)
		rows = slices.Grow(rows, len(summaries))
		for _, g := range summaries {
			rows = append(rows, groupRow(g))
		}
		cursor = ""
		if resp != nil {
			cursor = resp.Cursor
		}
		if cursor == "" {
			break
		}
	}
	v.next = cursor

	p := s.page(c, views.NavGroups, "list.title")
	d := v.model(rows)
	if fragment {
		return render(c, http.StatusOK, views.GroupRowsFragment(p, d))
	}
	return render(c, http.StatusOK, views.GroupListPage(p, d))
}

// maxLoadedPages bounds "Load more": a reload makes one call per page
// shown, so past this the pager's Next takes over.
const maxLoadedPages = 10

// listView is what the list shows, as cursors: those of the pages before
// the first shown (prev; "" is the first page), of each page shown, and of
// the page after (next, "" at the end).
type listView struct {
	limit int
	prev  []string
	shown []string
	next  string
	// earlier is how many of the pages shown this request did not fetch
	// (full pages, shown before "Load more"); rows is how many rows it did.
	earlier, rows int
}

func (v listView) model(rows []views.GroupRow) views.GroupList {
	d := views.GroupList{
		Rows:      rows,
		Limit:     v.limit,
		PageSizes: listPageSizes,
		FirstRow:  len(v.prev)*v.limit + 1,
		LastRow:   (len(v.prev)+v.earlier)*v.limit + v.rows,
	}
	if v.next != "" {
		all := append(slices.Clone(v.prev), v.shown...)
		d.NextURL = listURL(v.limit, v.next, all, 1)
		if len(v.shown) < maxLoadedPages {
			d.MoreURL = templ.SafeURL(string(d.NextURL) + "&shown=" + strconv.Itoa(len(v.shown)))
			d.MorePushURL = listURL(v.limit, v.shown[0], v.prev, len(v.shown)+1)
		}
	}
	if first := v.shown[0]; first != "" {
		last := len(v.prev) - 1
		if last >= 0 {
			d.PrevURL = listURL(v.limit, v.prev[last], v.prev[:last], 1)
		} else {
			d.PrevURL = listURL(v.limit, "", nil, 1)
		}
	}
	return d
}

func groupRow(g *agora.GroupSummary) views.GroupRow {
	return views.GroupRow{
		ID:           g.ID,
		Name:         g.Name,
		Owner:        g.Owner,
		Members:      g.MemberCount,
		LastModified: g.LastModified.Time(),
		URL:          groupURL(g.ID),
		EditURL:      groupEditURL(g.ID),
		DeleteURL:    groupDeleteURL(g.ID),
		OwnerURL:     userGroupsURL(g.Owner),
	}
}

// listURL is the address of pages of the list: pages pages from cursor
// ("" is the first page); prev is the stack of the cursors of the pages
// before it.
func listURL(limit int, cursor string, prev []string, pages int) templ.SafeURL {
	v := url.Values{"limit": {strconv.Itoa(limit)}}
	if cursor != "" {
		v.Set("cursor", cursor)
		for _, p := range prev {
			v.Add("prev", p)
		}
	}
	if pages > 1 {
		v.Set("pages", strconv.Itoa(pages))
	}
	return templ.SafeURL("/groups?" + v.Encode())
}

// pageSize returns the page size asked for if it is one of the choices.
func pageSize(s string, choices []int, def int) int {
	n, err := strconv.Atoi(s)
	if err == nil && slices.Contains(choices, n) {
		return n
	}
	return def
}
