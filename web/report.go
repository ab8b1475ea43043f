package web

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"groupdesk/agora"
	"groupdesk/web/store"
)

// The membership report walks every group of the app in the background and
// keeps only bounded aggregates in memory, so 100,000 groups cost what 100
// do (measured by BenchmarkMembershipReport):
//
//   - one page of the walk at a time: reportListLimit summaries and their
//     details (one batched detail call per page);
//   - every membership row goes straight to a CSV file under
//     DataDir/reports/, never to memory;
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
	reportsDir           = "reports"
	reportCSVFile        = "membership.csv"
	reportSummaryFile    = "membership.json"
	nearFullPercent      = 90
)

// groupReader is what the report needs of the Agora client.
type groupReader interface {
	List(ctx context.Context, opts *agora.ListOptions) ([]*agora.GroupSummary, *agora.Response, error)
	Get(ctx context.Context, ids ...string) ([]*agora.Group, *agora.Response, error)
}

// membershipSummary is a finished report; it is also kept next to the CSV
// as JSON, so a restart keeps the last report.
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
	rg := reportGroup{ID: g.ID, Name: g.Name, Owner: g.Owner, Members: memberCount(g), MaxUsers: g.MaxUsers}
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
			case missing(err) && len(ids) == 1:
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

// Report states.
const (
	reportRunning  = "running"
	reportDone     = "done"
	reportCanceled = "canceled"
	reportFailed   = "failed"
)

// reportJob is one run of the report.
type reportJob struct {
	id        string
	startedBy string
	started   time.Time
	cancel    context.CancelFunc
	groups    atomic.Int64
	calls     atomic.Int64

	// Guarded by reportRunner.mu.
	state    string
	finished time.Time
	err      string
	endedBy  string
}

// reportRun is a copy of a job's state for a page.
type reportRun struct {
	State, StartedBy, Err, EndedBy string
	Started, Finished              time.Time
	Groups, Calls                  int
}

// reportRunner runs at most one membership report at a time, in its own
// goroutine with its own context (not the request's), and keeps the last
// finished report's summary in memory and its CSV on disk until the next
// run finishes.
type reportRunner struct {
	dir    string
	groups groupReader
	log    *slog.Logger
	rate   float64 // calls per second; ≤ 0: unpaced (tests, benchmarks)
	now    func() time.Time

	mu      sync.Mutex
	current *reportJob         // running, or the last run that ended
	last    *membershipSummary // the last finished report
	wg      sync.WaitGroup
}

func newReportRunner(dir string, groups groupReader, log *slog.Logger) *reportRunner {
	r := &reportRunner{dir: dir, groups: groups, log: log, rate: reportCallsPerSecond, now: time.Now}
	b, err := os.ReadFile(filepath.Join(dir, reportSummaryFile))
	switch {
	case err == nil:
		var sum membershipSummary
		if err := json.Unmarshal(b, &sum); err != nil {
			log.Warn("membership report: the last summary is unreadable; it will be replaced by the next run", "err", err)
		} else if _, err := os.Stat(filepath.Join(dir, reportCSVFile)); err == nil {
			r.last = &sum
		}
	case !errors.Is(err, os.ErrNotExist):
		log.Warn("membership report: read the last summary", "err", err)
	}
	return r
}

// start starts a run by startedBy unless one is running. record is called
// (under the lock, before anything starts) to audit the start; its error
// stops the start. It returns the running job and whether this call
// started it.
func (r *reportRunner) start(startedBy string, record func() error) (reportRun, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.current != nil && r.current.state == reportRunning {
		return r.runOf(r.current), false, nil
	}
	if err := record(); err != nil {
		return reportRun{}, false, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	job := &reportJob{id: strings.ToLower(rand.Text()[:10]), startedBy: startedBy, started: r.now(), cancel: cancel, state: reportRunning}
	r.current = job
	r.wg.Add(1)
	go r.run(ctx, job)
	return r.runOf(job), true, nil
}

// cancel stops the running report, if any; record audits it (under the
// lock) with the job's progress. It reports whether a run was canceled.
func (r *reportRunner) cancel(by string, record func(groups int) error) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	job := r.current
	if job == nil || job.state != reportRunning {
		return false, nil
	}
	if err := record(int(job.groups.Load())); err != nil {
		return false, err
	}
	job.endedBy = by
	job.cancel()
	return true, nil
}

// snapshot returns the current or last run (nil before the first) and the
// last finished summary (nil before the first).
func (r *reportRunner) snapshot() (*reportRun, *membershipSummary) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var run *reportRun
	if r.current != nil {
		v := r.runOf(r.current)
		run = &v
	}
	return run, r.last
}

func (r *reportRunner) runOf(j *reportJob) reportRun {
	return reportRun{
		State: j.state, StartedBy: j.startedBy, Err: j.err, EndedBy: j.endedBy,
		Started: j.started, Finished: j.finished,
		Groups: int(j.groups.Load()), Calls: int(j.calls.Load()),
	}
}

// csvPath is the last finished report's CSV, "" if there is none.
func (r *reportRunner) csvPath() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last == nil {
		return ""
	}
	return filepath.Join(r.dir, reportCSVFile)
}

// wait blocks until no run is in progress (tests).
func (r *reportRunner) wait() { r.wg.Wait() }

// close cancels a running report and waits for it to end.
func (r *reportRunner) close() {
	r.mu.Lock()
	if r.current != nil && r.current.state == reportRunning {
		r.current.endedBy = store.SystemActor.Name
		r.current.cancel()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

func (r *reportRunner) run(ctx context.Context, job *reportJob) {
	defer r.wg.Done()
	defer job.cancel()
	sum, err := r.produce(ctx, job)
	r.mu.Lock()
	defer r.mu.Unlock()
	job.finished = r.now()
	switch {
	case err == nil:
		job.state = reportDone
		r.last = sum
		r.log.Info("membership report finished", "by", job.startedBy, "groups", sum.Groups, "rows", sum.Rows, "calls", sum.Calls, "took", job.finished.Sub(job.started))
	case ctx.Err() != nil:
		job.state = reportCanceled
		r.log.Info("membership report canceled", "by", job.endedBy, "groups", job.groups.Load())
	default:
		job.state = reportFailed
		job.err = err.Error()
		r.log.Warn("membership report failed", "err", err)
	}
}

// produce walks the groups into a new file and, when the walk completes,
// puts it and its summary in place of the last report's.
func (r *reportRunner) produce(ctx context.Context, job *reportJob) (*membershipSummary, error) {
	if err := os.MkdirAll(r.dir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", r.dir, err)
	}
	part := filepath.Join(r.dir, "membership-"+job.id+".csv.part")
	f, err := os.OpenFile(part, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create the report file: %w", err)
	}
	defer os.Remove(part) // a no-op once renamed
	bw := bufio.NewWriterSize(f, 64<<10)
	var limiter *rate.Limiter
	if r.rate > 0 {
		limiter = rate.NewLimiter(rate.Limit(r.rate), 1)
	}
	sum, err := walkMembership(ctx, r.groups, bw, limiter, func(groups, calls int) {
		job.groups.Store(int64(groups))
		job.calls.Store(int64(calls))
	})
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	sum.StartedBy, sum.Started, sum.Finished = job.startedBy, job.started, r.now()
	b, err := json.Marshal(sum)
	if err != nil {
		return nil, err
	}
	tmp := filepath.Join(r.dir, reportSummaryFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return nil, err
	}
	if err := os.Rename(part, filepath.Join(r.dir, reportCSVFile)); err != nil {
		return nil, fmt.Errorf("keep the report file: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(r.dir, reportSummaryFile)); err != nil {
		return nil, err
	}
	return sum, nil
}
