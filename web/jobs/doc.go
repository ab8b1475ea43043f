// Package jobs is Groupdesk's durable background work, on River
// (github.com/riverqueue/river): SQLite through riversqlite on the
// dashboard's own database handle, PostgreSQL through riverpgxv5 on a pgx
// pool of the same database, so every replica sees and works the same jobs.
//
// A job kind is a River args struct with a Kind() and a river.Worker for it,
// registered with Register before Start. River owns the queue, retries,
// uniqueness, scheduling and cancellation; this package adds what the pages
// need and River does not keep:
//
//   - job_progress: one row per job that a worker writes with SetProgress
//     (done, failed, total, Agora calls) and a heartbeat the queue writes
//     every HeartbeatEvery while the job runs. Pages read it from any
//     replica through Get and List.
//   - Orphans: a job whose process died (kill -9, a lost replica) stays
//     "running" in River until its rescuer gives up on it, an hour later.
//     The queue instead finds running jobs whose heartbeat is older than
//     StaleAfter, shows them as StateInterrupted, and makes them available
//     again, so another replica (or the same one after a restart) resumes
//     them within seconds. Workers must therefore be idempotent: a job may
//     run again from the start, or, with Items, skip what it finished.
//   - job_items: per-item outcomes (RecordItem, ItemDone), for kinds that
//     touch many things (bulk member actions across groups): a resumed job
//     skips finished items, and the page lists failures to retry.
//   - job_output: a job's file (the membership report's CSV) in chunks in
//     the database, so any replica serves the download (Output, WriteOutput).
//
// Uniqueness is River's: Opts.Unique makes one live job per kind (queued,
// running or retrying) across replicas. Periodic work (index sync) is
// AddPeriodic, a River periodic job enqueued by the leading replica; timed
// work (unblocks) is Opts.At.
//
// Adding a job kind:
//
//	type unblockArgs struct{ Group, User string }
//	func (unblockArgs) Kind() string { return "timed_unblock" }
//
//	type unblockWorker struct{ river.WorkerDefaults[unblockArgs]; … }
//	func (w *unblockWorker) Work(ctx context.Context, job *river.Job[unblockArgs]) error {
//		// idempotent: unblocking twice is unblocking once
//	}
//
//	jobs.Register(q, &unblockWorker{…})                        // before q.Start
//	q.Enqueue(ctx, unblockArgs{…}, jobs.Opts{By: actor, At: until})
//
// A bulk action over many items checks ItemDone before each, calls
// RecordItem after, and SetProgress as it goes; its pacing comes from the
// Agora client's shared rate limiter, of which it should take a share (a
// rate.Limiter of its own below the app's limit, as the membership report
// does). Retrying the failed items is a new job over Items(…, ItemFailed).
//
// The package imports no HTTP framework, templates or metrics.
package jobs
