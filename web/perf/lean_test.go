package perf

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/a-h/templ"
	"github.com/gorilla/securecookie"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"groupdesk/web/perf/lean"
)

const roleLean = "lean"

// TestLeanBaselineProcess is the lean baseline: what a careful engineer
// would write for the list, detail and search pages and nothing more. Echo
// with recover and one access-log line, a signed session cookie looked up
// in memory, a keep-alive client to the same fake upstream, encoding/json
// and a templ page of the same shape, rendered into a buffer as templ's
// Echo example does; search reads a SQLite FTS5 index loaded from the
// upstream at start (lean_search_test.go). Every budget line is a ratio to
// it. Only the harness runs it.
func TestLeanBaselineProcess(t *testing.T) {
	if os.Getenv(roleEnv) != roleLean {
		t.Skip("a helper process of TestBenchHarness")
	}
	b, err := newLeanBaseline(t.Context(), os.Getenv(upstreamEnv)+"/"+fakeOrg+"/"+fakeApp, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	if err := serveHelper(b.echo()); err != nil {
		t.Fatal(err)
	}
}

type leanBaseline struct {
	upstream string
	hc       *http.Client
	codec    *securecookie.SecureCookie
	log      *slog.Logger
	index    *leanIndex

	mu       sync.RWMutex
	sessions map[string]*leanSession
}

type leanSession struct{ user, csrf string }

// newLeanBaseline reads every group of upstream into a search index in
// dir before it returns, so no request waits for it.
func newLeanBaseline(ctx context.Context, upstream, dir string) (*leanBaseline, error) {
	b := &leanBaseline{
		upstream: upstream,
		hc:       &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
		codec:    securecookie.New(securecookie.GenerateRandomKey(32), nil),
		log:      slog.New(slog.NewTextHandler(os.Stderr, nil)),
		sessions: map[string]*leanSession{},
	}
	groups, err := b.allGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("lean baseline: read the groups to index: %w", err)
	}
	if b.index, err = openLeanIndex(ctx, dir, groups); err != nil {
		return nil, fmt.Errorf("lean baseline: %w", err)
	}
	return b, nil
}

func (b *leanBaseline) close() error { return b.index.close() }

func (b *leanBaseline) echo() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(middleware.Recover(), b.accessLog)
	e.GET("/login", b.loginForm)
	e.POST("/login", b.login)
	e.GET("/groups", b.groups, b.signedIn)
	e.GET("/groups/:id", b.detail, b.signedIn)
	return e
}

func (b *leanBaseline) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		r := c.Request()
		b.log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", c.Response().Status), slog.Duration("duration", time.Since(start)), slog.Int64("bytes", c.Response().Size))
		return nil
	}
}

const leanCookie = "lean_session"

// session is the request's session from its signed cookie, or nil.
func (b *leanBaseline) session(c echo.Context) (string, *leanSession) {
	ck, err := c.Cookie(leanCookie)
	if err != nil {
		return "", nil
	}
	var id string
	if b.codec.Decode(leanCookie, ck.Value, &id) != nil {
		return "", nil
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	return id, b.sessions[id]
}

func (b *leanBaseline) newSession(c echo.Context, s *leanSession) error {
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	id := base64.RawURLEncoding.EncodeToString(raw)
	v, err := b.codec.Encode(leanCookie, id)
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.sessions[id] = s
	b.mu.Unlock()
	c.SetCookie(&http.Cookie{Name: leanCookie, Value: v, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return nil
}

const ctxLeanSession = "session"

func (b *leanBaseline) signedIn(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		_, s := b.session(c)
		if s == nil || s.user == "" {
			return c.Redirect(http.StatusSeeOther, "/login")
		}
		c.Set(ctxLeanSession, s)
		return next(c)
	}
}

func (b *leanBaseline) loginForm(c echo.Context) error {
	s := &leanSession{csrf: rand.Text()}
	if err := b.newSession(c, s); err != nil {
		return err
	}
	return c.HTML(http.StatusOK, `<form method="post" action="/login"><input type="hidden" name="_csrf" value="`+html.EscapeString(s.csrf)+
		`"><input name="username"><input name="password" type="password"><button>Sign in</button></form>`)
}

func (b *leanBaseline) login(c echo.Context) error {
	id, s := b.session(c)
	if s == nil || subtle.ConstantTimeCompare([]byte(c.FormValue("_csrf")), []byte(s.csrf)) != 1 {
		return echo.NewHTTPError(http.StatusForbidden)
	}
	if c.FormValue("username") != adminUser || subtle.ConstantTimeCompare([]byte(c.FormValue("password")), []byte(adminPassword)) != 1 {
		return echo.NewHTTPError(http.StatusUnauthorized)
	}
	b.mu.Lock()
	delete(b.sessions, id)
	b.mu.Unlock()
	if err := b.newSession(c, &leanSession{user: adminUser, csrf: rand.Text()}); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/groups")
}

// get calls the upstream, decodes its answer's data and returns its
// cursor ("" on the last page).
func (b *leanBaseline) get(ctx context.Context, path string, data any) (cursor string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.upstream+path, nil)
	if err != nil {
		return "", err
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("upstream: %s", resp.Status)
	}
	answer := struct {
		Data   any    `json:"data"`
		Cursor string `json:"cursor"`
	}{Data: data}
	err = json.NewDecoder(resp.Body).Decode(&answer)
	return answer.Cursor, err
}

func (b *leanBaseline) page(c echo.Context, title string) lean.Page {
	s := c.Get(ctxLeanSession).(*leanSession)
	return lean.Page{Title: title, User: s.user, CSRF: s.csrf}
}

// upstreamGroup is one group of the upstream's list-all.
type upstreamGroup struct {
	GroupID      string `json:"groupid"`
	GroupName    string `json:"groupname"`
	Description  string `json:"description"` // Agora's list leaves it out; the index takes it if it is there
	Owner        string `json:"owner"`
	Affiliations int    `json:"affiliations"`
	LastModified int64  `json:"lastModified,string"`
}

// groups is GET /groups: a search of the index when q is given, as on
// the dashboard, otherwise the live list.
func (b *leanBaseline) groups(c echo.Context) error {
	if c.QueryParam("q") != "" {
		return b.search(c)
	}
	return b.list(c)
}

func (b *leanBaseline) list(c echo.Context) error {
	limit, err := strconv.Atoi(c.QueryParam("limit"))
	if err != nil || limit < 1 || limit > 100 {
		limit = 25
	}
	var groups []upstreamGroup
	if _, err := b.get(c.Request().Context(), "/chatgroups?limit="+strconv.Itoa(limit), &groups); err != nil {
		return err
	}
	rows := make([]lean.Row, 0, len(groups))
	for _, g := range groups {
		rows = append(rows, lean.Row{ID: g.GroupID, Name: g.GroupName, Owner: g.Owner, Members: g.Affiliations,
			LastModified: time.UnixMilli(g.LastModified)})
	}
	return renderLean(c, lean.ListPage(b.page(c, "Groups"), rows, ""))
}

func (b *leanBaseline) detail(c echo.Context) error {
	var groups []struct {
		ID           string `json:"id"`
		Name         string `json:"name"`
		Description  string `json:"description"`
		Owner        string `json:"owner"`
		MaxUsers     int    `json:"maxusers"`
		Public       bool   `json:"public"`
		Created      int64  `json:"created"`
		Affiliations []struct {
			Owner  string `json:"owner"`
			Member string `json:"member"`
		} `json:"affiliations"`
	}
	if _, err := b.get(c.Request().Context(), "/chatgroups/"+c.Param("id"), &groups); err != nil {
		return err
	}
	if len(groups) == 0 {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	g := groups[0]
	d := lean.Detail{ID: g.ID, Name: g.Name, Description: g.Description, Owner: g.Owner, MaxUsers: g.MaxUsers,
		Public: g.Public, Created: time.UnixMilli(g.Created), Members: make([]lean.Member, 0, len(g.Affiliations))}
	for _, a := range g.Affiliations {
		if a.Owner != "" {
			d.Members = append(d.Members, lean.Member{Username: a.Owner, Owner: true})
		} else {
			d.Members = append(d.Members, lean.Member{Username: a.Member})
		}
	}
	return renderLean(c, lean.DetailPage(b.page(c, g.Name), d))
}

// renderLean is templ's documented way to render in Echo.
func renderLean(c echo.Context, component templ.Component) error {
	buf := templ.GetBuffer()
	defer templ.ReleaseBuffer(buf)
	if err := component.Render(c.Request().Context(), buf); err != nil {
		return errors.Join(errors.New("render"), err)
	}
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}
