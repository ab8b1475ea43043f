package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The audit log answers "who did what, when, from where, and did it work?"
// for every state-changing action taken through Groupdesk. It is append
// only: the app has no UPDATE or DELETE statement for its records and
// outcomes, and triggers refuse both (SQLite's migration 2, PostgreSQL's
// migration 1). The one count that changes, how many failed sign-ins a
// record stands for, is a table of its own (AppendFailedSignIn).
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
//
// Local actions (sign-in, sign-out, account changes, reports) write both
// parts in one transaction, together with the change itself for account
// changes, so they are recorded exactly when they happen.

// Audit actions.
const (
	ActionGroupCreate     = "create_group"
	ActionGroupUpdate     = "update_group"
	ActionGroupDelete     = "delete_group"
	ActionAccountCreate   = "create_account"
	ActionAccountRole     = "change_role"
	ActionAccountPassword = "reset_password"
	// An account changing its own password (ActionAccountPassword is an
	// admin or the shell setting one).
	ActionAccountPasswordChange = "change_password"
	ActionAccountDisable        = "disable_account"
	ActionAccountEnable         = "enable_account"
	ActionLogin                 = "sign_in"
	ActionLogout                = "sign_out"
	ActionReportStart           = "start_report"
	ActionReportCancel          = "cancel_report"
	ActionIndexRefresh          = "refresh_search_index"
	// Moderation: one record per affected user (AuditSummary.User), or
	// one per group for the group-wide switches and the announcement.
	ActionBlock           = "block"
	ActionUnblock         = "unblock"
	ActionAllow           = "allow"
	ActionDisallow        = "disallow"
	ActionMuteAll         = "mute_all"
	ActionUnmuteAll       = "unmute_all"
	ActionGroupDisable    = "disable_group"
	ActionGroupEnable     = "enable_group"
	ActionSetAnnouncement = "set_announcement"
	// Membership changes: one record per affected user, the group as the
	// target and the user in the summary.
	ActionMemberAdd     = "add_member"
	ActionMemberRemove  = "remove_member"
	ActionAdminAdd      = "add_admin"
	ActionAdminRemove   = "remove_admin"
	ActionOwnerTransfer = "transfer_owner"
	ActionMute          = "mute"
	ActionUnmute        = "unmute"
	// Bulk jobs: starting and canceling one, and one record per group a
	// job acts on (group deletions use ActionGroupDelete), each with
	// Summary.Job.
	ActionJobStart   = "start_job"
	ActionJobCancel  = "cancel_job"
	ActionBulkRemove = "bulk_remove_member"
	ActionBulkBlock  = "bulk_block_member"
	ActionBulkMute   = "bulk_mute_member"
)

// AuditActions lists every action, in the order the filter offers them.
var AuditActions = []string{
	ActionGroupCreate, ActionGroupUpdate, ActionGroupDelete,
	ActionAccountCreate, ActionAccountRole, ActionAccountPassword, ActionAccountPasswordChange, ActionAccountDisable, ActionAccountEnable,
	ActionLogin, ActionLogout, ActionReportStart, ActionReportCancel, ActionIndexRefresh,
	ActionBlock, ActionUnblock, ActionAllow, ActionDisallow,
	ActionMuteAll, ActionUnmuteAll, ActionGroupDisable, ActionGroupEnable, ActionSetAnnouncement,
	ActionMemberAdd, ActionMemberRemove, ActionAdminAdd, ActionAdminRemove, ActionOwnerTransfer, ActionMute, ActionUnmute,
	ActionJobStart, ActionJobCancel, ActionBulkRemove, ActionBulkBlock, ActionBulkMute,
}

// Target types.
const (
	TargetGroup   = "group"
	TargetAccount = "account"
	TargetReport  = "report"
	TargetIndex   = "search_index"
	TargetUser    = "user"
	TargetJob     = "job"
)

// Outcomes. A record without an outcome row is "unknown": the action was
// attempted and its result could not be written.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeUnknown = "unknown"
)

// Actors that are not dashboard accounts.
const (
	actorShell  = "(shell)"  // `groupdesk users …`
	actorSystem = "(system)" // the first account, created on first start
)

// Actor is who makes a change and from where.
type Actor struct {
	Name string
	Addr string
}

// The actors of `groupdesk users` and of the first start.
var (
	ShellActor  = Actor{Name: actorShell, Addr: "local"}
	SystemActor = Actor{Name: actorSystem, Addr: "local"}
)

// AuditEntry is one record with its outcome.
type AuditEntry struct {
	ID         int64
	At         time.Time // UTC, millisecond precision
	Actor      string    // "" for a sign-in attempt by no known account
	Addr       string
	Action     string
	TargetType string
	Target     string
	Summary    AuditSummary
	Outcome    string // OutcomeSuccess, OutcomeFailure or OutcomeUnknown
	ErrorCode  string
	ErrorMsg   string
	// Attempts is how many failed sign-ins from Addr within one window
	// the record stands for (see AppendFailedSignIn), the last at
	// LastAttempt; 0 for every other record.
	Attempts    int
	LastAttempt time.Time
}

// AuditSummary is what changed, stored as JSON and shown translated.
type AuditSummary struct {
	// Group edits: each changed field, old → new (the old value is the one
	// the edit form was rendered from).
	Changes []AuditChange `json:"changes,omitempty"`
	// Group create and delete: the group as created, or as it was just
	// before deletion.
	Name     string `json:"name,omitempty"`
	Owner    string `json:"owner,omitempty"`
	Members  *int   `json:"members,omitempty"`
	MaxUsers int    `json:"maxusers,omitempty"`
	// Account changes.
	Role    Role `json:"role,omitempty"`
	OldRole Role `json:"old_role,omitempty"`
	// Reports: how far a canceled run got. Jobs: how many groups.
	Groups int `json:"groups,omitempty"`
	// Moderation of one user in the group: who, and for a block why and
	// until when (zero: no expiry). Expired marks an unblock made because
	// the block's expiry passed.
	User    string    `json:"user,omitempty"`
	Reason  string    `json:"reason,omitempty"`
	Until   time.Time `json:"until,omitzero"`
	Expired bool      `json:"expired,omitempty"`
	// Membership changes: the user the record is about; for a mute, how
	// long ("10m", "1h", "1d", "7d" or "forever"); for an ownership
	// transfer, Owner is the owner before it.
	Duration string `json:"duration,omitempty"`
	// Bulk jobs: the job a record belongs to, its action (on the start's
	// record), the user acted on; Reason holds the block reason or mute
	// duration the moderator gave.
	Job    int64  `json:"job,omitempty"`
	Bulk   string `json:"bulk,omitempty"`
	Member string `json:"member,omitempty"`
}

// AuditChange is one changed field of a group edit.
type AuditChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// ErrAuditUnavailable is returned when a record cannot be written; the
// action it was for did not happen.
var ErrAuditUnavailable = errors.New("the audit log cannot be written")

// InsertAuditRecord appends the record of an action about to be made in
// Agora and returns its id, for InsertAuditOutcome.
func (st *Store) InsertAuditRecord(ctx context.Context, e AuditEntry) (int64, error) {
	return insertAuditRecord(ctx, st, e)
}

// InsertAuditOutcome appends the outcome of record id: callErr nil is a
// success. target is what the action's target turned out to be when it was
// not known before (the id of a created group).
func (st *Store) InsertAuditOutcome(ctx context.Context, id int64, at time.Time, target string, callErr error) error {
	return insertAuditOutcome(ctx, st, id, at, target, callErr)
}

// CodeAnswerLost marks an outcome learnt by looking at Agora after its
// answer to the call was lost.
const CodeAnswerLost = "answer_lost"

// InsertAnswerLostOutcome appends the outcome of record id when Agora's
// answer to the call (callErr) was lost and a look at Agora found whether
// the change was applied; the code is CodeAnswerLost.
func (st *Store) InsertAnswerLostOutcome(ctx context.Context, id int64, at time.Time, target string, applied bool, callErr error) error {
	outcome := OutcomeFailure
	if applied {
		outcome = OutcomeSuccess
	}
	_, _, msg := outcomeColumns(callErr)
	return insertAuditOutcomeRow(ctx, st, id, at, outcome, CodeAnswerLost, msg, target)
}

func insertAuditRecord(ctx context.Context, db querier, e AuditEntry) (int64, error) {
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

func insertAuditOutcome(ctx context.Context, db querier, id int64, at time.Time, target string, callErr error) error {
	outcome, code, msg := outcomeColumns(callErr)
	return insertAuditOutcomeRow(ctx, db, id, at, outcome, code, msg, target)
}

func insertAuditOutcomeRow(ctx context.Context, db querier, id int64, at time.Time, outcome, code, msg, target string) error {
	_, err := db.exec(ctx,
		`INSERT INTO audit_outcomes (record_id, at, outcome, error_code, error_message, target) VALUES (?, ?, ?, ?, ?, ?)`,
		id, at.UnixMilli(), outcome, code, msg, target)
	if err != nil {
		return fmt.Errorf("write audit outcome: %w", err)
	}
	return nil
}

// AppendAudit writes the record of an action decided locally (sign-in,
// sign-out, reports) and its outcome in one transaction; outcomeErr nil is
// a success.
func (st *Store) AppendAudit(ctx context.Context, e AuditEntry, outcomeErr error) error {
	tx, err := st.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if _, err := appendAuditTx(ctx, tx, e, outcomeErr); err != nil {
		return err
	}
	return tx.commit()
}

func appendAuditTx(ctx context.Context, tx *txn, e AuditEntry, outcomeErr error) (int64, error) {
	id, err := insertAuditRecord(ctx, tx, e)
	if err != nil {
		return 0, err
	}
	return id, insertAuditOutcome(ctx, tx, id, e.At, "", outcomeErr)
}

// AppendFailedSignIn records a failed sign-in so that failures from one
// address do not grow the log with every try: the first in a window of
// LoginWindow is appended as AppendAudit would, and the others only count
// on it (attempts and the time of the last). The record keeps the first
// attempt's username and reason.
func (st *Store) AppendFailedSignIn(ctx context.Context, e AuditEntry, failure error) error {
	tx, err := st.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	window := LoginWindow.Milliseconds()
	var attempts int
	// The upsert holds the counter's row until the commit, so parallel
	// failures of a new window wait for the first one's record.
	err = tx.queryRow(ctx,
		`INSERT INTO audit_sign_in_failures (addr, window_start, record_id, attempts, last_at) VALUES (?, ?, 0, 1, ?)
		 ON CONFLICT(addr, window_start) DO UPDATE SET
		   attempts = audit_sign_in_failures.attempts + 1, last_at = excluded.last_at
		 RETURNING attempts`,
		e.Addr, e.At.UnixMilli()/window*window, e.At.UnixMilli()).Scan(&attempts)
	if err != nil {
		return fmt.Errorf("count failed sign-in: %w", err)
	}
	if attempts == 1 {
		id, err := appendAuditTx(ctx, tx, e, failure)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE audit_sign_in_failures SET record_id = ? WHERE addr = ? AND window_start = ?`,
			id, e.Addr, e.At.UnixMilli()/window*window); err != nil {
			return fmt.Errorf("count failed sign-in: %w", err)
		}
	}
	return tx.commit()
}

// AuditFailure is a local refusal with a code for the audit log (the
// moderator sees a translated message instead).
type AuditFailure struct {
	Code, Msg string
}

func (f *AuditFailure) Error() string { return f.Code + ": " + f.Msg }

// outcomeColumns turns an action's error into the outcome columns: nil is
// a success, an *AuditFailure gives its code and message, anything else is
// "error" with its text.
func outcomeColumns(err error) (outcome, code, msg string) {
	if err == nil {
		return OutcomeSuccess, "", ""
	}
	var af *AuditFailure
	if errors.As(err, &af) {
		code, msg = af.Code, af.Msg
	} else {
		code, msg = "error", err.Error()
	}
	return OutcomeFailure, code, truncateRunes(msg, 500)
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// AuditFilter selects records. Zero fields do not filter.
type AuditFilter struct {
	Actor, Action, Target, Outcome string
	Kind                           string    // one of AuditKinds: a family of actions
	From, To                       time.Time // From ≤ at < To
	Before, After                  int64     // keyset: id < Before, or id > After
	Limit                          int       // 0: no limit
}

// Kinds of records, so the log can show group changes apart from
// sign-ins: the filter's coarse choice, by target (so actions added later
// fall in their family) and, for sign-ins, by action.
const (
	KindGroups   = "groups"
	KindSignIns  = "sign_ins"
	KindAccounts = "accounts"
	KindReports  = "reports"
)

// AuditKinds lists the kinds in the order the filter offers them.
var AuditKinds = []string{KindGroups, KindSignIns, KindAccounts, KindReports}

// auditSelect is the query of a filter, newest first (oldest first with
// After, for the page before).
func auditSelect(f AuditFilter) (string, []any) {
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
	signIns := "a.action IN ('" + ActionLogin + "', '" + ActionLogout + "')"
	switch f.Kind {
	case KindGroups:
		where = append(where, "a.target_type = '"+TargetGroup+"'")
	case KindSignIns:
		where = append(where, signIns)
	case KindAccounts:
		where = append(where, "a.target_type = '"+TargetAccount+"' AND NOT "+signIns)
	case KindReports:
		where = append(where, "a.target_type = '"+TargetReport+"'")
	}
	if f.Target != "" {
		// The target of a create is known only after the call (the new
		// group's id), so it is in the outcome row.
		where = append(where, "a.id IN (SELECT id FROM audit_log WHERE target = ? UNION ALL SELECT record_id FROM audit_outcomes WHERE target = ?)")
		args = append(args, f.Target, f.Target)
	}
	switch f.Outcome {
	case OutcomeSuccess, OutcomeFailure:
		where = append(where, "o.outcome = ?")
		args = append(args, f.Outcome)
	case OutcomeUnknown:
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
		a.summary, coalesce(o.outcome, ''), coalesce(o.error_code, ''), coalesce(o.error_message, ''),
		coalesce(f.attempts, 0), coalesce(f.last_at, 0)
		FROM audit_log a LEFT JOIN audit_outcomes o ON o.record_id = a.id
		LEFT JOIN audit_sign_in_failures f ON f.record_id = a.id`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY a.id " + order
	if f.Limit > 0 {
		q += " LIMIT " + strconv.Itoa(f.Limit)
	}
	return q, args
}

// EachAudit calls fn for every record the filter selects, reading them from
// the database cursor one at a time.
func (st *Store) EachAudit(ctx context.Context, f AuditFilter, fn func(*AuditEntry) error) error {
	q, args := auditSelect(f)
	rows, err := st.query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var e AuditEntry
	for rows.Next() {
		var at int64
		var summary string
		e = AuditEntry{}
		var lastAttempt int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Addr, &e.Action, &e.TargetType, &e.Target,
			&summary, &e.Outcome, &e.ErrorCode, &e.ErrorMsg, &e.Attempts, &lastAttempt); err != nil {
			return fmt.Errorf("read audit log: %w", err)
		}
		e.At = time.UnixMilli(at).UTC()
		if lastAttempt != 0 {
			e.LastAttempt = time.UnixMilli(lastAttempt).UTC()
		}
		if e.Outcome == "" {
			e.Outcome = OutcomeUnknown
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

// AuditPage returns up to f.Limit records, newest first, whichever
// direction f pages in.
func (st *Store) AuditPage(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	var out []AuditEntry
	err := st.EachAudit(ctx, f, func(e *AuditEntry) error {
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

// AuditHas reports whether the filter selects any record.
func (st *Store) AuditHas(ctx context.Context, f AuditFilter) (bool, error) {
	f.Limit = 1
	found := false
	err := st.EachAudit(ctx, f, func(*AuditEntry) error { found = true; return nil })
	return found, err
}

// DeletedGroups returns which of ids have a successful delete record: the
// audit page marks them instead of linking to a page that would 404,
// without asking Agora.
func (st *Store) DeletedGroups(ctx context.Context, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{ActionGroupDelete, OutcomeSuccess}
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
