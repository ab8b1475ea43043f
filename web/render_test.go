package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
)

// chunks is a component that writes n bytes in 1 KiB pieces, then fails
// with err (if any).
func chunks(n int, err error) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		piece := strings.Repeat("x", 1024)
		for written := 0; written < n; written += len(piece) {
			if _, err := io.WriteString(w, piece[:min(len(piece), n-written)]); err != nil {
				return err
			}
		}
		return err
	})
}

func TestRenderBuffersSmallPagesAndStreamsLargeOnes(t *testing.T) {
	broken := errors.New("template failed")
	tests := []struct {
		name       string
		size       int
		err        error
		wantErr    bool
		wantStatus int // what the response says (0: nothing sent yet)
		wantBody   int
	}{
		{"small page", 10 << 10, nil, false, http.StatusAccepted, 10 << 10},
		{"page of exactly the limit", renderBufferLimit, nil, false, http.StatusAccepted, renderBufferLimit},
		{"large page streams whole", 5 * renderBufferLimit, nil, false, http.StatusAccepted, 5 * renderBufferLimit},
		{"failure in a small page sends nothing", 10 << 10, broken, true, 0, 0},
		{"failure after the limit is reported, the start is sent", 2 * renderBufferLimit, broken, true, http.StatusAccepted, 2 * renderBufferLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)
			err := render(c, http.StatusAccepted, chunks(tt.size, tt.err))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantStatus == 0 {
				if c.Response().Committed || rec.Body.Len() != 0 {
					t.Fatalf("sent %d bytes before the failure; the error page could not be shown", rec.Body.Len())
				}
				return
			}
			if rec.Code != tt.wantStatus || rec.Body.Len() != tt.wantBody {
				t.Errorf("status %d with %d bytes, want %d with %d", rec.Code, rec.Body.Len(), tt.wantStatus, tt.wantBody)
			}
			if ct := rec.Header().Get("Content-Type"); ct != echo.MIMETextHTMLCharsetUTF8 {
				t.Errorf("Content-Type = %q", ct)
			}
		})
	}
}

// countingWriter counts the writes that reach the response.
type countingWriter struct {
	http.ResponseWriter
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.ResponseWriter.Write(p)
}

// A streamed page leaves a full buffer at a time, not in the pieces the
// template writes: each write to the response is a write syscall on a
// connection once net/http's own 4 KiB buffer is full.
func TestRenderStreamsInBufferSizedWrites(t *testing.T) {
	rec := httptest.NewRecorder()
	cw := &countingWriter{ResponseWriter: rec}
	c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/", nil), cw)
	if err := render(c, http.StatusOK, chunks(5*renderBufferLimit+100, nil)); err != nil {
		t.Fatal(err)
	}
	if rec.Body.Len() != 5*renderBufferLimit+100 {
		t.Fatalf("sent %d bytes", rec.Body.Len())
	}
	if cw.writes > 6 {
		t.Errorf("the page left in %d writes, want at most 6 (one a buffer)", cw.writes)
	}
}
