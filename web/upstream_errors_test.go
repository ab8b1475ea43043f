package web

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"groupdesk/agora"
)

// stubAgora answers every call with status and an Agora error body.
func stubAgora(t *testing.T, status int, code, desc string, headers ...string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"error":"` + code + `","exception":"x","timestamp":1,"duration":0,"error_description":"` + desc + `"}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func TestUpstreamErrorPages(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	t.Cleanup(slow.Close)
	noRetry := agora.WithRetries(0, time.Millisecond)
	tests := []struct {
		name    string
		opts    []envOption
		status  int
		message string
	}{
		{"rate limited", []envOption{withAPI(stubAgora(t, 429, "reach_limit", "This request has reached api limit", "Retry-After", "30"))},
			http.StatusTooManyRequests, "Agora is rate-limiting this app; wait a few seconds and try again."},
		{"bad credentials (stub 401)", []envOption{withAPI(stubAgora(t, 401, "unauthorized", "Unable to authenticate"))},
			http.StatusBadGateway, "Agora rejected Groupdesk's credentials — an administrator must check AGORA_APP_ID / AGORA_APP_CERTIFICATE."},
		{"bad credentials (sandbox, wrong certificate)", []envOption{withCert("00000000000000000000000000000000")},
			http.StatusBadGateway, "Agora rejected Groupdesk's credentials — an administrator must check AGORA_APP_ID / AGORA_APP_CERTIFICATE."},
		{"unavailable", []envOption{withAPI(stubAgora(t, 503, "service_unavailable", "down"))},
			http.StatusBadGateway, "Agora did not answer; try again."},
		{"unreachable", []envOption{withAPI(closedPort(t))},
			http.StatusBadGateway, "Agora did not answer; try again."},
		{"timeout", []envOption{withAPI(slow.URL), withClientOpts(agora.WithTimeout(100 * time.Millisecond))},
			http.StatusGatewayTimeout, "Agora took too long to answer; try again in a moment."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, append(tc.opts, withClientOpts(noRetry))...).login()
			// After breakerTrips time-outs in a row the circuit breaker
			// answers for Agora (TestBreakerAnswersAtOnceAfterRepeatedTimeouts).
			calls := 0
			want := func() (int, string) {
				calls++
				if tc.status == http.StatusGatewayTimeout && calls > breakerTrips {
					return http.StatusServiceUnavailable, "Agora is not answering"
				}
				return tc.status, tc.message
			}
			for _, path := range []string{"/groups", "/groups/123", "/users/alice/groups", "/groups/123/delete"} {
				p := e.get(path)
				status, message := want()
				wantStatus(t, p, status)
				if got := p.text("error-message"); !strings.HasPrefix(got, message) {
					t.Errorf("%s: error-message = %q, want %q", path, got, message)
				}
				for _, leak := range []string{"goroutine", ".go:", "panic", testAppCert} {
					if strings.Contains(p.body, leak) {
						t.Errorf("%s: page contains %q", path, leak)
					}
				}
			}
			if tc.status == http.StatusTooManyRequests {
				if got := e.get("/groups").Header.Get("Retry-After"); got != "30" {
					t.Errorf("Retry-After = %q", got)
				}
			}
			// htmx requests get the message in the flash area.
			frag := e.get("/groups/123?q=a", "HX-Request", "true")
			status, message := want()
			wantStatus(t, frag, status)
			if frag.Header.Get("HX-Retarget") != "#flash-area" || !strings.Contains(frag.text("flash"), message) {
				t.Errorf("htmx error: HX-Retarget=%q flash=%q", frag.Header.Get("HX-Retarget"), frag.text("flash"))
			}
			// The upstream failure is logged, without secrets.
			logs := e.logs.String()
			if !strings.Contains(logs, "/groups/123") {
				t.Errorf("upstream failure not logged:\n%s", logs)
			}
			if strings.Contains(logs, testAppCert) || strings.Contains(logs, "007eJ") {
				t.Error("a secret reached the log")
			}
		})
	}
}

func TestUpstreamErrorOnCreateKeepsForm(t *testing.T) {
	e := newEnv(t, withAPI(stubAgora(t, 429, "reach_limit", "This request has reached api limit")), withClientOpts(agora.WithRetries(0, time.Millisecond))).login()
	form := validCreateForm("Kept on 429")
	p := e.post("/groups", form)
	wantStatus(t, p, http.StatusTooManyRequests)
	if got := p.text("form-error"); got != "Agora is rate-limiting this app; wait a few seconds and try again." {
		t.Errorf("form-error = %q", got)
	}
	assertFormKeeps(t, p, form)
}

func TestNotFoundAndMethodPages(t *testing.T) {
	e := newEnv(t).login()
	p := e.get("/no/such/page")
	wantStatus(t, p, http.StatusNotFound)
	if p.find("error-page").Length() != 1 {
		t.Error("unknown path: not the error page")
	}
	p = e.post("/groups/123/edit", nil)
	if p.StatusCode != http.StatusMethodNotAllowed && p.StatusCode != http.StatusNotFound {
		t.Errorf("POST to a GET-only path: %d", p.StatusCode)
	}
}
