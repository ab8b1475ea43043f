package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"groupdesk/agora"
	"groupdesk/views"
)

// pageError is an error with the status and the message (a catalogue key)
// the moderator sees. Handlers return it; handleError renders it.
type pageError struct {
	status     int
	key        string
	args       []any
	cause      error // logged, never shown
	retryAfter time.Duration
}

func newPageError(status int, key string, args ...any) *pageError {
	return &pageError{status: status, key: key, args: args}
}

func (e *pageError) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("%d %s: %v", e.status, e.key, e.cause)
	}
	return fmt.Sprintf("%d %s", e.status, e.key)
}

func (e *pageError) Unwrap() error { return e.cause }

// upstreamError says in plain words what an Agora failure means for the
// moderator, with the status the page should carry. The agora client has
// already decided what kind of failure it is (agora.ReasonOf); this only
// maps the kind to a message. Configuration problems (credentials, a wrong
// app) and Agora's own failures are 502s naming Agora; no answer in time is
// a 504; Agora's refusals keep their 4xx class.
func upstreamError(err error) *pageError {
	pe := &pageError{cause: err}
	var (
		na *agora.NotAppliedError
		ve *agora.ValidationError
		ae *agora.Error
	)
	hasAE := errors.As(err, &ae)
	user := ""
	if hasAE {
		user = ae.User
	}
	set := func(status int, key string, args ...any) { pe.status, pe.key, pe.args = status, key, args }
	if errors.As(err, &na) {
		set(http.StatusBadGateway, "form.err_not_applied", strings.Join(na.Fields, ", "))
		return pe
	}
	if errors.As(err, &ve) {
		set(http.StatusBadRequest, "error.upstream_invalid", ve.Message)
		return pe
	}
	switch agora.ReasonOf(err) {
	case agora.ReasonRateLimited:
		set(http.StatusTooManyRequests, "error.rate_limited")
		if d, ok := agora.RetryAfter(err); ok {
			pe.retryAfter = d
			pe.key, pe.args = "error.rate_limited_retry", []any{retrySeconds(d)}
		}
	case agora.ReasonPlanLimit:
		set(http.StatusTooManyRequests, "error.plan_limit")
	case agora.ReasonUnauthorized:
		set(http.StatusBadGateway, "error.upstream_credentials")
	case agora.ReasonAppNotFound:
		set(http.StatusBadGateway, "error.upstream_app_unknown")
	case agora.ReasonServerError:
		if ae.StatusCode == http.StatusGatewayTimeout {
			set(http.StatusGatewayTimeout, "error.upstream_timeout")
		} else {
			set(http.StatusBadGateway, "error.upstream_failed", ae.StatusCode)
		}
	case agora.ReasonBadResponse:
		set(http.StatusBadGateway, "error.upstream_bad_response")
	case agora.ReasonTimeout:
		set(http.StatusGatewayTimeout, "error.upstream_timeout")
	case agora.ReasonNoAnswer:
		set(http.StatusBadGateway, "error.upstream_unreachable")
	case agora.ReasonGroupNotFound, agora.ReasonNotFound:
		set(http.StatusNotFound, "error.group_gone")
	case agora.ReasonUserNotFound:
		set(http.StatusNotFound, "error.user_not_found", user)
	case agora.ReasonNotMember:
		set(http.StatusForbidden, "error.not_member", user)
	case agora.ReasonAlreadyMember:
		set(http.StatusForbidden, "error.already_member", user)
	case agora.ReasonOwnerForbidden:
		set(http.StatusForbidden, "error.owner_protected")
	case agora.ReasonAlreadyOwner:
		set(http.StatusForbidden, "error.already_owner")
	case agora.ReasonNotAdmin:
		set(http.StatusForbidden, "error.not_admin", user)
	case agora.ReasonTooManyAdmins:
		set(http.StatusForbidden, "error.too_many_admins")
	case agora.ReasonBlocked:
		set(http.StatusForbidden, "error.user_blocked", user)
	case agora.ReasonUserTooManyGroups:
		set(http.StatusForbidden, "form.err_user_too_many_groups", user)
	case agora.ReasonGroupDisabled:
		set(http.StatusForbidden, "error.group_disabled")
	case agora.ReasonGroupFull:
		set(http.StatusForbidden, "error.group_full")
	case agora.ReasonMaxUsersBelowCount:
		set(http.StatusForbidden, "form.err_maxusers_below_current")
	case agora.ReasonAppTooManyGroups:
		set(http.StatusForbidden, "form.err_app_too_many_groups")
	case agora.ReasonContentViolation:
		set(http.StatusForbidden, "error.content_violation")
	case agora.ReasonForbidden, agora.ReasonLimitExceeded:
		set(http.StatusForbidden, "error.upstream_forbidden", description(ae))
	case agora.ReasonInvalidRequest:
		set(http.StatusBadRequest, "error.upstream_invalid", description(ae))
	default:
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			set(http.StatusGatewayTimeout, "error.upstream_timeout")
		case hasAE:
			set(http.StatusBadGateway, "error.upstream_failed", ae.StatusCode)
		default:
			return nil
		}
	}
	return pe
}

// missing reports whether Agora said the group or user asked about does not
// exist. A wrong AGORA_ORG/AGORA_APP is a 404 too, but a configuration
// error that upstreamError names, not a missing group.
func missing(err error) bool {
	return errors.Is(err, agora.ErrNotFound) && agora.ReasonOf(err) != agora.ReasonAppNotFound
}

// retrySeconds rounds a Retry-After up to whole seconds, at least 1.
func retrySeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}

func description(ae *agora.Error) string {
	if ae == nil || ae.Description == "" {
		return "—"
	}
	return ae.Description
}

// asPageError turns any handler error into what the moderator sees.
func asPageError(err error) *pageError {
	var pe *pageError
	if errors.As(err, &pe) {
		return pe
	}
	if up := upstreamError(err); up != nil {
		return up
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			return &pageError{status: he.Code, key: "error.page_not_found"}
		case http.StatusMethodNotAllowed:
			return &pageError{status: he.Code, key: "error.method_not_allowed"}
		case http.StatusRequestEntityTooLarge:
			return &pageError{status: he.Code, key: "error.too_large"}
		case http.StatusForbidden:
			return &pageError{status: he.Code, key: "error.csrf"}
		}
		if he.Code >= 400 && he.Code < 500 {
			return &pageError{status: he.Code, key: "error.bad_request", cause: err}
		}
	}
	if errors.Is(err, context.Canceled) {
		return &pageError{status: 499, key: "error.internal", cause: err}
	}
	return &pageError{status: http.StatusInternalServerError, key: "error.internal", cause: err}
}

// errorHeadings has a heading for each status the dashboard shows.
var errorHeadings = map[int]string{
	http.StatusBadRequest:            "error.heading.400",
	http.StatusUnauthorized:          "error.heading.401",
	http.StatusForbidden:             "error.heading.403",
	http.StatusNotFound:              "error.heading.404",
	http.StatusMethodNotAllowed:      "error.heading.405",
	http.StatusRequestEntityTooLarge: "error.heading.413",
	http.StatusTooManyRequests:       "error.heading.429",
	http.StatusInternalServerError:   "error.heading.500",
	http.StatusBadGateway:            "error.heading.502",
	http.StatusGatewayTimeout:        "error.heading.504",
}

// handleError is Echo's HTTPErrorHandler: the one place an error becomes a
// page. It logs what went wrong (never a token: the agora errors carry
// none) and shows the moderator what to do.
func (s *Server) handleError(err error, c echo.Context) {
	pe := asPageError(err)
	r := c.Request()
	switch {
	case pe.status == 499:
		s.log.Debug("request canceled", "path", r.URL.Path, "request_id", requestID(c))
		return
	case pe.status >= 500:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", pe.status, "request_id", requestID(c), "err", err)
	case pe.cause != nil:
		s.log.Warn("request refused", "method", r.Method, "path", r.URL.Path, "status", pe.status, "request_id", requestID(c), "err", err)
	}
	if c.Response().Committed {
		return
	}
	if pe.retryAfter > 0 {
		c.Response().Header().Set("Retry-After", fmt.Sprint(int(pe.retryAfter.Round(time.Second)/time.Second)))
	}
	if r.Method == http.MethodHead {
		_ = c.NoContent(pe.status)
		return
	}
	p := s.page(c, "", "error.title")
	heading, ok := errorHeadings[pe.status]
	if !ok {
		heading = "error.heading.other"
	}
	info := views.ErrorInfo{Status: pe.status, Heading: p.L.T(heading), Message: p.L.T(pe.key, pe.args...), RequestID: requestID(c)}
	p.Title = info.Heading
	var rerr error
	if isHTMX(c) {
		// Show it where flashes go instead of inside the fragment's target.
		c.Response().Header().Set("HX-Retarget", "#flash-area")
		c.Response().Header().Set("HX-Reswap", "innerHTML")
		rerr = render(c, pe.status, views.ErrorFragment(p, info))
	} else {
		rerr = render(c, pe.status, views.ErrorPage(p, info))
	}
	if rerr != nil {
		s.log.Error("rendering the error page failed", "err", rerr)
		_ = c.String(http.StatusInternalServerError, "Internal error")
	}
}

// agoraFormErrors places an Agora rejection of a create or update next to
// the field it is about when the client could tell which (agora.Error's
// Field and User), else at the top of the form. It returns the status the
// re-rendered form carries: 422 for what the moderator can fix in the form,
// the error page's status for the rest (Agora down, slow, rate-limiting,
// refusing our credentials, or the group gone). The form is kept either way.
func agoraFormErrors(err error, in groupInput) (int, fieldErrors, *message) {
	errs := fieldErrors{}
	var pe *pageError
	if errors.As(err, &pe) { // decided before any call, e.g. the circuit breaker
		return pe.status, errs, &message{pe.key, pe.args}
	}
	var ve *agora.ValidationError
	if errors.As(err, &ve) {
		field := formField(ve.Field)
		if isFormField(field) {
			errs.add(field, "form.err_agora_field", ve.Message)
			return http.StatusUnprocessableEntity, errs, nil
		}
		return http.StatusUnprocessableEntity, errs, &message{"error.upstream_invalid", []any{ve.Message}}
	}
	var ae *agora.Error
	if !errors.As(err, &ae) {
		if pe := upstreamError(err); pe != nil {
			return pe.status, errs, &message{pe.key, pe.args}
		}
		return http.StatusInternalServerError, errs, &message{"error.internal", nil}
	}
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
	field := formField(ae.Field)
	switch ae.Reason {
	case agora.ReasonUserNotFound, agora.ReasonUserTooManyGroups:
		key := "form.err_user_unknown"
		if ae.Reason == agora.ReasonUserTooManyGroups {
			key = "form.err_user_too_many_groups"
		}
		if f := userField(ae.User); f != "" {
			errs.add(f, key, ae.User)
			return http.StatusUnprocessableEntity, errs, nil
		}
		return http.StatusUnprocessableEntity, errs, &message{key, []any{ae.User}}
	case agora.ReasonGroupFull:
		errs.add(views.FieldMembers, "form.err_members_over_max", in.MaxUsers)
	case agora.ReasonMaxUsersBelowCount:
		errs.add(views.FieldMaxUsers, "form.err_maxusers_below_current")
	case agora.ReasonContentViolation:
		if field != views.FieldGroupName {
			return http.StatusUnprocessableEntity, errs, &message{"error.content_violation", nil}
		}
		errs.add(views.FieldGroupName, "form.err_name_violation")
	case agora.ReasonLimitExceeded, agora.ReasonInvalidRequest, agora.ReasonForbidden:
		switch {
		case field == views.FieldMaxUsers && ae.Reason == agora.ReasonLimitExceeded:
			errs.add(views.FieldMaxUsers, "form.err_maxusers_plan", description(ae))
		case isFormField(field):
			errs.add(field, "form.err_agora_field", description(ae))
		default:
			return http.StatusUnprocessableEntity, errs, &message{"form.err_agora_rejected", []any{description(ae)}}
		}
	default:
		// Not about a field: same words as the error page. What the
		// moderator can change in the form (a refusal) stays a 422.
		pe := upstreamError(err)
		status := pe.status
		if status < 500 && status != http.StatusTooManyRequests && status != http.StatusNotFound {
			status = http.StatusUnprocessableEntity
		}
		return status, errs, &message{pe.key, pe.args}
	}
	return http.StatusUnprocessableEntity, errs, nil
}

// formField is the form field for an agora wire field name ("desc" on
// create, "members[3]" in a validation error), or "" when there is none.
func formField(wire string) string {
	switch {
	case wire == "desc":
		return views.FieldDescription
	case strings.HasPrefix(wire, "members["):
		return views.FieldMembers
	case isFormField(wire):
		return wire
	}
	return ""
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
