package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/riverqueue/river"
	"golang.org/x/time/rate"

	"groupdesk/views"
	"groupdesk/web/jobs"
	"groupdesk/web/search"
	"groupdesk/web/store"
)

// The search index's full sync is a job kind: River's periodic job
// enqueues it on the leading replica at start and every
// Config.IndexSyncEvery, a moderator's refresh enqueues one now, and
// uniqueness keeps it to one live sync per app across replicas.
const (
	indexSyncKind = "search_index_sync"
	// indexSyncAttempts: a pass that failed (Agora down) is tried again
	// with River's backoff, but not for long; the next period starts anew.
	indexSyncAttempts = 3
)

// indexSyncArgs is a full sync. StartedBy is the moderator who asked for
// it; "" for the schedule's.
type indexSyncArgs struct {
	StartedBy string `json:"started_by,omitempty"`
}

func (indexSyncArgs) Kind() string { return indexSyncKind }

// indexSyncWorker runs full passes of the search index. search.Sync is
// idempotent, so a pass interrupted by a restart simply runs again.
type indexSyncWorker struct {
	river.WorkerDefaults[indexSyncArgs]
	index *search.Index
	log   *slog.Logger
	every time.Duration // the schedule's period
	now   func() time.Time

	mu   sync.Mutex
	src  search.Source
	rate float64 // calls per second; ≤ 0: unpaced (tests)
}

// configure replaces where the syncs read groups and how fast (tests).
func (w *indexSyncWorker) configure(src search.Source, rate float64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if src != nil {
		w.src = src
	}
	w.rate = rate
}

func (w *indexSyncWorker) Work(ctx context.Context, job *river.Job[indexSyncArgs]) error {
	w.mu.Lock()
	src, pace := w.src, w.rate
	w.mu.Unlock()
	if job.Args.StartedBy == "" {
		// The schedule also fires at every start of the leading replica: a
		// pass that started within half a period is recent enough. (From
		// its start, not its end: a long pass must not skip the next tick.)
		st, err := w.index.Stats(ctx)
		if err != nil {
			return err
		}
		if !st.LastFullSync.IsZero() && w.now().Sub(st.LastFullSyncStarted) < w.every/2 {
			return nil
		}
	}
	opts := search.SyncOptions{Progress: func(r search.SyncReport) {
		if err := jobs.SetProgress(ctx, jobs.Progress{Done: int64(r.Groups), Calls: int64(r.Calls)}); err != nil && ctx.Err() == nil {
			w.log.Warn("search index sync: record progress", "err", err)
		}
	}}
	if pace > 0 {
		// A burst of 10: one list page's detail calls go out together.
		opts.Limiter = rate.NewLimiter(rate.Limit(pace), 10)
	}
	rep, err := search.Sync(ctx, src, w.index, opts)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("search index sync failed", "by", job.Args.StartedBy, "attempt", job.Attempt, "err", err)
		}
		return err
	}
	if err := river.RecordOutput(ctx, rep); err != nil {
		return err
	}
	w.log.Info("search index synced", "by", job.Args.StartedBy, "groups", rep.Groups, "gone", rep.Gone,
		"calls", rep.Calls, "took", rep.Finished.Sub(rep.Started))
	return nil
}

// runningIndexSync is the sync job that has not ended yet, nil if none.
func (s *Server) runningIndexSync(ctx context.Context) (*jobs.Job, error) {
	list, err := s.jobs.List(ctx, jobs.Filter{Kind: indexSyncKind, Limit: 1})
	if err != nil || len(list) == 0 || !list[0].State.Live() {
		return nil, err
	}
	return list[0], nil
}

// indexRefresh is POST /groups/index/refresh: run a full sync now, or
// say that one is running (one per app, whichever replica runs it), and
// go back to the search the form was on. No Agora call here: the job
// makes them.
func (s *Server) indexRefresh(c echo.Context) error {
	ctx := c.Request().Context()
	l := localizer(c)
	back := searchBackURL(c.FormValue("back"))
	run, err := s.runningIndexSync(ctx)
	if err != nil {
		return err
	}
	started := false
	if run == nil {
		// A sync reads every group: who asked for one is recorded, as for
		// a report.
		entry := s.newAuditEntry(c, store.ActionIndexRefresh, store.TargetIndex, "groups")
		if err := s.auditLocal(c, entry, nil); err != nil {
			return err
		}
		run, started, err = s.jobs.Enqueue(ctx, indexSyncArgs{StartedBy: entry.Actor}, jobs.Opts{By: entry.Actor, Unique: true, MaxAttempts: indexSyncAttempts})
		if err != nil {
			return err
		}
		// started is false when another replica enqueued one a moment before.
	}
	if started {
		setFlash(session(c), views.FlashSuccess, l.T("flash.index_refresh_started"))
	} else {
		setFlash(session(c), views.FlashInfo, l.T("flash.index_refresh_running", l.N("count.groups", int(run.Done))))
	}
	return c.Redirect(http.StatusSeeOther, back)
}

// searchBackURL is the search page a refresh returns to: rebuilt from
// the search parameters of back (a query string), so the redirect can
// only go to /groups.
func searchBackURL(back string) string {
	in, err := url.ParseQuery(strings.TrimPrefix(back, "?"))
	if err != nil {
		return "/groups"
	}
	out := url.Values{}
	for _, k := range append(slices.Clone(searchFilters), "sort", "dir", "page") {
		if v := in.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	if len(out) == 0 {
		return "/groups"
	}
	return "/groups?" + out.Encode()
}
