package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// csvDownload streams a CSV attachment. The status, headers and header row
// go out with the first row (or at Close), so a handler that fails before
// writing anything can still answer with an error page; a handler that
// fails later returns its error all the same, and observeRequests aborts
// the response so the file is not taken for complete.
type csvDownload struct {
	res      *echo.Response
	w        *csv.Writer
	filename string
	header   []string
	started  bool
}

func newCSVDownload(res *echo.Response, filename string, header ...string) *csvDownload {
	return &csvDownload{res: res, w: csv.NewWriter(res), filename: filename, header: header}
}

// Started reports whether the response has been committed.
func (d *csvDownload) Started() bool { return d.started }

func (d *csvDownload) start() {
	if d.started {
		return
	}
	d.started = true
	d.res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	d.res.Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, d.filename))
	d.res.WriteHeader(http.StatusOK)
	_ = d.w.Write(d.header)
}

// Row writes one record; cells are written as given (defuse them with
// csvCell where they come from users or Agora).
func (d *csvDownload) Row(cells ...string) {
	d.start()
	_ = d.w.Write(cells)
}

// Flush sends what is buffered to the client; its error means the client
// went away.
func (d *csvDownload) Flush() error {
	d.w.Flush()
	if err := d.w.Error(); err != nil {
		return err
	}
	d.res.Flush()
	return nil
}

// Close ends the file, sending the header row if no row was written.
func (d *csvDownload) Close() error {
	d.start()
	d.w.Flush()
	return d.w.Error()
}

// csvCell defuses formula injection: a spreadsheet would run a cell that
// starts with = + - @ (or a tab or carriage return), so such a cell gets a
// leading single quote.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
