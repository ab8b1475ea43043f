package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// groupMembersCSV is GET /groups/{id}/members.csv: the membership (after
// the same ?q= filter as the page) as a spreadsheet-safe CSV, one call.
func (s *Server) groupMembersCSV(c echo.Context) error {
	g, err := s.fetchGroup(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"group_id", "username", "role"})
	for _, a := range sortedMembers(g, strings.TrimSpace(c.QueryParam("q"))) {
		_ = w.Write([]string{csvCell(g.ID), csvCell(a.Username), csvCell(string(a.Role))})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	name := "group-members.csv"
	if validGroupID(g.ID) {
		name = fmt.Sprintf("group-%s-members.csv", g.ID)
	}
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}
