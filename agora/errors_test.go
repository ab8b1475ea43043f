package agora

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var sentinels = []error{ErrNotFound, ErrUnauthorized, ErrRateLimited, ErrInvalidInput, ErrForbidden, ErrUnavailable}

func TestErrorResponses(t *testing.T) {
	clock := newFakeClock(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
	const path = "/org/app/chatgroups/123"
	agoraErr := func(code, exception, desc string) string {
		return fmt.Sprintf(`{"error":%q,"exception":%q,"timestamp":1542363546590,"duration":2,"error_description":%q}`, code, exception, desc)
	}
	htmlBody := "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

	tests := []struct {
		name     string
		status   int
		header   map[string]string
		body     string
		sentinel error // the only sentinel that must match
		want     *Error
		text     string
	}{
		{
			name: "404 resource_not_found", status: 404,
			body:     agoraErr("resource_not_found", "com.easemob.group.exception.ResourceNotFoundException", "grpID 123 does not exist!"),
			sentinel: ErrNotFound,
			want:     &Error{Reason: ReasonGroupNotFound, Code: "resource_not_found", Exception: "com.easemob.group.exception.ResourceNotFoundException", Description: "grpID 123 does not exist!"},
			text:     "agora: GET /org/app/chatgroups/123: 404 resource_not_found: grpID 123 does not exist!",
		},
		{
			name: "404 service_resource_not_found (key order of the 2019 capture)", status: 404,
			body:     `{"error":"service_resource_not_found","timestamp":1542363546590,"duration":2,"exception":"com.easemob.group.exception.ServiceResourceNotFoundException","error_description":"do not find this group:123"}`,
			sentinel: ErrNotFound,
			want:     &Error{Reason: ReasonGroupNotFound, Code: "service_resource_not_found", Exception: "com.easemob.group.exception.ServiceResourceNotFoundException", Description: "do not find this group:123"},
			text:     "agora: GET /org/app/chatgroups/123: 404 service_resource_not_found: do not find this group:123",
		},
		{
			name: "404 unknown app", status: 404,
			body:     agoraErr("organization_application_not_found", "", "Could not find application for org/app from URI: org/app/chatgroups/123"),
			sentinel: ErrNotFound,
			want:     &Error{Reason: ReasonAppNotFound, Code: "organization_application_not_found", Description: "Could not find application for org/app from URI: org/app/chatgroups/123"},
			text:     "agora: GET /org/app/chatgroups/123: 404 organization_application_not_found: Could not find application for org/app from URI: org/app/chatgroups/123",
		},
		{
			name: "401 token is blank", status: 401,
			body:     agoraErr("group_authorization", "com.easemob.group.exception.GroupAuthorizationException", "token is blank!"),
			sentinel: ErrUnauthorized,
			want:     &Error{Reason: ReasonUnauthorized, Code: "group_authorization", Exception: "com.easemob.group.exception.GroupAuthorizationException", Description: "token is blank!"},
			text:     "agora: GET /org/app/chatgroups/123: 401 group_authorization: token is blank!",
		},
		{
			name: "401 corrupt token", status: 401,
			body:     agoraErr("auth_bad_access_token", "org.apache.usergrid.rest.exceptions.SecurityException", "Unable to authenticate due to corrupt access token"),
			sentinel: ErrUnauthorized,
			want:     &Error{Reason: ReasonUnauthorized, Code: "auth_bad_access_token", Exception: "org.apache.usergrid.rest.exceptions.SecurityException", Description: "Unable to authenticate due to corrupt access token"},
			text:     "agora: GET /org/app/chatgroups/123: 401 auth_bad_access_token: Unable to authenticate due to corrupt access token",
		},
		{
			name: "401 token of another server", status: 401,
			body:     agoraErr("auth_bad_access_token", "org.apache.usergrid.rest.exceptions.SecurityException", "Unable to authenticate"),
			sentinel: ErrUnauthorized,
			want:     &Error{Reason: ReasonUnauthorized, Code: "auth_bad_access_token", Exception: "org.apache.usergrid.rest.exceptions.SecurityException", Description: "Unable to authenticate"},
			text:     "agora: GET /org/app/chatgroups/123: 401 auth_bad_access_token: Unable to authenticate",
		},
		{
			name: "401 expired", status: 401,
			body:     agoraErr("unauthorized", "UnauthorizedException", "Unable to authenticate due to expired access token"),
			sentinel: ErrUnauthorized,
			want:     &Error{Reason: ReasonUnauthorized, Code: "unauthorized", Exception: "UnauthorizedException", Description: "Unable to authenticate due to expired access token"},
			text:     "agora: GET /org/app/chatgroups/123: 401 unauthorized: Unable to authenticate due to expired access token",
		},
		{
			name: "401 OAuth with properties", status: 401,
			body:     `{"error":"unauthorized","exception":"UnauthorizedException","timestamp":1542363546590,"duration":2,"error_description":"Unable to authenticate (OAuth)","properties":{}}`,
			sentinel: ErrUnauthorized,
			want:     &Error{Reason: ReasonUnauthorized, Code: "unauthorized", Exception: "UnauthorizedException", Description: "Unable to authenticate (OAuth)"},
			text:     "agora: GET /org/app/chatgroups/123: 401 unauthorized: Unable to authenticate (OAuth)",
		},
		{
			name: "429 reach_limit, Retry-After seconds", status: 429,
			header:   map[string]string{"Retry-After": "2"},
			body:     agoraErr("reach_limit", "EasemobReachLimitException", "This request has reached api limit"),
			sentinel: ErrRateLimited,
			want:     &Error{Reason: ReasonRateLimited, Code: "reach_limit", Exception: "EasemobReachLimitException", Description: "This request has reached api limit", RetryAfter: 2 * time.Second},
			text:     "agora: GET /org/app/chatgroups/123: 429 reach_limit: This request has reached api limit (retry after 2s)",
		},
		{
			name: "429 resource_limited, Retry-After HTTP date", status: 429,
			header:   map[string]string{"Retry-After": clock.Now().Add(30 * time.Second).Format(http.TimeFormat)},
			body:     agoraErr("resource_limited", "", "You have exceeded the limit of the Free edition. Please upgrade to higher edition."),
			sentinel: ErrRateLimited,
			want:     &Error{Reason: ReasonPlanLimit, Code: "resource_limited", Description: "You have exceeded the limit of the Free edition. Please upgrade to higher edition.", RetryAfter: 30 * time.Second},
			text:     "agora: GET /org/app/chatgroups/123: 429 resource_limited: You have exceeded the limit of the Free edition. Please upgrade to higher edition. (retry after 30s)",
		},
		{
			name: "400 json_parse", status: 400,
			body:     agoraErr("json_parse", "com.fasterxml.jackson.core.JsonParseException", "Unexpected character ('=' (code 61)): was expecting a colon to separate field name and value"),
			sentinel: ErrInvalidInput,
			want:     &Error{Reason: ReasonInvalidRequest, Code: "json_parse", Exception: "com.fasterxml.jackson.core.JsonParseException", Description: "Unexpected character ('=' (code 61)): was expecting a colon to separate field name and value"},
			text:     "agora: GET /org/app/chatgroups/123: 400 json_parse: Unexpected character ('=' (code 61)): was expecting a colon to separate field name and value",
		},
		{
			name: "403 exceed_limit", status: 403,
			body:     agoraErr("exceed_limit", "EasemobForbiddenOpException", "appKey:org#app has create too many groups!"),
			sentinel: ErrForbidden,
			want:     &Error{Reason: ReasonAppTooManyGroups, Code: "exceed_limit", Exception: "EasemobForbiddenOpException", Description: "appKey:org#app has create too many groups!"},
			text:     "agora: GET /org/app/chatgroups/123: 403 exceed_limit: appKey:org#app has create too many groups!",
		},
		{
			name: "413 plain text", status: 413,
			header:   map[string]string{"Content-Type": "text/plain"},
			body:     "Request Entity Too Large",
			sentinel: ErrInvalidInput,
			want:     &Error{Reason: ReasonInvalidRequest, Body: "Request Entity Too Large"},
			text:     "agora: GET /org/app/chatgroups/123: 413 Request Entity Too Large: Request Entity Too Large",
		},
		{
			name: "415 web_application", status: 415,
			body:     agoraErr("web_application", "javax.ws.rs.WebApplicationException", "Unsupported Media Type"),
			sentinel: ErrInvalidInput,
			want:     &Error{Reason: ReasonInvalidRequest, Code: "web_application", Exception: "javax.ws.rs.WebApplicationException", Description: "Unsupported Media Type"},
			text:     "agora: GET /org/app/chatgroups/123: 415 web_application: Unsupported Media Type",
		},
		{
			name: "502 HTML", status: 502,
			header:   map[string]string{"Content-Type": "text/html"},
			body:     htmlBody,
			sentinel: ErrUnavailable,
			want:     &Error{Reason: ReasonServerError, Body: htmlBody},
			text:     "agora: GET /org/app/chatgroups/123: 502 Bad Gateway: <html> <head><title>502 Bad Gateway</title></head> <body> <center><h1>502 Bad Gateway</h1></center> <hr><center>nginx</c…",
		},
		{
			name: "503 with Retry-After", status: 503,
			header:   map[string]string{"Retry-After": "1"},
			body:     "",
			sentinel: ErrUnavailable,
			want:     &Error{Reason: ReasonServerError, RetryAfter: time.Second},
			text:     "agora: GET /org/app/chatgroups/123: 503 Service Unavailable (retry after 1s)",
		},
		{
			name: "truncated JSON", status: 404,
			body:     `{"error":"resource_not_found","excep`,
			sentinel: ErrNotFound,
			want:     &Error{Reason: ReasonNotFound, Body: `{"error":"resource_not_found","excep`},
			text:     `agora: GET /org/app/chatgroups/123: 404 Not Found: {"error":"resource_not_found","excep`,
		},
		{
			name: "empty body", status: 500,
			sentinel: ErrUnavailable,
			want:     &Error{Reason: ReasonServerError},
			text:     "agora: GET /org/app/chatgroups/123: 500 Internal Server Error",
		},
		{
			name: "JSON without error key", status: 500,
			body:     `{"message":"boom"}`,
			sentinel: ErrUnavailable,
			want:     &Error{Reason: ReasonServerError, Body: `{"message":"boom"}`},
			text:     `agora: GET /org/app/chatgroups/123: 500 Internal Server Error: {"message":"boom"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, mux := setup(t, WithRetries(0, 0), withClock(clock.Now))
			mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				if w.Header().Get("Content-Type") == "" {
					w.Header().Set("Content-Type", "application/json")
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			_, resp, err := client.Groups.Get(context.Background(), "123")
			if err == nil {
				t.Fatal("want an error")
			}
			for _, s := range sentinels {
				if got, want := errors.Is(err, s), s == tt.sentinel; got != want {
					t.Errorf("errors.Is(err, %v) = %v, want %v", s, got, want)
				}
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("errors.As(*Error) failed for %T", err)
			}
			want := *tt.want
			want.StatusCode, want.Method, want.Path = tt.status, "GET", path
			if want.Code != "" {
				want.Timestamp, want.Duration = 1542363546590, 2
			}
			if diff := cmp.Diff(&want, e); diff != "" {
				t.Errorf("*Error mismatch (-want +got):\n%s", diff)
			}
			if err.Error() != tt.text {
				t.Errorf("Error() = %q\n     want %q", err.Error(), tt.text)
			}
			if resp == nil || resp.StatusCode != tt.status || resp.Attempts != 1 {
				t.Errorf("resp = %+v", resp)
			}
			d, ok := RetryAfter(err)
			if d != tt.want.RetryAfter || ok != (tt.want.RetryAfter > 0) {
				t.Errorf("RetryAfter(err) = %v, %v", d, ok)
			}
		})
	}
}

func TestErrorBodyIsTruncated(t *testing.T) {
	client, mux := setup(t, WithRetries(0, 0))
	big := strings.Repeat("é", 2000) // 2 bytes each: truncation must not split one
	mux.HandleFunc("/org/app/chatgroups/1", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		io.WriteString(w, big)
	})
	_, _, err := client.Groups.GetOne(context.Background(), "1")
	var e *Error
	if !errors.As(err, &e) {
		t.Fatal(err)
	}
	if len(e.Body) > 512 || len(e.Body) < 510 || !strings.HasPrefix(big, e.Body) {
		t.Errorf("Body is %d bytes", len(e.Body))
	}
	if n := len([]rune(err.Error())); n > 200 {
		t.Errorf("Error() is %d characters long", n)
	}
}

func TestCheckResponse(t *testing.T) {
	t.Run("2xx", func(t *testing.T) {
		if err := CheckResponse(&http.Response{StatusCode: 204}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("error body stays readable and open", func(t *testing.T) {
		body := `{"error":"forbidden_op","exception":"x","timestamp":5,"duration":1,"error_description":"forbidden operation on group owner!"}`
		tb := &trackingBody{Reader: strings.NewReader(body)}
		req, _ := http.NewRequest("DELETE", "https://host/org/app/chatgroups/1/users/boss?x=1", nil)
		r := &http.Response{StatusCode: 403, Body: tb, Header: http.Header{}, Request: req}
		err := CheckResponse(r)
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, ErrForbidden) {
			t.Fatalf("err = %v", err)
		}
		if want := "agora: DELETE /org/app/chatgroups/1/users/boss: 403 forbidden_op: forbidden operation on group owner!"; err.Error() != want {
			t.Errorf("Error() = %q", err)
		}
		if tb.closed {
			t.Error("CheckResponse closed the body")
		}
		rest, _ := io.ReadAll(r.Body)
		if string(rest) != body {
			t.Errorf("body after CheckResponse = %q", rest)
		}
		r.Body.Close()
		if !tb.closed {
			t.Error("closing r.Body does not close the original body")
		}
	})
	t.Run("bounded read", func(t *testing.T) {
		huge := bytes.Repeat([]byte("x"), 1<<20)
		tb := &trackingBody{Reader: bytes.NewReader(huge)}
		r := &http.Response{StatusCode: 500, Body: tb, Header: http.Header{}}
		err := CheckResponse(r)
		if tb.read > maxErrorBody {
			t.Errorf("read %d bytes, want at most %d", tb.read, maxErrorBody)
		}
		if want := "agora: 500 Internal Server Error: " + strings.Repeat("x", maxErrorBodyInMessage) + "…"; err.Error() != want {
			t.Errorf("Error() = %q", err)
		}
		rest, _ := io.ReadAll(r.Body)
		if len(rest) != len(huge) {
			t.Errorf("caller can read %d bytes, want %d", len(rest), len(huge))
		}
	})
	t.Run("no body", func(t *testing.T) {
		err := CheckResponse(&http.Response{StatusCode: 404, Header: http.Header{}})
		if !errors.Is(err, ErrNotFound) || err.Error() != "agora: 404 Not Found" {
			t.Errorf("err = %v", err)
		}
	})
}

type trackingBody struct {
	io.Reader
	read   int
	closed bool
}

func (b *trackingBody) Read(p []byte) (int, error) {
	n, err := b.Reader.Read(p)
	b.read += n
	return n, err
}

func (b *trackingBody) Close() error { b.closed = true; return nil }

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"-3", 0},
		{"7", 7 * time.Second},
		{" 7 ", 7 * time.Second},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{now.Add(time.Minute).Format(time.RFC850), time.Minute},
		{"soon", 0},
	} {
		got := parseRetryAfter(tt.in, now)
		if got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestRetryAfterHelper(t *testing.T) {
	e := &Error{StatusCode: 429, Code: "reach_limit", RetryAfter: 3 * time.Second}
	if d, ok := RetryAfter(fmt.Errorf("listing: %w", e)); !ok || d != 3*time.Second {
		t.Errorf("wrapped: %v, %v", d, ok)
	}
	if _, ok := RetryAfter(&Error{StatusCode: 429}); ok {
		t.Error("no header: want false")
	}
	if _, ok := RetryAfter(errors.New("x")); ok {
		t.Error("other error: want false")
	}
	if _, ok := RetryAfter(nil); ok {
		t.Error("nil: want false")
	}
}

func TestRequestError(t *testing.T) {
	timeout := &RequestError{Method: "GET", Path: "/o/a/chatgroups", Err: fmt.Errorf("no response within 1s: %w", context.DeadlineExceeded)}
	if !timeout.Timeout() || !errors.Is(timeout, ErrUnavailable) || !errors.Is(timeout, context.DeadlineExceeded) {
		t.Errorf("timeout error: Timeout %v, Is unavailable %v", timeout.Timeout(), errors.Is(timeout, ErrUnavailable))
	}
	if want := "agora: GET /o/a/chatgroups: no response within 1s: context deadline exceeded"; timeout.Error() != want {
		t.Errorf("Error() = %q", timeout.Error())
	}
	canceled := &RequestError{Method: "GET", Path: "/x", Err: context.Canceled}
	if canceled.Timeout() || errors.Is(canceled, ErrUnavailable) || !errors.Is(canceled, context.Canceled) {
		t.Error("a cancellation is neither a timeout nor unavailability")
	}
	refused := &RequestError{Method: "GET", Path: "/x", Err: errors.New("dial tcp 127.0.0.1:1: connect: connection refused")}
	if refused.Timeout() || !errors.Is(refused, ErrUnavailable) {
		t.Error("connection refused: want unavailable, not timeout")
	}
	for _, s := range sentinels {
		if s != ErrUnavailable && errors.Is(refused, s) {
			t.Errorf("RequestError matches %v", s)
		}
	}
}

func TestValidationErrorIs(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", &ValidationError{Field: "owner", Message: "must not be empty"})
	if !errors.Is(err, ErrInvalidInput) {
		t.Error("want ErrInvalidInput")
	}
	if want := "wrapped: agora: invalid owner: must not be empty"; err.Error() != want {
		t.Errorf("Error() = %q", err)
	}
}
