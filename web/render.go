package web

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"groupdesk/views"
)

// renderBufferLimit is how much of a page render holds back before sending.
const renderBufferLimit = 64 << 10

// renderBuffers are made at full size: grown from templ's pool's small
// buffers, every page copied itself several times over.
var renderBuffers = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, renderBufferLimit)) }}

// render writes a component with status. It renders into a buffer first, so
// a template failure becomes the error page instead of half a page. A page
// larger than renderBufferLimit (a group of thousands of members) streams
// once the buffer is full: holding such pages whole made memory grow with
// every concurrent request, and a failure that late can only be logged.
// The stream still leaves in renderBufferLimit pieces: written straight to
// the response it went out in net/http's 4 KiB, a hundred write syscalls
// for a 2,000-member page.
func render(c echo.Context, status int, component templ.Component) error {
	w := &spillWriter{res: c.Response(), status: status, buf: renderBuffers.Get().(*bytes.Buffer)}
	defer func() {
		w.buf.Reset()
		renderBuffers.Put(w.buf)
	}()
	err := component.Render(c.Request().Context(), w)
	if w.spilled {
		// Past the point of an error page: send what there is.
		err = errors.Join(err, w.flush())
	}
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if w.spilled {
		return nil
	}
	return c.HTMLBlob(status, w.buf.Bytes())
}

// spillWriter buffers up to renderBufferLimit, then sends the status and
// the buffer, and goes on sending a full buffer at a time.
type spillWriter struct {
	res     *echo.Response
	status  int
	buf     *bytes.Buffer
	spilled bool
}

func (w *spillWriter) Write(p []byte) (int, error) {
	if w.buf.Len()+len(p) > renderBufferLimit {
		if err := w.flush(); err != nil {
			return 0, err
		}
		if len(p) > renderBufferLimit {
			return w.res.Write(p)
		}
	}
	return w.buf.Write(p)
}

// flush sends the status, the first time, and what the buffer holds.
func (w *spillWriter) flush() error {
	if !w.spilled {
		w.spilled = true
		w.res.Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
		w.res.WriteHeader(w.status)
	}
	_, err := w.res.Write(w.buf.Bytes())
	w.buf.Reset()
	return err
}

// isHTMX reports whether htmx made the request and wants a fragment.
func isHTMX(c echo.Context) bool {
	h := c.Request().Header
	return h.Get("HX-Request") == "true" && h.Get("HX-History-Restore-Request") != "true"
}

// page fills what every page needs; title is a message key.
func (s *Server) page(c echo.Context, nav, titleKey string, args ...any) views.Page {
	l := localizer(c)
	rs := session(c)
	here := c.Request().URL.RequestURI()
	if c.Request().Method != http.MethodGet {
		here = c.Request().URL.Path
	}
	var flash *views.Flash
	if !isHTMX(c) {
		// A fragment has nowhere to show it; keep it for the next page.
		flash = popFlash(rs)
	}
	p := views.Page{
		L:      l,
		Title:  l.T(titleKey, args...),
		Nav:    nav,
		User:   rs.get(sessUser),
		CSRF:   csrfToken(rs),
		Flash:  flash,
		Mode:   s.cfg.Mode,
		Assets: s.assets,
		Here:   here,
	}
	s.addRole(c, &p)
	return p
}
