package web

import (
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	"groupdesk/agora"
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

// renderGroupForm renders the create form (form.Edit false) or the edit
// form with field errors and a message at the top.
func (s *Server) renderGroupForm(c echo.Context, status int, form views.GroupForm, errs fieldErrors, top *message) error {
	var p views.Page
	if form.Edit {
		name := strings.TrimSpace(form.Orig.GroupName)
		if name == "" {
			name = form.ID
		}
		p = s.page(c, views.NavGroups, "form.edit_title", name)
		form.Action = groupURL(form.ID)
		form.CancelURL = groupURL(form.ID)
	} else {
		p = s.page(c, views.NavNewGroup, "form.create_title")
		form.Action = "/groups"
		form.CancelURL = "/groups"
	}
	form.Errors = errs.translate(p.L)
	if top != nil {
		form.FormError = p.L.T(top.key, top.args...)
	}
	return render(c, status, views.GroupFormPage(p, form))
}

var (
	unknownUserRE  = regexp.MustCompile(`(?i)username (\S+) doesn't exist`)
	joinedTooMany  = regexp.MustCompile(`(?i)user (\S+) has joined too many groups`)
	userNotInGroup = regexp.MustCompile(`(?i)user:? (\S+) doesn't exist in group`)
)

// agoraFormErrors places an Agora rejection of a create or update next to
// the field it is about when the message allows, else at the top of the
// form. It returns the status the re-rendered form carries.
func agoraFormErrors(err error, in groupInput) (int, fieldErrors, *message) {
	errs := fieldErrors{}
	var ve *agora.ValidationError
	if errors.As(err, &ve) {
		field := ve.Field
		if field == "desc" {
			field = views.FieldDescription
		}
		if isFormField(field) {
			errs.add(field, "form.err_agora_field", ve.Message)
			return http.StatusUnprocessableEntity, errs, nil
		}
		return http.StatusUnprocessableEntity, errs, &message{"error.upstream_invalid", []any{ve.Message}}
	}
	var ae *agora.Error
	if !errors.As(err, &ae) || ae.StatusCode >= 500 || errors.Is(err, agora.ErrUnauthorized) || errors.Is(err, agora.ErrRateLimited) {
		// Not about the form: Agora is down, slow, rate-limiting or refusing
		// our credentials. Same words as the error page, form kept.
		if pe := upstreamError(err); pe != nil {
			return pe.status, errs, &message{pe.key, pe.args}
		}
		return http.StatusInternalServerError, errs, &message{"error.internal", nil}
	}
	desc := ae.Description
	lower := strings.ToLower(desc)
	userField := func(name string) string {
		if strings.EqualFold(name, in.Owner) {
			return views.FieldOwner
		}
		for _, m := range in.Members {
			if strings.EqualFold(m, name) {
				return views.FieldMembers
			}
		}
		return ""
	}
	switch {
	case unknownUserRE.MatchString(desc):
		name := strings.TrimRight(unknownUserRE.FindStringSubmatch(desc)[1], "!.")
		if f := userField(name); f != "" {
			errs.add(f, "form.err_user_unknown", name)
			return http.StatusUnprocessableEntity, errs, nil
		}
		return http.StatusUnprocessableEntity, errs, &message{"form.err_user_unknown", []any{name}}
	case joinedTooMany.MatchString(desc):
		name := strings.TrimRight(joinedTooMany.FindStringSubmatch(desc)[1], "!.")
		if f := userField(name); f != "" {
			errs.add(f, "form.err_user_too_many_groups", name)
			return http.StatusUnprocessableEntity, errs, nil
		}
		return http.StatusUnprocessableEntity, errs, &message{"form.err_user_too_many_groups", []any{name}}
	case userNotInGroup.MatchString(desc):
		return http.StatusUnprocessableEntity, errs, &message{"error.upstream_forbidden", []any{desc}}
	case strings.Contains(lower, "too many groups"):
		return http.StatusUnprocessableEntity, errs, &message{"form.err_app_too_many_groups", nil}
	case strings.Contains(lower, "members size"):
		errs.add(views.FieldMembers, "form.err_members_over_max", in.MaxUsers)
	case strings.Contains(lower, "current user count") || strings.Contains(lower, "larger than the maxusers"):
		errs.add(views.FieldMaxUsers, "form.err_maxusers_below_current")
	case strings.Contains(lower, "maxusers") || strings.Contains(lower, "max user"):
		errs.add(views.FieldMaxUsers, "form.err_maxusers_plan", desc)
	case ae.Code == "group_name_violation":
		errs.add(views.FieldGroupName, "form.err_name_violation")
	case strings.Contains(lower, "title") || strings.Contains(lower, "groupname"):
		errs.add(views.FieldGroupName, "form.err_agora_field", desc)
	case strings.Contains(lower, "desc"):
		errs.add(views.FieldDescription, "form.err_agora_field", desc)
	case strings.Contains(lower, "custom"):
		errs.add(views.FieldCustom, "form.err_agora_field", desc)
	case errors.Is(err, agora.ErrNotFound):
		return http.StatusNotFound, errs, &message{"error.group_gone", nil}
	default:
		return http.StatusUnprocessableEntity, errs, &message{"form.err_agora_rejected", []any{desc}}
	}
	return http.StatusUnprocessableEntity, errs, nil
}

func isFormField(name string) bool {
	switch name {
	case views.FieldGroupName, views.FieldDescription, views.FieldOwner, views.FieldMembers,
		views.FieldMaxUsers, views.FieldPublic, views.FieldMembersOnly, views.FieldAllowInvites,
		views.FieldInviteNeedConfirm, views.FieldCustom:
		return true
	}
	return false
}
