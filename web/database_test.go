package web

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"

	"groupdesk/internal/pgtest"
	"groupdesk/web/store"
)

// testDB is a fresh, empty dashboard database on one backend.
type testDB struct {
	dialect store.Dialect
	dir     string // Config.DataDir: SQLite's file, the session key, reports
	url     string // Config.DatabaseURL; "" for SQLite
}

// forEachStore runs fn once on SQLite and once on PostgreSQL (subtests
// "sqlite" and "postgres"), each time on a database of its own. The
// PostgreSQL run is skipped without GROUPDESK_TEST_DATABASE_URL, and fails
// without it in CI.
func forEachStore(t *testing.T, fn func(t *testing.T, db testDB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, testDB{dialect: store.SQLite, dir: t.TempDir()})
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, testDB{dialect: store.Postgres, dir: t.TempDir(), url: pgtest.URL(t)})
	})
}

// open opens the database as a server would; it is closed when the test ends.
func (db testDB) open(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(db.dir, db.url)
	if err != nil {
		t.Fatalf("open %s store: %v", db.dialect, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// withDB points a test env's server at db.
func withDB(db testDB) envOption { return func(c *envConfig) { c.db = &db } }

// TestServersConcurrentStart starts servers at the same moment on one new
// database, as replicas rolled out together do: all find no account; one
// creates the first admin and the others carry on.
func TestServersConcurrentStart(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		const replicas = 4
		var wg sync.WaitGroup
		errs := make([]error, replicas)
		servers := make([]*Server, replicas)
		for i := range replicas {
			wg.Go(func() {
				servers[i], errs[i] = New(Config{DataDir: db.dir, DatabaseURL: db.url, SessionKey: testSessionKey,
					AdminPassword: testAdminPass, Mode: ModeAgora, Logger: slog.New(slog.DiscardHandler)}, testClient(t))
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("server %d: %v", i, err)
				continue
			}
			defer servers[i].Close()
		}
		if t.Failed() {
			return
		}
		list, err := servers[0].st.Accounts(context.Background())
		if err != nil || len(list) != 1 || list[0].Username != firstAccount || list[0].Role != store.RoleAdmin {
			t.Fatalf("accounts after a concurrent start: %+v, %v", list, err)
		}
		if ok, _ := servers[replicas-1].st.Authenticate(context.Background(), firstAccount, testAdminPass); !ok {
			t.Error("the first admin's password does not work")
		}
	})
}

// TestStoreTextIsStoredAlike: PostgreSQL refuses NUL bytes and invalid
// UTF-8 in text; both backends store U+FFFD instead, and such a typed
// username is an ordinary failed sign-in, not a server error.
func TestStoreTextIsStoredAlike(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		e := newEnv(t, withDB(db))
		since := lastAuditID(t, e)
		p := e.post("/login", url.Values{"username": {"ad\x00min\xff"}, "password": {"wrong password"}})
		wantStatus(t, p, 401)
		r := oneRecord(t, e, since)
		if r.Target != "ad\uFFFDmin\uFFFD" || r.Action != store.ActionLogin || r.Outcome != store.OutcomeFailure {
			t.Errorf("record %+v", r)
		}
		if got := e.srv.st.Dialect().String(); got != db.dialect.String() {
			t.Errorf("server on %s, want %s", got, db.dialect)
		}
	})
}

// TestDatabaseURLPasswordIsNeverShown: errors and log lines about the
// database name it without its password.
func TestDatabaseURLPasswordIsNeverShown(t *testing.T) {
	const secret = "s3cret-pw"
	for _, u := range []string{
		"postgres://gd:" + secret + "@127.0.0.1:1/db?sslmode=disable&connect_timeout=5",
		"postgresql://gd@127.0.0.1:1/db?sslmode=disable&password=" + secret,
		"postgres://gd:" + secret + "@127.0.0.1:notaport/db",
		"postgres://gd:" + secret + "@127.0.0.1:1/db?sslmode=nonsense",
		"mysql://gd:" + secret + "@127.0.0.1:1/db",
		"postgres://gd:" + secret + "@[::1/db",
	} {
		st, err := store.Open(t.TempDir(), u)
		if err == nil {
			st.Close()
			t.Errorf("opened %s", store.RedactDatabaseURL(u))
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("store.Open error shows the password: %v", err)
		}
		_, err = New(Config{DataDir: t.TempDir(), DatabaseURL: u, Mode: ModeAgora, Logger: slog.New(slog.DiscardHandler)}, testClient(t))
		if err == nil || strings.Contains(err.Error(), secret) {
			t.Errorf("New: %v", err)
		}
		if strings.Contains(store.RedactDatabaseURL(u), secret) {
			t.Errorf("RedactDatabaseURL(%q) = %q", u, store.RedactDatabaseURL(u))
		}
	}
	if got, want := store.RedactDatabaseURL("postgres://gd:"+secret+"@db.internal:5432/groupdesk?sslmode=require"), "postgres://gd:xxxxx@db.internal:5432/groupdesk?sslmode=require"; got != want {
		t.Errorf("RedactDatabaseURL = %q, want %q", got, want)
	}
	if err := (Config{DataDir: "d", Mode: ModeAgora, DatabaseURL: "mysql://gd:" + secret + "@h/db"}).Validate(); err == nil || !strings.Contains(err.Error(), "GROUPDESK_DATABASE_URL") {
		t.Errorf("Validate of a mysql URL: %v", err)
	}
}
