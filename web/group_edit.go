package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"groupdesk/agora"
	"groupdesk/views"
)

// groupEdit is GET /groups/{id}/edit: one call to fill the form.
func (s *Server) groupEdit(c echo.Context) error {
	g, err := s.fetchGroup(c)
	if err != nil {
		return err
	}
	values := formValuesOf(g)
	return s.renderGroupForm(c, http.StatusOK, views.GroupForm{
		Edit:        true,
		ID:          g.ID,
		Values:      values,
		Orig:        values,
		MemberCount: memberCount(g),
	}, nil, nil)
}

// groupUpdate is POST /groups/{id}. It compares the form with the values it
// was rendered from (carried in hidden fields) and sends only the fields
// the moderator changed, in one Update call; nothing changed → no call.
// Fields someone else changed meanwhile are left as they are.
func (s *Server) groupUpdate(c echo.Context) error {
	id, err := groupIDParam(c)
	if err != nil {
		return err
	}
	orig := readGroupForm(c, "orig_")
	values := readGroupForm(c, "")
	values.Owner = orig.Owner // not editable here
	count, _ := strconv.Atoi(c.FormValue("member_count"))
	form := views.GroupForm{Edit: true, ID: id, Values: values, Orig: orig, MemberCount: count}

	in, errs := validateGroup(values, false, count, orig.GroupName)
	if len(errs) > 0 {
		return s.renderGroupForm(c, http.StatusUnprocessableEntity, form, errs, nil)
	}
	l := localizer(c)
	rs := session(c)
	name := in.GroupName
	if name == "" {
		name = id
	}
	req := in.updateRequest(orig)
	if req == nil {
		setFlash(rs, views.FlashInfo, l.T("flash.no_changes"))
		return c.Redirect(http.StatusSeeOther, groupPath(id))
	}
	entry := s.newAuditEntry(c, actionGroupUpdate, targetGroup, id)
	entry.Summary = auditSummary{Changes: updateChanges(req, orig)}
	err, auditErr := s.auditedCall(c, entry, func(ctx context.Context) (string, error) {
		_, err := s.groups.Update(ctx, id, req)
		return "", err
	})
	if auditErr != nil {
		return auditErr
	}
	if err != nil {
		status, errs, top := agoraFormErrors(err, in)
		s.log.Warn("update group: Agora call failed", "group", id, "status", status, "err", err)
		return s.renderGroupForm(c, status, form, errs, top)
	}
	s.indexEdited(c, id, in)
	setFlash(rs, views.FlashSuccess, l.T("flash.updated", name))
	return c.Redirect(http.StatusSeeOther, groupPath(id))
}

// updateChanges lists what an update changes, old → new, for the audit
// log. The old values are those the edit form was rendered from: what the
// moderator saw and changed.
func updateChanges(req *agora.UpdateGroupRequest, orig views.GroupFormValues) []auditChange {
	var out []auditChange
	str := func(field string, v *string, old string) {
		if v != nil {
			out = append(out, auditChange{Field: field, Old: old, New: *v})
		}
	}
	flag := func(field string, v *bool, old bool) {
		if v != nil {
			out = append(out, auditChange{Field: field, Old: strconv.FormatBool(old), New: strconv.FormatBool(*v)})
		}
	}
	str(views.FieldGroupName, req.GroupName, strings.TrimSpace(orig.GroupName))
	str(views.FieldDescription, req.Description, orig.Description)
	if req.MaxUsers != nil {
		out = append(out, auditChange{Field: views.FieldMaxUsers, Old: strings.TrimSpace(orig.MaxUsers), New: strconv.Itoa(*req.MaxUsers)})
	}
	flag(views.FieldPublic, req.Public, orig.Public)
	flag(views.FieldMembersOnly, req.MembersOnly, orig.MembersOnly)
	flag(views.FieldAllowInvites, req.AllowInvites, orig.AllowInvites)
	flag(views.FieldInviteNeedConfirm, req.InviteNeedConfirm, orig.InviteNeedConfirm)
	str(views.FieldCustom, req.Custom, orig.Custom)
	return out
}
