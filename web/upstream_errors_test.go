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

// stubAgoraRaw answers every call with status and body as given.
func stubAgoraRaw(t *testing.T, status int, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
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
			http.StatusTooManyRequests, "Agora is rate-limiting this app; try again in 30 seconds."},
		{"rate limited without Retry-After", []envOption{withAPI(stubAgora(t, 429, "reach_limit", "This request has reached api limit"))},
			http.StatusTooManyRequests, "Agora is rate-limiting this app; wait a few seconds and try again."},
		{"plan quota", []envOption{withAPI(stubAgora(t, 429, "resource_limited", "You have exceeded the limit of the Free edition. Please upgrade to higher edition."))},
			http.StatusTooManyRequests, "This app has used up what its Agora plan allows; waiting will not help — an administrator must check the plan."},
		{"unknown app (wrong AGORA_APP)", []envOption{withAPI(stubAgora(t, 404, "organization_application_not_found", "Could not find application for org/nope from URI: org/nope/chatgroups"))},
			http.StatusBadGateway, "Agora does not know this app — an administrator must check AGORA_ORG / AGORA_APP."},
		{"Agora failed (500 with a body)", []envOption{withAPI(stubAgora(t, 500, "unsupported_service_operation", "Service operation not supported"))},
			http.StatusBadGateway, "Agora answered with an error (status 500). Try again; if it keeps happening, tell an administrator."},
		{"unreadable 200", []envOption{withAPI(stubAgoraRaw(t, 200, "<html>captive portal</html>"))},
			http.StatusBadGateway, "Agora answered with something Groupdesk could not read. Try again; if it keeps happening, tell an administrator."},
		{"bad credentials (stub 401)", []envOption{withAPI(stubAgora(t, 401, "unauthorized", "Unable to authenticate"))},
			http.StatusBadGateway, "Agora rejected Groupdesk's credentials — an administrator must check AGORA_APP_ID / AGORA_APP_CERTIFICATE."},
		{"bad credentials (sandbox, wrong certificate)", []envOption{withCert("00000000000000000000000000000000")},
			http.StatusBadGateway, "Agora rejected Groupdesk's credentials — an administrator must check AGORA_APP_ID / AGORA_APP_CERTIFICATE."},
		{"unavailable", []envOption{withAPI(stubAgora(t, 503, "service_unavailable", "down"))},
			http.StatusBadGateway, "Agora answered with an error (status 503). Try again; if it keeps happening, tell an administrator."},
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
				want := "" // only when Agora said when
				if strings.Contains(tc.message, "30 seconds") {
					want = "30"
				}
				if got := e.get("/groups").Header.Get("Retry-After"); got != want {
					t.Errorf("Retry-After = %q, want %q", got, want)
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
	tests := []struct {
		name    string
		api     string
		status  int
		message string
	}{
		{"429 without Retry-After", stubAgora(t, 429, "reach_limit", "This request has reached api limit"),
			http.StatusTooManyRequests, "Agora is rate-limiting this app; wait a few seconds and try again."},
		{"429 says when to retry", stubAgora(t, 429, "reach_limit", "This request has reached api limit", "Retry-After", "7"),
			http.StatusTooManyRequests, "Agora is rate-limiting this app; try again in 7 seconds."},
		{"404 unknown app", stubAgora(t, 404, "organization_application_not_found", "Could not find application for org/nope from URI: org/nope/chatgroups"),
			http.StatusBadGateway, "Agora does not know this app — an administrator must check AGORA_ORG / AGORA_APP."},
		// A 5xx or an unreadable answer may hide a group that was created:
		// the look for it fails here too (the stub answers every call the
		// same), so the moderator is told to look before retrying.
		{"500 from Agora", stubAgora(t, 500, "internal_error", "boom"),
			http.StatusBadGateway, "Agora's answer was lost and Groupdesk could not check whether the group was created. Look for it in the group list before trying again."},
		{"unreadable 200", stubAgoraRaw(t, 200, `{"data":`),
			http.StatusBadGateway, "Agora's answer was lost and Groupdesk could not check whether the group was created. Look for it in the group list before trying again."},
		{"owner not a member (transfer-style refusal)", stubAgora(t, 403, "forbidden_op", "user: someone doesn't exist in group: 1"),
			http.StatusUnprocessableEntity, "Not a member of this group: someone."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, withAPI(tc.api), withClientOpts(agora.WithRetries(0, time.Millisecond))).login()
			form := validCreateForm("Kept on " + tc.name)
			p := e.post("/groups", form)
			wantStatus(t, p, tc.status)
			if got := p.text("form-error"); got != tc.message {
				t.Errorf("form-error = %q, want %q", got, tc.message)
			}
			assertFormKeeps(t, p, form)
		})
	}
}

// TestAgoraFormErrorsByReason: each kind of refusal the client reports
// lands on the field it is about, without reading Agora's text here.
func TestAgoraFormErrorsByReason(t *testing.T) {
	in := groupInput{Owner: "boss", Members: []string{"m1", "m2"}, MaxUsers: 3}
	tests := []struct {
		name      string
		err       *agora.Error
		wantField string
		wantKey   string
		wantTop   string
	}{
		{"unknown member", &agora.Error{StatusCode: 404, Reason: agora.ReasonUserNotFound, User: "M2"}, "members", "form.err_user_unknown", ""},
		{"unknown owner", &agora.Error{StatusCode: 404, Reason: agora.ReasonUserNotFound, User: "boss"}, "owner", "form.err_user_unknown", ""},
		{"unknown user not in the form", &agora.Error{StatusCode: 404, Reason: agora.ReasonUserNotFound, User: "zed"}, "", "", "form.err_user_unknown"},
		{"member in too many groups", &agora.Error{StatusCode: 403, Reason: agora.ReasonUserTooManyGroups, User: "m1"}, "members", "form.err_user_too_many_groups", ""},
		{"group full", &agora.Error{StatusCode: 403, Reason: agora.ReasonGroupFull, Field: "members"}, "members", "form.err_members_over_max", ""},
		{"maxusers below count", &agora.Error{StatusCode: 403, Reason: agora.ReasonMaxUsersBelowCount}, "maxusers", "form.err_maxusers_below_current", ""},
		{"maxusers over plan", &agora.Error{StatusCode: 403, Reason: agora.ReasonLimitExceeded, Field: "maxusers", Description: "maxUsers cannot exceed 2000"}, "maxusers", "form.err_maxusers_plan", ""},
		{"name too long", &agora.Error{StatusCode: 403, Reason: agora.ReasonLimitExceeded, Field: "groupname", Description: "title cannot exceed to 128"}, "groupname", "form.err_agora_field", ""},
		{"desc not valid on PUT", &agora.Error{StatusCode: 400, Reason: agora.ReasonInvalidRequest, Field: "desc", Description: "some of [desc] are not valid fields"}, "description", "form.err_agora_field", ""},
		{"name violation", &agora.Error{StatusCode: 403, Reason: agora.ReasonContentViolation, Field: "groupname"}, "groupname", "form.err_name_violation", ""},
		{"app too many groups", &agora.Error{StatusCode: 403, Reason: agora.ReasonAppTooManyGroups}, "", "", "form.err_app_too_many_groups"},
		{"other refusal", &agora.Error{StatusCode: 403, Reason: agora.ReasonForbidden, Description: "new rule"}, "", "", "form.err_agora_rejected"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, errs, top := agoraFormErrors(tc.err, in)
			if status != http.StatusUnprocessableEntity {
				t.Errorf("status = %d", status)
			}
			if tc.wantField != "" {
				got := errs[tc.wantField]
				if got.key != tc.wantKey {
					t.Errorf("field %s: key = %q, want %q (all: %+v)", tc.wantField, got.key, tc.wantKey, errs)
				}
			}
			switch {
			case tc.wantTop == "" && top != nil:
				t.Errorf("unexpected top message %+v", top)
			case tc.wantTop != "" && (top == nil || top.key != tc.wantTop):
				t.Errorf("top = %+v, want %q", top, tc.wantTop)
			}
		})
	}
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
