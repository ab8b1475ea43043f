package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// slowAgora is an upstream that never answers: each request is counted,
// announced on arrived, and held until its caller gives up or the test
// releases it.
type slowAgora struct {
	url      string
	arrived  chan struct{}
	requests atomic.Int32
	release  chan struct{}
	once     sync.Once
}

func newSlowAgora(t *testing.T) *slowAgora {
	t.Helper()
	s := &slowAgora{arrived: make(chan struct{}, 100), release: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		select {
		case s.arrived <- struct{}{}:
		default:
		}
		select {
		case <-r.Context().Done():
		case <-s.release:
		}
	}))
	t.Cleanup(func() { s.unblock(); srv.Close() })
	s.url = srv.URL
	return s
}

func (s *slowAgora) unblock() { s.once.Do(func() { close(s.release) }) }

// TestPageDeadlineCoversRetries: a page that waits on a silent Agora
// answers when its deadline passes, whatever the client's per-attempt
// timeout and retries would allow.
func TestPageDeadlineCoversRetries(t *testing.T) {
	slow := newSlowAgora(t)
	e := newEnv(t, withAPI(slow.url), withConfig(func(c *Config) { c.PageTimeout = 100 * time.Millisecond })).login()
	p := e.get("/groups")
	wantStatus(t, p, http.StatusGatewayTimeout)
	if got := p.text("error-message"); got == "" {
		t.Error("no message on the time-out page")
	}
}

// TestPagesWithoutAgoraCallSkipTheGate: with every slot of the in-flight
// gate held by a page waiting on Agora, pages that make no Agora call
// answer at once.
func TestPagesWithoutAgoraCallSkipTheGate(t *testing.T) {
	slow := newSlowAgora(t)
	e := newEnv(t, withAPI(slow.url), withConfig(func(c *Config) {
		c.MaxConcurrentPages = 1
		c.PageTimeout = time.Hour // only the release ends the held page
	})).login()
	held := make(chan *http.Response, 1)
	go func() {
		resp, err := e.http.Get(e.web.URL + "/groups")
		if err == nil {
			resp.Body.Close()
		}
		held <- resp
	}()
	<-slow.arrived
	for _, path := range []string{"/audit", "/accounts", "/groups/new", "/reports/membership"} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.web.URL+path, nil)
		resp, err := e.http.Do(req)
		cancel()
		if err != nil {
			t.Errorf("%s while the gate is full: %v", path, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s while the gate is full: status %d", path, resp.StatusCode)
		}
	}
	slow.unblock()
	<-held
}

// TestBreakerAnswersAtOnceAfterRepeatedTimeouts: after a few pages timed
// out, the next ones say at once that Agora is not answering and when
// Groupdesk will try again, without calling it.
func TestBreakerAnswersAtOnceAfterRepeatedTimeouts(t *testing.T) {
	slow := newSlowAgora(t)
	e := newEnv(t, withAPI(slow.url), withConfig(func(c *Config) { c.PageTimeout = 50 * time.Millisecond })).login()
	for range breakerTrips {
		wantStatus(t, e.get("/groups"), http.StatusGatewayTimeout)
	}
	before := slow.requests.Load()
	for _, path := range []string{"/groups", "/groups/123", "/users/alice/groups"} {
		p := e.get(path)
		wantStatus(t, p, http.StatusServiceUnavailable)
		msg := p.text("error-message")
		if !strings.Contains(msg, "Agora is not answering") || !strings.Contains(msg, "try again") {
			t.Errorf("%s: message %q", path, msg)
		}
		if p.Header.Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After", path)
		}
	}
	ready := e.get("/readyz")
	if ready.StatusCode != http.StatusServiceUnavailable || !strings.Contains(ready.body, "circuit breaker") {
		t.Errorf("/readyz while the breaker is open: %d %s", ready.StatusCode, ready.body)
	}
	if after := slow.requests.Load(); after != before {
		t.Errorf("Agora was called %d times while the breaker was open", after-before)
	}
	wantStatus(t, e.get("/audit"), http.StatusOK)
}
