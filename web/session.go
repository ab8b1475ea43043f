package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"groupdesk/web/store"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"
)

// sessionCookie names the cookie; it holds only a signed random id, the
// data stays in the dashboard database, so any replica that shares it (and
// the session key) serves the session.
const sessionCookie = "groupdesk_session"

// Session timeouts, enforced on the server whatever the browser keeps.
const (
	sessionIdleTimeout     = 30 * time.Minute
	sessionAbsoluteTimeout = 12 * time.Hour
	// Activity is written at most this often, not on every request.
	sessionTouchInterval = time.Minute
)

// Keys of the values kept in a session. Every value is a string.
const (
	sessUser  = "user"
	sessCSRF  = "csrf"
	sessLang  = "lang"
	sessFlash = "flash"
	// sessLastCreate is "token id" of the last group created from a form
	// (see groupCreate).
	sessLastCreate = "last_create"
)

// sessionStore is a gorilla sessions.Store backed by the sessions table.
type sessionStore struct {
	st       *store.Store
	cache    *authCache
	codec    *securecookie.SecureCookie // JSON inside the signature
	gobCodec *securecookie.SecureCookie // cookies of builds before JSON, still read
	secure   bool                       // Config.SecureCookies; TLS requests get Secure anyway
	idle     time.Duration
	absolute time.Duration
	now      func() time.Time
}

var _ sessions.Store = (*sessionStore)(nil)

func newSessionStore(st *store.Store, cache *authCache, key []byte, secure bool) *sessionStore {
	// JSON, not securecookie's default gob: gob sends and compiles the
	// type description with every cookie, a tenth of a list page's CPU.
	codec := securecookie.New(key, nil)
	codec.MaxAge(int(sessionAbsoluteTimeout / time.Second))
	codec.SetSerializer(securecookie.JSONEncoder{})
	gobCodec := securecookie.New(key, nil)
	gobCodec.MaxAge(int(sessionAbsoluteTimeout / time.Second))
	return &sessionStore{
		st:       st,
		cache:    cache,
		codec:    codec,
		gobCodec: gobCodec,
		secure:   secure,
		idle:     sessionIdleTimeout,
		absolute: sessionAbsoluteTimeout,
		now:      time.Now,
	}
}

// hashSessionID is what the table stores, so a copy of the database does
// not yield usable cookies.
func hashSessionID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

func (ss *sessionStore) options(r *http.Request) *sessions.Options {
	return &sessions.Options{
		Path:     "/",
		HttpOnly: true,
		Secure:   ss.secure || r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
		// MaxAge 0: a browser-session cookie; the server enforces the timeouts.
	}
}

// Get implements sessions.Store.
func (ss *sessionStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(ss, name)
}

// New implements sessions.Store: it loads the session the cookie names, or
// returns a fresh one when there is none, the signature is wrong, or it
// has timed out.
func (ss *sessionStore) New(r *http.Request, name string) (*sessions.Session, error) {
	sess, _, err := ss.load(r, name)
	return sess, err
}

// loaded is what load read: the session's values as stored (nil for a new
// session), and whether the cookie should be signed anew because it does
// not carry the sum of the stored values (a cookie of an older build).
type loaded struct {
	values  map[string]string
	sum     string // of the stored values
	reissue bool
}

// load is New, from this replica's memory when the cookie's sum says its
// copy is current and the session needs no touch.
func (ss *sessionStore) load(r *http.Request, name string) (*sessions.Session, loaded, error) {
	sess := sessions.NewSession(ss, name)
	sess.Options = ss.options(r)
	sess.IsNew = true
	c, err := r.Cookie(name)
	if err != nil {
		return sess, loaded{}, nil
	}
	var payload cookiePayload
	if err := ss.codec.Decode(name, c.Value, &payload); err != nil {
		// A cookie of an older build is gob, and older still carries the
		// id alone. Signed-in sessions get a JSON cookie on this response
		// (its missing sum asks for that).
		payload = cookiePayload{}
		if ss.gobCodec.Decode(name, c.Value, &payload) != nil &&
			(ss.gobCodec.Decode(name, c.Value, &payload.ID) != nil || payload.ID == "") {
			return sess, loaded{}, nil // forged, from an old key, or too old: start over
		}
	}
	if payload.ID == "" {
		for k, v := range payload.Values {
			sess.Values[k] = v
		}
		sess.IsNew = false
		return sess, loaded{values: payload.Values}, nil
	}
	id := payload.ID
	key := hashSessionID(id)
	now := ss.now()
	cs, ok := ss.cache.session(key)
	if !ok || cs.sum != payload.Sum || now.Sub(cs.lastSeen) > sessionTouchInterval || now.Sub(cs.created) > ss.absolute {
		// Not here, older than the cookie, due a touch or past its time:
		// the database decides.
		if cs, ok, err = ss.read(r.Context(), key, now); !ok {
			return sess, loaded{}, err
		}
	}
	for k, v := range cs.values {
		sess.Values[k] = v
	}
	sess.ID = id
	sess.IsNew = false
	return sess, loaded{values: cs.values, sum: cs.sum, reissue: cs.sum != payload.Sum}, nil
}

// read loads a session row, deletes it if it has timed out, touches it if
// due, and keeps it in the cache.
func (ss *sessionStore) read(ctx context.Context, key string, now time.Time) (cachedSession, bool, error) {
	gen := ss.cache.generation()
	row, err := ss.st.Session(ctx, key)
	if err != nil || row == nil {
		ss.cache.dropSession(key)
		return cachedSession{}, false, err
	}
	if now.Sub(row.LastSeen) > ss.idle || now.Sub(row.Created) > ss.absolute {
		return cachedSession{}, false, ss.st.DeleteSession(ctx, key)
	}
	values := map[string]string{}
	if err := json.Unmarshal([]byte(row.Data), &values); err != nil {
		return cachedSession{}, false, nil // unreadable: treat as gone
	}
	if now.Sub(row.LastSeen) > sessionTouchInterval {
		if err := ss.st.TouchSession(ctx, key, now); err != nil {
			return cachedSession{}, false, err
		}
		row.LastSeen = now
	}
	cs := cachedSession{values: values, sum: sessionSum(row.Data), created: row.Created, lastSeen: row.LastSeen}
	ss.cache.putSession(gen, key, cs)
	return cs, true, nil
}

// Save implements sessions.Store. A negative MaxAge deletes the session.
func (ss *sessionStore) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	ctx := r.Context()
	if sess.Options != nil && sess.Options.MaxAge < 0 {
		if sess.ID != "" {
			if err := ss.st.DeleteSession(ctx, hashSessionID(sess.ID)); err != nil {
				return err
			}
		}
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", sess.Options))
		return nil
	}
	user, _ := sess.Values[sessUser].(string)
	if user == "" {
		// Nobody is signed in: the values travel in the signed cookie and
		// no row is written, so anonymous requests cannot fill the disk.
		if sess.ID != "" {
			if err := ss.st.DeleteSession(ctx, hashSessionID(sess.ID)); err != nil {
				return err
			}
			sess.ID = ""
		}
		values, err := sessionValues(sess)
		if err != nil {
			return err
		}
		return ss.setCookie(w, sess, cookiePayload{Values: values})
	}
	data, err := encodeSessionValues(sess)
	if err != nil {
		return err
	}
	if sess.ID == "" {
		sess.ID = newSessionID()
	}
	key := hashSessionID(sess.ID)
	if err := ss.st.SaveSession(ctx, key, user, data, ss.now()); err != nil {
		return err
	}
	// The next request reads the row back (its cookie's sum is new).
	ss.cache.dropSession(key)
	return ss.setCookie(w, sess, cookiePayload{ID: sess.ID, Sum: sessionSum(data)})
}

// cookiePayload is what the session cookie carries, signed: the id of a
// signed-in session, whose values are in the database, or the values of an
// anonymous one (its CSRF token, language and flash).
type cookiePayload struct {
	ID     string
	Values map[string]string
	// Sum is sessionSum of the signed-in session's stored values: a
	// replica whose copy has another sum reads the database.
	Sum string
}

func (ss *sessionStore) setCookie(w http.ResponseWriter, sess *sessions.Session, payload cookiePayload) error {
	encoded, err := ss.codec.Encode(sess.Name(), payload)
	if err != nil {
		return fmt.Errorf("sign session cookie: %w", err)
	}
	http.SetCookie(w, sessions.NewCookie(sess.Name(), encoded, sess.Options))
	return nil
}

// renew gives sess a new id and deletes the old row: called on login, so an
// id planted before login is worthless after it.
func (ss *sessionStore) renew(ctx context.Context, sess *sessions.Session) error {
	if sess.ID != "" {
		if err := ss.st.DeleteSession(ctx, hashSessionID(sess.ID)); err != nil {
			return fmt.Errorf("rotate session: %w", err)
		}
	}
	sess.ID = ""
	sess.IsNew = true
	return nil
}

func newSessionID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func sessionValues(sess *sessions.Session) (map[string]string, error) {
	values := make(map[string]string, len(sess.Values))
	for k, v := range sess.Values {
		ks, ok1 := k.(string)
		vs, ok2 := v.(string)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("session value %v is not a string pair", k)
		}
		values[ks] = vs
	}
	return values, nil
}

func encodeSessionValues(sess *sessions.Session) (string, error) {
	values, err := sessionValues(sess)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(values)
	return string(b), err
}

// requestSession is the session of one request plus what is needed to tell
// whether it changed.
type requestSession struct {
	*sessions.Session
	loaded loaded // as loaded; values nil for a new session
}

func (rs *requestSession) get(key string) string {
	v, _ := rs.Values[key].(string)
	return v
}

func (rs *requestSession) set(key, value string) { rs.Values[key] = value }

func (rs *requestSession) del(key string) { delete(rs.Values, key) }

// changed reports whether the session must be written back: compared
// value by value, as encoding it on every request cost more than the rest
// of the check.
func (rs *requestSession) changed() bool {
	if rs.Options != nil && rs.Options.MaxAge < 0 {
		return true
	}
	if rs.loaded.values == nil {
		return len(rs.Values) > 0 // a new session
	}
	if len(rs.Values) != len(rs.loaded.values) {
		return true
	}
	for k, v := range rs.Values {
		ks, ok1 := k.(string)
		vs, ok2 := v.(string)
		if !ok1 || !ok2 {
			return true // Save reports the error
		}
		if old, ok := rs.loaded.values[ks]; !ok || old != vs {
			return true
		}
	}
	return false
}

const ctxSession = "groupdesk.session"

// loadSession is the middleware that reads the session and writes it back,
// if changed, just before the response headers go out.
func (s *Server) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		sess, ld, err := s.sessions.load(r, sessionCookie)
		if err != nil {
			// The database failed: serve the request as anonymous.
			s.log.Error("session: load failed", "err", err)
		}
		rs := &requestSession{Session: sess, loaded: ld}
		c.Set(ctxSession, rs)
		c.Response().Before(func() {
			w := c.Response().Writer
			var err error
			switch {
			case rs.changed():
				err = s.sessions.Save(r, w, rs.Session)
			case rs.loaded.reissue:
				// Only the cookie: writing the values back could undo a
				// change another request made meanwhile.
				err = s.sessions.setCookie(w, rs.Session, cookiePayload{ID: rs.ID, Sum: rs.loaded.sum})
			}
			if err != nil {
				s.log.Error("session: save failed", "err", err)
			}
		})
		return next(c)
	}
}

// session returns the request's session; a detached empty one if the
// middleware did not run (so callers never check for nil).
func session(c echo.Context) *requestSession {
	if rs, ok := c.Get(ctxSession).(*requestSession); ok {
		return rs
	}
	return &requestSession{Session: sessions.NewSession(nil, sessionCookie)}
}
