package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

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
	st       *store
	codec    *securecookie.SecureCookie
	secure   bool // Config.SecureCookies; TLS requests get Secure anyway
	idle     time.Duration
	absolute time.Duration
	now      func() time.Time
}

var _ sessions.Store = (*sessionStore)(nil)

func newSessionStore(st *store, key []byte, secure bool) *sessionStore {
	codec := securecookie.New(key, nil)
	codec.MaxAge(int(sessionAbsoluteTimeout / time.Second))
	return &sessionStore{
		st:       st,
		codec:    codec,
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
	sess := sessions.NewSession(ss, name)
	sess.Options = ss.options(r)
	sess.IsNew = true
	c, err := r.Cookie(name)
	if err != nil {
		return sess, nil
	}
	var id string
	if err := ss.codec.Decode(name, c.Value, &id); err != nil || id == "" {
		return sess, nil // forged, from an old key, or too old: start over
	}
	ctx := r.Context()
	var data string
	var created, lastSeen int64
	err = ss.st.queryRow(ctx,
		`SELECT data, created, last_seen FROM sessions WHERE id_hash = ?`, hashSessionID(id)).
		Scan(&data, &created, &lastSeen)
	if errors.Is(err, sql.ErrNoRows) {
		return sess, nil
	}
	if err != nil {
		return sess, fmt.Errorf("load session: %w", err)
	}
	now := ss.now()
	if now.Sub(fromMillis(lastSeen)) > ss.idle || now.Sub(fromMillis(created)) > ss.absolute {
		_, err := ss.st.exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, hashSessionID(id))
		return sess, err
	}
	values := map[string]string{}
	if err := json.Unmarshal([]byte(data), &values); err != nil {
		return sess, nil // unreadable: treat as gone
	}
	for k, v := range values {
		sess.Values[k] = v
	}
	sess.ID = id
	sess.IsNew = false
	if now.Sub(fromMillis(lastSeen)) > sessionTouchInterval {
		if _, err := ss.st.exec(ctx,
			`UPDATE sessions SET last_seen = ? WHERE id_hash = ?`, millis(now), hashSessionID(id)); err != nil {
			return sess, fmt.Errorf("touch session: %w", err)
		}
	}
	return sess, nil
}

// Save implements sessions.Store. A negative MaxAge deletes the session.
func (ss *sessionStore) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	ctx := r.Context()
	if sess.Options != nil && sess.Options.MaxAge < 0 {
		if sess.ID != "" {
			if _, err := ss.st.exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, hashSessionID(sess.ID)); err != nil {
				return fmt.Errorf("delete session: %w", err)
			}
		}
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", sess.Options))
		return nil
	}
	data, err := encodeSessionValues(sess)
	if err != nil {
		return err
	}
	if sess.ID == "" {
		sess.ID = newSessionID()
	}
	user, _ := sess.Values[sessUser].(string)
	now := millis(ss.now())
	_, err = ss.st.exec(ctx,
		`INSERT INTO sessions (id_hash, username, data, created, last_seen) VALUES (?, ?, ?, ?, ?)
		 ON CONFLICT(id_hash) DO UPDATE SET username = excluded.username, data = excluded.data, last_seen = excluded.last_seen`,
		hashSessionID(sess.ID), user, data, now, now)
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	encoded, err := ss.codec.Encode(sess.Name(), sess.ID)
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
		if _, err := ss.st.exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, hashSessionID(sess.ID)); err != nil {
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

func encodeSessionValues(sess *sessions.Session) (string, error) {
	values := make(map[string]string, len(sess.Values))
	for k, v := range sess.Values {
		ks, ok1 := k.(string)
		vs, ok2 := v.(string)
		if !ok1 || !ok2 {
			return "", fmt.Errorf("session value %v is not a string pair", k)
		}
		values[ks] = vs
	}
	b, err := json.Marshal(values)
	return string(b), err
}

// requestSession is the session of one request plus what is needed to tell
// whether it changed.
type requestSession struct {
	*sessions.Session
	loaded string // encoded values as loaded; "" for a new session
}

func (rs *requestSession) get(key string) string {
	v, _ := rs.Values[key].(string)
	return v
}

func (rs *requestSession) set(key, value string) { rs.Values[key] = value }

func (rs *requestSession) del(key string) { delete(rs.Values, key) }

// changed reports whether the session must be written back.
func (rs *requestSession) changed() bool {
	if rs.Options != nil && rs.Options.MaxAge < 0 {
		return true
	}
	enc, err := encodeSessionValues(rs.Session)
	if err != nil {
		return true // Save reports the error
	}
	if rs.ID == "" {
		return len(rs.Values) > 0
	}
	return enc != rs.loaded
}

const ctxSession = "groupdesk.session"

// loadSession is the middleware that reads the session and writes it back,
// if changed, just before the response headers go out.
func (s *Server) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		sess, err := s.sessions.New(r, sessionCookie)
		if err != nil {
			// The database failed: serve the request as anonymous.
			s.log.Error("session: load failed", "err", err)
		}
		rs := &requestSession{Session: sess}
		if !sess.IsNew {
			rs.loaded, _ = encodeSessionValues(sess)
		}
		c.Set(ctxSession, rs)
		c.Response().Before(func() {
			if !rs.changed() {
				return
			}
			if err := s.sessions.Save(r, c.Response().Writer, rs.Session); err != nil {
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
