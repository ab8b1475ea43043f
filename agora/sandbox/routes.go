package sandbox

import (
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
)

// maxBodyBytes caps request bodies; larger ones get 413.
const maxBodyBytes = 1 << 20

// apiFunc handles one endpoint: a reply for the envelope, or an error.
type apiFunc func(r *http.Request) (*reply, error)

// routes is the whole API, relative to /{org}/{app}.
func (s *Sandbox) routes() *http.ServeMux {
	table := []struct {
		method, path string
		fn           apiFunc
	}{
		{"POST", "/chatgroups", s.createGroup},
		{"GET", "/chatgroups", s.listGroups},
		{"GET", "/chatgroups/{id}", s.groupDetails}, // {id} may be "id1,id2,…"
		{"PUT", "/chatgroups/{id}", s.modifyGroup},
		{"DELETE", "/chatgroups/{id}", s.deleteGroup},

		{"GET", "/chatgroups/{id}/users", s.listMembers},
		{"POST", "/chatgroups/{id}/users", s.addMembers},
		{"POST", "/chatgroups/{id}/users/{username}", s.addMember},
		{"DELETE", "/chatgroups/{id}/users/{username}", s.removeMembers}, // {username} may be "u1,u2,…"
		{"GET", "/chatgroups/{id}/admin", s.listAdmins},
		{"POST", "/chatgroups/{id}/admin", s.addAdmin},
		{"DELETE", "/chatgroups/{id}/admin/{username}", s.removeAdmin},

		{"GET", "/chatgroups/{id}/mute", s.listMutes},
		{"POST", "/chatgroups/{id}/mute", s.mute},
		{"DELETE", "/chatgroups/{id}/mute/{username}", s.unmute}, // {username} may be "u1,u2,…", as below
		{"POST", "/chatgroups/{id}/ban", s.groupFlag("mute", true)},
		{"DELETE", "/chatgroups/{id}/ban", s.groupFlag("mute", false)},
		{"GET", "/chatgroups/{id}/blocks/users", s.listBlocks},
		{"POST", "/chatgroups/{id}/blocks/users", s.blockMany},
		{"POST", "/chatgroups/{id}/blocks/users/{username}", s.blockOne},
		{"DELETE", "/chatgroups/{id}/blocks/users/{username}", s.unblock},
		{"GET", "/chatgroups/{id}/white/users", s.listAllowed},
		{"POST", "/chatgroups/{id}/white/users", s.allowMany},
		{"POST", "/chatgroups/{id}/white/users/{username}", s.allowOne},
		{"DELETE", "/chatgroups/{id}/white/users/{username}", s.disallow},
		{"POST", "/chatgroups/{id}/disable", s.groupFlag("disabled", true)},
		{"POST", "/chatgroups/{id}/enable", s.groupFlag("disabled", false)},
		{"GET", "/chatgroups/{id}/announcement", s.getAnnouncement},
		{"POST", "/chatgroups/{id}/announcement", s.setAnnouncement},

		{"POST", "/users", s.createUsers},
		{"GET", "/users/{username}", s.getUser},
		{"DELETE", "/users/{username}", s.deleteUser},
		{"GET", "/users/{username}/joined_chatgroups", s.joinedGroups},
	}
	mux := http.NewServeMux()
	allowed := map[string][]string{}
	var paths []string
	for _, rt := range table {
		mux.Handle(rt.method+" "+rt.path, s.api(rt.fn))
		if allowed[rt.path] == nil {
			paths = append(paths, rt.path)
		}
		allowed[rt.path] = append(allowed[rt.path], rt.method)
	}
	// A known path with another method: 405 in Agora's shape, not the
	// mux's plain-text one.
	for _, p := range paths {
		slices.Sort(allowed[p])
		e := errMethodNotAllowed(allowed[p])
		mux.Handle(p, s.api(func(*http.Request) (*reply, error) { return nil, e }))
	}
	mux.Handle("/", s.api(func(*http.Request) (*reply, error) { return nil, errServiceResourceNotFound() }))
	return mux
}

func (s *Sandbox) api(fn apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rep, err := fn(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.writeReply(w, r, rep)
	})
}

// ServeHTTP checks, in order, the org/app prefix, the rate limit and the
// token, then routes the rest of the path.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ri := &reqInfo{start: time.Now(), uri: requestURI(r)}
	r = r.WithContext(withReqInfo(r.Context(), ri))

	rest, ok := s.trimAppPrefix(r.URL.Path)
	if !ok {
		seg := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 3)
		seg = append(seg, "", "")
		s.writeError(w, r, errOrgAppNotFound(seg[0], seg[1], r.URL.Path))
		return
	}
	if s.limiter != nil {
		// A reservation tells how long until a token is free; an
		// over-limit request gives it back, so refusals cost nothing.
		if res := s.limiter.Reserve(); res.Delay() > 0 {
			wait := res.Delay()
			res.Cancel()
			s.writeError(w, r, errReachLimit(wait))
			return
		}
	}
	if err := s.authenticate(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	if r.ContentLength > maxBodyBytes {
		s.writeError(w, r, errBodyTooLarge())
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)

	// r is already our copy (WithContext above); route on the rest of the path.
	u := *r.URL
	u.Path, u.RawPath = rest, ""
	r.URL = &u
	s.mux.ServeHTTP(w, r)
}

// trimAppPrefix strips "/{org}/{app}" from path, reporting whether they are
// the served ones.
func (s *Sandbox) trimAppPrefix(urlPath string) (string, bool) {
	prefix := "/" + s.cfg.Org + "/" + s.cfg.App
	rest, ok := strings.CutPrefix(urlPath, prefix)
	if !ok || (rest != "" && rest[0] != '/') {
		return "", false
	}
	// A trailing slash is tolerated; anything else the mux would clean
	// (and redirect to a path without the prefix) is not a route.
	if len(rest) > 1 {
		rest = strings.TrimSuffix(rest, "/")
	}
	if rest == "" {
		rest = "/"
	}
	if path.Clean(rest) != rest {
		return "/-", true // matches no route: 404 service_resource_not_found
	}
	return rest, true
}
