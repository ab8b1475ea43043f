package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"groupdesk/internal/pgtest"
)

// TestLockGroupAcrossStores: on PostgreSQL two stores on one database
// (two replicas) take turns on a group: while one holds it, the other
// cannot take it (its wait ends with its context), other groups are free,
// and the unlock hands it over.
func TestLockGroupAcrossStores(t *testing.T) {
	db := testDB{dialect: Postgres, dir: t.TempDir(), url: pgtest.URL(t)}
	a, b := db.open(t), db.open(t)
	ctx := context.Background()
	unlock, err := a.LockGroup(ctx, "1001")
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := b.LockGroup(short, "1001"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("B took group 1001 while A held it: err %v", err)
	}
	other, err := b.LockGroup(ctx, "1002")
	if err != nil {
		t.Fatalf("B could not take another group: %v", err)
	}
	other()
	got := make(chan error, 1)
	go func() {
		u, err := b.LockGroup(ctx, "1001")
		if err == nil {
			u()
		}
		got <- err
	}()
	unlock()
	if err := <-got; err != nil {
		t.Fatalf("B after A's unlock: %v", err)
	}
}
