package web

import (
	"context"
	"time"

	"groupdesk/web/jobs"
)

// jobsStopTimeout bounds how long Close waits for running jobs to stop;
// River keeps them to resume at the next start.
const jobsStopTimeout = 5 * time.Second

// startJobs starts the durable job queue on the dashboard's database and
// registers the job kinds. It is the one place that knows where the
// queue's database comes from (today the store's handle).
func (s *Server) startJobs(groups groupReader) error {
	ctx := context.Background()
	q, err := jobs.New(ctx, jobs.Config{DB: s.st.DB(), DatabaseURL: s.st.DatabaseURL(), Logger: s.log})
	if err != nil {
		return err
	}
	s.reports = &membershipWorker{q: q, log: s.log, groups: groups, rate: reportCallsPerSecond}
	jobs.Register(q, s.reports)
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
