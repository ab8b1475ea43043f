package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"groupdesk/views"
	"groupdesk/web/jobs"
	"groupdesk/web/store"
)

// reportRefreshSeconds: while a report runs the page asks for its progress
// every second with htmx, or reloads every reportRefreshSeconds without
// JavaScript.
const reportRefreshSeconds = 2

// membershipReport is GET /reports/membership: the state of the last
// report job, read from the database (so any replica shows it), and the
// last finished report's summary. With HX-Request only the part that
// changes (the progress fragment the page polls). No Agora call.
func (s *Server) membershipReport(c echo.Context) error {
	ctx := c.Request().Context()
	run, err := s.latestReport(ctx, false)
	if err != nil {
		return err
	}
	p := s.page(c, views.NavReports, "report.title")
	d := views.ReportPage{PollURL: "/reports/membership"}
	if run != nil {
		d.Run = &views.ReportRun{
			State: string(run.State), StartedBy: run.StartedBy, Started: run.Started, Finished: run.Finished,
			Groups: int(run.Done), Calls: int(run.Calls), Error: run.Err, EndedBy: run.EndedBy,
		}
		if run.State.Live() {
			p.RefreshSeconds = reportRefreshSeconds
		}
	}
	last, err := s.latestReport(ctx, true)
	if err != nil {
		return err
	}
	if last != nil {
		var sum membershipSummary
		if err := json.Unmarshal(last.Output, &sum); err != nil {
			return fmt.Errorf("membership report %d: read its summary: %w", last.ID, err)
		}
		d.Result = reportResultView(&sum)
	}
	if isHTMX(c) {
		return render(c, http.StatusOK, views.ReportBody(p, d))
	}
	return render(c, http.StatusOK, views.ReportPageView(p, d))
}

// latestReport is the newest membership report job (only finished ones
// if done), nil if there is none.
func (s *Server) latestReport(ctx context.Context, done bool) (*jobs.Job, error) {
	list, err := s.jobs.List(ctx, jobs.Filter{Kind: membershipReportKind, Done: done, Limit: 1})
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

func reportResultView(sum *membershipSummary) *views.ReportResult {
	groups := func(in []reportGroup) []views.ReportGroup {
		out := make([]views.ReportGroup, len(in))
		for i, g := range in {
			out[i] = views.ReportGroup{
				ID: g.ID, Name: g.Name, Owner: g.Owner, Members: g.Members, MaxUsers: g.MaxUsers,
				URL: groupURL(g.ID), OwnerURL: userGroupsURL(g.Owner),
			}
		}
		return out
	}
	r := &views.ReportResult{
		StartedBy: sum.StartedBy, Finished: sum.Finished,
		Groups: sum.Groups, Rows: sum.Rows, Calls: sum.Calls, Owners: sum.Owners,
		NearFull: groups(sum.NearFull), NearFullCount: sum.NearFullCount, FullCount: sum.FullCount,
		OwnerOnly: groups(sum.OwnerOnly), OwnerOnlyCount: sum.OwnerOnlyCount,
		Largest: groups(sum.Largest), ListCap: reportListCap,
		CSVURL:    "/reports/membership.csv",
		FromIndex: sum.FromIndex, IndexUpdated: sum.IndexUpdated,
	}
	for _, o := range sum.TopOwners {
		r.TopOwners = append(r.TopOwners, views.ReportOwner{Username: o.Username, Groups: o.Groups, URL: userGroupsURL(o.Username)})
	}
	return r
}

// membershipReportStart is POST /reports/membership: start a report, or
// show the one that is already running (one at a time per app, whichever
// replica started it).
func (s *Server) membershipReportStart(c echo.Context) error {
	ctx := c.Request().Context()
	l := localizer(c)
	run, err := s.latestReport(ctx, false)
	if err != nil {
		return err
	}
	if run == nil || !run.State.Live() {
		entry := s.newAuditEntry(c, store.ActionReportStart, store.TargetReport, "membership")
		if err := s.auditLocal(c, entry, nil); err != nil {
			return err
		}
		var started bool
		args := membershipReportArgs{StartedBy: entry.Actor, Full: c.FormValue("full") == "1"}
		run, started, err = s.jobs.Enqueue(ctx, args, jobs.Opts{By: entry.Actor, Unique: true})
		if err != nil {
			return err
		}
		if started {
			setFlash(session(c), views.FlashSuccess, l.T("flash.report_started"))
			return c.Redirect(http.StatusSeeOther, "/reports/membership")
		}
		// Another replica started one a moment before.
	}
	setFlash(session(c), views.FlashInfo, l.T("flash.report_running", run.StartedBy))
	return c.Redirect(http.StatusSeeOther, "/reports/membership")
}

// membershipReportCancel is POST /reports/membership/cancel. The replica
// that runs the report stops within seconds.
func (s *Server) membershipReportCancel(c echo.Context) error {
	ctx := c.Request().Context()
	l := localizer(c)
	run, err := s.latestReport(ctx, false)
	if err != nil {
		return err
	}
	if run == nil || !run.State.Live() {
		setFlash(session(c), views.FlashInfo, l.T("flash.report_not_running"))
		return c.Redirect(http.StatusSeeOther, "/reports/membership")
	}
	entry := s.newAuditEntry(c, store.ActionReportCancel, store.TargetReport, "membership")
	entry.Summary.Groups = int(run.Done)
	if err := s.auditLocal(c, entry, nil); err != nil {
		return err
	}
	if _, err := s.jobs.Cancel(ctx, run.ID, entry.Actor); err != nil {
		return err
	}
	setFlash(session(c), views.FlashSuccess, l.T("flash.report_canceled"))
	return c.Redirect(http.StatusSeeOther, "/reports/membership")
}

// membershipReportCSV is GET /reports/membership.csv: every (group,
// member, role) row of the last finished report, streamed from the
// database a chunk at a time.
func (s *Server) membershipReportCSV(c echo.Context) error {
	ctx := c.Request().Context()
	last, err := s.latestReport(ctx, true)
	if err != nil {
		return err
	}
	if last == nil {
		return newPageError(http.StatusNotFound, "error.report_no_csv")
	}
	if ok, err := s.jobs.HasOutput(ctx, last.ID); err != nil {
		return err
	} else if !ok {
		return newPageError(http.StatusNotFound, "error.report_no_csv")
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="membership-report.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	return s.jobs.WriteOutput(ctx, last.ID, c.Response())
}
