package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"groupdesk/views"
)

// groupJump is GET /groups/jump?id=…, the "go to group" box: it checks the
// group exists (one call) so a mistyped id gets a message on the list
// instead of a dead end.
func (s *Server) groupJump(c echo.Context) error {
	id := strings.TrimSpace(c.QueryParam("id"))
	rs := session(c)
	l := localizer(c)
	switch {
	case id == "":
		setFlash(rs, views.FlashError, l.T("list.jump_empty"))
		return c.Redirect(http.StatusSeeOther, "/groups")
	case !validGroupID(id):
		setFlash(rs, views.FlashError, l.T("list.jump_invalid", id))
		return c.Redirect(http.StatusSeeOther, "/groups")
	}
	_, _, err := s.groups.GetOne(c.Request().Context(), id)
	if missing(err) {
		setFlash(rs, views.FlashError, l.T("list.jump_not_found", id))
		return c.Redirect(http.StatusSeeOther, "/groups")
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, groupPath(id))
}
