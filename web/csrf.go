package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
)

// csrfHeader is how htmx sends the token (hx-headers on <body>); forms send
// the hidden field csrfField.
const (
	csrfHeader = "X-CSRF-Token"
	csrfField  = "_csrf"
)

// csrfToken returns the session's CSRF token, creating it on first use.
// The token is tied to the server-side session, so a cookie planted by
// another site cannot supply it.
func csrfToken(rs *requestSession) string {
	if t := rs.get(sessCSRF); t != "" {
		return t
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	t := base64.RawURLEncoding.EncodeToString(b)
	rs.set(sessCSRF, t)
	return t
}

// checkCSRF rejects every state-changing request that is cross-origin or
// lacks the session's token.
func (s *Server) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if !sameOrigin(r) {
			return newPageError(http.StatusForbidden, "error.csrf_origin")
		}
		want := session(c).get(sessCSRF)
		got := r.Header.Get(csrfHeader)
		if got == "" {
			got = c.FormValue(csrfField)
		}
		if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			return newPageError(http.StatusForbidden, "error.csrf")
		}
		return next(c)
	}
}

// sameOrigin uses the browser's own statement of where a request came from
// when it makes one (Sec-Fetch-Site, Origin); the token check covers
// browsers that send neither.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false // includes "null"
	}
	return u.Host == r.Host
}
