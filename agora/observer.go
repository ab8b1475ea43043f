package agora

import (
	"context"
	"fmt"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Observer receives what a Client does, for metrics. Every field may be nil.
// The functions run synchronously on the goroutine making the call, so they
// must be quick and safe for concurrent use.
//
// An Observer never sees a token, a certificate, a query string or an id:
// endpoints are route templates such as "GET /chatgroups/{group_ids}", so
// they are safe to use as metric labels.
type Observer struct {
	// Request is called after every HTTP attempt, retries included.
	Request func(RequestInfo)
	// Retry is called when the client is about to wait and send a call
	// again.
	Retry func(RetryInfo)
	// RateLimitWait is called when the client-side rate limiter held a call
	// back before sending it.
	RateLimitWait func(endpoint string, waited time.Duration)
	// TokenRenewal is called each time the client builds a new app token
	// from AppID and AppCertificate (the first one included).
	TokenRenewal func()
}

// RequestInfo describes one HTTP attempt.
type RequestInfo struct {
	Method   string
	Endpoint string // method and route template, e.g. "DELETE /chatgroups/{group_id}"
	Status   int    // HTTP status; 0 when no response arrived (see Err)
	Duration time.Duration
	Attempt  int   // 1 for the first attempt of a call
	Err      error // the transport failure when Status is 0
}

// RetryInfo describes a retry the client is about to make.
type RetryInfo struct {
	Method   string
	Endpoint string
	Attempt  int // the attempt that failed
	Status   int // its HTTP status; 0 for a network failure or timeout
	Wait     time.Duration
}

// WithObserver makes the client report its requests, retries, rate-limiter
// waits and token renewals to o. Without it nothing is reported.
func WithObserver(o Observer) Option {
	return func(c *Client) { c.observer = o }
}

func (o *Observer) request(info RequestInfo) {
	if o.Request != nil {
		o.Request(info)
	}
}

func (o *Observer) retry(info RetryInfo) {
	if o.Retry != nil {
		o.Retry(info)
	}
}

func (o *Observer) rateLimitWait(endpoint string, d time.Duration) {
	if o.RateLimitWait != nil {
		o.RateLimitWait(endpoint, d)
	}
}

func (o *Observer) tokenRenewal() {
	if o.TokenRenewal != nil {
		o.TokenRenewal()
	}
}

// endpointTemplate turns an escaped call path relative to /{org}/{app}
// ("/chatgroups/123,456/users/bob") into its route template
// ("/chatgroups/{group_ids}/users/{username}"). The API's paths alternate
// a fixed word and a value; a word this client does not know is replaced
// too, so no caller-supplied value can reach a metric label.
func endpointTemplate(path string) string {
	if path == "" || path == "/" {
		return "/"
	}
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	wordNext := true
	for i, s := range segs {
		if wordNext {
			if !knownPathWords[s] {
				segs[i] = "{unknown}"
			}
			// "blocks/users" and "white/users" are two words in a row.
			wordNext = s == "blocks" || s == "white"
			continue
		}
		name := "value"
		switch segs[i-1] {
		case "chatgroups":
			name = "group_id"
		case "users", "admin", "mute", "user":
			name = "username"
		}
		if strings.Contains(s, ",") {
			name += "s"
		}
		segs[i] = "{" + name + "}"
		wordNext = true
	}
	return "/" + strings.Join(segs, "/")
}

// knownPathWords are the fixed path segments of the calls this client makes.
var knownPathWords = map[string]bool{
	"chatgroups": true, "users": true, "admin": true, "joined_chatgroups": true,
	"mute": true, "ban": true, "blocks": true, "white": true, "disable": true, "enable": true, "announcement": true,
}

// waitLimiter waits for lim like rate.Limiter.Wait and also reports how long
// it held the call back (0 when a token was available at once). A wait that
// would pass ctx's deadline fails at once without consuming a token.
func waitLimiter(ctx context.Context, lim *rate.Limiter) (time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	now := time.Now()
	r := lim.ReserveN(now, 1)
	if !r.OK() {
		return 0, fmt.Errorf("rate: the limiter allows no calls")
	}
	delay := r.DelayFrom(now)
	if delay == 0 {
		return 0, nil
	}
	if dl, ok := ctx.Deadline(); ok && dl.Sub(now) < delay {
		r.CancelAt(now)
		return 0, errWaitPastDeadline
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return delay, nil
	case <-ctx.Done():
		r.Cancel()
		return time.Since(now), ctx.Err()
	}
}

var errWaitPastDeadline = fmt.Errorf("rate: waiting would pass the context deadline")
