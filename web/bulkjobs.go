package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"groupdesk/agora"
	"groupdesk/web/jobs"
	"groupdesk/web/store"
)

// A bulk job does one action to many groups: remove, block or mute one
// user in each, or delete each (from the group list, the membership
// report, or a user's owned groups). Its items are the groups, recorded
// in job_items as they finish, so a job resumed after a restart (or on
// another replica) skips the groups it already did; each group writes one
// audit record carrying the job's id (a failure, with why, for a group the
// job did not call Agora for).
//
// Calls: one per group (Agora has no call that acts on one user across
// groups), plus for deletions one batched detail read per 100 groups for
// the audit record (name, owner, members). Retries of a transient failure
// (429, 5xx, time-out, the breaker open) are the item's, with backoff;
// an item that still fails is recorded failed and the job goes on.

// Bulk actions, the form's "action" values.
const (
	bulkRemove      = "remove"
	bulkBlock       = "block"
	bulkMute        = "mute"
	bulkDeleteOwned = "delete-owned" // delete the groups Username owns
	bulkDelete      = "delete"       // delete the groups (group list, report)
)

const bulkJobKind = "bulk_action"

// bulkArgs is a bulk job. Groups is fixed when it is enqueued: the
// moderator confirmed that many.
type bulkArgs struct {
	Action   string    `json:"action"`
	Username string    `json:"username,omitempty"` // the user acted on; for delete-owned the owner each group must still have
	Groups   []string  `json:"groups"`
	Reason   string    `json:"reason,omitempty"`  // block
	MuteMs   int64     `json:"mute_ms,omitempty"` // mute: milliseconds, -1 until unmuted
	Until    time.Time `json:"until,omitzero"`    // block: lifted by the unblock sweep at this time
	By       string    `json:"by"`
	Addr     string    `json:"addr"`
	RetryOf  int64     `json:"retry_of,omitempty"` // the job whose failed groups this one retries
}

func (bulkArgs) Kind() string { return bulkJobKind }

// deletes reports whether the job deletes groups.
func (a bulkArgs) deletes() bool { return a.Action == bulkDelete || a.Action == bulkDeleteOwned }

// Item statuses, kept with Agora's reason in job_items' reason column.
const (
	itemDone    = "done"
	itemAlready = "already" // nothing to do: already gone, not a member any more
	itemSkipped = "skipped" // not done on purpose: no longer the user's group
	itemFailed  = "failed"
)

// itemNote is what a job item's reason column holds.
type itemNote struct {
	Status string       `json:"s"`
	Reason agora.Reason `json:"r,omitempty"` // Agora's reason, as the client classifies it
	Text   string       `json:"t,omitempty"` // Agora's own words
}

func (n itemNote) encode() string {
	b, _ := json.Marshal(n) // strings only: always marshals
	return string(b)
}

func decodeItemNote(it jobs.Item) itemNote {
	var n itemNote
	if json.Unmarshal([]byte(it.Reason), &n) != nil || n.Status == "" {
		n = itemNote{Status: itemDone, Text: it.Reason}
		if it.Outcome != jobs.ItemOK {
			n.Status = itemFailed
		}
	}
	return n
}

// Per-item retries of transient failures: exponential backoff from
// bulkRetryBase, each wait at most bulkRetryMaxWait (or Agora's
// Retry-After), for up to bulkRetryFor in all, which outlasts a minute of
// 429s.
const (
	bulkRetryBase    = time.Second
	bulkRetryMaxWait = 15 * time.Second
	bulkRetryFor     = 3 * time.Minute
	// defaultJobRateShare is the share of the app's Agora rate limit bulk
	// jobs use when Config.JobRateShare is not set.
	defaultJobRateShare = 0.5
)

// bulkWorker runs bulk jobs. All bulk jobs of a process share one
// limiter, so together they stay under their share of the rate limit.
type bulkWorker struct {
	river.WorkerDefaults[bulkArgs]
	q      *jobs.Queue
	st     *store.Store
	groups groupService
	mod    moderationService
	log    *slog.Logger
	now    func() time.Time

	mu        sync.Mutex
	limiter   *rate.Limiter // nil: unpaced
	retryBase time.Duration
	retryFor  time.Duration
}

func newBulkWorker(s *Server, q *jobs.Queue) *bulkWorker {
	w := &bulkWorker{q: q, st: s.st, groups: s.groups, mod: s.mod, log: s.log, now: s.now,
		retryBase: bulkRetryBase, retryFor: bulkRetryFor}
	if perSecond := s.cfg.jobCallsPerSecond(); perSecond > 0 {
		w.limiter = rate.NewLimiter(rate.Limit(perSecond), 1)
	}
	return w
}

// configure changes the pace (calls/s, ≤ 0 unpaced) and the retry
// timing (tests, benchmarks).
func (w *bulkWorker) configure(perSecond float64, retryBase, retryFor time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.limiter = nil
	if perSecond > 0 {
		w.limiter = rate.NewLimiter(rate.Limit(perSecond), 1)
	}
	w.retryBase, w.retryFor = retryBase, retryFor
}

// bulkRun is one attempt of one job.
type bulkRun struct {
	w        *bulkWorker
	args     bulkArgs
	jobID    int64
	limiter  *rate.Limiter
	base     time.Duration
	retryFor time.Duration
	calls    atomic.Int64

	mu       sync.Mutex
	progress jobs.Progress
	told     time.Time // when the progress row was last written
}

// bulkParallel is how many groups a job has in flight at once: the
// limiter sets the pace, and a few in flight keep the database writes of
// one group (audit record and outcome, item) from slowing it below that.
const bulkParallel = 4

// bulkProgressEvery is how often the progress row is written while the
// job runs (the pages poll it every second).
const bulkProgressEvery = 250 * time.Millisecond

func (w *bulkWorker) Work(ctx context.Context, job *river.Job[bulkArgs]) error {
	w.mu.Lock()
	r := &bulkRun{w: w, args: job.Args, jobID: job.ID, limiter: w.limiter, base: w.retryBase, retryFor: w.retryFor}
	w.mu.Unlock()
	// Groups an earlier attempt finished (before a restart) are skipped.
	done, err := w.doneItems(ctx, job.ID)
	if err != nil {
		return err
	}
	var todo []string
	for _, id := range r.args.Groups {
		if done[id] {
			r.progress.Done++
		} else {
			todo = append(todo, id)
		}
	}
	r.progress.Total = int64(len(r.args.Groups))
	if err := r.tell(ctx, true); err != nil {
		return err
	}
	for chunk := range slices.Chunk(todo, agora.MaxIDsPerDetail) {
		if err := r.chunk(ctx, chunk); err != nil {
			if ctx.Err() != nil {
				return ctx.Err() // canceled (River records it) or stopping (River resumes it)
			}
			return err
		}
	}
	return r.tell(context.WithoutCancel(ctx), true)
}

// doneItems is the set of groups the job finished in earlier attempts.
func (w *bulkWorker) doneItems(ctx context.Context, id int64) (map[string]bool, error) {
	done := map[string]bool{}
	after := ""
	for {
		items, err := w.q.ItemsAfter(ctx, id, jobs.ItemOK, after, jobCSVChunk)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			done[it.Key] = true
		}
		if len(items) < jobCSVChunk {
			return done, nil
		}
		after = items[len(items)-1].Key
	}
}

// chunk does up to 100 groups, bulkParallel at a time; for deletions one
// detail read covers them.
func (r *bulkRun) chunk(ctx context.Context, ids []string) error {
	var details map[string]*agora.Group
	if r.args.deletes() {
		var groups []*agora.Group
		err := r.call(ctx, func(ctx context.Context) (err error) {
			groups, _, err = r.w.groups.GetWithoutMembers(ctx, ids...)
			if missing(err) && len(ids) == 1 {
				return nil // the one group is gone
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("read the groups to delete: %w", err)
		}
		details = make(map[string]*agora.Group, len(groups))
		for _, g := range groups {
			details[g.ID] = g
		}
	}
	eg, ectx := errgroup.WithContext(ctx)
	eg.SetLimit(bulkParallel)
	for _, id := range ids {
		eg.Go(func() error {
			note, err := r.item(ectx, id, details)
			if err != nil {
				return err
			}
			return r.record(ectx, id, note)
		})
	}
	return eg.Wait()
}

// record keeps a group's outcome and counts it.
func (r *bulkRun) record(ctx context.Context, id string, note itemNote) error {
	outcome := jobs.ItemOK
	if note.Status == itemFailed {
		outcome = jobs.ItemFailed
	}
	// A group done just as the job is canceled is still recorded.
	rctx := context.WithoutCancel(ctx)
	if err := jobs.RecordItem(rctx, id, outcome, note.encode()); err != nil {
		return err
	}
	r.mu.Lock()
	if outcome == jobs.ItemOK {
		r.progress.Done++
	} else {
		r.progress.Failed++
	}
	r.mu.Unlock()
	return r.tell(rctx, false)
}

// tell writes the progress row, at most every bulkProgressEvery unless
// now.
func (r *bulkRun) tell(ctx context.Context, now bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !now && time.Since(r.told) < bulkProgressEvery {
		return nil
	}
	r.told = time.Now()
	p := r.progress
	p.Calls = r.calls.Load()
	return jobs.SetProgress(ctx, p)
}

// item does the action to one group and records it in the audit log.
// Its error ends the attempt (the audit log or the job's rows cannot be
// written, or ctx ended); Agora's refusals are the note's.
func (r *bulkRun) item(ctx context.Context, groupID string, details map[string]*agora.Group) (itemNote, error) {
	a := r.args
	entry := store.AuditEntry{Actor: a.By, Addr: a.Addr, TargetType: store.TargetGroup, Target: groupID,
		Summary: store.AuditSummary{Job: r.jobID, Member: a.Username}}
	if a.deletes() {
		entry.Action = store.ActionGroupDelete
		entry.Summary.Member = ""
		g := details[groupID]
		if g == nil {
			note := itemNote{Status: itemAlready, Reason: agora.ReasonGroupNotFound, Text: "the group no longer exists"}
			return note, r.auditNoCall(ctx, entry, note)
		}
		members := memberCount(g)
		entry.Summary.Name, entry.Summary.Owner, entry.Summary.Members, entry.Summary.MaxUsers = g.Name, g.Owner, &members, g.MaxUsers
		if a.Action == bulkDeleteOwned && !strings.EqualFold(g.Owner, a.Username) {
			// Ownership passed on since the moderator confirmed: not theirs to delete now.
			note := itemNote{Status: itemSkipped, Reason: agora.ReasonForbidden, Text: "not deleted: the owner is now " + g.Owner}
			return note, r.auditNoCall(ctx, entry, note)
		}
	}
	switch a.Action {
	case bulkRemove:
		entry.Action = store.ActionBulkRemove
	case bulkBlock:
		entry.Action, entry.Summary.Reason = store.ActionBulkBlock, a.Reason
	case bulkMute:
		entry.Action, entry.Summary.Reason = store.ActionBulkMute, muteLabel(a.MuteMs)
	}
	actx := context.WithoutCancel(ctx) // a canceled job still writes the record of a call it made
	entry.At = r.w.now()
	recID, err := r.w.st.InsertAuditRecord(actx, entry)
	if err != nil {
		return itemNote{}, fmt.Errorf("%w: %w", store.ErrAuditUnavailable, err)
	}
	var result *agora.MemberResult
	callErr := r.call(ctx, func(ctx context.Context) error {
		var rs []agora.MemberResult
		var err error
		switch a.Action {
		case bulkRemove:
			rs, _, err = r.w.mod.RemoveMembers(ctx, groupID, a.Username)
		case bulkBlock:
			rs, _, err = r.w.mod.Block(ctx, groupID, a.Username)
		case bulkMute:
			d := time.Duration(a.MuteMs) * time.Millisecond
			if a.MuteMs < 0 {
				d = agora.MutePermanent
			}
			rs, _, err = r.w.mod.Mute(ctx, groupID, d, a.Username)
		default:
			_, err = r.w.groups.Delete(ctx, groupID)
		}
		if err == nil && len(rs) > 0 {
			result = &rs[0]
		}
		return err
	})
	if ctx.Err() != nil && callErr != nil {
		// The record stays without an outcome ("unknown"): the call may
		// or may not have been made. A resumed job does the group again.
		return itemNote{}, ctx.Err()
	}
	note := bulkNote(a.Action, result, callErr)
	var outcomeErr error
	switch {
	case note.Status == itemFailed && callErr != nil:
		outcomeErr = auditOutcome(callErr)
	case note.Status == itemFailed:
		outcomeErr = &agora.Error{Reason: note.Reason, Description: note.Text, User: a.Username}
	}
	if note.Status == itemDone && a.Action == bulkBlock {
		rec := store.BlockRecord{GroupID: groupID, Username: a.Username, Reason: a.Reason, BlockedBy: a.By, BlockedAt: entry.At, Until: a.Until}
		if err := r.w.st.PutBlockRecord(actx, rec); err != nil {
			r.w.log.Warn("bulk block: the block is made but its record is not saved", "job", r.jobID, "group", groupID, "err", err)
		}
	}
	if err := r.w.st.InsertAuditOutcome(actx, recID, r.w.now(), "", outcomeErr); err != nil {
		return itemNote{}, fmt.Errorf("audit record %d: outcome not written: %w", recID, err)
	}
	return note, nil
}

// auditNoCall records a group the job did not call Agora for (it was
// gone, or no longer the user's), so every group has its record.
func (r *bulkRun) auditNoCall(ctx context.Context, entry store.AuditEntry, note itemNote) error {
	entry.At = r.w.now()
	if err := r.w.st.AppendAudit(context.WithoutCancel(ctx), entry, errors.New(note.Text)); err != nil {
		return fmt.Errorf("%w: %w", store.ErrAuditUnavailable, err)
	}
	return nil
}

// bulkNote reads a call's answer: done, already so (the group or the
// membership is gone), or failed with Agora's reason.
func bulkNote(action string, result *agora.MemberResult, err error) itemNote {
	if err != nil {
		reason := agora.ReasonOf(err)
		switch {
		case missing(err), reason == agora.ReasonNotMember, reason == agora.ReasonUserNotFound:
			return itemNote{Status: itemAlready, Reason: cmpReason(reason, agora.ReasonGroupNotFound)}
		}
		var ae *agora.Error
		text := err.Error()
		if errors.As(err, &ae) && ae.Description != "" {
			text = ae.Description
		}
		return itemNote{Status: itemFailed, Reason: cmpReason(reason, agora.ReasonUnknown), Text: text}
	}
	if result == nil || result.OK {
		return itemNote{Status: itemDone}
	}
	kind := result.Kind()
	switch kind {
	case agora.ReasonNotMember, agora.ReasonUserNotFound, agora.ReasonGroupNotFound:
		return itemNote{Status: itemAlready, Reason: kind, Text: result.Reason}
	}
	return itemNote{Status: itemFailed, Reason: kind, Text: result.Reason}
}

func cmpReason(r, def agora.Reason) agora.Reason {
	if r == agora.ReasonUnknown {
		return def
	}
	return r
}

// call makes one Agora call at the job's pace, retrying transient
// failures with backoff for up to retryFor.
func (r *bulkRun) call(ctx context.Context, fn func(context.Context) error) error {
	start := time.Now()
	for attempt := 1; ; attempt++ {
		if r.limiter != nil {
			if err := r.limiter.Wait(ctx); err != nil {
				return err
			}
		}
		r.calls.Add(1)
		err := fn(ctx)
		if err == nil || !transient(err) || ctx.Err() != nil || time.Since(start) >= r.retryFor {
			return err
		}
		wait := min(r.base<<min(attempt-1, 10), bulkRetryMaxWait)
		if ra, ok := agora.RetryAfter(err); ok && ra > wait {
			wait = ra
		}
		r.w.log.Debug("bulk job: retrying a group", "job", r.jobID, "attempt", attempt, "wait", wait, "err", err)
		if err := sleepCtx(ctx, wait); err != nil {
			return err
		}
	}
}

// transient reports whether trying again later may succeed: Agora's rate
// limit, its server errors, no answer in time, the breaker open.
func transient(err error) bool {
	switch agora.ReasonOf(err) {
	case agora.ReasonRateLimited, agora.ReasonServerError, agora.ReasonTimeout, agora.ReasonNoAnswer:
		return true
	}
	var pe *pageError
	return errors.As(err, &pe) && pe.status == http.StatusServiceUnavailable
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
