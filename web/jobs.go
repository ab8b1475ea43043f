package web

import (
	"context"
	"time"

	"groupdesk/web/jobs"
	"groupdesk/web/search"
)

// jobsStopTimeout bounds how long Close waits for running jobs to stop;
// River keeps them to resume at the next start.
const jobsStopTimeout = 5 * time.Second

// startJobs starts the durable job queue on the dashboard's database and
// registers the job kinds. It is the one place that knows where the
// queue's database comes from (today the store's handle).
func (s *Server) startJobs(groups groupService) error {
	ctx := context.Background()
	q, err := jobs.New(ctx, jobs.Config{DB: s.st.DB(), DatabaseURL: s.st.DatabaseURL(), Logger: s.log})
	if err != nil {
		return err
	}
	s.reports = &membershipWorker{q: q, log: s.log, index: s.index, now: s.now, groups: groups, rate: reportCallsPerSecond}
	jobs.Register(q, s.reports)
	every := s.cfg.indexSyncEvery()
	s.indexSync = &indexSyncWorker{index: s.index, log: s.log, every: every, now: s.now, src: groups, rate: search.SyncCallsPerSecond}
	jobs.Register(q, s.indexSync)
	if every > 0 {
		q.AddPeriodic(every, indexSyncArgs{}, jobs.Opts{Unique: true, MaxAttempts: indexSyncAttempts})
	}
	if s.mod != nil {
		s.registerUnblockSweep(q)
	}
	s.bulk = newBulkWorker(s, q)
	jobs.Register(q, s.bulk)
	if err := q.Start(ctx); err != nil {
		q.Stop(ctx)
		return err
	}
	s.jobs = q
	return nil
}

// stopJobs stops the queue: a job running now is left for the next start.
func (s *Server) stopJobs() {
	if s.jobs == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), jobsStopTimeout)
	defer cancel()
	if err := s.jobs.Stop(ctx); err != nil {
		s.log.Warn("jobs: stop", "err", err)
	}
}
