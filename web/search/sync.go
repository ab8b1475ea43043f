package search

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/time/rate"

	"groupdesk/agora"
)

// Source is what a full pass reads: the agora client's Groups service.
type Source interface {
	List(ctx context.Context, opts *agora.ListOptions) ([]*agora.GroupSummary, *agora.Response, error)
	GetWithoutMembers(ctx context.Context, ids ...string) ([]*agora.Group, *agora.Response, error)
}

// SyncOptions tunes a full pass.
type SyncOptions struct {
	// Limiter paces the pass's calls to its share of the app's rate limit;
	// nil leaves only the client's own limit.
	Limiter *rate.Limiter
	// PageSize is the list-all limit; 0 is Agora's largest, 1000.
	PageSize int
	// Progress, when set, is told what the pass has done after each list
	// page (a job shows it).
	Progress func(SyncReport)
}

// SyncCallsPerSecond is a full pass's share of the app's rate limit
// (Agora allows 100 calls/s per app, shared with the app's own backend
// and Groupdesk's pages): 100,000 groups take 1,100 calls, about a
// minute.
const SyncCallsPerSecond = 20

// SyncReport says what a full pass did.
type SyncReport struct {
	Calls    int // Agora calls made (List and detail batches)
	Groups   int // groups read and indexed
	Gone     int // groups marked gone: not listed by this pass
	Started  time.Time
	Finished time.Time
}

// Sync makes one full pass: it pages through all groups, reads their
// details in batches of up to agora.MaxIDsPerDetail ids, upserts them, and
// then marks every group the pass did not see as gone. It is safe to run
// again after a failure; a failed pass marks nothing gone.
func Sync(ctx context.Context, src Source, ix *Index, opts SyncOptions) (SyncReport, error) {
	pageSize := opts.PageSize
	if pageSize <= 0 {
		pageSize = 1000
	}
	rep := SyncReport{Started: ix.now()}
	// Groups upserted from here on are seen; MarkGoneNotSeenSince compares
	// in milliseconds, the precision stored.
	started := rep.Started.Truncate(time.Millisecond)
	wait := func() error {
		if opts.Limiter == nil {
			return nil
		}
		return opts.Limiter.Wait(ctx)
	}
	fail := func(err error) (SyncReport, error) {
		// Best effort: a page should not show a dead pass as running.
		_ = ix.passProgress(context.WithoutCancel(ctx), time.Time{}, 0)
		return rep, fmt.Errorf("search index sync: %w", err)
	}
	if err := ix.passProgress(ctx, started, 0); err != nil {
		return fail(err)
	}
	cursor := ""
	for {
		if err := wait(); err != nil {
			return fail(err)
		}
		page, resp, err := src.List(ctx, &agora.ListOptions{Limit: pageSize, Cursor: cursor})
		rep.Calls++
		if err != nil {
			return fail(fmt.Errorf("list groups: %w", err))
		}
		groups, calls, err := details(ctx, src, page, wait)
		rep.Calls += calls
		if err != nil {
			return fail(err)
		}
		if err := ix.upsert(ctx, 0, groups); err != nil {
			return fail(err)
		}
		rep.Groups += len(groups)
		if err := ix.passProgress(ctx, started, rep.Groups); err != nil {
			return fail(err)
		}
		if opts.Progress != nil {
			opts.Progress(rep)
		}
		if resp == nil || resp.Cursor == "" {
			break
		}
		cursor = resp.Cursor
	}
	gone, err := ix.MarkGoneNotSeenSince(ctx, started)
	if err != nil {
		return fail(err)
	}
	rep.Gone = gone
	if err := ix.compact(ctx); err != nil {
		return fail(err)
	}
	rep.Finished = ix.now()
	if err := ix.passFinished(ctx, started, rep.Finished); err != nil {
		return fail(err)
	}
	return rep, nil
}

// details reads one list page's groups in batches. A group deleted since
// it was listed is left out, so the pass marks it gone.
func details(ctx context.Context, src Source, page []*agora.GroupSummary, wait func() error) ([]Group, int, error) {
	out := make([]Group, 0, len(page))
	calls := 0
	for start := 0; start < len(page); start += agora.MaxIDsPerDetail {
		batch := page[start:min(start+agora.MaxIDsPerDetail, len(page))]
		ids := make([]string, len(batch))
		modified := make(map[string]time.Time, len(batch))
		for i, s := range batch {
			ids[i] = s.ID
			modified[s.ID] = s.LastModified.Time()
		}
		if err := wait(); err != nil {
			return nil, calls, err
		}
		full, _, err := src.GetWithoutMembers(ctx, ids...)
		calls++
		// Several missing ids are left out of the answer, but one alone
		// is a 404. The list call just worked, so it is this group's.
		if len(ids) == 1 && errors.Is(err, agora.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, calls, fmt.Errorf("read %d groups' details: %w", len(ids), err)
		}
		for _, g := range full {
			out = append(out, FromAgora(g, modified[g.ID]))
		}
	}
	return out, calls, nil
}

// FromAgora is the index's row for a group read from Agora. The detail
// has no modification time; modified comes from the list, or is the time
// of an edit made through Groupdesk.
func FromAgora(g *agora.Group, modified time.Time) Group {
	return Group{
		ID: g.ID, Name: g.Name, Description: g.Description, Owner: g.Owner,
		Members: g.AffiliationsCount, MaxUsers: g.MaxUsers, Public: g.Public,
		Created: g.Created.Time(), Modified: modified,
	}
}
