package sandbox

import (
	"context"
	"database/sql"
	"fmt"
)

// BlockedUser is one entry of a group's block list.
type BlockedUser struct {
	GroupID  string
	Username string
}

// BlockList returns the block lists of every group, oldest entry first.
// It lets a dashboard seeding demo data record why the demo's users were
// blocked, without a list call per group.
func (s *Sandbox) BlockList(ctx context.Context) ([]BlockedUser, error) {
	var out []BlockedUser
	err := s.store.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT group_id, username FROM blocks ORDER BY seq`)
		if err != nil {
			return fmt.Errorf("sandbox: read block lists: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				gid int64
				b   BlockedUser
			)
			if err := rows.Scan(&gid, &b.Username); err != nil {
				return fmt.Errorf("sandbox: read block lists: %w", err)
			}
			b.GroupID = formatGroupID(gid)
			out = append(out, b)
		}
		return rows.Err()
	})
	return out, err
}
