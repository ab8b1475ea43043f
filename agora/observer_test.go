package agora

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// observed records what an Observer is told.
type observed struct {
	mu       sync.Mutex
	requests []RequestInfo
	retries  []RetryInfo
	waits    []string
	renewals int
}

func (o *observed) observer() Observer {
	return Observer{
		Request: func(i RequestInfo) { o.mu.Lock(); o.requests = append(o.requests, i); o.mu.Unlock() },
		Retry:   func(i RetryInfo) { o.mu.Lock(); o.retries = append(o.retries, i); o.mu.Unlock() },
		RateLimitWait: func(endpoint string, d time.Duration) {
			o.mu.Lock()
			o.waits = append(o.waits, endpoint)
			o.mu.Unlock()
		},
		TokenRenewal: func() { o.mu.Lock(); o.renewals++; o.mu.Unlock() },
	}
}

func TestObserverSeesAttemptsRetriesAndRenewals(t *testing.T) {
	obs := &observed{}
	client, mux := setup(t, WithObserver(obs.observer()))
	var n int
	mux.HandleFunc("/org/app/chatgroups/g-123,g-456", func(w http.ResponseWriter, r *http.Request) {
		n++
		if n == 1 {
			writeJSON(w, http.StatusServiceUnavailable, `{"error":"service_unavailable"}`)
			return
		}
		writeJSON(w, 200, `{"data":[{"id":"g-123"},{"id":"g-456"}]}`)
	})
	mux.HandleFunc("/org/app/chatgroups/g-123/users/alice", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, `{"error":"resource_not_found"}`)
	})
	if _, _, err := client.Groups.Get(context.Background(), "g-123", "g-456"); err != nil {
		t.Fatal(err)
	}
	_, _, _ = client.Members.Remove(context.Background(), "g-123", "alice")

	type req struct {
		Endpoint        string
		Status, Attempt int
	}
	var got []req
	for _, r := range obs.requests {
		if r.Duration <= 0 || r.Err != nil {
			t.Errorf("request %+v: want a duration and no error", r)
		}
		got = append(got, req{r.Endpoint, r.Status, r.Attempt})
	}
	want := []req{
		{"GET /chatgroups/{group_ids}", 503, 1},
		{"GET /chatgroups/{group_ids}", 200, 2},
		{"DELETE /chatgroups/{group_id}/users/{username}", 404, 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if len(obs.retries) != 1 || obs.retries[0].Endpoint != "GET /chatgroups/{group_ids}" || obs.retries[0].Status != 503 || obs.retries[0].Attempt != 1 {
		t.Errorf("retries = %+v, want one after the 503", obs.retries)
	}
	if obs.renewals != 1 {
		t.Errorf("token renewals = %d, want 1 (the first token)", obs.renewals)
	}
	for _, r := range obs.requests {
		if strings.Contains(r.Endpoint, "g-123") || strings.Contains(r.Endpoint, "alice") {
			t.Errorf("endpoint %q carries an id", r.Endpoint)
		}
	}
}

func TestObserverReportsNetworkFailure(t *testing.T) {
	obs := &observed{}
	client, err := NewClient(testConfig("http://127.0.0.1:1"), WithRateLimits(0, 0), WithRetries(0, 0), WithObserver(obs.observer()))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := client.Groups.GetOne(context.Background(), "1"); err == nil {
		t.Fatal("want a connection error")
	}
	if len(obs.requests) != 1 || obs.requests[0].Status != 0 || obs.requests[0].Err == nil {
		t.Errorf("requests = %+v, want one with status 0 and the error", obs.requests)
	}
}

func TestObserverRateLimitWait(t *testing.T) {
	obs := &observed{}
	client, mux := setup(t, WithRateLimits(20, 0), WithObserver(obs.observer())) // burst 2, then one per 50ms
	mux.HandleFunc("/org/app/chatgroups/1", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"data":[{"id":"1"}]}`)
	})
	for range 4 {
		if _, _, err := client.Groups.GetOne(context.Background(), "1"); err != nil {
			t.Fatal(err)
		}
	}
	if len(obs.waits) < 1 || len(obs.waits) > 2 {
		t.Fatalf("limiter waits = %v, want 1 or 2 (burst of 2, then waits)", obs.waits)
	}
	if obs.waits[0] != "GET /chatgroups/{group_id}" {
		t.Errorf("wait endpoint = %q", obs.waits[0])
	}
}

func TestObserverZeroValueIsSilent(t *testing.T) {
	client, mux := setup(t, WithObserver(Observer{}))
	mux.HandleFunc("/org/app/chatgroups/1", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"data":[{"id":"1"}]}`)
	})
	if _, _, err := client.Groups.GetOne(context.Background(), "1"); err != nil {
		t.Fatal(err)
	}
}

func TestObserverEndpointTemplate(t *testing.T) {
	for path, want := range map[string]string{
		"/chatgroups":                          "/chatgroups",
		"/chatgroups/123":                      "/chatgroups/{group_id}",
		"/chatgroups/1,2,3":                    "/chatgroups/{group_ids}",
		"/chatgroups/1/users":                  "/chatgroups/{group_id}/users",
		"/chatgroups/1/users/a,b":              "/chatgroups/{group_id}/users/{usernames}",
		"/chatgroups/1/admin/bob":              "/chatgroups/{group_id}/admin/{username}",
		"/users/bob%20x/joined_chatgroups":     "/users/{username}/joined_chatgroups",
		"/users/bob":                           "/users/{username}",
		"/secret-token/chatgroups":             "/{unknown}/{value}",
		"/chatgroups/1/secret-token/abc":       "/chatgroups/{group_id}/{unknown}/{value}",
		"/":                                    "/",
		"/users/bob/joined_chatgroups/ignored": "/users/{username}/joined_chatgroups/{value}",
		"/chatgroups/1/mute":                   "/chatgroups/{group_id}/mute",
		"/chatgroups/1/mute/a,b":               "/chatgroups/{group_id}/mute/{usernames}",
		"/chatgroups/1/blocks/users/a":         "/chatgroups/{group_id}/blocks/users/{username}",
		"/chatgroups/1/white/users/a,b":        "/chatgroups/{group_id}/white/users/{usernames}",
		"/chatgroups/1/ban":                    "/chatgroups/{group_id}/ban",
		"/chatgroups/1/disable":                "/chatgroups/{group_id}/disable",
		"/chatgroups/1/announcement":           "/chatgroups/{group_id}/announcement",
	} {
		if got := endpointTemplate(path); got != want {
			t.Errorf("endpointTemplate(%q) = %q, want %q", path, got, want)
		}
	}
}
