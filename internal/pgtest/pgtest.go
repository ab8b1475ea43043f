// Package pgtest gives a test a PostgreSQL database of its own: a fresh
// schema on the server that GROUPDESK_TEST_DATABASE_URL names, dropped
// when the test ends. `bash .ci/postgres start` starts such a server and
// prints its URL. Only tests import this package.
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// EnvURL names the server the PostgreSQL tests use.
const EnvURL = "GROUPDESK_TEST_DATABASE_URL"

var admin struct {
	once sync.Once
	db   *sql.DB
	err  error
}

// adminDB is one pool for the whole test binary, used to create and drop
// the schemas; the process's exit closes it.
func adminDB(base string) (*sql.DB, error) {
	admin.once.Do(func() {
		admin.db, admin.err = sql.Open("pgx", base)
	})
	return admin.db, admin.err
}

var nonIdent = regexp.MustCompile(`[^a-z0-9]+`)

// URL returns a database URL whose search_path is a new, empty schema, so
// tests never see each other's tables. Without GROUPDESK_TEST_DATABASE_URL
// the test is skipped, or fails when CI=true: CI must run them.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("GROUPDESK_TEST_DATABASE_URL")
	if base == "" {
		if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
			t.Fatalf("%s is not set, so the PostgreSQL tests cannot run; CI must run them (.ci/run starts a server with .ci/postgres)", EnvURL)
		}
		t.Skipf("PostgreSQL tests skipped: set %s, e.g. export %s=\"$(bash .ci/postgres start)\"", EnvURL, EnvURL)
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s is not a postgres:// URL", EnvURL)
	}
	db, err := adminDB(base)
	if err != nil {
		t.Fatalf("PostgreSQL test server: %v", err)
	}
	name := strings.Trim(nonIdent.ReplaceAllString(strings.ToLower(t.Name()), "_"), "_")
	// River names its LISTEN/NOTIFY channels "<schema>.river_insert" and
	// the like, which must fit PostgreSQL's 63-byte identifiers.
	if len(name) > 32 {
		name = name[:32]
	}
	var suffix [4]byte
	rand.Read(suffix[:])
	schema := "t_" + name + "_" + hex.EncodeToString(suffix[:])
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema %s on the PostgreSQL test server: %v", schema, err)
	}
	t.Cleanup(func() {
		if _, err := db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
