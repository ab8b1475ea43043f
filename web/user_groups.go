package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"groupdesk/agora"
	"groupdesk/views"
)

// Joined-groups page sizes: Agora documents [1,100] in one place and
// clamps to 20 in another (facts §3.6); 20 is safe under both.
var joinedPageSizes = []int{10, 20}

const defaultJoinedPageSize = 10

// userSearch is GET /users?username=…, the "find a user's groups" box.
func (s *Server) userSearch(c echo.Context) error {
	username := strings.TrimSpace(c.QueryParam("username"))
	if !validUsername(username) {
		msg := localizer(c).T("list.user_invalid", username)
		if username == "" {
			msg = localizer(c).T("list.user_empty")
		}
		setFlash(session(c), views.FlashError, msg)
		return c.Redirect(http.StatusSeeOther, "/groups")
	}
	return c.Redirect(http.StatusSeeOther, userPath(username))
}

// joinedPageParams reads a user's groups page address: the username of
// the path (a 404 page when it cannot be one) and ?pagenum= and ?pagesize=.
func joinedPageParams(c echo.Context) (username string, num, size int, err error) {
	username, err = url.PathUnescape(c.Param("username"))
	if err != nil || !validUsername(username) {
		return "", 0, 0, newPageError(http.StatusNotFound, "error.user_not_found", c.Param("username"))
	}
	size = pageSize(c.QueryParam("pagesize"), joinedPageSizes, defaultJoinedPageSize)
	num, err = strconv.Atoi(c.QueryParam("pagenum"))
	if err != nil || num < 1 {
		num = 1
	}
	return username, num, size, nil
}

// userGroups is GET /users/{username}/groups: one page of the groups the
// user has joined (one call), with the ones the user owns marked: the
// joined list does not say, so one batched detail call for the page's ids
// (at most 20) does. Two calls per page.
func (s *Server) userGroups(c echo.Context) error {
	username, num, size, err := joinedPageParams(c)
	if err != nil {
		return err
	}
	groups, _, err := s.groups.ListJoined(c.Request().Context(), username, &agora.JoinedOptions{PageNum: num, PageSize: size})
	if missing(err) {
		return &pageError{status: http.StatusNotFound, key: "error.user_not_found", args: []any{username}, cause: err}
	}
	if err != nil {
		return err
	}
	d := views.UserGroups{
		Username:  username,
		PageNum:   num,
		PageSize:  size,
		PageSizes: joinedPageSizes,
		Action:    userGroupsURL(username),
		PageURL:   templ.SafeURL(userPath(username)),
	}
	for _, g := range groups {
		d.Rows = append(d.Rows, views.JoinedGroupRow{ID: g.ID, Name: g.Name, URL: groupURL(g.ID)})
	}
	if len(groups) > 0 {
		s.markOwned(c, &d, username)
	}
	d.CSVURL = templ.SafeURL(userGroupsPath(username) + ".csv")
	// Agora gives no total; a full page means there may be another.
	if len(groups) >= size {
		d.NextURL = userGroupsPageURL(username, num+1, size)
	}
	if num > 1 {
		d.PrevURL = userGroupsPageURL(username, num-1, size)
	}
	p := s.page(c, "", "user.title", username)
	return render(c, http.StatusOK, views.UserGroupsPage(p, d))
}

func userGroupsPageURL(username string, num, size int) templ.SafeURL {
	v := url.Values{"pagenum": {strconv.Itoa(num)}, "pagesize": {strconv.Itoa(size)}}
	return templ.SafeURL(userGroupsPath(username) + "?" + v.Encode())
}

// markOwned marks the rows of the groups username owns, with one batched
// detail call. The list is still useful without it, so a failure only adds
// a note.
func (s *Server) markOwned(c echo.Context, d *views.UserGroups, username string) {
	ids := make([]string, len(d.Rows))
	for i, r := range d.Rows {
		ids[i] = r.ID
	}
	owners, err := s.groupOwners(c.Request().Context(), ids)
	if err != nil {
		s.log.Warn("user's groups: detail call failed; showing the list without owners", "err", err)
		d.DetailsError = localizer(c).T("user.details_failed")
		return
	}
	for i := range d.Rows {
		d.Rows[i].Owner = strings.EqualFold(owners[d.Rows[i].ID], username)
	}
	d.OwnersShown = true
}

// groupOwners returns the owner of each group of ids (≤ 100: one call).
func (s *Server) groupOwners(ctx context.Context, ids []string) (map[string]string, error) {
	groups, _, err := s.groups.GetWithoutMembers(ctx, ids...)
	if err != nil {
		return nil, err
	}
	owners := make(map[string]string, len(groups))
	for _, g := range groups {
		owners[g.ID] = g.Owner
	}
	return owners, nil
}
