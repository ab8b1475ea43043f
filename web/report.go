package web

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"golang.org/x/time/rate"

	"groupdesk/agora"
	"groupdesk/web/jobs"
	"groupdesk/web/search"
)

// The membership report walks every group of the app in the background and
// keeps only bounded aggregates in memory, so 100,000 groups cost what 100
// do (measured by BenchmarkMembershipReport):
//
//   - one page of the walk at a time: reportListLimit summaries and their
//     details (one batched detail call per page);
//   - every membership row goes straight to the job's output in the
//     database, a chunk at a time, never whole to memory;
//   - top-N heaps for the largest and the fullest groups, the first
//     reportListCap groups with only an owner, and counters;
//   - one counter per distinct owner (an owner → count map). That map is
//     bounded by the app's users who own a group, not by groups or
//     members, and gives exact counts (a top-N with a count-min sketch
//     would be approximate). At ~100 bytes an owner, a million owners is
//     ~100 MB: the one part that grows with the app.
//
// Calls: ceil(N/100) list calls and ceil(N/100) detail calls for N groups,
// paced at reportCallsPerSecond so the report leaves most of the app's
// rate limit (Agora's 100 calls/s, shared with the app's own backend) to
// everyone else.
const (
	reportListLimit      = agora.MaxIDsPerDetail // 100: one list page = one detail call
	reportTopN           = 20                    // largest groups, owners of most groups
	reportListCap        = 100                   // groups named per list (near full, owner only)
	reportCallsPerSecond = 50
	nearFullPercent      = 90
)

// groupReader is what the report needs of the Agora client.
type groupReader interface {
	List(ctx context.Context, opts *agora.ListOptions) ([]*agora.GroupSummary, *agora.Response, error)
	Get(ctx context.Context, ids ...string) ([]*agora.Group, *agora.Response, error)
}

// membershipSummary is a finished report, kept as its job's output.
type membershipSummary struct {
	StartedBy      string        `json:"started_by"`
	Started        time.Time     `json:"started"`
	Finished       time.Time     `json:"finished"`
	Groups         int           `json:"groups"`
	Rows           int64         `json:"rows"`
	Calls          int           `json:"calls"`
	Owners         int           `json:"owners"`
	NearFull       []reportGroup `json:"near_full"`
	NearFullCount  int           `json:"near_full_count"`
	FullCount      int           `json:"full_count"`
	OwnerOnly      []reportGroup `json:"owner_only"`
	OwnerOnlyCount int           `json:"owner_only_count"`
	Largest        []reportGroup `json:"largest"`
	TopOwners      []ownerCount  `json:"top_owners"`
	// FromIndex: made from the search index, synced at IndexUpdated,
	// without reading the groups from Agora (and so without a CSV).
	FromIndex    bool      `json:"from_index,omitempty"`
	IndexUpdated time.Time `json:"index_updated,omitzero"`
}

type reportGroup struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Owner    string `json:"owner"`
	Members  int    `json:"members"`
	MaxUsers int    `json:"maxusers"`
}

type ownerCount struct {
	Username string `json:"username"`
	Groups   int    `json:"groups"`
}

// membershipTally is the bounded state of a walk.
type membershipTally struct {
	sum      membershipSummary
	nearFull topN[reportGroup]
	largest  topN[reportGroup]
	owners   map[string]int
}

func newMembershipTally() *membershipTally {
	return &membershipTally{
		nearFull: topN[reportGroup]{n: reportListCap, less: fillLess},
		largest:  topN[reportGroup]{n: reportTopN, less: sizeLess},
		owners:   map[string]int{},
	}
}

// fillLess ranks by how full a group is (members/maxusers, compared
// without division), then by size, then by id.
func fillLess(a, b reportGroup) bool {
	if x, y := a.Members*b.MaxUsers, b.Members*a.MaxUsers; x != y {
		return x < y
	}
	return sizeLess(a, b)
}

func sizeLess(a, b reportGroup) bool {
	if a.Members != b.Members {
		return a.Members < b.Members
	}
	return a.ID > b.ID // the older (smaller id) ranks higher among equals
}

func (t *membershipTally) add(g *agora.Group) {
	t.addGroup(reportGroup{ID: g.ID, Name: g.Name, Owner: g.Owner, Members: memberCount(g), MaxUsers: g.MaxUsers})
}

func (t *membershipTally) addGroup(rg reportGroup) {
	t.sum.Groups++
	t.largest.add(rg)
	if rg.MaxUsers > 0 && rg.Members*100 >= rg.MaxUsers*nearFullPercent {
		t.sum.NearFullCount++
		t.nearFull.add(rg)
		if rg.Members >= rg.MaxUsers {
			t.sum.FullCount++
		}
	}
	if rg.Members <= 1 {
		t.sum.OwnerOnlyCount++
		if len(t.sum.OwnerOnly) < reportListCap {
			t.sum.OwnerOnly = append(t.sum.OwnerOnly, rg)
		}
	}
	if rg.Owner != "" {
		t.owners[rg.Owner]++
	}
}

func (t *membershipTally) summary() *membershipSummary {
	s := t.sum
	s.NearFull = t.nearFull.sorted()
	s.Largest = t.largest.sorted()
	s.Owners = len(t.owners)
	top := topN[ownerCount]{n: reportTopN, less: func(a, b ownerCount) bool {
		if a.Groups != b.Groups {
			return a.Groups < b.Groups
		}
		return a.Username > b.Username
	}}
	for u, n := range t.owners {
		top.add(ownerCount{Username: u, Groups: n})
	}
	s.TopOwners = top.sorted()
	return &s
}

// walkMembership reads every group, page by page, writes one CSV row per
// membership to out and returns the summary. limiter (nil: none) paces
// the calls; progress is told after each page.
func walkMembership(ctx context.Context, groups groupReader, out io.Writer, limiter *rate.Limiter, progress func(groups, calls int)) (*membershipSummary, error) {
	w := csv.NewWriter(out)
	if err := w.Write([]string{"group_id", "group_name", "member", "role"}); err != nil {
		return nil, err
	}
	tally := newMembershipTally()
	calls := 0
	wait := func() error {
		calls++
		if limiter == nil {
			return ctx.Err()
		}
		return limiter.Wait(ctx)
	}
	cursor := ""
	for {
		if err := wait(); err != nil {
			return nil, err
		}
		page, resp, err := groups.List(ctx, &agora.ListOptions{Limit: reportListLimit, Cursor: cursor})
		if err != nil {
			return nil, fmt.Errorf("list groups: %w", err)
		}
		if len(page) > 0 {
			ids := make([]string, len(page))
			for i, g := range page {
				ids[i] = g.ID
			}
			if err := wait(); err != nil {
				return nil, err
			}
			details, _, err := groups.Get(ctx, ids...)
			switch {
			case errors.Is(err, agora.ErrNotFound) && len(ids) == 1:
				// The page's only group was deleted since the list was read.
			case err != nil:
				return nil, fmt.Errorf("read group details: %w", err)
			}
			for _, g := range details {
				tally.add(g)
				for _, a := range g.Affiliations {
					if err := w.Write([]string{csvCell(g.ID), csvCell(g.Name), csvCell(a.Username), string(a.Role)}); err != nil {
						return nil, err
					}
					tally.sum.Rows++
				}
			}
		}
		if progress != nil {
			progress(tally.sum.Groups, calls)
		}
		if resp == nil || resp.Cursor == "" {
			break
		}
		cursor = resp.Cursor
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, err
	}
	sum := tally.summary()
	sum.Calls = calls
	return sum, nil
}

// topN keeps the n values that rank highest by less, in a min-heap whose
// root is the lowest kept.
type topN[T any] struct {
	n    int
	less func(a, b T) bool // a ranks below b
	h    []T
}

func (t *topN[T]) add(v T) {
	if len(t.h) < t.n {
		t.h = append(t.h, v)
		for i := len(t.h) - 1; i > 0; {
			parent := (i - 1) / 2
			if !t.less(t.h[i], t.h[parent]) {
				break
			}
			t.h[i], t.h[parent] = t.h[parent], t.h[i]
			i = parent
		}
		return
	}
	if t.n == 0 || !t.less(t.h[0], v) {
		return
	}
	t.h[0] = v
	for i := 0; ; {
		low, l, r := i, 2*i+1, 2*i+2
		if l < len(t.h) && t.less(t.h[l], t.h[low]) {
			low = l
		}
		if r < len(t.h) && t.less(t.h[r], t.h[low]) {
			low = r
		}
		if low == i {
			return
		}
		t.h[i], t.h[low] = t.h[low], t.h[i]
		i = low
	}
}

// sorted returns the kept values, highest first.
func (t *topN[T]) sorted() []T {
	out := slices.Clone(t.h)
	slices.SortFunc(out, func(a, b T) int {
		switch {
		case t.less(b, a):
			return -1
		case t.less(a, b):
			return 1
		}
		return 0
	})
	return out
}

// tallyIndex makes the report's summary from the search index: no Agora
// call, and no membership rows but their count (each group's members).
func tallyIndex(ctx context.Context, ix *search.Index, progress func(groups int)) (*membershipSummary, error) {
	tally := newMembershipTally()
	err := ix.Walk(ctx, func(g search.Group) error {
		tally.addGroup(reportGroup{ID: g.ID, Name: g.Name, Owner: g.Owner, Members: g.Members, MaxUsers: g.MaxUsers})
		tally.sum.Rows += int64(g.Members)
		if tally.sum.Groups%reportIndexProgressEvery == 0 {
			progress(tally.sum.Groups)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tally.summary(), nil
}

// The report reads the search index instead of every group when a full
// sync finished within reportIndexFresh; it tells its progress every
// reportIndexProgressEvery groups.
const (
	reportIndexFresh         = 15 * time.Minute
	reportIndexProgressEvery = 5000
)

// membershipReportArgs is the membership report as a job kind. One runs
// at a time per app (a unique job, across replicas); who started it is
// kept with it. Full reads every group from Agora even when the search
// index is fresh: only that makes the CSV of every membership.
type membershipReportArgs struct {
	StartedBy string `json:"started_by"`
	Full      bool   `json:"full,omitempty"`
}

const membershipReportKind = "membership_report"

func (membershipReportArgs) Kind() string { return membershipReportKind }

// membershipWorker walks the groups for a membership report job. The CSV
// goes to the job's output in the database and the summary to River's job
// output, so any replica shows and serves the last report. Work is
// idempotent: a run interrupted by a restart starts the walk again and
// rewrites the output whole.
type membershipWorker struct {
	river.WorkerDefaults[membershipReportArgs]
	q     *jobs.Queue
	log   *slog.Logger
	index *search.Index
	now   func() time.Time

	mu     sync.Mutex
	groups groupReader
	rate   float64 // calls per second; ≤ 0: unpaced (tests, benchmarks)
}

// configure replaces where the reports read groups and how fast (tests).
func (w *membershipWorker) configure(groups groupReader, rate float64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if groups != nil {
		w.groups = groups
	}
	w.rate = rate
}

func (w *membershipWorker) Work(ctx context.Context, job *river.Job[membershipReportArgs]) error {
	w.mu.Lock()
	groups, pace := w.groups, w.rate
	w.mu.Unlock()
	if !job.Args.Full {
		st, err := w.index.Stats(ctx)
		if err != nil {
			return err
		}
		if !st.LastFullSync.IsZero() && w.now().Sub(st.LastFullSync) < reportIndexFresh {
			return w.fromIndex(ctx, job, st.LastFullSync)
		}
	}
	out, err := jobs.NewOutput(ctx)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	var limiter *rate.Limiter
	if pace > 0 {
		limiter = rate.NewLimiter(rate.Limit(pace), 1)
	}
	sum, err := walkMembership(ctx, groups, bw, limiter, func(groups, calls int) {
		if err := jobs.SetProgress(ctx, jobs.Progress{Done: int64(groups), Calls: int64(calls)}); err != nil && ctx.Err() == nil {
			w.log.Warn("membership report: record progress", "err", err)
		}
	})
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = out.Close()
	}
	switch {
	case err != nil && ctx.Err() != nil:
		// Canceled (River records it) or shutting down (River retries it).
		return err
	case err != nil:
		// Not retried: the page shows why, and a moderator starts another.
		w.log.Warn("membership report failed", "err", err)
		return river.JobCancel(err)
	}
	sum.StartedBy, sum.Finished = job.Args.StartedBy, time.Now()
	if job.AttemptedAt != nil {
		sum.Started = *job.AttemptedAt
	}
	if err := river.RecordOutput(ctx, sum); err != nil {
		return err
	}
	// Only the last report's CSV is offered.
	if err := w.q.DeleteOutputs(ctx, membershipReportKind, job.ID); err != nil {
		w.log.Warn("membership report: delete older CSVs", "err", err)
	}
	w.log.Info("membership report finished", "by", sum.StartedBy, "groups", sum.Groups, "rows", sum.Rows, "calls", sum.Calls, "took", sum.Finished.Sub(sum.Started))
	return nil
}

// fromIndex makes the report from the search index, synced at updated.
func (w *membershipWorker) fromIndex(ctx context.Context, job *river.Job[membershipReportArgs], updated time.Time) error {
	sum, err := tallyIndex(ctx, w.index, func(groups int) {
		if err := jobs.SetProgress(ctx, jobs.Progress{Done: int64(groups)}); err != nil && ctx.Err() == nil {
			w.log.Warn("membership report: record progress", "err", err)
		}
	})
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		w.log.Warn("membership report from the index failed", "err", err)
		return river.JobCancel(err)
	}
	sum.FromIndex, sum.IndexUpdated = true, updated
	sum.StartedBy, sum.Finished = job.Args.StartedBy, time.Now()
	if job.AttemptedAt != nil {
		sum.Started = *job.AttemptedAt
	}
	if err := river.RecordOutput(ctx, sum); err != nil {
		return err
	}
	w.log.Info("membership report finished from the search index", "by", sum.StartedBy, "groups", sum.Groups, "index_updated", updated)
	return nil
}
