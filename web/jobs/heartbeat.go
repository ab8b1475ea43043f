package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// heartbeat is the River middleware around every job: it keeps the job's
// progress row alive while the worker runs, records why an attempt failed,
// and gives the worker its Run through the context.
type heartbeat struct {
	river.MiddlewareDefaults
	q *Queue
}

var _ rivertype.WorkerMiddleware = (*heartbeat)(nil)

type runKey struct{}

// run is the job a worker's context belongs to.
type run struct {
	q  *Queue
	id int64
}

func (h *heartbeat) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	q := h.q
	q.mu.Lock()
	q.working[job.ID] = true
	q.mu.Unlock()
	defer func() {
		q.mu.Lock()
		delete(q.working, job.ID)
		q.mu.Unlock()
	}()
	// A new attempt clears the last one's error; progress stays until
	// the worker says otherwise (it may resume from it).
	if _, err := q.db.ExecContext(ctx, q.rebind(`INSERT INTO job_progress (job_id, heartbeat) VALUES (?, ?)
		ON CONFLICT (job_id) DO UPDATE SET heartbeat = excluded.heartbeat, error = ''`), job.ID, time.Now().UnixMilli()); err != nil {
		return err
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(q.cfg.HeartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if err := q.beat(job.ID); err != nil {
					q.log.Warn("jobs: heartbeat", "job", job.ID, "kind", job.Kind, "err", err)
				}
			}
		}
	}()
	err := doInner(context.WithValue(ctx, runKey{}, &run{q: q, id: job.ID}))
	close(stop)
	<-stopped
	if err != nil && ctx.Err() == nil {
		msg := err.Error()
		var cancel *river.JobCancelError
		if errors.As(err, &cancel) && errors.Unwrap(cancel) != nil {
			msg = errors.Unwrap(cancel).Error()
		}
		bg, done := context.WithTimeout(context.Background(), 5*time.Second)
		defer done()
		if _, uerr := q.db.ExecContext(bg, q.rebind(`UPDATE job_progress SET error = ? WHERE job_id = ?`), msg, job.ID); uerr != nil {
			q.log.Warn("jobs: record a failure", "job", job.ID, "err", uerr)
		}
	}
	return err
}

// beat marks a running job alive. It must work after the job's context
// ended too (a canceled job still finishes its attempt).
func (q *Queue) beat(id int64) error {
	if q.playDead.Load() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), q.cfg.StaleAfter/2)
	defer cancel()
	_, err := q.db.ExecContext(ctx, q.rebind(`UPDATE job_progress SET heartbeat = ? WHERE job_id = ?`), time.Now().UnixMilli(), id)
	return err
}

// Progress is what a worker tells of its job.
type Progress struct {
	Done, Failed, Total int64 // items (groups, members) finished, failed, in all (0: not known)
	Calls               int64 // Agora calls made
}

// SetProgress records the progress of the job whose Work got ctx (and
// counts as a heartbeat).
func SetProgress(ctx context.Context, p Progress) error {
	r, err := runOf(ctx)
	if err != nil {
		return err
	}
	_, err = r.q.db.ExecContext(ctx, r.q.rebind(`UPDATE job_progress SET done = ?, failed = ?, total = ?, calls = ?, heartbeat = ? WHERE job_id = ?`),
		p.Done, p.Failed, p.Total, p.Calls, time.Now().UnixMilli(), r.id)
	return err
}

func runOf(ctx context.Context) (*run, error) {
	r, ok := ctx.Value(runKey{}).(*run)
	if !ok {
		return nil, errors.New("jobs: not inside a job's Work")
	}
	return r, nil
}

// reapLoop looks for interrupted jobs until Stop.
func (q *Queue) reapLoop() {
	defer q.reapDone.Done()
	t := time.NewTicker(q.cfg.StaleAfter / 2)
	defer t.Stop()
	for {
		select {
		case <-q.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), q.cfg.StaleAfter)
			q.reap(ctx)
			cancel()
		}
	}
}

// reap makes every interrupted job available again.
func (q *Queue) reap(ctx context.Context) {
	if q.playDead.Load() {
		return
	}
	n, err := q.requeueStale(ctx, 0)
	if err != nil {
		q.log.Warn("jobs: look for interrupted jobs", "err", err)
		return
	}
	if n > 0 {
		q.log.Info("jobs: resuming interrupted jobs", "count", n)
	}
}

// requeueStale makes running jobs whose heartbeat is older than StaleAfter
// (only job id, if not 0) available again, except those this process runs.
// This is the one place the queue writes River's table: River has no call
// to retry a running job, and its rescuer waits RescueStuckJobsAfter.
func (q *Queue) requeueStale(ctx context.Context, id int64) (int64, error) {
	rows, err := q.db.QueryContext(ctx, q.rebind(`SELECT p.job_id FROM job_progress p JOIN river_job j ON j.id = p.job_id
		WHERE j.state = 'running' AND p.heartbeat < ? AND (? = 0 OR p.job_id = ?)`),
		time.Now().Add(-q.cfg.StaleAfter).UnixMilli(), id, id)
	if err != nil {
		return 0, err
	}
	var stale []int64
	for rows.Next() {
		var jid int64
		if err := rows.Scan(&jid); err != nil {
			rows.Close()
			return 0, err
		}
		q.mu.Lock()
		mine := q.working[jid]
		q.mu.Unlock()
		if !mine {
			stale = append(stale, jid)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var n int64
	for _, jid := range stale {
		res, err := q.db.ExecContext(ctx, q.rebind(`UPDATE river_job SET state = 'available' WHERE id = ? AND state = 'running'`), jid)
		if err != nil {
			return n, err
		}
		c, _ := res.RowsAffected()
		n += c
	}
	return n, nil
}

// deleteOrphanRows removes the queue's rows of jobs River has pruned.
func (q *Queue) deleteOrphanRows(ctx context.Context) {
	for _, t := range []string{"job_progress", "job_items", "job_output"} {
		if _, err := q.db.ExecContext(ctx, `DELETE FROM `+t+` WHERE job_id NOT IN (SELECT id FROM river_job)`); err != nil {
			q.log.Warn("jobs: delete rows of pruned jobs", "table", t, "err", err)
		}
	}
}
