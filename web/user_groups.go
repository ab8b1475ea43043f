package web

import (
	"errors"
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
	return c.Redirect(http.StatusSeeOther, userGroupsPath(username))
}

// userGroups is GET /users/{username}/groups: one page of the groups the
// user has joined, one call.
func (s *Server) userGroups(c echo.Context) error {
	username, err := url.PathUnescape(c.Param("username"))
	if err != nil || !validUsername(username) {
		return newPageError(http.StatusNotFound, "error.user_not_found", c.Param("username"))
	}
	size := pageSize(c.QueryParam("pagesize"), joinedPageSizes, defaultJoinedPageSize)
	num, err := strconv.Atoi(c.QueryParam("pagenum"))
	if err != nil || num < 1 {
		num = 1
	}
	groups, _, err := s.groups.ListJoined(c.Request().Context(), username, &agora.JoinedOptions{PageNum: num, PageSize: size})
	if errors.Is(err, agora.ErrNotFound) {
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
	}
	for _, g := range groups {
		d.Rows = append(d.Rows, views.JoinedGroupRow{ID: g.ID, Name: g.Name, URL: groupURL(g.ID)})
	}
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
