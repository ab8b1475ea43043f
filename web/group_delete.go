package web

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"groupdesk/views"
	"groupdesk/web/store"
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

// groupDelete is POST /groups/{id}/delete: one GET, then the DELETE, then
// back to the list with a flash. The GET reads the group as it is at
// deletion (name, owner, member count) for the audit record from Agora
// rather than from the confirmation form, which could be stale or edited;
// it also finds a group that is already gone without a DELETE. A group
// that is already gone is not an error for the moderator: it is what they
// wanted.
func (s *Server) groupDelete(c echo.Context) error {
	id, err := groupIDParam(c)
	if err != nil {
		return err
	}
	l := localizer(c)
	rs := session(c)
	entry := s.newAuditEntry(c, store.ActionGroupDelete, store.TargetGroup, id)
	g, _, err := s.groups.GetOne(c.Request().Context(), id)
	if err != nil {
		// Nothing was deleted; the attempt is recorded all the same.
		if aerr := s.auditLocal(c, entry, err); aerr != nil {
			return aerr
		}
		if missing(err) {
			s.indexDeleted(c, id)
			setFlash(rs, views.FlashInfo, l.T("flash.already_deleted"))
			return c.Redirect(http.StatusSeeOther, "/groups")
		}
		return err
	}
	members := memberCount(g)
	entry.Summary = store.AuditSummary{Name: g.Name, Owner: g.Owner, Members: &members, MaxUsers: g.MaxUsers}
	err = s.auditedWrite(c, entry, func(ctx context.Context) (string, error) {
		_, err := s.groups.Delete(ctx, id)
		return "", err
	}, func(ctx context.Context, _ time.Time) (string, bool, error) {
		// The answer was lost: the group is gone if it was deleted.
		_, _, err := s.groups.GetOne(ctx, id)
		if missing(err) {
			return "", true, nil
		}
		return "", false, err
	})
	if isAuditWriteError(err) {
		return err
	}
	err = settled(err, "error.delete_not_applied")
	switch {
	case missing(err):
		s.indexDeleted(c, id)
		setFlash(rs, views.FlashInfo, l.T("flash.already_deleted"))
	case err != nil:
		return err
	default:
		s.indexDeleted(c, id)
		s.log.Info("group deleted", "group", id, "by", entry.Actor)
		setFlash(rs, views.FlashSuccess, l.T("flash.deleted", displayGroupName(g)))
	}
	return c.Redirect(http.StatusSeeOther, "/groups")
}
