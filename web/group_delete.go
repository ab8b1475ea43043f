package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"groupdesk/agora"
	"groupdesk/views"
)

// groupDeleteConfirm is GET /groups/{id}/delete: the question, naming the
// group and its size (one call). htmx gets a <dialog> to insert into the
// page; without JavaScript it is a page of its own.
func (s *Server) groupDeleteConfirm(c echo.Context) error {
	g, err := s.fetchGroup(c)
	if err != nil {
		return err
	}
	d := views.DeleteConfirm{
		ID:          g.ID,
		Name:        g.Name,
		MemberCount: memberCount(g),
		Action:      groupDeleteURL(g.ID),
		CancelURL:   groupURL(g.ID),
	}
	p := s.page(c, views.NavGroups, "delete.page_title", displayGroupName(g))
	if isHTMX(c) {
		return render(c, http.StatusOK, views.DeleteDialog(p, d))
	}
	return render(c, http.StatusOK, views.DeletePage(p, d))
}

// groupDelete is POST /groups/{id}/delete: one Delete call, then back to
// the list with a flash. A group that is already gone is not an error for
// the moderator: it is what they wanted.
func (s *Server) groupDelete(c echo.Context) error {
	id, err := groupIDParam(c)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(c.FormValue("name"))
	if name == "" {
		name = id
	}
	l := localizer(c)
	rs := session(c)
	_, err = s.groups.Delete(c.Request().Context(), id)
	switch {
	case errors.Is(err, agora.ErrNotFound):
		setFlash(rs, views.FlashInfo, l.T("flash.already_deleted"))
	case err != nil:
		return err
	default:
		s.log.Info("group deleted", "group", id, "by", rs.get(sessUser))
		setFlash(rs, views.FlashSuccess, l.T("flash.deleted", name))
	}
	return c.Redirect(http.StatusSeeOther, "/groups")
}
