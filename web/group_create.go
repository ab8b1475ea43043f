package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"groupdesk/views"
)

// newGroupDefaults are the create form's starting values: Agora's own
// defaults (facts §3.1), private.
var newGroupDefaults = views.GroupFormValues{
	MaxUsers:          "200",
	InviteNeedConfirm: true,
}

// groupNew is GET /groups/new.
func (s *Server) groupNew(c echo.Context) error {
	return s.renderGroupForm(c, http.StatusOK, views.GroupForm{Values: newGroupDefaults}, nil, nil)
}

// groupCreate is POST /groups: validate, one Create call, then flash and 303
// to the new group. Any rejection re-renders the form with what was typed.
func (s *Server) groupCreate(c echo.Context) error {
	values := readGroupForm(c, "")
	form := views.GroupForm{Values: values}
	in, errs := validateGroup(values, true, 0, "")
	if len(errs) > 0 {
		return s.renderGroupForm(c, http.StatusUnprocessableEntity, form, errs, nil)
	}
	id, _, err := s.groups.Create(c.Request().Context(), in.createRequest())
	if err != nil {
		status, errs, top := agoraFormErrors(err, in)
		s.log.Warn("create group: Agora call failed", "status", status, "err", err)
		return s.renderGroupForm(c, status, form, errs, top)
	}
	l := localizer(c)
	name := in.GroupName
	if name == "" {
		name = id
	}
	setFlash(session(c), views.FlashSuccess, l.T("flash.created", name))
	return c.Redirect(http.StatusSeeOther, groupPath(id))
}
