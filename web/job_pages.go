package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"groupdesk/views"
	"groupdesk/web/jobs"
	"groupdesk/web/store"
)

// The jobs pages read the database only (no Agora call), so any replica
// shows any job and a page never waits for Agora.
const (
	jobRefreshSeconds = 2   // the page's reload without JavaScript while the job runs
	jobFailuresShown  = 50  // failed groups listed on the page; the CSV has all
	jobsListed        = 50  // GET /jobs
	jobCSVChunk       = 500 // job_items rows read at a time for the CSV
	jobRetryMax       = 100_000
)

func jobPath(id int64) string { return "/jobs/" + strconv.FormatInt(id, 10) }

// bulkJob reads the job of the path; another kind of job is not found.
func (s *Server) bulkJob(c echo.Context) (*jobs.Job, bulkArgs, error) {
	var args bulkArgs
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, args, newPageError(http.StatusNotFound, "error.job_not_found", c.Param("id"))
	}
	job, err := s.jobs.Get(c.Request().Context(), id)
	if errors.Is(err, jobs.ErrNotFound) || err == nil && job.Kind != bulkJobKind {
		return nil, args, newPageError(http.StatusNotFound, "error.job_not_found", c.Param("id"))
	}
	if err != nil {
		return nil, args, err
	}
	if err := json.Unmarshal(job.Args, &args); err != nil {
		return nil, args, fmt.Errorf("job %d: read its arguments: %w", id, err)
	}
	return job, args, nil
}

// jobPage is GET /jobs/{id}; with HX-Request only the part the page polls.
func (s *Server) jobPage(c echo.Context) error {
	job, args, err := s.bulkJob(c)
	if err != nil {
		return err
	}
	d := s.jobView(c, job, args)
	if d.Failed > 0 && !job.State.Live() {
		items, err := s.jobs.Items(c.Request().Context(), job.ID, jobs.ItemFailed, jobFailuresShown)
		if err != nil {
			return err
		}
		for _, it := range items {
			n := decodeItemNote(it)
			d.Failures = append(d.Failures, views.JobItem{Group: it.Key, URL: groupURL(it.Key), Status: n.Status, Reason: s.itemReason(c, n)})
		}
	}
	p := s.page(c, views.NavJobs, "job.page_title", job.ID)
	if job.State.Live() {
		p.RefreshSeconds = jobRefreshSeconds
	}
	if isHTMX(c) {
		return render(c, http.StatusOK, views.JobBody(p, d))
	}
	return render(c, http.StatusOK, views.JobPageView(p, d))
}

// itemReason is Agora's reason in the moderator's words, with Agora's own.
func (s *Server) itemReason(c echo.Context, n itemNote) string {
	if n.Reason == "" {
		return n.Text
	}
	return reasonText(localizer(c), n.Reason, "", n.Text)
}

func (s *Server) jobView(c echo.Context, job *jobs.Job, args bulkArgs) views.JobView {
	l := localizer(c)
	d := views.JobView{
		ID: job.ID, URL: templ.SafeURL(jobPath(job.ID)), State: string(job.State),
		StartedBy: job.StartedBy, EndedBy: job.EndedBy, Error: job.Err,
		Created: job.Created, Finished: job.Finished,
		Done: job.Done, Failed: job.Failed, Total: job.Total, Calls: job.Calls,
		CSVURL:    templ.SafeURL(jobPath(job.ID) + "/results.csv"),
		CancelURL: templ.SafeURL(jobPath(job.ID) + "/cancel"),
		RetryOf:   args.RetryOf,
	}
	if d.Total == 0 {
		d.Total = int64(len(args.Groups)) // not started yet
	}
	groups := l.N("count.groups", len(args.Groups))
	switch args.Action {
	case bulkRemove, bulkBlock, bulkMute, bulkDeleteOwned:
		d.Title = l.T("job.title."+args.Action, args.Username, groups)
	default:
		d.Title = l.T("job.title.delete", groups)
	}
	d.Remaining = max(d.Total-d.Done-d.Failed, 0)
	d.Percent = 100
	if d.Total > 0 {
		d.Percent = int((d.Done + d.Failed) * 100 / d.Total)
	}
	if job.State == jobs.StateRunning && !job.Started.IsZero() {
		if elapsed := s.now().Sub(job.Started).Seconds(); elapsed > 0 {
			d.PerSecond = float64(d.Done+d.Failed) / elapsed
			if d.PerSecond > 0 {
				d.Left = time.Duration(float64(d.Remaining) / d.PerSecond * float64(time.Second))
			}
		}
	}
	if d.Failed > 0 {
		d.RetryURL = templ.SafeURL(jobPath(job.ID) + "/retry-failed")
	}
	if args.RetryOf > 0 {
		d.RetryOfURL = templ.SafeURL(jobPath(args.RetryOf))
	}
	return d
}

// jobList is GET /jobs: the newest bulk jobs.
func (s *Server) jobList(c echo.Context) error {
	list, err := s.jobs.List(c.Request().Context(), jobs.Filter{Kind: bulkJobKind, Limit: jobsListed})
	if err != nil {
		return err
	}
	var d views.JobList
	for _, j := range list {
		var args bulkArgs
		if err := json.Unmarshal(j.Args, &args); err != nil {
			return fmt.Errorf("job %d: read its arguments: %w", j.ID, err)
		}
		d.Jobs = append(d.Jobs, s.jobView(c, j, args))
	}
	return render(c, http.StatusOK, views.JobListView(s.page(c, views.NavJobs, "jobs.title"), d))
}

// jobCancel is POST /jobs/{id}/cancel. The groups done stay done; the
// replica running the job stops within seconds.
func (s *Server) jobCancel(c echo.Context) error {
	job, args, err := s.bulkJob(c)
	if err != nil {
		return err
	}
	l := localizer(c)
	if !job.State.Live() {
		setFlash(session(c), views.FlashInfo, l.T("flash.job_not_running"))
		return c.Redirect(http.StatusSeeOther, jobPath(job.ID))
	}
	entry := s.newAuditEntry(c, store.ActionJobCancel, store.TargetJob, strconv.FormatInt(job.ID, 10))
	entry.Summary.Job, entry.Summary.Groups, entry.Summary.Member = job.ID, int(job.Done), args.Username
	if err := s.auditLocal(c, entry, nil); err != nil {
		return err
	}
	if _, err := s.jobs.Cancel(c.Request().Context(), job.ID, entry.Actor); err != nil {
		return err
	}
	setFlash(session(c), views.FlashSuccess, l.T("flash.job_canceled"))
	return c.Redirect(http.StatusSeeOther, jobPath(job.ID))
}

// jobRetryFailed is POST /jobs/{id}/retry-failed: a new job over the
// groups that failed, with the same action.
func (s *Server) jobRetryFailed(c echo.Context) error {
	job, args, err := s.bulkJob(c)
	if err != nil {
		return err
	}
	if job.State.Live() {
		setFlash(session(c), views.FlashInfo, localizer(c).T("flash.job_still_running"))
		return c.Redirect(http.StatusSeeOther, jobPath(job.ID))
	}
	items, err := s.jobs.Items(c.Request().Context(), job.ID, jobs.ItemFailed, jobRetryMax)
	if err != nil {
		return err
	}
	if len(items) == 0 {
		setFlash(session(c), views.FlashInfo, localizer(c).T("flash.job_nothing_failed"))
		return c.Redirect(http.StatusSeeOther, jobPath(job.ID))
	}
	groups := make([]views.BulkGroup, len(items))
	for i, it := range items {
		groups[i] = views.BulkGroup{ID: it.Key}
	}
	args.RetryOf = job.ID
	return s.startBulkJob(c, args, groups)
}

// jobResultsCSV is GET /jobs/{id}/results.csv: one row per group the job
// finished, with its outcome and Agora's reason, read a chunk at a time.
// A failure after the first row aborts the response, so a cut-short file
// is never mistaken for a whole one.
func (s *Server) jobResultsCSV(c echo.Context) error {
	job, _, err := s.bulkJob(c)
	if err != nil {
		return err
	}
	out := newCSVDownload(c.Response(), fmt.Sprintf("job-%d-results.csv", job.ID),
		"group_id", "outcome", "reason", "agora_message", "at")
	return s.writeJobItems(c.Request().Context(), job.ID, out)
}

func (s *Server) writeJobItems(ctx context.Context, id int64, out *csvDownload) error {
	after := ""
	for {
		items, err := s.jobs.ItemsAfter(ctx, id, "", after, jobCSVChunk)
		if err != nil {
			return err
		}
		for _, it := range items {
			n := decodeItemNote(it)
			out.Row(csvCell(it.Key), n.Status, string(n.Reason), csvCell(n.Text), it.At.UTC().Format(time.RFC3339))
		}
		if len(items) < jobCSVChunk {
			return out.Close()
		}
		after = items[len(items)-1].Key
		if err := out.Flush(); err != nil {
			return err
		}
	}
}
