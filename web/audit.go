package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"groupdesk/agora"
)

// The audit log answers "who did what, when, from where, and did it work?"
// for every state-changing action taken through Groupdesk. It is append
// only: the app has no UPDATE or DELETE statement for its tables, and
// triggers refuse both (SQLite's migration 2, PostgreSQL's migration 1).
//
// Order of writing. A change made in Agora cannot share a transaction with
// the local database, so an action is recorded in two appends:
//
//  1. the record (audit_log): who, when, what and the change, written
//     BEFORE Agora is called. If it cannot be written the action is
//     refused and Agora is never called: nothing happens unrecorded.
//  2. its outcome (audit_outcomes): success, or Agora's error code and
//     message, written after the call and before the response. If that
//     write fails the moderator gets a 500 saying the change was sent but
//     its outcome is not recorded; the record stays, shown with the
//     outcome "unknown", which is the truth.
//  3. when Agora's answer was lost (a 5xx, a time-out, a cut-short body:
//     see answerMayBeLost), no outcome is written after the call; the
//     record reads "unknown" while Groupdesk looks at Agora, then gets the
//     outcome the look found, with the code "answer_lost" (auditedWrite).
//     If the look is inconclusive the record stays "unknown".
//
// Local actions (sign-in, sign-out, account changes, reports) write both
// parts in one transaction, together with the change itself for account
// changes, so they are recorded exactly when they happen.

// Audit actions.
const (
	actionGroupCreate     = "create_group"
	actionGroupUpdate     = "update_group"
	actionGroupDelete     = "delete_group"
	actionAccountCreate   = "create_account"
	actionAccountRole     = "change_role"
	actionAccountPassword = "reset_password"
	actionAccountDisable  = "disable_account"
	actionAccountEnable   = "enable_account"
	actionLogin           = "sign_in"
	actionLogout          = "sign_out"
	actionReportStart     = "start_report"
	actionReportCancel    = "cancel_report"
)

// auditActions lists every action, in the order the filter offers them.
var auditActions = []string{
	actionGroupCreate, actionGroupUpdate, actionGroupDelete,
	actionAccountCreate, actionAccountRole, actionAccountPassword, actionAccountDisable, actionAccountEnable,
	actionLogin, actionLogout, actionReportStart, actionReportCancel,
}

// Target types.
const (
	targetGroup   = "group"
	targetAccount = "account"
	targetReport  = "report"
)

// Outcomes. A record without an outcome row is "unknown": the action was
// attempted and its result could not be written.
const (
	outcomeSuccess = "success"
	outcomeFailure = "failure"
	outcomeUnknown = "unknown"
)

// Actors that are not dashboard accounts.
const (
	actorShell  = "(shell)"  // `groupdesk users …`
	actorSystem = "(system)" // the first account, created on first start
)

// auditActor is who makes a change and from where.
type auditActor struct {
	Name string
	Addr string
}

var (
	shellActor  = auditActor{Name: actorShell, Addr: "local"}
	systemActor = auditActor{Name: actorSystem, Addr: "local"}
)

// auditEntry is one record with its outcome.
type auditEntry struct {
	ID         int64
	At         time.Time // UTC, millisecond precision
	Actor      string    // "" for a sign-in attempt by no known account
	Addr       string
	Action     string
	TargetType string
	Target     string
	Summary    auditSummary
	Outcome    string // outcomeSuccess, outcomeFailure or outcomeUnknown
	ErrorCode  string
	ErrorMsg   string
}

// auditSummary is what changed, stored as JSON and shown translated.
type auditSummary struct {
	// Group edits: each changed field, old → new (the old value is the one
	// the edit form was rendered from).
	Changes []auditChange `json:"changes,omitempty"`
	// Group create and delete: the group as created, or as it was just
	// before deletion.
	Name     string `json:"name,omitempty"`
	Owner    string `json:"owner,omitempty"`
	Members  *int   `json:"members,omitempty"`
	MaxUsers int    `json:"maxusers,omitempty"`
	// Account changes.
	Role    Role `json:"role,omitempty"`
	OldRole Role `json:"old_role,omitempty"`
	// Reports: how far a canceled run got.
	Groups int `json:"groups,omitempty"`
}

type auditChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// newAuditEntry starts a record of an action by the request's account.
func (s *Server) newAuditEntry(c echo.Context, action, targetType, target string) auditEntry {
	return auditEntry{
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

// errAuditUnavailable is returned when a record cannot be written; the
// action it was for did not happen.
var errAuditUnavailable = errors.New("the audit log cannot be written")

// auditedCall records e, makes the Agora call, and records its outcome (see
// the order above). callErr is the call's own error. auditErr, when not
// nil, is the page to show instead: the action was refused because the
// record could not be written, or was made but its outcome not recorded.
func (s *Server) auditedCall(c echo.Context, e auditEntry, call func(ctx context.Context) (target string, err error)) (callErr, auditErr error) {
	return s.auditedWrite(c, e, call, nil)
}

// auditedWrite is auditedCall for a change whose answer may be lost after
// Agora applied it (see answerMayBeLost). Then no outcome is written yet
// (the record reads "unknown"), check looks at Agora to learn whether the
// change was made, and the outcome it finds is appended with the code
// "answer_lost". callErr is then an *ambiguousError saying what was found;
// when check cannot tell, the record stays "unknown".
func (s *Server) auditedWrite(c echo.Context, e auditEntry, call func(ctx context.Context) (target string, err error), check reconcileFunc) (callErr, auditErr error) {
	// A moderator who closes the tab must not leave the record half done.
	ctx := context.WithoutCancel(c.Request().Context())
	e.At = s.now()
	id, err := s.st.insertAuditRecord(ctx, s.st, e)
	if err != nil {
		return nil, &pageError{status: http.StatusInternalServerError, key: "error.audit_refused", cause: fmt.Errorf("%w: %w", errAuditUnavailable, err)}
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
			return amb, nil
		}
		outcome := outcomeFailure
		if amb.applied {
			outcome = outcomeSuccess
		}
		_, _, msg := outcomeOf(callErr)
		if err := s.st.insertAuditOutcomeRow(ctx, s.st, id, s.now(), outcome, codeAnswerLost, msg, amb.target); err != nil {
			return amb, &pageError{status: http.StatusInternalServerError, key: "error.audit_outcome_lost", cause: fmt.Errorf("audit record %d: outcome of %s not written: %w (call error: %v)", id, e.Action, err, callErr)}
		}
		return amb, nil
	}
	if err := s.st.insertAuditOutcome(ctx, s.st, id, s.now(), target, callErr); err != nil {
		return callErr, &pageError{status: http.StatusInternalServerError, key: "error.audit_outcome_lost", cause: fmt.Errorf("audit record %d: outcome of %s not written: %w (call error: %v)", id, e.Action, err, callErr)}
	}
	return callErr, nil
}

// codeAnswerLost marks an outcome learnt by looking at Agora after its
// answer to the call was lost.
const codeAnswerLost = "answer_lost"

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
func (s *Server) auditLocal(c echo.Context, e auditEntry, outcomeErr error) error {
	ctx := context.WithoutCancel(c.Request().Context())
	e.At = s.now()
	if err := s.st.appendAudit(ctx, e, outcomeErr); err != nil {
		return &pageError{status: http.StatusInternalServerError, key: "error.audit_refused", cause: fmt.Errorf("%w: %w", errAuditUnavailable, err)}
	}
	return nil
}

// insertAuditRecord appends a record and returns its id.
func (st *store) insertAuditRecord(ctx context.Context, db querier, e auditEntry) (int64, error) {
	summary, err := json.Marshal(e.Summary)
	if err != nil {
		return 0, err
	}
	var id int64
	err = db.queryRow(ctx,
		`INSERT INTO audit_log (at, actor, addr, action, target_type, target, summary) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.At.UnixMilli(), e.Actor, e.Addr, e.Action, e.TargetType, e.Target, string(summary)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("write audit record: %w", err)
	}
	return id, nil
}

// insertAuditOutcome appends the outcome of record id. target is what the
// action's target turned out to be when it was not known before (the id of
// a created group).
func (st *store) insertAuditOutcome(ctx context.Context, db querier, id int64, at time.Time, target string, callErr error) error {
	outcome, code, msg := outcomeOf(callErr)
	return st.insertAuditOutcomeRow(ctx, db, id, at, outcome, code, msg, target)
}

// insertAuditOutcomeRow appends the outcome of record id as given.
func (st *store) insertAuditOutcomeRow(ctx context.Context, db querier, id int64, at time.Time, outcome, code, msg, target string) error {
	_, err := db.exec(ctx,
		`INSERT INTO audit_outcomes (record_id, at, outcome, error_code, error_message, target) VALUES (?, ?, ?, ?, ?, ?)`,
		id, at.UnixMilli(), outcome, code, msg, target)
	if err != nil {
		return fmt.Errorf("write audit outcome: %w", err)
	}
	return nil
}

// appendAudit writes a record and its outcome in one transaction.
func (st *store) appendAudit(ctx context.Context, e auditEntry, outcomeErr error) error {
	tx, err := st.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if err := st.appendAuditTx(ctx, tx, e, outcomeErr); err != nil {
		return err
	}
	return tx.commit()
}

func (st *store) appendAuditTx(ctx context.Context, tx *storeTx, e auditEntry, outcomeErr error) error {
	id, err := st.insertAuditRecord(ctx, tx, e)
	if err != nil {
		return err
	}
	return st.insertAuditOutcome(ctx, tx, id, e.At, "", outcomeErr)
}

// auditFailure is a local refusal with a code for the audit log (the
// moderator sees a translated message instead).
type auditFailure struct {
	code, msg string
}

func (f *auditFailure) Error() string { return f.code + ": " + f.msg }

// outcomeOf turns an action's error into the outcome columns: Agora's own
// error code and message when Agora answered, else a short code of ours.
// Messages never contain a token (the agora errors carry none).
func outcomeOf(err error) (outcome, code, msg string) {
	if err == nil {
		return outcomeSuccess, "", ""
	}
	var (
		ae *agora.Error
		na *agora.NotAppliedError
		ve *agora.ValidationError
		re *agora.RequestError
		af *auditFailure
	)
	switch {
	case errors.As(err, &af):
		code, msg = af.code, af.msg
	case errors.As(err, &ae):
		code, msg = ae.Code, ae.Description
		if code == "" {
			code = "http_" + strconv.Itoa(ae.StatusCode)
		}
		if msg == "" {
			msg = strings.Join(strings.Fields(ae.Body), " ")
		}
	case errors.As(err, &na):
		code, msg = "not_applied", strings.Join(na.Fields, ", ")
	case errors.As(err, &ve):
		code, msg = "invalid_input", ve.Field+": "+ve.Message
	case errors.As(err, &re) && re.Timeout():
		code, msg = "timeout", err.Error()
	case errors.As(err, &re):
		code, msg = "unreachable", err.Error()
	default:
		code, msg = "error", err.Error()
	}
	return outcomeFailure, code, truncateRunes(msg, 500)
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// auditFilter selects records. Zero fields do not filter.
type auditFilter struct {
	Actor, Action, Target, Outcome string
	From, To                       time.Time // From ≤ at < To
	Before, After                  int64     // keyset: id < Before, or id > After
	Limit                          int       // 0: no limit
}

// auditSelect is the query of a filter, newest first (oldest first with
// After, for the page before).
func auditSelect(f auditFilter) (string, []any) {
	var (
		where []string
		args  []any
	)
	if f.Actor != "" {
		where = append(where, "a.actor = ?")
		args = append(args, f.Actor)
	}
	if f.Action != "" {
		where = append(where, "a.action = ?")
		args = append(args, f.Action)
	}
	if f.Target != "" {
		// The target of a create is known only after the call (the new
		// group's id), so it is in the outcome row.
		where = append(where, "a.id IN (SELECT id FROM audit_log WHERE target = ? UNION ALL SELECT record_id FROM audit_outcomes WHERE target = ?)")
		args = append(args, f.Target, f.Target)
	}
	switch f.Outcome {
	case outcomeSuccess, outcomeFailure:
		where = append(where, "o.outcome = ?")
		args = append(args, f.Outcome)
	case outcomeUnknown:
		where = append(where, "o.record_id IS NULL")
	}
	if !f.From.IsZero() {
		where = append(where, "a.at >= ?")
		args = append(args, f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		where = append(where, "a.at < ?")
		args = append(args, f.To.UnixMilli())
	}
	order := "DESC"
	switch {
	case f.Before > 0:
		where = append(where, "a.id < ?")
		args = append(args, f.Before)
	case f.After > 0:
		where = append(where, "a.id > ?")
		args = append(args, f.After)
		order = "ASC"
	}
	q := `SELECT a.id, a.at, a.actor, a.addr, a.action, a.target_type,
		CASE WHEN a.target != '' THEN a.target ELSE coalesce(o.target, '') END,
		a.summary, coalesce(o.outcome, ''), coalesce(o.error_code, ''), coalesce(o.error_message, '')
		FROM audit_log a LEFT JOIN audit_outcomes o ON o.record_id = a.id`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY a.id " + order
	if f.Limit > 0 {
		q += " LIMIT " + strconv.Itoa(f.Limit)
	}
	return q, args
}

// eachAudit calls fn for every record the filter selects, reading them from
// the database cursor one at a time.
func (st *store) eachAudit(ctx context.Context, f auditFilter, fn func(*auditEntry) error) error {
	q, args := auditSelect(f)
	rows, err := st.query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var e auditEntry
	for rows.Next() {
		var at int64
		var summary string
		e = auditEntry{}
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Addr, &e.Action, &e.TargetType, &e.Target,
			&summary, &e.Outcome, &e.ErrorCode, &e.ErrorMsg); err != nil {
			return fmt.Errorf("read audit log: %w", err)
		}
		e.At = time.UnixMilli(at).UTC()
		if e.Outcome == "" {
			e.Outcome = outcomeUnknown
		}
		// A summary that does not decode is shown empty, not an error.
		_ = json.Unmarshal([]byte(summary), &e.Summary)
		if err := fn(&e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read audit log: %w", err)
	}
	return nil
}

// auditPage returns up to f.Limit records, newest first, whichever
// direction f pages in.
func (st *store) auditPage(ctx context.Context, f auditFilter) ([]auditEntry, error) {
	var out []auditEntry
	err := st.eachAudit(ctx, f, func(e *auditEntry) error {
		out = append(out, *e)
		return nil
	})
	if f.After > 0 {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, err
}

// deletedGroups returns which of ids have a successful delete record: the
// audit page marks them instead of linking to a page that would 404,
// without asking Agora.
func (st *store) deletedGroups(ctx context.Context, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{actionGroupDelete, outcomeSuccess}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := st.query(ctx,
		`SELECT DISTINCT a.target FROM audit_log a JOIN audit_outcomes o ON o.record_id = a.id
		 WHERE a.action = ? AND o.outcome = ? AND a.target IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}
