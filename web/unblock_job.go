package web

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"groupdesk/agora"
	"groupdesk/web/jobs"
	"groupdesk/web/store"
)

// Timed unblocks. A block with an expiry is a row in block_records (see
// group_blocks.go, and the bulk jobs, which write the same rows); a
// periodic job lifts every block whose expiry has passed. The pending
// unblocks live in the database, not in a timer of one process, so a
// restart or a lost replica loses none: the next sweep after the start
// lifts what came due meanwhile.

const (
	// unblockSweepEvery is how often the sweep runs; a block is lifted at
	// most this long after its expiry.
	unblockSweepEvery = time.Minute
	// unblockSweepMax bounds one sweep; the rest waits for the next one.
	unblockSweepMax = 1000
)

// unblockSweepArgs is the periodic job that lifts expired blocks.
type unblockSweepArgs struct{}

func (unblockSweepArgs) Kind() string { return "unblock_sweep" }

type unblockSweeper struct {
	river.WorkerDefaults[unblockSweepArgs]
	s *Server
}

// Work is idempotent: unblocking twice is unblocking once, and a record
// is deleted only once its user is known not to be blocked.
func (w *unblockSweeper) Work(ctx context.Context, _ *river.Job[unblockSweepArgs]) error {
	_, err := w.s.sweepExpiredBlocks(ctx, w.s.now())
	return err
}

// registerUnblockSweep adds the sweep to the queue (before q.Start).
func (s *Server) registerUnblockSweep(q *jobs.Queue) {
	jobs.Register(q, &unblockSweeper{s: s})
	q.AddPeriodic(unblockSweepEvery, unblockSweepArgs{}, jobs.Opts{By: store.SystemActor.Name, Unique: true})
}

// sweepExpiredBlocks lifts the blocks whose expiry is at or before now:
// one Unblock call per group (batched by the client), one audit record per
// user with the system actor, and the record deleted for each user who is
// no longer blocked. It returns how many blocks it lifted. A user Agora
// refuses to unblock keeps the record, and is tried again next sweep.
func (s *Server) sweepExpiredBlocks(ctx context.Context, now time.Time) (int, error) {
	expired, err := s.st.ExpiredBlocks(ctx, now, unblockSweepMax)
	if err != nil {
		return 0, err
	}
	byGroup := map[string][]string{}
	var order []string
	for _, r := range expired {
		if _, ok := byGroup[r.GroupID]; !ok {
			order = append(order, r.GroupID)
		}
		byGroup[r.GroupID] = append(byGroup[r.GroupID], r.Username)
	}
	lifted := 0
	for _, id := range order {
		users := byGroup[id]
		entry := store.AuditEntry{
			Actor: store.SystemActor.Name, Addr: store.SystemActor.Addr, Action: store.ActionUnblock,
			TargetType: store.TargetGroup, Target: id, Summary: store.AuditSummary{Expired: true},
		}
		results, err := s.auditedUsers(ctx, entry, users, func(ctx context.Context) ([]agora.MemberResult, error) {
			rs, _, err := s.mod.Unblock(ctx, id, users...)
			return rs, err
		})
		if missing(err) && len(results) == 0 {
			// The group is gone, and its blocks with it.
			for _, u := range users {
				if err := s.st.DeleteBlockRecord(ctx, id, u); err != nil {
					return lifted, err
				}
			}
			continue
		}
		if err != nil && len(results) == 0 {
			if isAuditWriteError(err) {
				return lifted, err
			}
			// Agora is failing: stop here rather than record a failure
			// for every group; the next sweep tries again.
			s.log.Warn("timed unblock failed; the next sweep tries again", "group", id, "users", len(users), "err", err)
			return lifted, nil
		}
		refused := false
		for _, r := range results {
			if r.OK {
				lifted++
			} else if r.Kind() != agora.ReasonNotMember {
				refused = true
			}
		}
		if err := s.dropBlockRecords(ctx, id, results); err != nil {
			return lifted, err
		}
		if refused {
			s.dropUnblockedRecords(ctx, id, results)
		}
		s.log.Info("timed unblock", "group", id, "users", len(users), "lifted", lifted)
	}
	return lifted, nil
}

// blockListPages bounds the read of a block list when a sweep checks it.
const blockListPages = 20

// dropUnblockedRecords settles the refusals of a sweep against Agora's
// block list, which is the truth: a user who is not on it any more (Agora
// words "not blocked" in ways the client cannot always classify) has
// nothing left to lift, so the record goes, rather than being tried, and
// audited, every minute. A user still on the list keeps the record.
func (s *Server) dropUnblockedRecords(ctx context.Context, id string, results []agora.MemberResult) {
	blocked := map[string]bool{}
	opts := &agora.ListBlockedOptions{}
	for page := 0; ; page++ {
		if page == blockListPages {
			return // a list this long is not read whole: keep the records
		}
		names, resp, err := s.mod.Blocked(ctx, id, opts)
		if err != nil {
			s.log.Warn("timed unblock: read the block list", "group", id, "err", err)
			return
		}
		for _, u := range names {
			blocked[u] = true
		}
		if resp == nil || resp.Cursor == "" {
			break
		}
		opts.Cursor = resp.Cursor
	}
	for _, r := range results {
		if r.OK || blocked[r.Username] {
			continue
		}
		if err := s.st.DeleteBlockRecord(ctx, id, r.Username); err != nil {
			s.log.Warn("block record not deleted", "group", id, "user", r.Username, "err", err)
		}
	}
}
