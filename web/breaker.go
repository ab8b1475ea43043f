package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/sony/gobreaker/v2"

	"groupdesk/agora"
)

// defaultPageTimeout is Config.PageTimeout when it is zero.
const defaultPageTimeout = 15 * time.Second

// pageTimeout is the Config.PageTimeout in effect.
func (c Config) pageTimeout() time.Duration {
	if c.PageTimeout > 0 {
		return c.PageTimeout
	}
	return defaultPageTimeout
}

// withPageDeadline gives each request one deadline for everything it
// waits on: a slot of the in-flight gate, and Agora with all its retries.
// Without it a silent Agora held a page for as long as the client's
// per-attempt timeout times its attempts (4 × 10 s). The deadline bounds
// the waits only (see untilPageDeadline), not the request's context, so a
// page that timed out can still render its answer. Downloads are exempt: a
// long export makes many calls, each bounded by the client's timeout.
func withPageDeadline(timeout time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if strings.HasSuffix(c.Path(), ".csv") || strings.HasPrefix(c.Request().URL.Path, "/static/") || opsRoutes[c.Path()] {
				return next(c)
			}
			r := c.Request()
			c.SetRequest(r.WithContext(context.WithValue(r.Context(), pageDeadlineKey{}, time.Now().Add(timeout))))
			return next(c)
		}
	}
}

type pageDeadlineKey struct{}

// untilPageDeadline is ctx ending at the request's page deadline, if it
// has one.
func untilPageDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if d, ok := ctx.Value(pageDeadlineKey{}).(time.Time); ok {
		return context.WithDeadline(ctx, d)
	}
	return ctx, func() {}
}

// The circuit breaker: after breakerTrips Agora calls in a row have timed
// out, calls fail at once for breakerCooldown, then one call tries again.
// A slow Agora then costs each moderator one page deadline, not one per
// page, and the page says when Groupdesk will try again.
const (
	breakerTrips    = 3
	breakerCooldown = 30 * time.Second
)

// agoraBreaker guards the calls of a groupService.
type agoraBreaker struct {
	cb  *gobreaker.TwoStepCircuitBreaker[struct{}]
	now func() time.Time

	mu        sync.Mutex
	openUntil time.Time
}

func newAgoraBreaker(now func() time.Time) *agoraBreaker {
	b := &agoraBreaker{now: now}
	b.cb = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        "agora",
		MaxRequests: 1,
		Timeout:     breakerCooldown,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= breakerTrips },
		// Only silence trips it: an error answer is Agora answering.
		IsSuccessful: func(err error) bool { return !isUpstreamTimeout(err) },
		// A moderator who left says nothing about Agora.
		IsExcluded: func(err error) bool { return errors.Is(err, context.Canceled) },
		OnStateChange: func(_ string, _, to gobreaker.State) {
			if to == gobreaker.StateOpen {
				b.mu.Lock()
				b.openUntil = b.now().Add(breakerCooldown)
				b.mu.Unlock()
			}
		},
	})
	return b
}

// isUpstreamTimeout reports whether Agora did not answer in time.
func isUpstreamTimeout(err error) bool {
	var re *agora.RequestError
	var ae *agora.Error
	return errors.Is(err, context.DeadlineExceeded) ||
		errors.As(err, &re) && re.Timeout() ||
		errors.As(err, &ae) && ae.StatusCode == http.StatusGatewayTimeout
}

// allow returns the function that records a call's outcome, or the page
// to show instead of calling.
func (b *agoraBreaker) allow() (func(error), error) {
	done, err := b.cb.Allow()
	if err == nil {
		return done, nil
	}
	now := b.now()
	b.mu.Lock()
	retryAt := b.openUntil
	b.mu.Unlock()
	if !retryAt.After(now) {
		retryAt = now.Add(time.Second) // half open: another request is trying
	}
	wait := retryAt.Sub(now).Round(time.Second)
	if wait < time.Second {
		wait = time.Second
	}
	return nil, &pageError{
		status:     http.StatusServiceUnavailable,
		key:        "error.agora_not_answering",
		args:       []any{int(wait / time.Second)},
		retryAfter: wait,
		cause:      fmt.Errorf("agora: circuit breaker open until %s: %w", retryAt.UTC().Format(time.RFC3339), err),
	}
}

// guard makes one call through the breaker, ending by the page deadline.
func guard[T any](ctx context.Context, b *agoraBreaker, call func(context.Context) (T, *agora.Response, error)) (T, *agora.Response, error) {
	done, err := b.allow()
	if err != nil {
		var zero T
		return zero, nil, err
	}
	ctx, cancel := untilPageDeadline(ctx)
	defer cancel()
	v, resp, err := call(ctx)
	done(err)
	return v, resp, err
}

// breakerGroups is a groupService whose calls go through an agoraBreaker.
type breakerGroups struct {
	next groupService
	b    *agoraBreaker
}

func (g breakerGroups) Create(ctx context.Context, req *agora.CreateGroupRequest) (string, *agora.Response, error) {
	return guard(ctx, g.b, func(ctx context.Context) (string, *agora.Response, error) { return g.next.Create(ctx, req) })
}

func (g breakerGroups) Get(ctx context.Context, ids ...string) ([]*agora.Group, *agora.Response, error) {
	return guard(ctx, g.b, func(ctx context.Context) ([]*agora.Group, *agora.Response, error) { return g.next.Get(ctx, ids...) })
}

func (g breakerGroups) GetWithoutMembers(ctx context.Context, ids ...string) ([]*agora.Group, *agora.Response, error) {
	return guard(ctx, g.b, func(ctx context.Context) ([]*agora.Group, *agora.Response, error) {
		return g.next.GetWithoutMembers(ctx, ids...)
	})
}

func (g breakerGroups) GetOne(ctx context.Context, id string) (*agora.Group, *agora.Response, error) {
	return guard(ctx, g.b, func(ctx context.Context) (*agora.Group, *agora.Response, error) { return g.next.GetOne(ctx, id) })
}

func (g breakerGroups) Update(ctx context.Context, id string, req *agora.UpdateGroupRequest) (*agora.Response, error) {
	_, resp, err := guard(ctx, g.b, func(ctx context.Context) (struct{}, *agora.Response, error) {
		resp, err := g.next.Update(ctx, id, req)
		return struct{}{}, resp, err
	})
	return resp, err
}

func (g breakerGroups) Delete(ctx context.Context, id string) (*agora.Response, error) {
	_, resp, err := guard(ctx, g.b, func(ctx context.Context) (struct{}, *agora.Response, error) {
		resp, err := g.next.Delete(ctx, id)
		return struct{}{}, resp, err
	})
	return resp, err
}

func (g breakerGroups) List(ctx context.Context, opts *agora.ListOptions) ([]*agora.GroupSummary, *agora.Response, error) {
	return guard(ctx, g.b, func(ctx context.Context) ([]*agora.GroupSummary, *agora.Response, error) {
		return g.next.List(ctx, opts)
	})
}

func (g breakerGroups) ListJoined(ctx context.Context, username string, opts *agora.JoinedOptions) ([]*agora.JoinedGroup, *agora.Response, error) {
	return guard(ctx, g.b, func(ctx context.Context) ([]*agora.JoinedGroup, *agora.Response, error) {
		return g.next.ListJoined(ctx, username, opts)
	})
}
