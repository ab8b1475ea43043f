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

// groupList is GET /groups: one page of all groups from one Agora call,
// list-all. Visibility and capacity stay on the detail page: only Agora's
// detail call has them, and it returns every member of every group, up to
// 10,000 each. With HX-Request it returns only the rows of that page, for
// the "Load more" button. With a search text or filter it is a search of
// Groupdesk's own index instead (groupSearch).
func (s *Server) groupList(c echo.Context) error {
	ctx := c.Request().Context()
	q := c.QueryParams()
	if isSearch(q) {
		return s.groupSearch(c)
	}
	limit := pageSize(q.Get("limit"), listPageSizes, defaultListLimit)
	cursor := q.Get("cursor")
	var prev []string
	if cursor != "" {
		prev = q["prev"]
		if len(prev) > maxCursorStack {
			prev = prev[len(prev)-maxCursorStack:]
		}
	}

	summaries, resp, err := s.groups.List(ctx, &agora.ListOptions{Limit: limit, Cursor: cursor})
	if err != nil {
		return err
	}
	p := s.page(c, views.NavGroups, "list.title")
	d := views.GroupList{
		Limit:      limit,
		PageSizes:  listPageSizes,
		PageNumber: len(prev) + 1,
	}
	for _, g := range summaries {
		d.Rows = append(d.Rows, views.GroupRow{
			ID:           g.ID,
			Name:         g.Name,
			Owner:        g.Owner,
			Members:      g.MemberCount,
			LastModified: g.LastModified.Time(),
			URL:          groupURL(g.ID),
			EditURL:      groupEditURL(g.ID),
			DeleteURL:    groupDeleteURL(g.ID),
			OwnerURL:     userGroupsURL(g.Owner),
		})
	}
	if resp != nil && resp.Cursor != "" {
		d.NextURL = listURL(limit, resp.Cursor, append(slices.Clone(prev), cursor))
	}
	if cursor != "" {
		last := len(prev) - 1
		if last >= 0 {
			d.PrevURL = listURL(limit, prev[last], prev[:last])
		} else {
			d.PrevURL = listURL(limit, "", nil)
		}
	}
	if isHTMX(c) {
		return render(c, http.StatusOK, views.GroupRowsFragment(p, d))
	}
	return render(c, http.StatusOK, views.GroupListPage(p, d))
}

// listURL is the address of a page of the list. prev is the stack of the
// cursors of the pages before it ("" is the first page).
func listURL(limit int, cursor string, prev []string) templ.SafeURL {
	v := url.Values{"limit": {strconv.Itoa(limit)}}
	if cursor != "" {
		v.Set("cursor", cursor)
		for _, p := range prev {
			v.Add("prev", p)
		}
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
