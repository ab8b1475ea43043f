package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"groupdesk/agora"
	"groupdesk/web/store"
)

// resultsByUser is what a call on several users did to each, by lower-cased
// username: nil when done, else why not (an *store.AuditFailure).
type resultsByUser map[string]error

// refusal is a user's refusal for the audit log: Agora's reason kind as
// the code and its words as the message.
func refusal(kind agora.Reason, text string) error {
	code := string(kind)
	if code == "" {
		code = "refused"
	}
	return &store.AuditFailure{Code: code, Msg: text}
}

// auditedMembers is auditedCall for an action on several users of a group:
// one record per user (the group as target, the user in the summary),
// all written before call, and each user's outcome after it (see
// auditPerUser).
func (s *Server) auditedMembers(c echo.Context, action, groupID string, users []string,
	summary func(user string) store.AuditSummary, call func(ctx context.Context) (resultsByUser, error)) error {
	return s.auditPerUser(c.Request().Context(), s.newAuditEntry(c, action, store.TargetGroup, groupID), users, summary, call)
}

// auditPerUser records base once per user, with summary(user) as its
// summary, in one transaction before call; then each user's outcome from
// what call reports. A user call says nothing about counts as done when it
// returned no error; when its error means Agora may have acted
// (answerMayBeLost), the user's outcome stays "unknown", which is the
// truth. The call's own error is returned, or an *auditWriteError.
func (s *Server) auditPerUser(reqCtx context.Context, base store.AuditEntry, users []string,
	summary func(user string) store.AuditSummary, call func(ctx context.Context) (resultsByUser, error)) error {
	// A moderator who closes the tab must not leave the records half done.
	ctx := context.WithoutCancel(reqCtx)
	base.At = s.now()
	entries := make([]store.AuditEntry, len(users))
	for i, u := range users {
		entries[i] = base
		entries[i].Summary = summary(u)
	}
	ids, err := s.st.InsertAuditRecords(ctx, entries)
	if err != nil {
		return &auditWriteError{page: &pageError{status: http.StatusInternalServerError, key: "error.audit_refused", cause: fmt.Errorf("%w: %w", store.ErrAuditUnavailable, err)}}
	}
	results, callErr := call(reqCtx)
	lost := answerMayBeLost(callErr)
	outcomes := make([]store.AuditOutcome, 0, len(users))
	for i, u := range users {
		r, ok := results[strings.ToLower(u)]
		switch {
		case ok:
			outcomes = append(outcomes, store.AuditOutcome{RecordID: ids[i], Err: r})
		case callErr == nil:
			outcomes = append(outcomes, store.AuditOutcome{RecordID: ids[i]})
		case !lost:
			outcomes = append(outcomes, store.AuditOutcome{RecordID: ids[i], Err: auditOutcome(callErr)})
		}
	}
	if err := s.st.InsertAuditOutcomes(ctx, s.now(), outcomes); err != nil {
		return &auditWriteError{
			page:    &pageError{status: http.StatusInternalServerError, key: "error.audit_outcome_lost", cause: fmt.Errorf("outcomes of %s not written: %w (call error: %v)", base.Action, err, callErr)},
			callErr: callErr,
		}
	}
	return callErr
}

// byUser is a batch's per-user results as auditPerUser reads them.
func byUser(results []agora.MemberResult) resultsByUser {
	out := make(resultsByUser, len(results))
	for _, r := range results {
		var outcome error
		if !r.OK {
			outcome = refusal(r.Kind(), r.Reason)
		}
		out[strings.ToLower(r.Username)] = outcome
	}
	return out
}

// userError turns the error of a call about one user into that user's
// result, when it is about the user (not a member, unknown, the owner…)
// rather than about the call.
func userError(err error, user string) (agora.MemberResult, bool) {
	var ae *agora.Error
	if !errors.As(err, &ae) {
		return agora.MemberResult{}, false
	}
	switch ae.Reason {
	case agora.ReasonNotMember, agora.ReasonUserNotFound, agora.ReasonOwnerForbidden, agora.ReasonAlreadyMember,
		agora.ReasonBlocked, agora.ReasonNotAdmin, agora.ReasonUserTooManyGroups, agora.ReasonAlreadyOwner,
		agora.ReasonTooManyAdmins, agora.ReasonForbidden:
	default:
		return agora.MemberResult{}, false
	}
	if ae.User != "" && !strings.EqualFold(ae.User, user) {
		return agora.MemberResult{}, false
	}
	return agora.MemberResult{Username: user, Reason: ae.Description}, true
}
