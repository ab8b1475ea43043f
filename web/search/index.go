package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"groupdesk/web/store"
)

// Dialect is the SQL database the index lives in: the dashboard
// database's (web/store).
type Dialect = store.Dialect

const (
	SQLite   = store.SQLite
	Postgres = store.Postgres
)

// Index is the search index in one database. It is safe for concurrent use.
type Index struct {
	db *sql.DB
	d  Dialect
	// trigramSchema is where pg_trgm is installed; "" on SQLite, or when
	// PostgreSQL lacks it and searches fall back to scanning the table.
	trigramSchema string
	// NoTrigram says why PostgreSQL searches scan the table ("" when they
	// use the trigram index, and always on SQLite).
	NoTrigram string
	// stmts holds the searches' statements prepared, on SQLite (see read).
	stmts *store.Statements
	now   func() time.Time
}

// Open migrates the index's tables in db and returns the index. On
// PostgreSQL it installs pg_trgm in schema public when it is missing
// (a trusted extension: the database owner may); when that is refused the
// index still works, by scanning, and NoTrigram says why.
func Open(ctx context.Context, db *sql.DB, d Dialect) (*Index, error) {
	ix := &Index{db: db, d: d, now: time.Now}
	if d == SQLite {
		ix.stmts = store.NewStatements(db)
	}
	if d == Postgres {
		schema, err := ensureTrigram(ctx, db)
		if err != nil {
			ix.NoTrigram = err.Error()
		}
		ix.trigramSchema = schema
	}
	if err := ix.migrate(ctx); err != nil {
		return nil, fmt.Errorf("search index: migrate: %w", err)
	}
	return ix, nil
}

// pgLockKey serializes the index's schema changes across replicas.
const pgLockKey = 0x67645f7365617263 // "gd_searc"

// ensureTrigram returns the schema pg_trgm is installed in, installing it
// in public if needed.
func ensureTrigram(ctx context.Context, db *sql.DB) (string, error) {
	find := func(q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) (string, error) {
		var schema string
		err := q.QueryRowContext(ctx, `SELECT n.nspname FROM pg_extension e
			JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'`).Scan(&schema)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		return schema, err
	}
	if schema, err := find(db); err != nil || schema != "" {
		return schema, err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, pgLockKey); err != nil {
		return "", err
	}
	// Schema public, not the search_path's first schema: a schema that is
	// dropped would take the extension, and every index on it, along.
	if _, err := tx.ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public`); err != nil {
		return "", fmt.Errorf("pg_trgm is not installed and could not be (%v): searches scan the table; a superuser can run CREATE EXTENSION pg_trgm", err)
	}
	schema, err := find(tx)
	if err != nil {
		return "", err
	}
	return schema, tx.Commit()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// migrations are each dialect's schema steps, applied in order once each;
// search_migrations records the versions applied.
var migrations = map[Dialect][]string{
	SQLite: {
		// rid is the FTS table's rowid: an alias of the rowid, so VACUUM
		// keeps it. hay is lower(name, description, owner) one per line,
		// lowered by Go so both databases fold case alike.
		`CREATE TABLE search_groups (
			rid INTEGER PRIMARY KEY,
			id TEXT NOT NULL UNIQUE,
			name TEXT NOT NULL,
			name_key TEXT NOT NULL,
			description TEXT NOT NULL,
			owner TEXT NOT NULL,
			members INTEGER NOT NULL,
			maxusers INTEGER NOT NULL,
			public INTEGER NOT NULL,
			created INTEGER NOT NULL,
			modified INTEGER NOT NULL,
			last_seen INTEGER NOT NULL,
			gone INTEGER NOT NULL DEFAULT 0,
			hay TEXT NOT NULL
		);
		CREATE INDEX search_groups_members ON search_groups (gone, members, id);
		CREATE INDEX search_groups_name ON search_groups (gone, name_key, id);
		CREATE INDEX search_groups_created ON search_groups (gone, created, id);
		CREATE INDEX search_groups_modified ON search_groups (gone, modified, id);
		CREATE INDEX search_groups_owner ON search_groups (owner);
		CREATE INDEX search_groups_last_seen ON search_groups (last_seen);
		-- The text indexes hold only groups that are not gone, so a search
		-- by text alone is counted from them without reading the groups.
		CREATE VIRTUAL TABLE search_groups_fts USING fts5(hay, content='search_groups', content_rowid='rid', tokenize='trigram');
		CREATE TRIGGER search_groups_ai AFTER INSERT ON search_groups BEGIN
			INSERT INTO search_groups_fts (rowid, hay) VALUES (new.rid, new.hay);
		END;
		CREATE TRIGGER search_groups_ad AFTER DELETE ON search_groups WHEN old.gone = 0 BEGIN
			INSERT INTO search_groups_fts (search_groups_fts, rowid, hay) VALUES ('delete', old.rid, old.hay);
		END;
		CREATE TRIGGER search_groups_au_out AFTER UPDATE OF hay, gone ON search_groups
		WHEN old.gone = 0 AND (new.gone != 0 OR old.hay IS NOT new.hay) BEGIN
			INSERT INTO search_groups_fts (search_groups_fts, rowid, hay) VALUES ('delete', old.rid, old.hay);
		END;
		CREATE TRIGGER search_groups_au_in AFTER UPDATE OF hay, gone ON search_groups
		WHEN new.gone = 0 AND (old.gone != 0 OR old.hay IS NOT new.hay) BEGIN
			INSERT INTO search_groups_fts (rowid, hay) VALUES (new.rid, new.hay);
		END;
		-- Trigrams cannot find one or two characters; search_grams holds
		-- each group's distinct characters and pairs of characters, as hex
		-- tokens (see grams). Go keeps it: SQL cannot split the text.
		CREATE VIRTUAL TABLE search_grams USING fts5(grams, content='', contentless_delete=1, detail=none, tokenize='ascii');
		CREATE TABLE search_state (
			id INTEGER PRIMARY KEY CHECK (id = 1),
			pass_started INTEGER NOT NULL DEFAULT 0,
			pass_seen INTEGER NOT NULL DEFAULT 0,
			full_sync_started INTEGER NOT NULL DEFAULT 0,
			full_sync_finished INTEGER NOT NULL DEFAULT 0
		);
		INSERT INTO search_state (id) VALUES (1);`,
		liveGroupsMigration,
		ftsUpdateInOrderMigration,
	},
	Postgres: {
		`CREATE TABLE search_groups (
			id TEXT PRIMARY KEY,
			name TEXT NOT NULL,
			name_key TEXT COLLATE "C" NOT NULL,
			description TEXT NOT NULL,
			owner TEXT NOT NULL,
			members INTEGER NOT NULL,
			maxusers INTEGER NOT NULL,
			public INTEGER NOT NULL,
			created BIGINT NOT NULL,
			modified BIGINT NOT NULL,
			last_seen BIGINT NOT NULL,
			gone INTEGER NOT NULL DEFAULT 0,
			hay TEXT NOT NULL
		);
		CREATE INDEX search_groups_members ON search_groups (gone, members, id);
		CREATE INDEX search_groups_name ON search_groups (gone, name_key, id);
		CREATE INDEX search_groups_created ON search_groups (gone, created, id);
		CREATE INDEX search_groups_modified ON search_groups (gone, modified, id);
		CREATE INDEX search_groups_owner ON search_groups (owner);
		CREATE INDEX search_groups_last_seen ON search_groups (last_seen);
		-- pg_trgm cannot find one or two characters; this index holds each
		-- group's distinct characters and pairs of characters (not across
		-- the newlines between fields).
		CREATE FUNCTION search_short_grams(hay text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
			SELECT coalesce(array_agg(DISTINCT g), '{}') FROM (
				SELECT substr(hay, i, 1) AS g FROM generate_series(1, length(hay)) AS i
				UNION ALL
				SELECT substr(hay, i, 2) FROM generate_series(1, length(hay) - 1) AS i
			) AS s WHERE strpos(g, E'\n') = 0
		$$;
		CREATE INDEX search_groups_short_grams ON search_groups USING gin (search_short_grams(hay));
		CREATE TABLE search_state (
			id INTEGER PRIMARY KEY CHECK (id = 1),
			pass_started BIGINT NOT NULL DEFAULT 0,
			pass_seen INTEGER NOT NULL DEFAULT 0,
			full_sync_started BIGINT NOT NULL DEFAULT 0,
			full_sync_finished BIGINT NOT NULL DEFAULT 0
		);
		INSERT INTO search_state (id) VALUES (1);`,
		liveGroupsMigration,
	},
}

// liveGroupsMigration keeps the number of groups not gone in search_state:
// counting them took 4 ms on SQLite and 13 ms on PostgreSQL at 100,000
// groups, on every search page. Upsert and markGone keep it up to date.
const liveGroupsMigration = `ALTER TABLE search_state ADD COLUMN live_groups INTEGER NOT NULL DEFAULT 0;
	UPDATE search_state SET live_groups = (SELECT count(*) FROM search_groups WHERE gone = 0);`

// ftsUpdateInOrderMigration replaces the two triggers that kept a changed
// group's text in search_groups_fts with one that deletes the old text
// before it adds the new. SQLite ran the two the other way round (the
// later created first), so the delete took back the trigrams the old and
// new texts shared: a renamed group could no longer be found by its owner.
// The index is then filled again from the groups not gone.
const ftsUpdateInOrderMigration = `DROP TRIGGER search_groups_au_out;
	DROP TRIGGER search_groups_au_in;
	CREATE TRIGGER search_groups_au AFTER UPDATE OF hay, gone ON search_groups
	WHEN (old.gone = 0 OR new.gone = 0) AND (old.gone IS NOT new.gone OR old.hay IS NOT new.hay) BEGIN
		INSERT INTO search_groups_fts (search_groups_fts, rowid, hay) SELECT 'delete', old.rid, old.hay WHERE old.gone = 0;
		INSERT INTO search_groups_fts (rowid, hay) SELECT new.rid, new.hay WHERE new.gone = 0;
	END;
	INSERT INTO search_groups_fts (search_groups_fts) VALUES ('delete-all');
	INSERT INTO search_groups_fts (rowid, hay) SELECT rid, hay FROM search_groups WHERE gone = 0;`

func (ix *Index) migrate(ctx context.Context) error {
	tx, err := ix.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Replicas starting together take turns; even CREATE TABLE IF NOT
	// EXISTS fails on PostgreSQL when two run at once.
	if ix.d == Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, pgLockKey); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS search_migrations (
		version INTEGER PRIMARY KEY, applied BIGINT NOT NULL)`); err != nil {
		return err
	}
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM search_migrations`).Scan(&have); err != nil {
		return err
	}
	steps := migrations[ix.d]
	for v := have + 1; v <= len(steps); v++ {
		if _, err := tx.ExecContext(ctx, steps[v-1]); err != nil {
			return fmt.Errorf("version %d: %w", v, err)
		}
		if _, err := tx.ExecContext(ctx, ix.rebind(`INSERT INTO search_migrations (version, applied) VALUES (?, ?)`),
			v, ix.now().UnixMilli()); err != nil {
			return err
		}
	}
	if ix.trigramSchema != "" {
		// Not a numbered migration: it needs the extension, which a later
		// start may gain.
		if _, err := tx.ExecContext(ctx, `CREATE INDEX IF NOT EXISTS search_groups_hay_trgm ON search_groups USING gin (hay `+
			quoteIdent(ix.trigramSchema)+`.gin_trgm_ops)`); err != nil {
			return fmt.Errorf("trigram index: %w", err)
		}
	}
	return tx.Commit()
}

// rebind numbers the ? placeholders for PostgreSQL. The index's own
// statements have no ? inside quotes.
func (ix *Index) rebind(q string) string {
	if ix.d != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, part := range strings.Split(q, "?") {
		if n > 0 {
			b.WriteString("$" + strconv.Itoa(n))
		}
		b.WriteString(part)
		n++
	}
	return b.String()
}
