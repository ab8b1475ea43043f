package web

import (
	"context"
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
// A form that fails validation never reaches Agora and is not audited; a
// call is (see audit.go for the order).
func (s *Server) groupCreate(c echo.Context) error {
	values := readGroupForm(c, "")
	form := views.GroupForm{Values: values}
	in, errs := validateGroup(values, true, 0, "")
	if len(errs) > 0 {
		return s.renderGroupForm(c, http.StatusUnprocessableEntity, form, errs, nil)
	}
	entry := s.newAuditEntry(c, actionGroupCreate, targetGroup, "")
	members := len(in.Members) + 1 // the owner joins too
	entry.Summary = auditSummary{Name: in.GroupName, Owner: in.Owner, Members: &members, MaxUsers: in.MaxUsers}
	var id string
	err, auditErr := s.auditedCall(c, entry, func(ctx context.Context) (string, error) {
		var err error
		id, _, err = s.groups.Create(ctx, in.createRequest())
		return id, err
	})
	if auditErr != nil {
		return auditErr
	}
	if err != nil {
		status, errs, top := agoraFormErrors(err, in)
		s.log.Warn("create group: Agora call failed", "status", status, "err", err)
		return s.renderGroupForm(c, status, form, errs, top)
	}
	s.indexCreated(c, id, in, members)
	l := localizer(c)
	name := in.GroupName
	if name == "" {
		name = id
	}
	setFlash(session(c), views.FlashSuccess, l.T("flash.created", name))
	return c.Redirect(http.StatusSeeOther, groupPath(id))
}
