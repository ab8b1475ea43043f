package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// gatedEcho serves /work behind limitInFlight(1): each request signals
// started and then blocks until release is closed.
func gatedEcho(started chan<- string, release <-chan struct{}, ran *atomic.Int32) *echo.Echo {
	e := echo.New()
	e.Use(limitInFlight(1))
	e.GET("/work", func(c echo.Context) error {
		ran.Add(1)
		started <- c.QueryParam("n")
		<-release
		return c.String(http.StatusOK, "done")
	})
	for route := range opsRoutes {
		e.GET(route, func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	}
	e.GET("/static/*", func(c echo.Context) error { return c.String(http.StatusOK, "asset") })
	return e
}

func serveAsync(e *echo.Echo, r *http.Request) <-chan *httptest.ResponseRecorder {
	done := make(chan *httptest.ResponseRecorder, 1)
	go func() {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, r)
		done <- rec
	}()
	return done
}

func TestLimitInFlightQueuesUntilASlotIsFree(t *testing.T) {
	started := make(chan string, 2)
	release := make(chan struct{})
	var ran atomic.Int32
	e := gatedEcho(started, release, &ran)

	first := serveAsync(e, httptest.NewRequest(http.MethodGet, "/work?n=1", nil))
	if n := <-started; n != "1" {
		t.Fatalf("request %s started first, want 1", n)
	}
	second := serveAsync(e, httptest.NewRequest(http.MethodGet, "/work?n=2", nil))
	select {
	case n := <-started:
		t.Fatalf("request %s started while the only slot was taken", n)
	case <-time.After(50 * time.Millisecond):
	}

	close(release)
	if rec := <-first; rec.Code != http.StatusOK {
		t.Fatalf("first request: status %d", rec.Code)
	}
	if n := <-started; n != "2" {
		t.Fatalf("request %s started after the first finished, want 2", n)
	}
	if rec := <-second; rec.Code != http.StatusOK || rec.Body.String() != "done" {
		t.Fatalf("second request: status %d, body %q", rec.Code, rec.Body)
	}
}

func TestLimitInFlightCanceledWaiterDoesNoWork(t *testing.T) {
	gate := limitInFlight(1)
	e := echo.New()
	holding, release := make(chan struct{}), make(chan struct{})
	go func() {
		c := e.NewContext(httptest.NewRequest(http.MethodGet, "/work", nil), httptest.NewRecorder())
		_ = gate(func(echo.Context) error {
			close(holding)
			<-release
			return nil
		})(c)
	}()
	<-holding
	defer close(release)

	ctx, cancel := context.WithCancel(context.Background())
	c := e.NewContext(httptest.NewRequest(http.MethodGet, "/work", nil).WithContext(ctx), httptest.NewRecorder())
	errc := make(chan error, 1)
	var ran atomic.Bool
	go func() {
		errc <- gate(func(echo.Context) error {
			ran.Store(true)
			return nil
		})(c)
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("canceled waiter returned %v, want context.Canceled (shown as 499)", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a canceled waiter kept waiting for a slot")
	}
	if ran.Load() {
		t.Fatal("the handler ran for a request canceled while it waited")
	}
	if got := asPageError(fmt.Errorf("x: %w", context.Canceled)).status; got != 499 {
		t.Fatalf("a canceled wait is shown as %d, want 499", got)
	}
}

func TestLimitInFlightLetsProbesAndAssetsPass(t *testing.T) {
	started := make(chan string, 1)
	release := make(chan struct{})
	defer close(release)
	var ran atomic.Int32
	e := gatedEcho(started, release, &ran)

	serveAsync(e, httptest.NewRequest(http.MethodGet, "/work?n=1", nil))
	<-started
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/static/css/app.css"} {
		select {
		case rec := <-serveAsync(e, httptest.NewRequest(http.MethodGet, path, nil)):
			if rec.Code != http.StatusOK {
				t.Errorf("%s while the gate is full: status %d", path, rec.Code)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("%s waited behind a full gate", path)
		}
	}
}

func TestConfigMaxConcurrentPages(t *testing.T) {
	if got, want := (Config{}).maxConcurrentPages(), pagesPerProc*runtime.GOMAXPROCS(0); got != want {
		t.Errorf("default: %d, want %d", got, want)
	}
	if got := (Config{MaxConcurrentPages: 3}).maxConcurrentPages(); got != 3 {
		t.Errorf("set to 3: %d", got)
	}
	cfg := Config{DataDir: t.TempDir(), Mode: ModeSandbox, MaxConcurrentPages: -1}
	if err := cfg.Validate(); err == nil {
		t.Error("a negative MaxConcurrentPages was accepted")
	}
}
