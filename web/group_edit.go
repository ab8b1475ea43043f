package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"groupdesk/agora"
	"groupdesk/views"
	"groupdesk/web/store"
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
// the moderator changed; nothing changed → no call. Otherwise it reads the
// group (one call): if someone else changed one of those fields meanwhile,
// nothing is sent and the conflict is shown (409); else one Update call.
// Fields only someone else changed are left as they are.
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

	in, errs := validateGroup(values, false, count, orig)
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
	// Read the group as it is now. A field the moderator changed that
	// someone else changed since the form was rendered would be silently
	// overwritten: show both instead, on a form based on the current
	// values, so saving it again is the informed "apply anyway".
	lockCtx, cancel := untilPageDeadline(c.Request().Context())
	unlock, err := s.lockGroupSave(lockCtx, id)
	cancel()
	if err != nil {
		return err
	}
	defer unlock()
	now, _, err := s.groups.GetWithoutMembers(c.Request().Context(), id)
	if err == nil && len(now) == 0 {
		err = agora.ErrNotFound
	}
	if err != nil {
		status, errs, top := agoraFormErrors(err, in)
		s.log.Warn("update group: reading the group before saving failed", "group", id, "status", status, "err", err)
		return s.renderGroupForm(c, status, form, errs, top)
	}
	current := formValuesOf(now[0])
	if conflicts := editConflicts(l, req, orig, values, current); len(conflicts) > 0 {
		form.Values = rebase(values, current, req)
		form.Orig = current
		form.MemberCount = memberCount(now[0])
		form.Conflicts = conflicts
		return s.renderGroupForm(c, http.StatusConflict, form, nil, &message{"form.conflict", nil})
	}
	entry := s.newAuditEntry(c, store.ActionGroupUpdate, store.TargetGroup, id)
	entry.Summary = store.AuditSummary{Changes: updateChanges(req, current)}
	err = s.auditedWrite(c, entry, func(ctx context.Context) (string, error) {
		_, err := s.groups.Update(ctx, id, req)
		return "", err
	}, func(ctx context.Context, _ time.Time) (string, bool, error) {
		// The answer was lost: read the group again to learn whether it
		// now holds what was sent.
		g, _, err := s.groups.GetWithoutMembers(ctx, id)
		if err != nil || len(g) == 0 {
			return "", false, fmt.Errorf("read the group again: %w", cmp.Or(err, agora.ErrNotFound))
		}
		return "", updateApplied(req, g[0]), nil
	})
	if isAuditWriteError(err) {
		return err
	}
	var amb *ambiguousError
	switch {
	case errors.As(err, &amb) && amb.checkErr != nil:
		s.log.Warn("update group: outcome unknown", "group", id, "err", err)
		return s.renderGroupForm(c, http.StatusBadGateway, form, nil, &message{"error.change_unknown", nil})
	case amb != nil && !amb.applied:
		s.log.Warn("update group: answer lost; the change was not made", "group", id, "err", err)
		return s.renderGroupForm(c, http.StatusBadGateway, form, nil, &message{"form.err_update_not_applied", nil})
	case amb != nil:
		setFlash(rs, views.FlashSuccess, l.T("flash.updated_answer_lost", views.VisibleText(name)))
		return c.Redirect(http.StatusSeeOther, groupPath(id))
	}
	if err != nil {
		status, errs, top := agoraFormErrors(err, in)
		s.log.Warn("update group: Agora call failed", "group", id, "status", status, "err", err)
		return s.renderGroupForm(c, status, form, errs, top)
	}
	s.indexEdited(c, id, in)
	setFlash(rs, views.FlashSuccess, l.T("flash.updated", views.VisibleText(name)))
	return c.Redirect(http.StatusSeeOther, groupPath(id))
}

// editConflicts lists the fields req changes whose value in Agora
// (current) is no longer the one the form was rendered from (orig).
func editConflicts(l views.Localizer, req *agora.UpdateGroupRequest, orig, yours, current views.GroupFormValues) []views.FieldConflict {
	var out []views.FieldConflict
	text := func(field string, sent *string, base, mine, now string, multiline bool) {
		if sent != nil && textChanged(now, base, multiline) {
			out = append(out, views.FieldConflict{Field: field, Base: base, Yours: mine, Current: now})
		}
	}
	yesNo := func(b bool) string {
		if b {
			return l.T("common.yes")
		}
		return l.T("common.no")
	}
	flag := func(field string, sent *bool, base, mine, now bool) {
		if sent != nil && now != base {
			out = append(out, views.FieldConflict{Field: field, Base: yesNo(base), Yours: yesNo(mine), Current: yesNo(now)})
		}
	}
	text(views.FieldGroupName, req.GroupName, strings.TrimSpace(orig.GroupName), yours.GroupName, current.GroupName, false)
	text(views.FieldDescription, req.Description, orig.Description, yours.Description, current.Description, true)
	if req.MaxUsers != nil && strings.TrimSpace(orig.MaxUsers) != current.MaxUsers {
		out = append(out, views.FieldConflict{Field: views.FieldMaxUsers, Base: strings.TrimSpace(orig.MaxUsers), Yours: yours.MaxUsers, Current: current.MaxUsers})
	}
	flag(views.FieldPublic, req.Public, orig.Public, yours.Public, current.Public)
	flag(views.FieldMembersOnly, req.MembersOnly, orig.MembersOnly, yours.MembersOnly, current.MembersOnly)
	flag(views.FieldAllowInvites, req.AllowInvites, orig.AllowInvites, yours.AllowInvites, current.AllowInvites)
	flag(views.FieldInviteNeedConfirm, req.InviteNeedConfirm, orig.InviteNeedConfirm, yours.InviteNeedConfirm, current.InviteNeedConfirm)
	text(views.FieldCustom, req.Custom, orig.Custom, yours.Custom, current.Custom, true)
	return out
}

// updateApplied reports whether g holds every value req sent.
func updateApplied(req *agora.UpdateGroupRequest, g *agora.Group) bool {
	same := func(sent *string, now string) bool {
		return sent == nil || normalizeNewlines(*sent) == normalizeNewlines(now)
	}
	flag := func(sent *bool, now bool) bool { return sent == nil || *sent == now }
	return same(req.GroupName, g.Name) && same(req.Description, g.Description) && same(req.Custom, g.Custom) &&
		(req.MaxUsers == nil || *req.MaxUsers == g.MaxUsers) &&
		flag(req.Public, g.Public) && flag(req.MembersOnly, g.MembersOnly) &&
		flag(req.AllowInvites, g.AllowInvites) && flag(req.InviteNeedConfirm, g.InviteNeedConfirm)
}

// rebase is the moderator's form moved onto Agora's current values: the
// fields they changed (those in req) keep their value, the others show the
// current one, so saving it changes only what the moderator changed.
func rebase(yours, current views.GroupFormValues, req *agora.UpdateGroupRequest) views.GroupFormValues {
	out := current
	if req.GroupName != nil {
		out.GroupName = yours.GroupName
	}
	if req.Description != nil {
		out.Description = yours.Description
	}
	if req.MaxUsers != nil {
		out.MaxUsers = yours.MaxUsers
	}
	if req.Public != nil {
		out.Public = yours.Public
	}
	if req.MembersOnly != nil {
		out.MembersOnly = yours.MembersOnly
	}
	if req.AllowInvites != nil {
		out.AllowInvites = yours.AllowInvites
	}
	if req.InviteNeedConfirm != nil {
		out.InviteNeedConfirm = yours.InviteNeedConfirm
	}
	if req.Custom != nil {
		out.Custom = yours.Custom
	}
	return out
}

// updateChanges lists what an update changes, old → new, for the audit
// log. The old values are Agora's, read just before saving: what the
// change actually replaced.
func updateChanges(req *agora.UpdateGroupRequest, orig views.GroupFormValues) []store.AuditChange {
	var out []store.AuditChange
	str := func(field string, v *string, old string) {
		if v != nil {
			out = append(out, store.AuditChange{Field: field, Old: old, New: *v})
		}
	}
	flag := func(field string, v *bool, old bool) {
		if v != nil {
			out = append(out, store.AuditChange{Field: field, Old: strconv.FormatBool(old), New: strconv.FormatBool(*v)})
		}
	}
	str(views.FieldGroupName, req.GroupName, strings.TrimSpace(orig.GroupName))
	str(views.FieldDescription, req.Description, orig.Description)
	if req.MaxUsers != nil {
		out = append(out, store.AuditChange{Field: views.FieldMaxUsers, Old: strings.TrimSpace(orig.MaxUsers), New: strconv.Itoa(*req.MaxUsers)})
	}
	flag(views.FieldPublic, req.Public, orig.Public)
	flag(views.FieldMembersOnly, req.MembersOnly, orig.MembersOnly)
	flag(views.FieldAllowInvites, req.AllowInvites, orig.AllowInvites)
	flag(views.FieldInviteNeedConfirm, req.InviteNeedConfirm, orig.InviteNeedConfirm)
	str(views.FieldCustom, req.Custom, orig.Custom)
	return out
}
