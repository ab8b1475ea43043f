package agora

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
)

// Reason is what kind of failure an answer is, decided once here from the
// status, Agora's "error" code and its description, so that callers switch
// on it and never read Agora's text (go-github's CheckResponse does the same).
type Reason string

// Reasons of *Error (and, through ReasonOf, of the other error types).
const (
	ReasonUnknown Reason = "" // an answer none of the rules below describes

	// Configuration and transport.
	ReasonUnauthorized Reason = "unauthorized"  // 401: token missing, corrupt, expired or for another app
	ReasonAppNotFound  Reason = "app_not_found" // 404 organization_application_not_found: AGORA_ORG/AGORA_APP name no app
	ReasonRateLimited  Reason = "rate_limited"  // 429 reach_limit, or the client-side limiter's wait
	ReasonPlanLimit    Reason = "plan_limit"    // 429 resource_limited: the plan's quota, waiting does not help
	ReasonServerError  Reason = "server_error"  // 5xx: Agora answered, and failed
	ReasonBadResponse  Reason = "bad_response"  // a 2xx the client could not read (*ResponseError)
	ReasonTimeout      Reason = "timeout"       // no answer in time (*RequestError)
	ReasonNoAnswer     Reason = "no_answer"     // no answer at all: connection refused, reset, DNS (*RequestError)

	// What was asked about does not exist.
	ReasonGroupNotFound Reason = "group_not_found" // grpID X does not exist! / do not find this group:X
	ReasonUserNotFound  Reason = "user_not_found"  // username X doesn't exist! (User names X)
	ReasonNotFound      Reason = "not_found"       // another 404

	// Membership and roles.
	ReasonNotMember         Reason = "not_member"           // users [X] are not members… / user: X doesn't exist in group: G
	ReasonAlreadyMember     Reason = "already_member"       // …user: X already in group: G
	ReasonOwnerForbidden    Reason = "owner_forbidden"      // the owner cannot be removed, muted, blocked or demoted
	ReasonAlreadyOwner      Reason = "already_owner"        // new owner and old owner are the same
	ReasonNotAdmin          Reason = "not_admin"            // user:X is not admin of group:G
	ReasonTooManyAdmins     Reason = "too_many_admins"      // owner + admins ≤ 100 (wording undocumented)
	ReasonBlocked           Reason = "blocked"              // the user is on the group's block list (wording undocumented)
	ReasonUserTooManyGroups Reason = "user_too_many_groups" // user X has joined too many groups!
	ReasonGroupDisabled     Reason = "group_disabled"       // group is disabled (wording unconfirmed)

	// Limits and content.
	ReasonGroupFull          Reason = "group_full"           // members size is greater than max user size !
	ReasonMaxUsersBelowCount Reason = "maxusers_below_count" // current user count is larger than the maxUsers…
	ReasonAppTooManyGroups   Reason = "app_too_many_groups"  // appKey:… has create too many groups!
	ReasonLimitExceeded      Reason = "limit_exceeded"       // another documented limit (length, batch size, plan); Field says which when the text does
	ReasonContentViolation   Reason = "content_violation"    // the name or announcement failed Agora's content check
	ReasonInvalidRequest     Reason = "invalid_request"      // another 400, 413 or 415
	ReasonForbidden          Reason = "forbidden"            // another 403
)

// ReasonOf is the Reason of any error the client returns: an *Error's
// Reason, ReasonBadResponse for a *ResponseError, ReasonTimeout or
// ReasonNoAnswer for a *RequestError (ReasonRateLimited when the client's
// own limiter could not wait long enough). A caller's cancellation, a
// *ValidationError and foreign errors give ReasonUnknown.
func ReasonOf(err error) Reason {
	var (
		ae *Error
		re *ResponseError
		rq *RequestError
	)
	switch {
	case errors.As(err, &ae):
		return ae.Reason
	case errors.As(err, &re):
		return ReasonBadResponse
	case errors.As(err, &rq):
		switch {
		case errors.Is(rq.Err, ErrRateLimited):
			return ReasonRateLimited
		case errors.Is(rq.Err, context.Canceled):
			return ReasonUnknown
		case rq.Timeout():
			return ReasonTimeout
		}
		return ReasonNoAnswer
	}
	return ReasonUnknown
}

// Descriptions that name a user (agora-chat-facts §2, §5; moderation facts
// §2, §3), tried in order: "user: X doesn't exist in group" before the
// plain "user X doesn't exist". The name is \S+ with trailing punctuation
// trimmed; a bracketed list is kept as written ("a, b").
var userPatterns = []struct {
	re     *regexp.Regexp
	reason Reason
}{
	{regexp.MustCompile(`(?i)\buser:? ?(\S+?) doesn'?t exist in group`), ReasonNotMember},
	{regexp.MustCompile(`(?i)users? \[([^\]]*)\] (?:are|is) not members?`), ReasonNotMember},
	{regexp.MustCompile(`(?i)user:? ?(\S+?) already in group`), ReasonAlreadyMember},
	{regexp.MustCompile(`(?i)user:? ?(\S+?) is not (?:an )?admin`), ReasonNotAdmin},
	{regexp.MustCompile(`(?i)user:? ?(\S+?) has joined too many groups`), ReasonUserTooManyGroups},
	// Wording undocumented; the client SDKs look for "is in the blacklist".
	{regexp.MustCompile(`(?i)(?:user:? ?(\S+?) )?(?:is|are) in the (?:blacklist|blocklist|block list)`), ReasonBlocked},
	{regexp.MustCompile(`(?i)\buser(?:name)?:? ?(\S+?) doesn'?t exist`), ReasonUserNotFound},
}

// Descriptions of a 400 that name the request field at fault.
var fieldPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)some of \[([^\]]*)\] are not valid fields`),
	regexp.MustCompile(`(?i)must contain (\w+) field`),
	regexp.MustCompile(`(?i)^(\w+) (?:must be provided|is null)`),
}

// firstGroup returns re's first non-empty submatch in s, trimmed of
// trailing punctuation, and whether re matched at all.
func firstGroup(re *regexp.Regexp, s string) (string, bool) {
	m := re.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	for _, g := range m[1:] {
		if g != "" {
			return strings.TrimRight(g, "!.,:"), true
		}
	}
	return "", true
}

// classify decides e.Reason, and e.User and e.Field when the description
// names them. The order matters: what the status alone settles first, then
// the specific texts, then the codes, then the status class.
func (e *Error) classify() {
	desc := strings.TrimSpace(e.Description)
	lower := strings.ToLower(desc)
	code := strings.ToLower(e.Code)
	switch {
	case e.StatusCode >= 500:
		e.Reason = ReasonServerError // Agora failed, whatever the text says
	case code == "resource_limited":
		e.Reason = ReasonPlanLimit
	case e.StatusCode == http.StatusTooManyRequests || code == "reach_limit":
		e.Reason = ReasonRateLimited
	case e.StatusCode == http.StatusUnauthorized:
		e.Reason = ReasonUnauthorized
	case code == "organization_application_not_found" || strings.HasPrefix(lower, "could not find application"):
		e.Reason = ReasonAppNotFound
	case strings.Contains(lower, "operation on group owner"):
		e.Reason = ReasonOwnerForbidden
	case strings.Contains(lower, "new owner and old owner are the same"):
		e.Reason = ReasonAlreadyOwner
	}
	if e.Reason != ReasonUnknown {
		return
	}
	for _, p := range userPatterns {
		if user, ok := firstGroup(p.re, desc); ok {
			e.Reason, e.User = p.reason, user
			return
		}
	}

	switch {
	case strings.Contains(lower, "too many groups"):
		e.Reason = ReasonAppTooManyGroups // "appKey:… has create too many groups!"; the user's form is matched above
	case strings.Contains(lower, "members size is greater than max user size"):
		e.Reason, e.Field = ReasonGroupFull, "members"
	case strings.Contains(lower, "current user count is larger than"):
		e.Reason, e.Field = ReasonMaxUsersBelowCount, "maxusers"
	case strings.Contains(lower, "group is disabled"):
		e.Reason = ReasonGroupDisabled
	case strings.Contains(lower, "admin") && (strings.Contains(lower, "too many") || strings.Contains(lower, "exceed") || strings.Contains(lower, "max")):
		e.Reason = ReasonTooManyAdmins // wording undocumented (moderation facts §2.6)
	case strings.HasSuffix(code, "_violation") || strings.Contains(lower, "is violation"):
		e.Reason, e.Field = ReasonContentViolation, "groupname"
		if strings.Contains(code, "announce") || strings.Contains(lower, "announce") {
			e.Field = "announcement"
		}
	case strings.HasPrefix(lower, "grpid ") || strings.HasPrefix(lower, "do not find this group"):
		e.Reason = ReasonGroupNotFound
	case code == "exceed_limit" || strings.Contains(lower, "exceed") || strings.Contains(lower, "max limit") ||
		strings.Contains(lower, "maxsize") || strings.Contains(lower, "is too big"):
		e.Reason, e.Field = ReasonLimitExceeded, limitField(lower)
	case e.StatusCode == http.StatusNotFound:
		e.Reason = ReasonNotFound
	case e.StatusCode == http.StatusForbidden:
		e.Reason = ReasonForbidden
	case e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusRequestEntityTooLarge ||
		e.StatusCode == http.StatusUnsupportedMediaType:
		e.Reason = ReasonInvalidRequest
		for _, re := range fieldPatterns {
			if f, ok := firstGroup(re, desc); ok {
				e.Field = f
				break
			}
		}
	}
}

// limitField names the request field a limit message is about, when it
// names one: "title cannot exceed to 128", "maxUsers cannot exceed 2000",
// "announce info length exceeds limit!", "userNames size is more than max
// limit : 60", "kickMember: kickMembers number more than maxSize : 60".
func limitField(lower string) string {
	switch {
	case strings.Contains(lower, "title") || strings.Contains(lower, "groupname"):
		return "groupname"
	case strings.Contains(lower, "desc"):
		return "description"
	case strings.Contains(lower, "maxusers") || strings.Contains(lower, "max user"):
		return "maxusers"
	case strings.Contains(lower, "custom"):
		return "custom"
	case strings.Contains(lower, "avatar"):
		return "avatar"
	case strings.Contains(lower, "announce"):
		return "announcement"
	case strings.Contains(lower, "username") || strings.Contains(lower, "member") || strings.Contains(lower, "list size") ||
		strings.Contains(lower, "whitelist") || strings.Contains(lower, "blacklist") || strings.Contains(lower, "mute"):
		return "usernames"
	}
	return ""
}

// reasonOfItem classifies the "reason" text of one user's result in a batch
// answer (e.g. "user x doesn't exist.", "user: u3 doesn't exist in group: g").
func reasonOfItem(text string) Reason {
	if text == "" {
		return ReasonUnknown
	}
	e := &Error{StatusCode: http.StatusOK, Description: text}
	e.classify()
	return e.Reason
}
