package agora

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinels to test errors with errors.Is. *Error, *RequestError and
// *ValidationError match the ones that describe them.
var (
	ErrNotFound     = errors.New("agora: not found")           // 404
	ErrUnauthorized = errors.New("agora: unauthorized")        // 401: token missing, corrupt, expired or for another app
	ErrRateLimited  = errors.New("agora: rate limited")        // 429 reach_limit / resource_limited
	ErrInvalidInput = errors.New("agora: invalid input")       // 400, 413, 415, and client-side validation
	ErrForbidden    = errors.New("agora: forbidden")           // 403: exceed_limit, forbidden_op, …
	ErrUnavailable  = errors.New("agora: service unavailable") // 5xx and network failures
	ErrBadResponse  = errors.New("agora: unreadable response") // a 2xx the client could not read
)

// Error is a non-2xx answer from Agora. Switch on Reason (or ReasonOf(err))
// to tell what it means; errors.Is against the sentinels tests the status
// class. Callers should not read Description: the client has read it.
type Error struct {
	StatusCode  int
	Method      string
	Path        string // request path (no query, no host) for context
	Reason      Reason // what kind of failure, decided from status, code and description
	User        string // the user the description names, e.g. "bob" in "username bob doesn't exist!"; "a, b" for a list
	Field       string // the request field the description names (wire name, e.g. "maxusers"), when it names one
	Code        string // Agora "error", e.g. "resource_not_found"
	Exception   string
	Description string // "error_description"
	Timestamp   Millis
	Duration    int64
	RetryAfter  time.Duration // from Retry-After on 429/503
	Body        string        // raw body (truncated to 512 bytes) when it was not an Agora JSON error
}

// Error reads like
// "agora: GET /org/app/chatgroups/123: 404 resource_not_found: grpID 123 does not exist!".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("agora: ")
	if e.Method != "" || e.Path != "" {
		b.WriteString(strings.TrimSpace(e.Method + " " + e.Path))
		b.WriteString(": ")
	}
	b.WriteString(strconv.Itoa(e.StatusCode))
	switch {
	case e.Code != "":
		b.WriteString(" " + e.Code)
		if e.Description != "" {
			b.WriteString(": " + e.Description)
		}
	default:
		if t := http.StatusText(e.StatusCode); t != "" {
			b.WriteString(" " + t)
		}
		if s := shorten(strings.Join(strings.Fields(e.Body), " "), maxErrorBodyInMessage); s != "" {
			b.WriteString(": " + s)
		}
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

// Is matches the sentinel for e's status: 404 ErrNotFound (also for
// ReasonAppNotFound: check the Reason to tell a wrong org/app apart), 401
// ErrUnauthorized, 403 ErrForbidden, 429 (or the codes reach_limit and
// resource_limited) ErrRateLimited, 400/413/415 ErrInvalidInput and 5xx
// ErrUnavailable.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests || e.Code == "reach_limit" || e.Code == "resource_limited"
	case ErrInvalidInput:
		return e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusRequestEntityTooLarge ||
			e.StatusCode == http.StatusUnsupportedMediaType
	case ErrUnavailable:
		return e.StatusCode >= 500
	}
	return false
}

// redact removes the token from text the server may have echoed back.
func (e *Error) redact(token string) {
	if token == "" {
		return
	}
	e.Body = strings.ReplaceAll(e.Body, token, "[redacted]")
	e.Description = strings.ReplaceAll(e.Description, token, "[redacted]")
}

// CheckResponse returns nil for a 2xx response and an *Error otherwise. It
// reads at most 64 KB of the body and puts those bytes back in front of the
// rest, so the caller can still read r.Body and remains the one to close it.
func CheckResponse(r *http.Response) error {
	if r.StatusCode >= 200 && r.StatusCode <= 299 {
		return nil
	}
	var data []byte
	if r.Body != nil {
		data, _ = io.ReadAll(io.LimitReader(r.Body, maxErrorBody))
		r.Body = replayBody{Reader: io.MultiReader(bytes.NewReader(data), r.Body), Closer: r.Body}
	}
	return newError(r, data, time.Now())
}

type replayBody struct {
	io.Reader
	io.Closer
}

// newError decodes Agora's error envelope (facts §1.2) from body. Key order
// and the optional keys vary between servers, so each key is read on its own
// and a malformed one is ignored rather than failing the whole body.
func newError(r *http.Response, body []byte, now time.Time) *Error {
	e := &Error{StatusCode: r.StatusCode}
	if r.Request != nil {
		e.Method = r.Request.Method
		if r.Request.URL != nil {
			e.Path = r.Request.URL.EscapedPath()
		}
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) == nil && jsonString(fields["error"]) != "" {
		e.Code = jsonString(fields["error"])
		e.Exception = jsonString(fields["exception"])
		e.Description = jsonString(fields["error_description"])
		_ = json.Unmarshal(fields["timestamp"], &e.Timestamp)
		var d float64
		if json.Unmarshal(fields["duration"], &d) == nil {
			e.Duration = int64(d)
		}
	} else {
		e.Body = truncateUTF8(string(body), 512)
	}
	if r.StatusCode == http.StatusTooManyRequests || r.StatusCode == http.StatusServiceUnavailable {
		e.RetryAfter = parseRetryAfter(r.Header.Get("Retry-After"), now)
	}
	e.classify()
	return e
}

func jsonString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// parseRetryAfter reads delay-seconds or an HTTP date (RFC 9110 §10.2.3).
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, int64(24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// RetryAfter reports how long the server asked to wait, when err is (or
// wraps) an *Error whose 429 or 503 response carried a Retry-After header.
func RetryAfter(err error) (time.Duration, bool) {
	var e *Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		return e.RetryAfter, true
	}
	return 0, false
}

// RequestError is a call that got no usable HTTP response: a connection
// failure, a timeout, or the caller's context ending. No secret is in it:
// Err never carries request headers.
type RequestError struct {
	Method, Path string
	Err          error
}

func (e *RequestError) Error() string {
	return fmt.Sprintf("agora: %s %s: %v", e.Method, e.Path, e.Err)
}

func (e *RequestError) Unwrap() error { return e.Err }

// Is matches ErrUnavailable, except for a cancellation by the caller
// (errors.Is(err, context.Canceled) tells those apart) and a wait for the
// client-side rate limiter that could not end before the context's
// deadline (that one wraps ErrRateLimited).
func (e *RequestError) Is(target error) bool {
	return target == ErrUnavailable && !errors.Is(e.Err, context.Canceled) && !errors.Is(e.Err, ErrRateLimited)
}

// Timeout reports whether the call failed because a deadline passed (the
// per-attempt timeout, the caller's deadline or a network timeout).
func (e *RequestError) Timeout() bool {
	if errors.Is(e.Err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(e.Err, &ne) && ne.Timeout()
}

// ResponseError is a 2xx answer the client could not use: not JSON, not
// Agora's envelope, data of an unexpected shape, or larger than the client
// accepts (that last one also for non-2xx answers). Agora answered, so this
// is Agora's failure, not the caller's: it matches ErrBadResponse.
type ResponseError struct {
	Op         string // "GET /org/app/chatgroups/1" or an endpoint template
	StatusCode int    // 0 when the data was decoded after the call returned
	Err        error
}

func (e *ResponseError) Error() string {
	if e.StatusCode != 0 {
		return fmt.Sprintf("agora: %s: %d response: %v", e.Op, e.StatusCode, e.Err)
	}
	return fmt.Sprintf("agora: %s: %v", e.Op, e.Err)
}

func (e *ResponseError) Unwrap() error { return e.Err }

// Is matches ErrBadResponse.
func (e *ResponseError) Is(target error) bool { return target == ErrBadResponse }

// ValidationError is a request the client refused to send because it breaks
// a documented rule (facts §4.2, username rules). No HTTP call was made.
type ValidationError struct {
	Field   string // wire name, e.g. "groupname" or "members[3]"
	Message string
}

func (e *ValidationError) Error() string {
	return "agora: invalid " + e.Field + ": " + e.Message
}

// Is matches ErrInvalidInput.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidInput }

// NotAppliedError is a 200 answer to a change in which the server reported
// some fields as not applied (false or missing in its echo).
type NotAppliedError struct {
	Fields []string // wire names, e.g. "maxusers"
}

func (e *NotAppliedError) Error() string {
	return "agora: the server did not apply: " + strings.Join(e.Fields, ", ")
}

// Client-side checks (facts §4.2 and the seed's username rules).

func invalid(field, format string, args ...any) *ValidationError {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// checkUsername applies the documented username rules: 1–64 characters
// from a-z, A-Z, 0-9, '_', '-' and '.'.
func checkUsername(field, u string) error {
	if u == "" {
		return invalid(field, "must not be empty")
	}
	if len(u) > MaxUsernameLen {
		return invalid(field, "must be at most %d characters, got %d", MaxUsernameLen, len(u))
	}
	for _, r := range u {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-' || r == '.') {
			return invalid(field, "%q contains %q; usernames may contain only letters, digits, '_', '-' and '.'", u, r)
		}
	}
	return nil
}

func checkUsernames(field string, us []string) error {
	if len(us) == 0 {
		return invalid(field, "at least one username is needed")
	}
	for i, u := range us {
		if err := checkUsername(fmt.Sprintf("%s[%d]", field, i), u); err != nil {
			return err
		}
	}
	return nil
}

// checkGroupID rejects ids that cannot be put in a path: empty ones, and
// ones with a comma, which the detail endpoint uses to separate ids.
func checkGroupID(field, id string) error {
	if id == "" {
		return invalid(field, "group id must not be empty")
	}
	if strings.ContainsAny(id, ",/") {
		return invalid(field, "group id %q must not contain ',' or '/'", id)
	}
	return nil
}

func checkMaxLen(field string, v *string, n int) error {
	if v == nil {
		return nil
	}
	if c := utf8.RuneCountInString(*v); c > n {
		return invalid(field, "must be at most %d characters, got %d", n, c)
	}
	return nil
}

func checkPage(pageNum, pageSize int) error {
	if pageNum < 0 {
		return invalid("pagenum", "must not be negative, got %d", pageNum)
	}
	if pageSize < 0 {
		return invalid("pagesize", "must not be negative, got %d", pageSize)
	}
	return nil
}
