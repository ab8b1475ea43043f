package web

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"groupdesk/agora"
	"groupdesk/web/store"
)

// Every state-changing action is recorded in the audit log before the
// answer; the store (web/store/audit.go) explains the order of writing.
//
// When Agora's answer was lost (a 5xx, a time-out, a cut-short body: see
// answerMayBeLost), no outcome is written after the call; the record reads
// "unknown" while Groupdesk looks at Agora, then gets the outcome the look
// found, with the code store.CodeAnswerLost (auditedWrite). If the look is
// inconclusive the record stays "unknown".

// newAuditEntry starts a record of an action by the request's account.
func (s *Server) newAuditEntry(c echo.Context, action, targetType, target string) store.AuditEntry {
	return store.AuditEntry{
		Actor: s.actorName(c), Addr: c.RealIP(), Action: action,
		TargetType: targetType, Target: target,
	}
}

// actorName is who makes the request, for the audit log: the signed-in
// account, or the session's user when the account cannot be read.
func (s *Server) actorName(c echo.Context) string {
	if acc, _ := s.currentAccount(c); acc != nil {
		return acc.Username
	}
	return session(c).get(sessUser)
}

// auditWriteError is what auditedCall returns when the audit log could not
// be written: the action was refused (Agora never called), or it was made
// but its outcome not recorded. Its page replaces whatever the call's own
// result would have shown; callers tell it apart with errors.As.
type auditWriteError struct {
	page    *pageError
	callErr error // the call's own error, nil if it succeeded or was never made
}

func (e *auditWriteError) Error() string { return e.page.Error() }
func (e *auditWriteError) Unwrap() error { return e.page }

func isAuditWriteError(err error) bool {
	var aw *auditWriteError
	return errors.As(err, &aw)
}

// auditedCall records e, makes the Agora call, and records its outcome. It
// returns the call's own error, or an *auditWriteError when a record could
// not be written.
func (s *Server) auditedCall(c echo.Context, e store.AuditEntry, call func(ctx context.Context) (target string, err error)) error {
	return s.auditedWrite(c, e, call, nil)
}

// auditedWrite is auditedCall for a change whose answer may be lost after
// Agora applied it (see answerMayBeLost). Then no outcome is written yet
// (the record reads "unknown"), check looks at Agora to learn whether the
// change was made, and the outcome it finds is appended with the code
// store.CodeAnswerLost. The error is then an *ambiguousError saying what
// was found; when check cannot tell, the record stays "unknown".
func (s *Server) auditedWrite(c echo.Context, e store.AuditEntry, call func(ctx context.Context) (target string, err error), check reconcileFunc) error {
	// A moderator who closes the tab must not leave the record half done.
	ctx := context.WithoutCancel(c.Request().Context())
	e.At = s.now()
	id, err := s.st.InsertAuditRecord(ctx, e)
	if err != nil {
		return &auditWriteError{page: &pageError{status: http.StatusInternalServerError, key: "error.audit_refused", cause: fmt.Errorf("%w: %w", store.ErrAuditUnavailable, err)}}
	}
	target, callErr := call(c.Request().Context())
	if check != nil && answerMayBeLost(callErr) {
		amb := &ambiguousError{cause: callErr}
		// The page deadline may be spent: the check gets one of its own.
		checkCtx, cancel := context.WithTimeout(context.WithValue(ctx, pageDeadlineKey{}, time.Now().Add(s.cfg.pageTimeout())), s.cfg.pageTimeout())
		amb.target, amb.applied, amb.checkErr = check(checkCtx, e.At)
		cancel()
		if amb.checkErr != nil {
			s.log.Warn("Agora's answer was lost and the check of what happened failed; the audit record stays unknown",
				"action", e.Action, "record", id, "err", callErr, "check_err", amb.checkErr)
			return amb
		}
		if err := s.st.InsertAnswerLostOutcome(ctx, id, s.now(), amb.target, amb.applied, callErr); err != nil {
			return &auditWriteError{
				page:    &pageError{status: http.StatusInternalServerError, key: "error.audit_outcome_lost", cause: fmt.Errorf("audit record %d: outcome of %s not written: %w (call error: %v)", id, e.Action, err, callErr)},
				callErr: amb,
			}
		}
		return amb
	}
	if err := s.st.InsertAuditOutcome(ctx, id, s.now(), target, auditOutcome(callErr)); err != nil {
		return &auditWriteError{
			page:    &pageError{status: http.StatusInternalServerError, key: "error.audit_outcome_lost", cause: fmt.Errorf("audit record %d: outcome of %s not written: %w (call error: %v)", id, e.Action, err, callErr)},
			callErr: callErr,
		}
	}
	return callErr
}

// reconcileFunc looks at Agora after a change's answer was lost: whether
// the change was made (and the target it made, for a create). since is
// when the change was recorded, just before the call.
type reconcileFunc func(ctx context.Context, since time.Time) (target string, applied bool, err error)

// ambiguousError is a call whose answer was lost, with what a look at
// Agora found: applied, or not, or (checkErr) nothing certain.
type ambiguousError struct {
	cause    error
	target   string
	applied  bool
	checkErr error
}

func (e *ambiguousError) Error() string {
	if e.checkErr != nil {
		return fmt.Sprintf("outcome unknown: %v (check failed: %v)", e.cause, e.checkErr)
	}
	return fmt.Sprintf("answer lost: %v (applied: %v)", e.cause, e.applied)
}

func (e *ambiguousError) Unwrap() error { return e.cause }

// settled is a change's outcome once a lost answer has been looked into:
// nil when Agora had applied it; a 502 page when it had not (notAppliedKey)
// or when nobody can tell. Any other error is returned as it is.
func settled(err error, notAppliedKey string) error {
	var amb *ambiguousError
	if !errors.As(err, &amb) {
		return err
	}
	switch {
	case amb.checkErr != nil:
		return &pageError{status: http.StatusBadGateway, key: "error.change_unknown", cause: err}
	case !amb.applied:
		return &pageError{status: http.StatusBadGateway, key: notAppliedKey, cause: err}
	}
	return nil
}

// answerMayBeLost reports whether a change may have been made although the
// call failed: Agora failed after receiving it (5xx), or the answer did not
// arrive whole (time-out, connection lost, body cut short). A refusal
// (4xx), a request never sent and the circuit breaker are certain.
func answerMayBeLost(err error) bool {
	if err == nil {
		return false
	}
	var (
		pe *pageError
		ve *agora.ValidationError
		na *agora.NotAppliedError
		ae *agora.Error
		oe *net.OpError
	)
	switch {
	case errors.As(err, &pe), errors.As(err, &ve), errors.As(err, &na):
		return false
	case errors.As(err, &ae):
		return ae.StatusCode >= 500
	case errors.As(err, &oe) && oe.Op == "dial":
		return false // never connected, never sent
	}
	return true
}

// auditLocal records an action that has already been decided locally
// (sign-in, sign-out, reports), record and outcome in one transaction.
// outcomeErr nil means success.
func (s *Server) auditLocal(c echo.Context, e store.AuditEntry, outcomeErr error) error {
	ctx := context.WithoutCancel(c.Request().Context())
	e.At = s.now()
	if err := s.st.AppendAudit(ctx, e, auditOutcome(outcomeErr)); err != nil {
		return &pageError{status: http.StatusInternalServerError, key: "error.audit_refused", cause: fmt.Errorf("%w: %w", store.ErrAuditUnavailable, err)}
	}
	return nil
}

// auditFailedSignIn records a failed sign-in: one record per address and
// window, counting the others (see store.AppendFailedSignIn).
func (s *Server) auditFailedSignIn(c echo.Context, e store.AuditEntry, reason error) error {
	ctx := context.WithoutCancel(c.Request().Context())
	e.At = s.now()
	if err := s.st.AppendFailedSignIn(ctx, e, reason); err != nil {
		return &pageError{status: http.StatusInternalServerError, key: "error.audit_refused", cause: fmt.Errorf("%w: %w", store.ErrAuditUnavailable, err)}
	}
	return nil
}

// auditOutcome turns an Agora call's error into what the audit log keeps:
// when Agora answered, the client's reading of it (agora.Reason, e.g.
// "group_not_found") as the code, which the log shows in the moderator's
// language, and Agora's own code and words as the message; else a short
// code of ours. Messages never contain a token (the agora errors carry
// none). nil stays nil (a success).
func auditOutcome(err error) error {
	if err == nil {
		return nil
	}
	var (
		ae *agora.Error
		na *agora.NotAppliedError
		ve *agora.ValidationError
		re *agora.RequestError
		af *store.AuditFailure
	)
	f := &store.AuditFailure{}
	switch {
	case errors.As(err, &af):
		return af
	case errors.As(err, &ae):
		raw, desc := ae.Code, ae.Description
		if raw == "" {
			raw = "http_" + strconv.Itoa(ae.StatusCode)
		}
		if desc == "" {
			desc = strings.Join(strings.Fields(ae.Body), " ")
		}
		f.Code, f.Msg = string(ae.Reason), raw+": "+desc
		if ae.Reason == agora.ReasonUnknown {
			f.Code = raw
		}
	case errors.As(err, &na):
		f.Code, f.Msg = "not_applied", strings.Join(na.Fields, ", ")
	case errors.As(err, &ve):
		f.Code, f.Msg = "invalid_input", ve.Field+": "+ve.Message
	case errors.As(err, &re) && re.Timeout():
		f.Code, f.Msg = "timeout", err.Error()
	case errors.As(err, &re):
		f.Code, f.Msg = "unreachable", err.Error()
	default:
		f.Code, f.Msg = "error", err.Error()
	}
	return f
}
