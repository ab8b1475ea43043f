package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"groupdesk/internal/pgtest"
)

func TestMain(m *testing.M) {
	BcryptCost = bcrypt.MinCost // the tests check rules, not bcrypt's strength
	os.Exit(m.Run())
}

// testDB is a fresh, empty dashboard database on one backend.
type testDB struct {
	dialect Dialect
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
		fn(t, testDB{dialect: SQLite, dir: t.TempDir()})
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, testDB{dialect: Postgres, dir: t.TempDir(), url: pgtest.URL(t)})
	})
}

// open opens the database as a server would; it is closed when the test ends.
func (db testDB) open(t *testing.T) *Store {
	t.Helper()
	st, err := Open(db.dir, db.url)
	if err != nil {
		t.Fatalf("open %s store: %v", db.dialect, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// schemaVersion is how many migrations the database has had.
func schemaVersion(t *testing.T, st *Store) int {
	t.Helper()
	q := `PRAGMA user_version`
	if st.dialect == Postgres {
		q = `SELECT coalesce(max(version), 0) FROM schema_migrations`
	}
	var v int
	if err := st.db.QueryRow(q).Scan(&v); err != nil {
		t.Fatalf("schema version: %v", err)
	}
	return v
}

func migrationsOf(d Dialect) []string {
	if d == Postgres {
		return postgresMigrations
	}
	return sqliteMigrations
}

func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT 1`:                            `SELECT 1`,
		`a = ? AND b = ?`:                     `a = $1 AND b = $2`,
		`VALUES (?, ?, ?) SET x = ?3 - ?4, ?`: `VALUES ($1, $2, $3) SET x = $3 - $4, $5`,
		`x = '?' AND y = ? AND "q?" = ?`:      `x = '?' AND y = $1 AND "q?" = $2`,
		`x = 'it''s ?' AND y = ?`:             `x = 'it''s ?' AND y = $1`,
		`x = 'unterminated ?`:                 `x = 'unterminated ?`,
	} {
		if got := Postgres.rebind(in); got != want {
			t.Errorf("rebind(%q) = %q, want %q", in, got, want)
		}
		if got := SQLite.rebind(in); got != in {
			t.Errorf("SQLite rebind(%q) = %q, want it unchanged", in, got)
		}
	}
}

func TestStoreMigrations(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		st := db.open(t)
		want := len(migrationsOf(db.dialect))
		if v := schemaVersion(t, st); v != want {
			t.Fatalf("fresh database at version %d, want %d", v, want)
		}
		if err := st.CreateAccount(ctx, ShellActor, "kept", "a long password", RoleAdmin); err != nil {
			t.Fatal(err)
		}
		st.Close()

		// Opening again migrates nothing and keeps the data.
		st = db.open(t)
		if v := schemaVersion(t, st); v != want {
			t.Errorf("reopened at version %d, want %d", v, want)
		}
		if db.dialect == Postgres {
			var n, lo, hi int
			if err := st.db.QueryRow(`SELECT count(*), min(version), max(version) FROM schema_migrations`).Scan(&n, &lo, &hi); err != nil || n != want || lo != 1 || hi != want {
				t.Errorf("schema_migrations: %d rows, versions %d…%d (%v); want one row per migration", n, lo, hi, err)
			}
		}
		if ok, err := st.Authenticate(ctx, "kept", "a long password"); !ok || err != nil {
			t.Errorf("account lost on reopening: %v, %v", ok, err)
		}

		// A database from a newer build is refused, not mangled.
		newer := `PRAGMA user_version = 99`
		if db.dialect == Postgres {
			newer = `INSERT INTO schema_migrations (version, applied) VALUES (99, 0)`
		}
		if _, err := st.db.Exec(newer); err != nil {
			t.Fatal(err)
		}
		st.Close()
		if st, err := Open(db.dir, db.url); err == nil || !strings.Contains(err.Error(), "newer than this build") {
			if st != nil {
				st.Close()
			}
			t.Errorf("opening a newer schema: %v", err)
		}
	})
}

// TestStoreConcurrentStart opens stores at the same moment on one new
// database, as replicas rolled out together do (web's
// TestServersConcurrentStart does the same with whole servers).
func TestStoreConcurrentStart(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		const replicas = 4
		var wg sync.WaitGroup
		errs := make([]error, replicas)
		stores := make([]*Store, replicas)
		for i := range replicas {
			wg.Go(func() { stores[i], errs[i] = Open(db.dir, db.url) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("store %d: %v", i, err)
				continue
			}
			defer stores[i].Close()
		}
		if t.Failed() {
			return
		}
		want := len(migrationsOf(db.dialect))
		if v := schemaVersion(t, stores[0]); v != want {
			t.Errorf("version %d, want %d", v, want)
		}
		if db.dialect == Postgres {
			var n int
			if err := stores[0].db.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != want {
				t.Errorf("schema_migrations has %d rows (%v), want %d: a migration ran twice", n, err, want)
			}
		}
	})
}

// TestPostgresMigrationWaitsForTheLock: while another replica holds the
// migration lock, a starting replica waits, then finds the schema ready.
func TestPostgresMigrationWaitsForTheLock(t *testing.T) {
	dbURL := pgtest.URL(t)
	other, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`SELECT pg_advisory_xact_lock($1)`, postgresMigrationLock); err != nil {
		t.Fatal(err)
	}
	type result struct {
		st  *Store
		err error
	}
	done := make(chan result, 1)
	go func() {
		st, err := Open("", dbURL)
		done <- result{st, err}
	}()
	select {
	case r := <-done:
		if r.st != nil {
			r.st.Close()
		}
		t.Fatalf("migrated while another replica held the lock (err %v)", r.err)
	case <-time.After(500 * time.Millisecond):
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("after the lock was released: %v", r.err)
		}
		defer r.st.Close()
		if v := schemaVersion(t, r.st); v != len(postgresMigrations) {
			t.Errorf("version %d", v)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("still waiting 30 s after the lock was released")
	}
}

// TestLastAdminCannotBeRaced: two admins demoting each other at the same
// moment leave one admin, on either backend.
func TestLastAdminCannotBeRaced(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		a := db.open(t)
		for _, name := range []string{"ann", "ben"} {
			if err := a.CreateAccount(ctx, ShellActor, name, "a long password", RoleAdmin); err != nil {
				t.Fatal(err)
			}
		}
		for round := range 8 {
			var wg sync.WaitGroup
			errs := make([]error, 2)
			wg.Go(func() { errs[0] = a.SetRole(ctx, Actor{Name: "ben"}, "ann", RoleViewer) })
			wg.Go(func() { errs[1] = a.SetRole(ctx, Actor{Name: "ann"}, "ben", RoleViewer) })
			wg.Wait()
			refused := 0
			for _, err := range errs {
				if errors.Is(err, ErrLastAdmin) {
					refused++
				} else if err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
			}
			list, err := a.Accounts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			admins := 0
			for _, acc := range list {
				if acc.Role == RoleAdmin {
					admins++
				}
			}
			if admins != 1 || refused != 1 {
				t.Fatalf("round %d: %d admins left, %d demotions refused; want 1 and 1", round, admins, refused)
			}
			for _, name := range []string{"ann", "ben"} {
				if err := a.SetRole(ctx, ShellActor, name, RoleAdmin); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}
