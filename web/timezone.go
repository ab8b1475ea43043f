package web

import (
	"net/http"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // zone names work on hosts (and images) without a zone database

	"github.com/labstack/echo/v4"
)

// The moderator's time zone lives in a cookie of this browser, so it is
// right before sign-in and for every account used on it. app.js writes
// "auto:" + the browser's zone whenever the cookie is missing or automatic;
// a zone chosen on the account page (which works without JavaScript) is
// written without the prefix, and app.js leaves it alone.
const (
	tzCookie     = "tz"
	tzAutoPrefix = "auto:"
)

// zones caches loaded zones: time.LoadLocation reads the zone database on
// every call. Only valid names are kept, and there are a few hundred.
var zones sync.Map // name → *time.Location

// loadZone returns the zone of an IANA name such as "Europe/Berlin", or
// nil if there is none by that name.
func loadZone(name string) *time.Location {
	if name == "" || len(name) > 64 || strings.ContainsAny(name, "\\ ") || strings.Contains(name, "..") {
		return nil
	}
	if z, ok := zones.Load(name); ok {
		return z.(*time.Location)
	}
	z, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return nil
	}
	zones.Store(name, z)
	return z
}

// timeZone is where the request's moderator reads times: the zone chosen
// on the account page, else the browser's, else UTC. auto reports whether
// it follows the browser.
func timeZone(c echo.Context) (zone *time.Location, auto bool) {
	ck, err := c.Cookie(tzCookie)
	if err != nil {
		return time.UTC, true
	}
	name, auto := strings.CutPrefix(ck.Value, tzAutoPrefix)
	if z := loadZone(name); z != nil {
		return z, auto
	}
	return time.UTC, true
}

// setTimeZone keeps the zone chosen on the account page ("" follows the
// browser again) for a year.
func (s *Server) setTimeZoneCookie(c echo.Context, name string) {
	value := name
	if name == "" {
		value = tzAutoPrefix
	}
	c.SetCookie(&http.Cookie{
		Name: tzCookie, Value: value, Path: "/", MaxAge: 365 * 24 * 3600,
		// app.js reads and writes it: not HttpOnly. It holds no secret.
		Secure:   s.cfg.SecureCookies || c.IsTLS(),
		SameSite: http.SameSiteLaxMode,
	})
}

// commonZones are offered on the account page; any IANA name is accepted.
var commonZones = []string{
	"UTC",
	"America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York",
	"America/Sao_Paulo", "America/Mexico_City",
	"Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Moscow",
	"Africa/Cairo", "Africa/Lagos", "Africa/Johannesburg",
	"Asia/Dubai", "Asia/Kolkata", "Asia/Bangkok", "Asia/Jakarta", "Asia/Singapore",
	"Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Seoul", "Asia/Tokyo",
	"Australia/Sydney", "Pacific/Auckland",
}
