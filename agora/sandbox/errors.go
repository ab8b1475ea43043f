package sandbox

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// apiError is an Agora error response. Handlers and store code return it;
// writeError turns it into {"error","exception","timestamp","duration",
// "error_description"}.
type apiError struct {
	status    int
	code      string // "error"
	exception string
	desc      string // "error_description"
	errorCode int    // "error_code", only where the Web SDK reads one; 0 = none
	header    http.Header
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.desc) }

// Exception class names. The captured ones come from real responses
// (facts §2); the others follow the same naming and are guesses.
const (
	excResourceNotFound        = "com.easemob.group.exception.ResourceNotFoundException"
	excServiceResourceNotFound = "com.easemob.group.exception.ServiceResourceNotFoundException"
	excGroupAuthorization      = "com.easemob.group.exception.GroupAuthorizationException"
	excSecurity                = "org.apache.usergrid.rest.exceptions.SecurityException"
	excInvalidParameter        = "com.easemob.group.exception.InvalidParameterException"
	excForbiddenOp             = "com.easemob.group.exception.ForbiddenOpException"
	excExceedLimit             = "com.easemob.group.exception.ExceedLimitException"
	excJSONParse               = "com.fasterxml.jackson.core.JsonParseException"
	excIllegalArgument         = "java.lang.IllegalArgumentException"
	excDuplicate               = "org.apache.usergrid.persistence.exceptions.DuplicateUniquePropertyExistsException"
	excOrgAppNotFound          = "org.apache.usergrid.rest.exceptions.OrganizationApplicationNotFoundException"
	excReachLimit              = "com.easemob.flowcontrol.exception.ReachLimitException"
	excWebApplication          = "javax.ws.rs.WebApplicationException"
	excUnsupportedOperation    = "org.apache.usergrid.services.exceptions.UnsupportedServiceOperationException"
	excInternal                = "java.lang.RuntimeException"
)

func newErr(status int, code, exception, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, exception: exception, desc: fmt.Sprintf(format, args...)}
}

// errGroupNotFound is the 404 of PUT, DELETE and member endpoints.
func errGroupNotFound(id string) *apiError {
	return newErr(http.StatusNotFound, "resource_not_found", excResourceNotFound, "grpID %s does not exist!", id)
}

// errGroupNotFoundForRead is the 404 of detail and member list (captured wording).
func errGroupNotFoundForRead(id string) *apiError {
	return newErr(http.StatusNotFound, "service_resource_not_found", excServiceResourceNotFound, "do not find this group:%s", id)
}

func errUserNotFound(username string) *apiError {
	return newErr(http.StatusNotFound, "resource_not_found", excResourceNotFound, "username %s doesn't exist!", username)
}

// errServiceResourceNotFound is the generic 404 of the user APIs and of unknown paths.
func errServiceResourceNotFound() *apiError {
	return newErr(http.StatusNotFound, "service_resource_not_found", excServiceResourceNotFound, "Service resource not found")
}

func errInvalidParameter(format string, args ...any) *apiError {
	return newErr(http.StatusBadRequest, "invalid_parameter", excInvalidParameter, format, args...)
}

func errIllegalArgument(format string, args ...any) *apiError {
	return newErr(http.StatusBadRequest, "illegal_argument", excIllegalArgument, format, args...)
}

func errForbiddenOp(format string, args ...any) *apiError {
	return newErr(http.StatusForbidden, "forbidden_op", excForbiddenOp, format, args...)
}

func errExceedLimit(format string, args ...any) *apiError {
	return newErr(http.StatusForbidden, "exceed_limit", excExceedLimit, format, args...)
}

func errJSONParse(desc string) *apiError {
	return newErr(http.StatusBadRequest, "json_parse", excJSONParse, "%s", desc)
}

// errTooLong is the answer for a text field over its limit. Agora documents
// no wording for groups; this follows the chatroom one (facts §2).
func errTooLong(field string, limit int) *apiError {
	return errExceedLimit("%s cannot exceed to %d", field, limit)
}

func errBodyTooLarge() *apiError {
	return newErr(http.StatusRequestEntityTooLarge, "Request Entity Too Large", excWebApplication, "Request Entity Too Large")
}

func errOrgAppNotFound(org, app, path string) *apiError {
	return newErr(http.StatusNotFound, "organization_application_not_found", excOrgAppNotFound,
		"Could not find application for %s/%s from URI: %s", org, app, strings.TrimPrefix(path, "/"))
}

func errMethodNotAllowed(allow []string) *apiError {
	e := newErr(http.StatusMethodNotAllowed, "unsupported_service_operation", excUnsupportedOperation, "Service operation not supported")
	e.header = http.Header{"Allow": {strings.Join(allow, ", ")}}
	return e
}

func errReachLimit(retryAfter time.Duration) *apiError {
	e := newErr(http.StatusTooManyRequests, "reach_limit", excReachLimit, "This request has reached api limit")
	secs := int((retryAfter + time.Second - 1) / time.Second)
	e.header = http.Header{"Retry-After": {fmt.Sprint(max(secs, 1))}}
	return e
}

func errInternal() *apiError {
	return newErr(http.StatusInternalServerError, "internal_server_error", excInternal, "The server met an internal error; see the sandbox log")
}

type errorBody struct {
	Error            string `json:"error"`
	Exception        string `json:"exception"`
	Timestamp        int64  `json:"timestamp"`
	Duration         int64  `json:"duration"`
	ErrorDescription string `json:"error_description"`
	ErrorCode        int    `json:"error_code,omitempty"`
}

// writeError answers with err as an Agora error body. Errors that are not
// an *apiError are internal: logged, and reported as a 500.
func (s *Sandbox) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		s.log.Error("sandbox: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		ae = errInternal()
	}
	for k, v := range ae.header {
		w.Header()[k] = v
	}
	writeJSON(w, ae.status, errorBody{
		Error:            ae.code,
		Exception:        ae.exception,
		Timestamp:        s.nowMs(),
		Duration:         requestDuration(r),
		ErrorDescription: ae.desc,
		ErrorCode:        ae.errorCode,
	})
}
