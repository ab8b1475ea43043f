package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// AnyOrigin in Config.AllowedOrigins lets pages on every origin call the
// sandbox (the demo's setting).
const AnyOrigin = "*"

// checkOrigins validates Config.AllowedOrigins: "*" or scheme://host[:port].
func checkOrigins(origins []string) error {
	for _, o := range origins {
		if o == AnyOrigin {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return fmt.Errorf("sandbox: Config.AllowedOrigins: %q is not an origin: use scheme://host[:port], e.g. http://localhost:5173, or %q for any", o, AnyOrigin)
		}
	}
	return nil
}

func (s *Sandbox) originAllowed(origin string) bool {
	return slices.ContainsFunc(s.cfg.AllowedOrigins, func(o string) bool {
		return o == AnyOrigin || strings.EqualFold(strings.TrimSuffix(o, "/"), origin)
	})
}

// cors adds the CORS headers for an allowed Origin and answers preflights,
// which carry no token, before any other check. It reports whether the
// request was a preflight and has been answered.
func (s *Sandbox) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
	h := w.Header()
	h.Add("Vary", "Origin")
	if !s.originAllowed(origin) {
		if preflight {
			s.writeError(w, r, errForbiddenOp("origin %s is not among the sandbox's allowed origins", origin))
		}
		return preflight
	}
	h.Set("Access-Control-Allow-Origin", origin)
	if !preflight {
		h.Set("Access-Control-Expose-Headers", "Retry-After")
		return false
	}
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE")
	headers := r.Header.Get("Access-Control-Request-Headers")
	if headers == "" {
		headers = "Authorization, Content-Type"
	}
	h.Set("Access-Control-Allow-Headers", headers)
	h.Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
	return true
}
