package web

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/labstack/echo/v4"
)

// pagesPerProc is how many page requests per GOMAXPROCS may work at once
// when Config.MaxConcurrentPages is zero.
const pagesPerProc = 4

// limitInFlight admits at most limit requests into the handlers at once;
// the others wait, in no particular order, until one finishes. A page of a
// 2,000-member group holds the decoded group and a render buffer while it
// works: on a few cores, running more of them at once adds no throughput
// but multiplies the live heap, and the garbage collector lets the heap
// grow to twice that. A waiting request whose client goes away leaves the
// queue without doing any work. Only the routes that call Agora are behind
// it (see routes.go): pages served from the dashboard database, static
// files and the operations endpoints never wait, so they answer while a
// slow Agora holds every slot.
func limitInFlight(limit int) echo.MiddlewareFunc {
	slots := make(chan struct{}, limit)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if strings.HasPrefix(c.Request().URL.Path, "/static/") || opsRoutes[c.Path()] {
				return next(c)
			}
			ctx, cancel := untilPageDeadline(c.Request().Context())
			defer cancel()
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return fmt.Errorf("waiting for a free request slot: %w", ctx.Err())
			}
			defer func() { <-slots }()
			return next(c)
		}
	}
}

// maxConcurrentPages is the Config.MaxConcurrentPages in effect.
func (c Config) maxConcurrentPages() int {
	if c.MaxConcurrentPages > 0 {
		return c.MaxConcurrentPages
	}
	return pagesPerProc * runtime.GOMAXPROCS(0)
}
