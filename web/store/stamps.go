package store

import (
	"context"
	"fmt"
)

// accountsStamp is the change stamp of accounts and sessions: every change
// to an account and every deleted session moves it, in the same
// transaction, so a replica that keeps them in memory learns from one
// cheap read that its copy may be stale, whichever process (a replica, or
// groupdesk users in a shell) made the change.
const accountsStamp = "accounts"

// AccountsVersion is the current accounts stamp; it only ever grows.
func (st *Store) AccountsVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := st.queryRow(ctx, `SELECT version FROM change_stamps WHERE name = ?`, accountsStamp).Scan(&v); err != nil {
		return 0, fmt.Errorf("read the accounts stamp: %w", err)
	}
	return v, nil
}

// OnAccountsChanged sets fn to be called after this process has changed an
// account or deleted sessions, once the change is committed: the replica
// that made a change forgets its copies at once, the others when they
// next read AccountsVersion.
func (st *Store) OnAccountsChanged(fn func()) { st.accountsChanged.Store(&fn) }

func (st *Store) notifyAccountsChanged() {
	if fn := st.accountsChanged.Load(); fn != nil {
		(*fn)()
	}
}

// bumpAccounts moves the accounts stamp, inside the change's transaction.
func bumpAccounts(ctx context.Context, tx *txn) error {
	if _, err := tx.exec(ctx, `UPDATE change_stamps SET version = version + 1 WHERE name = ?`, accountsStamp); err != nil {
		return fmt.Errorf("move the accounts stamp: %w", err)
	}
	return nil
}
