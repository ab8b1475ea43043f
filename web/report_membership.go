package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"groupdesk/views"
	"groupdesk/web/store"
)

// reportRefreshSeconds: while a report runs the page asks for its progress
// every second with htmx, or reloads every reportRefreshSeconds without
// JavaScript.
const reportRefreshSeconds = 2

// membershipReport is GET /reports/membership: the running report's
// progress or the last one's summary. With HX-Request only the part that
// changes (the progress fragment the page polls). No Agora call.
func (s *Server) membershipReport(c echo.Context) error {
	run, last := s.reports.snapshot()
	p := s.page(c, views.NavReports, "report.title")
	d := views.ReportPage{PollURL: "/reports/membership"}
	if run != nil {
		d.Run = &views.ReportRun{
			State: run.State, StartedBy: run.StartedBy, Started: run.Started, Finished: run.Finished,
			Groups: run.Groups, Calls: run.Calls, Error: run.Err, EndedBy: run.EndedBy,
		}
		if run.State == reportRunning {
			p.RefreshSeconds = reportRefreshSeconds
		}
	}
	if last != nil {
		d.Result = reportResultView(last)
	}
	if isHTMX(c) {
		return render(c, http.StatusOK, views.ReportBody(p, d))
	}
	return render(c, http.StatusOK, views.ReportPageView(p, d))
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
		CSVURL: "/reports/membership.csv",
	}
	for _, o := range sum.TopOwners {
		r.TopOwners = append(r.TopOwners, views.ReportOwner{Username: o.Username, Groups: o.Groups, URL: userGroupsURL(o.Username)})
	}
	return r
}

// membershipReportStart is POST /reports/membership: start a report, or
// show the one that is already running (one at a time per app).
func (s *Server) membershipReportStart(c echo.Context) error {
	l := localizer(c)
	entry := s.newAuditEntry(c, store.ActionReportStart, store.TargetReport, "membership")
	run, started, err := s.reports.start(entry.Actor, func() error { return s.auditLocal(c, entry, nil) })
	if err != nil {
		return err
	}
	if started {
		setFlash(session(c), views.FlashSuccess, l.T("flash.report_started"))
	} else {
		setFlash(session(c), views.FlashInfo, l.T("flash.report_running", run.StartedBy))
	}
	return c.Redirect(http.StatusSeeOther, "/reports/membership")
}

// membershipReportCancel is POST /reports/membership/cancel.
func (s *Server) membershipReportCancel(c echo.Context) error {
	l := localizer(c)
	entry := s.newAuditEntry(c, store.ActionReportCancel, store.TargetReport, "membership")
	canceled, err := s.reports.cancel(entry.Actor, func(groups int) error {
		entry.Summary.Groups = groups
		return s.auditLocal(c, entry, nil)
	})
	if err != nil {
		return err
	}
	if canceled {
		setFlash(session(c), views.FlashSuccess, l.T("flash.report_canceled"))
	} else {
		setFlash(session(c), views.FlashInfo, l.T("flash.report_not_running"))
	}
	return c.Redirect(http.StatusSeeOther, "/reports/membership")
}

// membershipReportCSV is GET /reports/membership.csv: every (group,
// member, role) row of the last finished report, from its file.
func (s *Server) membershipReportCSV(c echo.Context) error {
	path := s.reports.csvPath()
	if path == "" {
		return newPageError(http.StatusNotFound, "error.report_no_csv")
	}
	return c.Attachment(path, "membership-report.csv")
}
