package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
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
// moderator, with the status the page should carry:
//
//	unreachable → 502, timeout → 504, 429 → 429, 401 → 502 (our credentials),
//	404 → 404, 403 → 403, 400 → 400, anything else → 502.
func upstreamError(err error) *pageError {
	pe := &pageError{cause: err}
	var ae *agora.Error
	hasAE := errors.As(err, &ae)
	var ve *agora.ValidationError
	var re *agora.RequestError
	var na *agora.NotAppliedError
	switch {
	case errors.As(err, &na):
		pe.status, pe.key, pe.args = http.StatusBadGateway, "form.err_not_applied", []any{strings.Join(na.Fields, ", ")}
	case errors.As(err, &ve):
		pe.status, pe.key, pe.args = http.StatusBadRequest, "error.upstream_invalid", []any{ve.Message}
	case errors.Is(err, agora.ErrRateLimited):
		pe.status, pe.key = http.StatusTooManyRequests, "error.rate_limited"
		if hasAE {
			pe.retryAfter = ae.RetryAfter
		}
	case errors.Is(err, agora.ErrUnauthorized):
		pe.status, pe.key = http.StatusBadGateway, "error.upstream_credentials"
	case errors.Is(err, agora.ErrNotFound):
		pe.status, pe.key = http.StatusNotFound, "error.group_gone"
	case errors.Is(err, agora.ErrForbidden):
		pe.status, pe.key, pe.args = http.StatusForbidden, "error.upstream_forbidden", []any{description(ae)}
	case errors.Is(err, agora.ErrInvalidInput):
		pe.status, pe.key, pe.args = http.StatusBadRequest, "error.upstream_invalid", []any{description(ae)}
	case errors.As(err, &re) && re.Timeout(),
		errors.Is(err, context.DeadlineExceeded),
		hasAE && ae.StatusCode == http.StatusGatewayTimeout:
		pe.status, pe.key = http.StatusGatewayTimeout, "error.upstream_timeout"
	case errors.Is(err, agora.ErrUnavailable), errors.As(err, &re):
		pe.status, pe.key = http.StatusBadGateway, "error.upstream_unreachable"
	case hasAE:
		pe.status, pe.key, pe.args = http.StatusBadGateway, "error.upstream_failed", []any{ae.StatusCode}
	default:
		return nil
	}
	return pe
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
	var pe *pageError
	if errors.As(err, &pe) { // decided before any call, e.g. the circuit breaker
		return pe.status, errs, &message{pe.key, pe.args}
	}
	var ve *agora.ValidationError
	if errors.As(err, &ve) {
		field := ve.Field
		switch {
		case field == "desc":
			field = views.FieldDescription
		case strings.HasPrefix(field, "members["): // "members[3]"
			field = views.FieldMembers
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
