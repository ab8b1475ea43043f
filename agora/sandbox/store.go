package sandbox

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// store is the SQLite database behind the sandbox. Writes go through one
// connection (SQLite has a single writer; queueing in database/sql is
// cheaper and fairer than SQLITE_BUSY retries), reads through a small pool
// that WAL lets run beside the writer.
type store struct {
	w, r      *sql.DB
	appUUID   string
	maxJoined int // groups a user may be a member of; 0 = no limit
}

// schemaVersion is the PRAGMA user_version the code expects: one per
// migration.
var schemaVersion = len(migrations)

// migrations[i] brings a database from user_version i to i+1.
var migrations = []string{`
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE users (
	username TEXT PRIMARY KEY,
	uuid     TEXT NOT NULL UNIQUE,
	created  INTEGER NOT NULL,
	modified INTEGER NOT NULL
) WITHOUT ROWID;

-- id: numeric group id, increasing with creation (list-all pages by it).
-- member_count includes the owner, so list-all needs no membership scan.
CREATE TABLE groups (
	id                  INTEGER PRIMARY KEY,
	name                TEXT NOT NULL,
	description         TEXT NOT NULL,
	public              INTEGER NOT NULL,
	membersonly         INTEGER NOT NULL,
	allowinvites        INTEGER NOT NULL,
	invite_need_confirm INTEGER NOT NULL,
	maxusers            INTEGER NOT NULL,
	owner               TEXT NOT NULL REFERENCES users(username),
	custom              TEXT NOT NULL DEFAULT '',
	avatar              TEXT NOT NULL DEFAULT '',
	mute                INTEGER NOT NULL DEFAULT 0,
	disabled            INTEGER NOT NULL DEFAULT 0,
	created             INTEGER NOT NULL,
	modified            INTEGER NOT NULL,
	member_count        INTEGER NOT NULL
);
CREATE INDEX groups_by_owner ON groups(owner);

-- seq is the join order (a rowid: always above every existing row).
-- role: 0 member, 1 admin, 2 owner.
CREATE TABLE members (
	seq      INTEGER PRIMARY KEY,
	group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
	username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
	role     INTEGER NOT NULL,
	UNIQUE (group_id, username)
);
CREATE INDEX members_by_group ON members(group_id, seq, role, username);
CREATE INDEX members_by_user ON members(username, seq, group_id);
`, `
-- Moderation (facts: agora-chat-moderation-facts.md). seq keeps the order
-- entries were made in.
ALTER TABLE groups ADD COLUMN announcement TEXT NOT NULL DEFAULT '';

-- joined: Unix ms the member joined (joined_time); earlier rows get the
-- group's creation.
ALTER TABLE members ADD COLUMN joined INTEGER NOT NULL DEFAULT 0;
UPDATE members SET joined = (SELECT created FROM groups WHERE groups.id = members.group_id);

-- expire: Unix ms when the mute ends, -1 = until unmuted. A mute outlives
-- the membership (leaving and re-joining keeps it), so no member row is needed.
CREATE TABLE mutes (
	seq      INTEGER PRIMARY KEY,
	group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
	username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
	expire   INTEGER NOT NULL,
	UNIQUE (group_id, username)
);
CREATE INDEX mutes_by_user ON mutes(username);

-- Blocked users are not members; the block list is read newest first.
CREATE TABLE blocks (
	seq      INTEGER PRIMARY KEY,
	group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
	username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
	UNIQUE (group_id, username)
);
CREATE INDEX blocks_by_group ON blocks(group_id, seq);
CREATE INDEX blocks_by_user ON blocks(username);

-- Explicit allow-list entries; the owner and admins are on it implicitly.
CREATE TABLE allows (
	seq      INTEGER PRIMARY KEY,
	group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
	username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
	UNIQUE (group_id, username)
);
CREATE INDEX allows_by_user ON allows(username);

-- Pending invitations (kind 'invite', waiting for the invitee) and join
-- requests (kind 'apply', waiting for the owner or an admin).
CREATE TABLE requests (
	group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
	username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
	kind     TEXT NOT NULL,
	PRIMARY KEY (group_id, username, kind)
) WITHOUT ROWID;
CREATE INDEX requests_by_user ON requests(username);

-- Users who block a group's messages for themselves (/shield).
CREATE TABLE shields (
	group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
	username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
	PRIMARY KEY (group_id, username)
) WITHOUT ROWID;
CREATE INDEX shields_by_user ON shields(username);
`, `
-- Group member attributes (the Web SDK's /sdk/metadata/chatgroup): a
-- member's key-value pairs in one group, gone when the member leaves.
CREATE TABLE member_attrs (
	group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
	username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
	key      TEXT NOT NULL,
	value    TEXT NOT NULL,
	PRIMARY KEY (group_id, username, key)
) WITHOUT ROWID;
CREATE INDEX member_attrs_by_user ON member_attrs(username);
`, `
-- Group shared files, kept with their content (at most 10 MB each).
CREATE TABLE shared_files (
	seq      INTEGER PRIMARY KEY,
	file_id  TEXT NOT NULL UNIQUE,
	group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
	owner    TEXT NOT NULL,
	name     TEXT NOT NULL,
	size     INTEGER NOT NULL,
	created  INTEGER NOT NULL,
	content  BLOB NOT NULL
);
CREATE INDEX shared_files_by_group ON shared_files(group_id, seq);
`, `
-- Member lists read joined as well (joined_time) since the moderation
-- migration: members_by_group no longer covered them, and a 2,000-member
-- detail looked each member's row up in the table. This index covers
-- them again.
CREATE INDEX members_by_group_joined ON members(group_id, seq, role, username, joined);
DROP INDEX members_by_group;
`}

const (
	roleMember = 0
	roleAdmin  = 1
	roleOwner  = 2
)

func openStore(path string) (*store, error) {
	// synchronous=FULL: a commit is on disk before the 200 goes out, so
	// kill -9 loses no acknowledged write.
	base := url.Values{"_pragma": {
		"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)",
	}}
	writerDSN := path + "?" + base.Encode() + "&_txlock=immediate"
	base.Add("_pragma", "query_only(1)")
	readerDSN := path + "?" + base.Encode()

	w, err := sql.Open("sqlite", writerDSN)
	if err != nil {
		return nil, fmt.Errorf("sandbox: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	st := &store{w: w}
	if err := st.migrate(context.Background()); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", readerDSN)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sandbox: open %s for reading: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	st.r = r
	return st, nil
}

func (st *store) close() error {
	return errors.Join(st.r.Close(), st.w.Close())
}

func (st *store) migrate(ctx context.Context) error {
	return st.write(ctx, func(tx *sql.Tx) error {
		var v int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
			return fmt.Errorf("sandbox: read schema version: %w", err)
		}
		if v > schemaVersion {
			return fmt.Errorf("sandbox: sandbox.db has schema version %d, newer than this build understands (%d): use a newer build or another DataDir", v, schemaVersion)
		}
		for ; v < schemaVersion; v++ {
			if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
				return fmt.Errorf("sandbox: migrate schema to version %d: %w", v+1, err)
			}
		}
		if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(schemaVersion)); err != nil {
			return fmt.Errorf("sandbox: set schema version: %w", err)
		}
		// The app UUID is made once so "application" is stable across restarts.
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES ('app_uuid', ?) ON CONFLICT DO NOTHING`, newUUID()); err != nil {
			return fmt.Errorf("sandbox: store app uuid: %w", err)
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'app_uuid'`).Scan(&st.appUUID)
	})
}

// write runs fn in an IMMEDIATE transaction on the writer connection.
func (st *store) write(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := st.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sandbox: begin write: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sandbox: commit: %w", err)
	}
	return nil
}

// read runs fn in a read transaction, so multi-query reads see one snapshot.
func (st *store) read(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := st.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sandbox: begin read: %w", err)
	}
	defer tx.Rollback() // read-only: nothing to keep
	return fn(tx)
}

// nextGroupIDs reserves n consecutive group ids. Ids look like Agora's
// (16 digits: creation ms × 1000 plus a counter), never repeat, even after
// deletes, and grow with creation order, so list-all can page by id.
func nextGroupIDs(ctx context.Context, tx *sql.Tx, nowMs int64, n int) (int64, error) {
	var last int64
	err := tx.QueryRowContext(ctx, `SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'last_group_id'`).Scan(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sandbox: read last group id: %w", err)
	}
	first := max(last+1, nowMs*1000)
	_, err = tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES ('last_group_id', ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, strconv.FormatInt(first+int64(n)-1, 10))
	if err != nil {
		return 0, fmt.Errorf("sandbox: store last group id: %w", err)
	}
	return first, nil
}

// newUUID returns a random RFC 4122 version 4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand doc)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
