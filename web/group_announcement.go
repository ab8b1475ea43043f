package web

import (
	"context"
	"net/http"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"groupdesk/agora"
	"groupdesk/views"
	"groupdesk/web/store"
)

func announcementPath(id string) string { return groupPath(id) + "/announcement" }

// groupAnnouncement is GET /groups/{id}/announcement: the text in a form
// (one call).
func (s *Server) groupAnnouncement(c echo.Context) error {
	id, err := groupIDParam(c)
	if err != nil {
		return err
	}
	text, _, err := s.mod.Announcement(c.Request().Context(), id)
	if missing(err) {
		return &pageError{status: http.StatusNotFound, key: "error.group_not_found", args: []any{id}, cause: err}
	}
	if err != nil {
		return err
	}
	d := views.AnnouncementForm{ID: id, Text: text, Orig: text, Max: agora.MaxAnnouncementLen, Action: templ.SafeURL(announcementPath(id))}
	return s.renderAnnouncement(c, http.StatusOK, d)
}

func (s *Server) renderAnnouncement(c echo.Context, status int, d views.AnnouncementForm) error {
	p := s.page(c, views.NavGroups, "announcement.title", d.ID)
	return render(c, status, views.AnnouncementPage(p, d))
}

// groupSetAnnouncement is POST /groups/{id}/announcement: at most 512
// characters, counted as Agora counts them (Unicode characters, not
// bytes); a longer text is refused with the text kept. One call; the
// audit record keeps the old text (from the form) and the new.
func (s *Server) groupSetAnnouncement(c echo.Context) error {
	id, err := groupIDParam(c)
	if err != nil {
		return err
	}
	l := localizer(c)
	text := normalizeNewlines(c.FormValue(views.FieldAnnouncement))
	orig := normalizeNewlines(c.FormValue("orig"))
	d := views.AnnouncementForm{ID: id, Text: text, Orig: orig, Max: agora.MaxAnnouncementLen, Action: templ.SafeURL(announcementPath(id))}
	errs := fieldErrors{}
	checkText(errs, views.FieldAnnouncement, text, true)
	if n := utf8.RuneCountInString(text); n > agora.MaxAnnouncementLen {
		errs.add(views.FieldAnnouncement, "form.err_too_long", agora.MaxAnnouncementLen, n)
	}
	if m, ok := errs[views.FieldAnnouncement]; ok {
		d.Error = l.T(m.key, m.args...)
		return s.renderAnnouncement(c, http.StatusUnprocessableEntity, d)
	}
	entry := s.newAuditEntry(c, store.ActionSetAnnouncement, store.TargetGroup, id)
	entry.Summary.Changes = []store.AuditChange{{Field: views.FieldAnnouncement, Old: orig, New: text}}
	err = s.auditedCall(c, entry, func(ctx context.Context) (string, error) {
		_, err := s.mod.SetAnnouncement(ctx, id, text)
		return "", err
	})
	if isAuditWriteError(err) {
		return err
	}
	if missing(err) {
		return &pageError{status: http.StatusNotFound, key: "error.group_not_found", args: []any{id}, cause: err}
	}
	if err != nil {
		if pe := upstreamError(err); pe != nil && pe.status < 500 && pe.status != http.StatusTooManyRequests {
			// Agora refused the text (its length or content check): keep it.
			d.Error = l.T(pe.key, pe.args...)
			return s.renderAnnouncement(c, pe.status, d)
		}
		return err
	}
	setFlash(session(c), views.FlashSuccess, l.T("flash.announcement_saved"))
	return c.Redirect(http.StatusSeeOther, moderationPath(id))
}
