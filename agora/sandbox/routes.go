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

// userGroupsPrefix is the internal route of /chatgroups/user/{username}.
const userGroupsPrefix = "/-chatgroups-user/"

// apiFunc handles one endpoint: a reply for the envelope, or an error.
type apiFunc func(r *http.Request) (*reply, error)

// routes is the whole API, relative to /{org}/{app}.
func (s *Sandbox) routes() *http.ServeMux {
	table := []struct {
		method, path string
		fn           apiFunc
		who          right // what a user token needs (app tokens may call all)
	}{
		{"POST", "/chatgroups", s.createGroup, anyUser},
		{"GET", "/chatgroups", s.listGroups, appOnly},
		{"GET", "/chatgroups/{id}", s.groupDetails, groupReader}, // {id} may be "id1,id2,…"
		{"PUT", "/chatgroups/{id}", s.modifyGroup, groupAdmin},
		{"DELETE", "/chatgroups/{id}", s.deleteGroup, groupOwner},

		{"GET", "/chatgroups/{id}/users", s.listMembers, groupReader},
		{"POST", "/chatgroups/{id}/users", s.addMembers, groupAdmin},
		{"POST", "/chatgroups/{id}/users/{username}", s.addMember, groupAdmin},
		{"DELETE", "/chatgroups/{id}/users/{username}", s.removeMembers, groupAdmin}, // {username} may be "u1,u2,…", as below
		{"GET", "/chatgroups/{id}/admin", s.listAdmins, groupReader},
		{"POST", "/chatgroups/{id}/admin", s.addAdmin, groupOwner},
		{"DELETE", "/chatgroups/{id}/admin/{username}", s.removeAdmin, groupOwner},

		{"GET", "/chatgroups/{id}/mute", s.listMutes, groupAdmin},
		{"POST", "/chatgroups/{id}/mute", s.mute, groupAdmin},
		{"DELETE", "/chatgroups/{id}/mute/{username}", s.unmute, groupAdmin},
		{"POST", "/chatgroups/{id}/ban", s.groupFlag("mute", true), groupAdmin},
		{"DELETE", "/chatgroups/{id}/ban", s.groupFlag("mute", false), groupAdmin},
		{"GET", "/chatgroups/{id}/blocks/users", s.listBlocks, groupAdmin},
		{"POST", "/chatgroups/{id}/blocks/users", s.blockMany, groupAdmin},
		{"POST", "/chatgroups/{id}/blocks/users/{username}", s.blockOne, groupAdmin},
		{"DELETE", "/chatgroups/{id}/blocks/users/{username}", s.unblock, groupAdmin},
		{"GET", "/chatgroups/{id}/white/users", s.listAllowed, groupAdmin},
		{"POST", "/chatgroups/{id}/white/users", s.allowMany, groupAdmin},
		{"POST", "/chatgroups/{id}/white/users/{username}", s.allowOne, groupAdmin},
		{"DELETE", "/chatgroups/{id}/white/users/{username}", s.disallow, groupAdmin},
		{"POST", "/chatgroups/{id}/disable", s.groupFlag("disabled", true), appOnly},
		{"POST", "/chatgroups/{id}/enable", s.groupFlag("disabled", false), appOnly},
		{"GET", "/chatgroups/{id}/announcement", s.getAnnouncement, groupReader},
		{"POST", "/chatgroups/{id}/announcement", s.setAnnouncement, groupAdmin},

		// The Web SDK's endpoints beyond the server API.
		{"GET", "/publicchatgroups", s.publicGroups, anyUser},
		{"GET", userGroupsPrefix + "{username}", s.userGroups, self},
		{"GET", userGroupsPrefix + "{username}/joined_count", s.joinedCount, self},
		{"POST", "/chatgroups/{id}/invite", s.invite, groupMember},
		{"POST", "/chatgroups/{id}/invite_verify", s.inviteVerify, anyUser},
		{"POST", "/chatgroups/{id}/apply", s.apply, anyUser},
		{"POST", "/chatgroups/{id}/apply_verify", s.applyVerify, groupAdmin},
		{"DELETE", "/chatgroups/{id}/quit", s.quit, groupMember},
		{"POST", "/chatgroups/{id}/shield", s.shield(true), groupMember},
		{"DELETE", "/chatgroups/{id}/shield", s.shield(false), groupMember},
		{"GET", "/sdk/chatgroups/{id}/mute/{username}", s.sdkIsMuted, groupMember},
		{"GET", "/chatgroups/{id}/white/users/{username}", s.isAllowed, groupMember},
		{"PUT", "/sdk/metadata/chatgroup/{id}/user/{username}", s.setMemberAttrs, anyUser},
		{"POST", "/sdk/metadata/chatgroup/{id}/get", s.getMemberAttrs, anyUser},
		{"GET", "/chatgroups/{id}/share_files", s.listSharedFiles, groupMember},
		{"POST", "/chatgroups/{id}/share_files", s.uploadSharedFile, groupMember},
		{"GET", "/chatgroups/{id}/share_files/{file}", s.downloadSharedFile, groupMember},
		{"DELETE", "/chatgroups/{id}/share_files/{file}", s.deleteSharedFile, groupMember},

		{"POST", "/users", s.createUsers, appOnly},
		{"PUT", "/users/{username}", s.updateUser, self},
		{"GET", "/users/{username}", s.getUser, self},
		{"DELETE", "/users/{username}", s.deleteUser, appOnly},
		{"GET", "/users/{username}/joined_chatgroups", s.joinedGroups, self},
	}
	mux := http.NewServeMux()
	allowed := map[string][]string{}
	var paths []string
	for _, rt := range table {
		mux.Handle(rt.method+" "+rt.path, s.api(rt.fn, rt.who))
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
		mux.Handle(p, s.api(func(*http.Request) (*reply, error) { return nil, e }, anyUser))
	}
	mux.Handle("/", s.api(func(*http.Request) (*reply, error) { return nil, errServiceResourceNotFound() }, anyUser))
	return mux
}

func (s *Sandbox) api(fn apiFunc, who right) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.authorize(r, who); err != nil {
			s.writeError(w, r, err)
			return
		}
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

	if s.cors(w, r) {
		return // a preflight, answered
	}
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
	c, aerr := s.authenticate(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	r = withCaller(r, c)
	limit := int64(maxBodyBytes)
	if r.Method == http.MethodPost && strings.HasSuffix(rest, "/share_files") {
		limit = maxUploadBytes
	}
	if r.ContentLength > limit {
		s.writeError(w, r, errBodyTooLarge())
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)

	// GET /chatgroups/user/{u} would clash with /chatgroups/{id}/users in
	// the mux (neither pattern is more specific): route it by a private name.
	if u, ok := strings.CutPrefix(rest, "/chatgroups/user/"); ok {
		rest = userGroupsPrefix + u
	}
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
