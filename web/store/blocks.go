package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// BlockRecord is what Groupdesk knows about a block that Agora's block
// list does not keep: why the user was blocked, by whom, when, and until
// when (zero: until someone unblocks them). Agora's list stays the truth
// of who is blocked; a record without a block there is stale.
type BlockRecord struct {
	GroupID   string
	Username  string
	Reason    string
	BlockedBy string
	BlockedAt time.Time
	Until     time.Time // zero: no expiry
}

// MaxBlockReasonLen is the longest reason, in characters.
const MaxBlockReasonLen = 200

// PutBlockRecord records a block, replacing an earlier record of the same
// user in the same group (a block renewed with a new reason or expiry).
func (st *Store) PutBlockRecord(ctx context.Context, r BlockRecord) error {
	var until sql.NullInt64
	if !r.Until.IsZero() {
		until = sql.NullInt64{Int64: Millis(r.Until), Valid: true}
	}
	_, err := st.exec(ctx,
		`INSERT INTO block_records (group_id, username, reason, blocked_by, blocked_at, until) VALUES (?, ?, ?, ?, ?, ?)
		 ON CONFLICT(group_id, username) DO UPDATE SET reason = excluded.reason, blocked_by = excluded.blocked_by,
		 blocked_at = excluded.blocked_at, until = excluded.until`,
		r.GroupID, r.Username, r.Reason, r.BlockedBy, Millis(r.BlockedAt), until)
	if err != nil {
		return fmt.Errorf("save block record: %w", err)
	}
	return nil
}

// DeleteBlockRecord forgets the record of a block (the user was
// unblocked); deleting none is no error.
func (st *Store) DeleteBlockRecord(ctx context.Context, groupID, username string) error {
	if _, err := st.exec(ctx, `DELETE FROM block_records WHERE group_id = ? AND username = ?`, groupID, username); err != nil {
		return fmt.Errorf("delete block record: %w", err)
	}
	return nil
}

// BlockRecords returns the records of one group's blocks, by username.
func (st *Store) BlockRecords(ctx context.Context, groupID string) (map[string]BlockRecord, error) {
	rows, err := st.query(ctx,
		`SELECT group_id, username, reason, blocked_by, blocked_at, until FROM block_records WHERE group_id = ?`, groupID)
	if err != nil {
		return nil, fmt.Errorf("read block records: %w", err)
	}
	out := map[string]BlockRecord{}
	err = scanBlockRecords(rows, func(r BlockRecord) { out[r.Username] = r })
	return out, err
}

// ExpiredBlocks returns up to limit records whose expiry is at or before
// now, oldest expiry first: the blocks to lift.
func (st *Store) ExpiredBlocks(ctx context.Context, now time.Time, limit int) ([]BlockRecord, error) {
	rows, err := st.query(ctx,
		`SELECT group_id, username, reason, blocked_by, blocked_at, until FROM block_records
		 WHERE until IS NOT NULL AND until <= ? ORDER BY until, group_id, username LIMIT ?`, Millis(now), limit)
	if err != nil {
		return nil, fmt.Errorf("read expired blocks: %w", err)
	}
	var out []BlockRecord
	err = scanBlockRecords(rows, func(r BlockRecord) { out = append(out, r) })
	return out, err
}

func scanBlockRecords(rows *sql.Rows, fn func(BlockRecord)) error {
	defer rows.Close()
	for rows.Next() {
		var r BlockRecord
		var at int64
		var until sql.NullInt64
		if err := rows.Scan(&r.GroupID, &r.Username, &r.Reason, &r.BlockedBy, &at, &until); err != nil {
			return fmt.Errorf("read block records: %w", err)
		}
		r.BlockedAt = FromMillis(at)
		if until.Valid {
			r.Until = FromMillis(until.Int64)
		}
		fn(r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read block records: %w", err)
	}
	return nil
}
