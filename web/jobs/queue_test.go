package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	"github.com/riverqueue/river"
	_ "modernc.org/sqlite" // the "sqlite" driver

	"groupdesk/internal/pgtest"
)

// testDB is a database of its own for one test: SQLite as the dashboard
// opens it, or a fresh PostgreSQL schema.
type testDB struct {
	db  *sql.DB
	url string
}

func forEachDB(t *testing.T, fn func(t *testing.T, open func() testDB)) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "dashboard.db")
		fn(t, func() testDB {
			db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_txlock=immediate")
			if err != nil {
				t.Fatal(err)
			}
			db.SetMaxOpenConns(8)
			t.Cleanup(func() { db.Close() })
			return testDB{db: db}
		})
	})
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.URL(t)
		fn(t, func() testDB {
			db, err := sql.Open("pgx", url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return testDB{db: db, url: url}
		})
	})
}

// blockArgs is a job that reports progress, then waits for release or
// its context.
type blockArgs struct {
	Items []string `json:"items"`
}

func (blockArgs) Kind() string { return "test_block" }

type blockWorker struct {
	river.WorkerDefaults[blockArgs]
	started chan int64
	release chan struct{}
	deaf    bool // ignores its context, as a process that is gone would
}

func (w *blockWorker) Work(ctx context.Context, job *river.Job[blockArgs]) error {
	var done int64
	for _, it := range job.Args.Items {
		ok, err := ItemDone(ctx, it)
		if err != nil {
			return err
		}
		if !ok {
			if err := RecordItem(ctx, it, ItemOK, ""); err != nil {
				return err
			}
		}
		done++
	}
	if err := SetProgress(ctx, Progress{Done: done, Total: int64(len(job.Args.Items)), Calls: 7}); err != nil {
		return err
	}
	out, err := NewOutput(ctx)
	if err != nil {
		return err
	}
	if _, err := out.Write([]byte(strings.Repeat("x", outputChunk+10))); err != nil {
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	w.started <- job.ID
	if w.deaf {
		<-w.release
		return nil
	}
	select {
	case <-w.release:
		return river.RecordOutput(ctx, map[string]int{"answer": 42})
	case <-ctx.Done():
		return ctx.Err()
	}
}

func startQueue(t *testing.T, d testDB, w *blockWorker) *Queue {
	t.Helper()
	ctx := context.Background()
	// One worker: a queue that plays dead holds its only slot, so it
	// cannot take the job back.
	q, err := New(ctx, Config{DB: d.db, DatabaseURL: d.url, Workers: 1, HeartbeatEvery: 200 * time.Millisecond, StaleAfter: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	Register(q, w)
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.Stop(ctx)
	})
	return q
}

// waitState polls the job's row until it is in want.
func waitState(t *testing.T, q *Queue, id int64, want State) *Job {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		j, err := q.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State == want {
			return j
		}
		if time.Now().After(deadline) {
			var by, meta string
			q.db.QueryRow(q.rebind(`SELECT attempted_by, metadata FROM river_job WHERE id = ?`), id).Scan(&by, &meta)
			t.Fatalf("job %d is %s, want %s: %+v, attempted by %s, metadata %s", id, j.State, want, j, by, meta)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestQueueProgressUniqueCancelOutput(t *testing.T) {
	forEachDB(t, func(t *testing.T, open func() testDB) {
		ctx := context.Background()
		w := &blockWorker{started: make(chan int64, 4), release: make(chan struct{})}
		q := startQueue(t, open(), w)

		job, inserted, err := q.Enqueue(ctx, blockArgs{Items: []string{"a", "b"}}, Opts{By: "ann", Unique: true})
		if err != nil || !inserted {
			t.Fatalf("enqueue: %v, %v", inserted, err)
		}
		if id := <-w.started; id != job.ID {
			t.Fatalf("started %d, want %d", id, job.ID)
		}
		// One live job per kind: a second start finds the first.
		again, inserted, err := q.Enqueue(ctx, blockArgs{Items: []string{"c"}}, Opts{By: "ben", Unique: true})
		if err != nil || inserted || again.ID != job.ID || again.StartedBy != "ann" {
			t.Fatalf("second enqueue: %+v, %v, %v", again, inserted, err)
		}
		j := waitState(t, q, job.ID, StateRunning)
		if j.Done != 2 || j.Total != 2 || j.Calls != 7 || j.StartedBy != "ann" {
			t.Errorf("progress %+v", j)
		}
		items, err := q.Items(ctx, job.ID, "", 10)
		if err != nil || len(items) != 2 || items[0].Key != "a" || items[1].Outcome != ItemOK {
			t.Errorf("items %+v, %v", items, err)
		}
		var out strings.Builder
		if err := q.WriteOutput(ctx, job.ID, &out); err != nil || out.Len() != outputChunk+10 {
			t.Errorf("output of %d bytes, %v", out.Len(), err)
		}

		if _, err := q.Cancel(ctx, job.ID, "ben"); err != nil {
			t.Fatal(err)
		}
		j = waitState(t, q, job.ID, StateCanceled)
		if j.EndedBy != "ben" || j.Finished.IsZero() {
			t.Errorf("canceled job %+v", j)
		}

		// The next one runs to the end and records its output.
		job2, inserted, err := q.Enqueue(ctx, blockArgs{}, Opts{By: "cy", Unique: true})
		if err != nil || !inserted {
			t.Fatalf("enqueue after cancel: %v, %v", inserted, err)
		}
		<-w.started
		w.release <- struct{}{}
		j = waitState(t, q, job2.ID, StateDone)
		var output map[string]int
		if err := json.Unmarshal(j.Output, &output); err != nil || output["answer"] != 42 {
			t.Errorf("output %s", j.Output)
		}
		done, err := q.List(ctx, Filter{Kind: blockArgs{}.Kind(), Done: true})
		if err != nil || len(done) != 1 || done[0].ID != job2.ID {
			t.Errorf("done jobs %+v, %v", done, err)
		}
		all, err := q.List(ctx, Filter{})
		if err != nil || len(all) != 2 || all[0].ID != job2.ID {
			t.Errorf("all jobs %+v, %v", all, err)
		}
		if err := q.DeleteOutputs(ctx, blockArgs{}.Kind(), job2.ID); err != nil {
			t.Fatal(err)
		}
		if has, _ := q.HasOutput(ctx, job.ID); has {
			t.Error("the older job's output was kept")
		}
	})
}

// TestQueueResumesInterruptedJob: a job whose process stops beating (as
// after kill -9) is shown interrupted, then another queue on the same
// database resumes it, skipping the items it had finished.
func TestQueueResumesInterruptedJob(t *testing.T) {
	forEachDB(t, func(t *testing.T, open func() testDB) {
		ctx := context.Background()
		d := open()
		wA := &blockWorker{started: make(chan int64, 4), release: make(chan struct{})}
		a := startQueue(t, d, wA)
		job, _, err := a.Enqueue(ctx, blockArgs{Items: []string{"a"}}, Opts{By: "ann", Unique: true})
		if err != nil {
			t.Fatal(err)
		}
		<-wA.started
		// Play dead: A's heartbeat stops while River still says running.
		a.playDead.Store(true)
		if _, err := d.db.ExecContext(ctx, a.rebind(`UPDATE job_progress SET heartbeat = ? WHERE job_id = ?`), time.Now().Add(-time.Minute).UnixMilli(), job.ID); err != nil {
			t.Fatal(err)
		}
		if j, _ := a.Get(ctx, job.ID); j.State != StateInterrupted {
			t.Errorf("a job without heartbeat is %s", j.State)
		}
		wB := &blockWorker{started: make(chan int64, 4), release: make(chan struct{})}
		b := startQueue(t, open(), wB)
		select {
		case id := <-wB.started:
			if id != job.ID {
				t.Fatalf("B started %d", id)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("B did not resume the interrupted job")
		}
		wB.release <- struct{}{}
		j := waitState(t, b, job.ID, StateDone)
		if j.Attempt != 2 {
			t.Errorf("attempt %d", j.Attempt)
		}
		if _, err := b.Get(ctx, 1<<40); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing job: %v", err)
		}
	})
}

// TestQueueCancelsInterruptedJob: a cancel reaches a job whose process is
// gone, which could never acknowledge it itself.
func TestQueueCancelsInterruptedJob(t *testing.T) {
	forEachDB(t, func(t *testing.T, open func() testDB) {
		ctx := context.Background()
		d := open()
		wA := &blockWorker{started: make(chan int64, 4), release: make(chan struct{}), deaf: true}
		a := startQueue(t, d, wA)
		t.Cleanup(func() { close(wA.release) }) // before A stops
		job, _, err := a.Enqueue(ctx, blockArgs{}, Opts{By: "ann", Unique: true})
		if err != nil {
			t.Fatal(err)
		}
		<-wA.started
		a.playDead.Store(true)
		if _, err := d.db.ExecContext(ctx, a.rebind(`UPDATE job_progress SET heartbeat = ? WHERE job_id = ?`), time.Now().Add(-time.Minute).UnixMilli(), job.ID); err != nil {
			t.Fatal(err)
		}
		// B stands for the replica a moderator's cancel reaches.
		wB := &blockWorker{started: make(chan int64, 4), release: make(chan struct{})}
		b := startQueue(t, open(), wB)
		if _, err := b.Cancel(ctx, job.ID, "ben"); err != nil {
			t.Fatal(err)
		}
		j := waitState(t, b, job.ID, StateCanceled)
		if j.EndedBy != "ben" {
			t.Errorf("canceled by %q", j.EndedBy)
		}
	})
}

type tickArgs struct{}

func (tickArgs) Kind() string { return "test_tick" }

type tickWorker struct {
	river.WorkerDefaults[tickArgs]
	ran chan struct{}
}

func (w *tickWorker) Work(context.Context, *river.Job[tickArgs]) error {
	select {
	case w.ran <- struct{}{}:
	default: // the test has seen enough
	}
	return nil
}

// TestQueuePeriodicAndScheduled: a periodic kind runs at start and again
// after its interval; a job scheduled for later waits for its time.
func TestQueuePeriodicAndScheduled(t *testing.T) {
	forEachDB(t, func(t *testing.T, open func() testDB) {
		ctx := context.Background()
		d := open()
		q, err := New(ctx, Config{DB: d.db, DatabaseURL: d.url})
		if err != nil {
			t.Fatal(err)
		}
		tick := &tickWorker{ran: make(chan struct{}, 8)}
		Register(q, tick)
		Register(q, &blockWorker{started: make(chan int64, 1), release: make(chan struct{})})
		q.AddPeriodic(500*time.Millisecond, tickArgs{}, Opts{By: "(system)", Unique: true})
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			q.Stop(ctx)
		})
		for i := range 2 {
			select {
			case <-tick.ran:
			case <-time.After(30 * time.Second):
				t.Fatalf("the periodic job ran %d times", i)
			}
		}
		later, _, err := q.Enqueue(ctx, blockArgs{}, Opts{By: "ann", At: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if j, err := q.Get(ctx, later.ID); err != nil || j.State != StateQueued {
			t.Errorf("a job for later: %+v, %v", j, err)
		}
	})
}
