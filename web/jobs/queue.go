package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
)

// Defaults of Config.
const (
	defaultWorkers        = 2
	defaultHeartbeatEvery = 2 * time.Second
	defaultStaleAfter     = 10 * time.Second
	// River's own rescue of stuck jobs is only the last resort for a job
	// that died before its first heartbeat; the heartbeat finds the others
	// within StaleAfter, however long they legitimately run.
	rescueStuckJobsAfter = 24 * time.Hour
	// A finished job (and the report it recorded) is kept this long.
	finishedRetention = 30 * 24 * time.Hour
	// fetchPollInterval is how soon a queued job starts without a
	// notification (River's default is 1 s).
	fetchPollInterval = 200 * time.Millisecond
	// pgMaxConns is River's pool per replica, beside the store's 10.
	pgMaxConns = 4
)

// Config is what a Queue runs on.
type Config struct {
	// DB is the dashboard's database; the queue's own tables live in it, and
	// on SQLite River's too.
	DB *sql.DB
	// DatabaseURL is DB's PostgreSQL database; "" means DB is SQLite. River
	// gets a pgx pool of its own there (its LISTEN/NOTIFY needs pgx).
	DatabaseURL string
	Logger      *slog.Logger
	// Workers is how many jobs this process works at once.
	Workers int
	// HeartbeatEvery is how often a running job tells it is alive;
	// StaleAfter is when a running job without a heartbeat counts as
	// interrupted and is made available to run again.
	HeartbeatEvery, StaleAfter time.Duration
}

// State is a job's state as the pages show it.
type State string

const (
	StateQueued      State = "queued"      // waiting to start, to be retried or to resume
	StateRunning     State = "running"     // a live process works on it
	StateInterrupted State = "interrupted" // its process stopped; it will be resumed
	StateDone        State = "done"
	StateCanceled    State = "canceled"
	StateFailed      State = "failed"
)

// Live reports whether the job has not ended yet.
func (s State) Live() bool {
	return s == StateQueued || s == StateRunning || s == StateInterrupted
}

// Job is a job with its progress, as any replica reads it.
type Job struct {
	ID        int64
	Kind      string
	State     State
	StartedBy string // Opts.By
	EndedBy   string // who canceled it
	Err       string // why the last attempt failed
	Attempt   int

	Done, Failed, Total, Calls int64

	Created, Started, Finished, Heartbeat time.Time

	// Output is what the worker recorded with river.RecordOutput.
	Output json.RawMessage
	// Args are the job's arguments as enqueued (JSON of its args struct).
	Args json.RawMessage
}

// Opts are the options of Enqueue.
type Opts struct {
	By          string    // who asked for it, shown on the pages
	Unique      bool      // at most one live job of this kind, across replicas
	At          time.Time // run at this time (zero: now)
	MaxAttempts int       // zero: River's default (25)
}

// liveStates are the River states in which a unique job blocks another.
var liveStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}

// riverClient is what the queue uses of a river.Client, whatever its
// driver's transaction type.
type riverClient interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	JobGet(ctx context.Context, id int64) (*rivertype.JobRow, error)
	JobCancel(ctx context.Context, id int64) (*rivertype.JobRow, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
}

// Queue is the job queue of one process.
type Queue struct {
	cfg      Config
	db       *sql.DB
	postgres bool
	log      *slog.Logger
	pool     *pgxpool.Pool // PostgreSQL only
	workers  *river.Workers
	periodic []*river.PeriodicJob
	client   riverClient

	mu       sync.Mutex
	working  map[int64]bool // jobs this process runs now: never orphans
	playDead atomic.Bool    // tests: no heartbeats and no reaping, as from a killed process

	stop     chan struct{}
	stopOnce sync.Once
	reapDone sync.WaitGroup
}

// ErrNotFound is returned for a job that does not exist (or was pruned).
var ErrNotFound = errors.New("jobs: no such job")

// New connects River and migrates its tables and the queue's. Register
// the job kinds, then Start.
func New(ctx context.Context, cfg Config) (*Queue, error) {
	if cfg.DB == nil {
		return nil, errors.New("jobs: no database")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Workers <= 0 {
		cfg.Workers = defaultWorkers
	}
	if cfg.HeartbeatEvery <= 0 {
		cfg.HeartbeatEvery = defaultHeartbeatEvery
	}
	if cfg.StaleAfter <= cfg.HeartbeatEvery {
		cfg.StaleAfter = max(defaultStaleAfter, 5*cfg.HeartbeatEvery)
	}
	q := &Queue{
		cfg: cfg, db: cfg.DB, postgres: cfg.DatabaseURL != "", log: cfg.Logger,
		workers: river.NewWorkers(), working: map[int64]bool{}, stop: make(chan struct{}),
	}
	if q.postgres {
		pc, err := pgxpool.ParseConfig(cfg.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("jobs: database URL: %w", err)
		}
		pc.MaxConns = pgMaxConns
		q.pool, err = pgxpool.NewWithConfig(ctx, pc)
		if err != nil {
			return nil, fmt.Errorf("jobs: connect: %w", err)
		}
	}
	if err := q.migrate(ctx); err != nil {
		q.closePool()
		return nil, fmt.Errorf("jobs: prepare the database: %w", err)
	}
	return q, nil
}

// Register adds a job kind's worker. Call it before Start.
func Register[T river.JobArgs](q *Queue, w river.Worker[T]) {
	river.AddWorker(q.workers, w)
}

// AddPeriodic makes River enqueue args every interval (and once at start),
// on whichever replica leads: periodic work such as the search index sync.
// Call it before Start.
func (q *Queue) AddPeriodic(every time.Duration, args river.JobArgs, opts Opts) {
	q.periodic = append(q.periodic, river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return args, q.insertOpts(opts) },
		&river.PeriodicJobOpts{RunOnStart: true}))
}

// Start builds the River client and starts working, and looks for
// interrupted jobs now and every StaleAfter/2.
func (q *Queue) Start(ctx context.Context) error {
	rc := &river.Config{
		Logger:       slog.New(quiet{q.log.Handler()}).With("component", "river"),
		Queues:       map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: q.cfg.Workers}},
		Workers:      q.workers,
		Middleware:   []rivertype.Middleware{&heartbeat{q: q}},
		PeriodicJobs: q.periodic,
		JobTimeout:   -1, // liveness is the heartbeat's; a report may run for hours
		// SQLite has no LISTEN/NOTIFY: a job a moderator just started
		// waits for the next poll, so poll often (one small query).
		FetchPollInterval:           fetchPollInterval,
		RescueStuckJobsAfter:        rescueStuckJobsAfter,
		CompletedJobRetentionPeriod: finishedRetention,
		CancelledJobRetentionPeriod: finishedRetention,
		DiscardedJobRetentionPeriod: finishedRetention,
	}
	var err error
	if q.postgres {
		q.client, err = river.NewClient(riverpgxv5.New(q.pool), rc)
	} else {
		q.client, err = river.NewClient(riversqlite.New(q.db), rc)
	}
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	q.reap(ctx)
	q.deleteOrphanRows(ctx)
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	q.reapDone.Add(1)
	go q.reapLoop()
	return nil
}

// Stop stops working: jobs running now are canceled and River keeps them
// to retry, so the next start (here or on another replica) resumes them.
// It waits for them until ctx ends.
func (q *Queue) Stop(ctx context.Context) error {
	q.stopOnce.Do(func() { close(q.stop) })
	q.reapDone.Wait()
	var err error
	if q.client != nil {
		err = q.client.StopAndCancel(ctx)
	}
	q.closePool()
	return err
}

func (q *Queue) closePool() {
	if q.pool != nil {
		q.pool.Close()
		q.pool = nil
	}
}

// Enqueue adds a job. With Opts.Unique and a live job of the kind, it
// returns that job and false.
func (q *Queue) Enqueue(ctx context.Context, args river.JobArgs, opts Opts) (*Job, bool, error) {
	if q.client == nil {
		return nil, false, errors.New("jobs: the queue is not started")
	}
	res, err := q.client.Insert(ctx, args, q.insertOpts(opts))
	if err != nil {
		return nil, false, fmt.Errorf("jobs: enqueue %s: %w", args.Kind(), err)
	}
	jobs, err := q.withProgress(ctx, []*rivertype.JobRow{res.Job})
	if err != nil {
		return nil, false, err
	}
	return jobs[0], !res.UniqueSkippedAsDuplicate, nil
}

func (q *Queue) insertOpts(opts Opts) *river.InsertOpts {
	meta, _ := json.Marshal(jobMeta{By: opts.By}) // a struct of one string always marshals
	io := &river.InsertOpts{Metadata: meta, MaxAttempts: opts.MaxAttempts, ScheduledAt: opts.At}
	if opts.Unique {
		io.UniqueOpts = river.UniqueOpts{ByState: liveStates}
	}
	return io
}

// jobMeta is what the queue keeps in River's job metadata.
type jobMeta struct {
	By string `json:"groupdesk_by,omitempty"`
}

// Get returns a job with its progress, or ErrNotFound.
func (q *Queue) Get(ctx context.Context, id int64) (*Job, error) {
	row, err := q.client.JobGet(ctx, id)
	if errors.Is(err, river.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	jobs, err := q.withProgress(ctx, []*rivertype.JobRow{row})
	if err != nil {
		return nil, err
	}
	return jobs[0], nil
}

// Filter selects the jobs List returns.
type Filter struct {
	Kind  string // "" for every kind
	Done  bool   // only those that finished successfully
	Limit int    // newest first; ≤ 0 means 20
}

// List returns jobs, newest first.
func (q *Queue) List(ctx context.Context, f Filter) ([]*Job, error) {
	if f.Limit <= 0 {
		f.Limit = 20
	}
	p := river.NewJobListParams().OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(f.Limit)
	if f.Kind != "" {
		p = p.Kinds(f.Kind)
	}
	if f.Done {
		p = p.States(rivertype.JobStateCompleted)
	} else {
		p = p.States(allStates...)
	}
	res, err := q.client.JobList(ctx, p)
	if err != nil {
		return nil, err
	}
	return q.withProgress(ctx, res.Jobs)
}

var allStates = append(slicesClone(liveStates), rivertype.JobStateCompleted, rivertype.JobStateCancelled, rivertype.JobStateDiscarded)

func slicesClone[T any](s []T) []T { return append([]T(nil), s...) }

// Cancel cancels a job that has not ended; by is who did. A running job's
// worker sees its context canceled (on another replica within a few
// seconds). It returns the job as it is after the request.
func (q *Queue) Cancel(ctx context.Context, id int64, by string) (*Job, error) {
	if _, err := q.db.ExecContext(ctx, q.rebind(`INSERT INTO job_progress (job_id, ended_by) VALUES (?, ?)
		ON CONFLICT (job_id) DO UPDATE SET ended_by = excluded.ended_by`), id, by); err != nil {
		return nil, err
	}
	// The process of an interrupted job is gone and would never see the
	// request: make it available again, which River cancels at once.
	if _, err := q.requeueStale(ctx, id); err != nil {
		return nil, err
	}
	if _, err := q.client.JobCancel(ctx, id); err != nil {
		if errors.Is(err, river.ErrNotFound) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return q.Get(ctx, id)
}

// progressRow is a job_progress row.
type progressRow struct {
	done, failed, total, calls, heartbeat int64
	endedBy, err                          string
}

// withProgress turns River's rows into Jobs with their progress.
func (q *Queue) withProgress(ctx context.Context, rows []*rivertype.JobRow) ([]*Job, error) {
	out := make([]*Job, 0, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = strconv.FormatInt(r.ID, 10)
	}
	// The ids are integers formatted here, not user input.
	rs, err := q.db.QueryContext(ctx, `SELECT job_id, done, failed, total, calls, heartbeat, ended_by, error
		FROM job_progress WHERE job_id IN (`+strings.Join(ids, ",")+`)`)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	progress := map[int64]progressRow{}
	for rs.Next() {
		var id int64
		var p progressRow
		if err := rs.Scan(&id, &p.done, &p.failed, &p.total, &p.calls, &p.heartbeat, &p.endedBy, &p.err); err != nil {
			return nil, err
		}
		progress[id] = p
	}
	if err := rs.Err(); err != nil {
		return nil, err
	}
	stale := time.Now().Add(-q.cfg.StaleAfter)
	for _, r := range rows {
		p := progress[r.ID]
		var meta jobMeta
		_ = json.Unmarshal(r.Metadata, &meta) // a job enqueued elsewhere may carry none
		j := &Job{
			ID: r.ID, Kind: r.Kind, StartedBy: meta.By, EndedBy: p.endedBy, Err: p.err, Attempt: r.Attempt,
			Done: p.done, Failed: p.failed, Total: p.total, Calls: p.calls,
			Created: r.CreatedAt, Output: r.Output(), Args: r.EncodedArgs,
		}
		if p.heartbeat > 0 {
			j.Heartbeat = time.UnixMilli(p.heartbeat)
		}
		if r.AttemptedAt != nil {
			j.Started = *r.AttemptedAt
		}
		if r.FinalizedAt != nil {
			j.Finished = *r.FinalizedAt
		}
		switch r.State {
		case rivertype.JobStateRunning:
			j.State = StateRunning
			if !j.Heartbeat.IsZero() && j.Heartbeat.Before(stale) {
				j.State = StateInterrupted
			}
		case rivertype.JobStateCompleted:
			j.State = StateDone
		case rivertype.JobStateCancelled:
			j.State = StateCanceled
			if j.EndedBy == "" {
				j.State = StateFailed // the worker gave up (river.JobCancel)
			}
		case rivertype.JobStateDiscarded:
			j.State = StateFailed
		default:
			j.State = StateQueued
		}
		if j.Err == "" && j.State == StateFailed && len(r.Errors) > 0 {
			j.Err = r.Errors[len(r.Errors)-1].Error
		}
		out = append(out, j)
	}
	return out, nil
}

// rebind numbers the ? placeholders for PostgreSQL. The queue's
// statements hold no ? in quoted text.
func (q *Queue) rebind(s string) string {
	if !q.postgres {
		return s
	}
	var b strings.Builder
	n := 0
	for _, c := range s {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// quiet passes on River's warnings and errors only: its info lines (client
// started, migration applied) would repeat at every start.
type quiet struct{ slog.Handler }

func (h quiet) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

func (h quiet) WithAttrs(a []slog.Attr) slog.Handler { return quiet{h.Handler.WithAttrs(a)} }
func (h quiet) WithGroup(n string) slog.Handler      { return quiet{h.Handler.WithGroup(n)} }
