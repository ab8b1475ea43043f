package web

import (
	"github.com/labstack/echo/v4"

	"groupdesk/views"
)

// groupsBulkDelete is POST /groups/bulk-delete, from the group list's and
// the membership report's checkboxes: the confirmation names the groups
// with their sizes (one detail call per 100), then the job deletes them.
// Groups already gone are left out of the count.
func (s *Server) groupsBulkDelete(c echo.Context) error {
	r, bad := readBulkForm(c, "", bulkDelete)
	d := views.BulkConfirm{Action: "/groups/bulk-delete", Cancel: "/groups", Kind: bulkDelete}
	if bad != "" {
		return s.bulkInvalid(c, d, bad)
	}
	groups := make([]views.BulkGroup, len(r.args.Groups))
	for i, id := range r.args.Groups {
		groups[i] = views.BulkGroup{ID: id, Members: -1}
	}
	groups, err := s.withDetails(c.Request().Context(), groups, nil)
	if err != nil {
		return err
	}
	return s.bulkConfirmOrStart(c, d, r, groups)
}
