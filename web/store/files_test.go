package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSQLiteFilesAreOwnerOnly: dashboard.db and its -wal and -shm files
// hold password hashes and session data; none may be readable by others,
// whatever the umask, also when an older build left them 0644.
func TestSQLiteFilesAreOwnerOnly(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, dir string)
	}{
		{"new", func(*testing.T, string) {}},
		{"left readable", func(t *testing.T, dir string) {
			st, err := Open(dir, "")
			if err != nil {
				t.Fatal(err)
			}
			st.Close()
			for _, f := range []string{DBFile, DBFile + "-wal", DBFile + "-shm"} {
				if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil && !os.IsExist(err) {
					t.Fatal(err)
				}
				if err := os.Chmod(filepath.Join(dir, f), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.prepare(t, dir)
			st, err := Open(dir, "")
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			// A write makes sure the -wal and -shm files exist.
			if err := st.AppendAudit(context.Background(), AuditEntry{At: time.Now(), Actor: "t", Action: ActionLogout, TargetType: TargetAccount}, nil); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{DBFile, DBFile + "-wal", DBFile + "-shm"} {
				fi, err := os.Stat(filepath.Join(dir, f))
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				if fi.Mode().Perm() != 0o600 {
					t.Errorf("%s has mode %v, want 0600", f, fi.Mode().Perm())
				}
			}
		})
	}
}

// BenchmarkAuditAppend is one sign-in's audit write (record and outcome in
// one transaction) with synchronous=NORMAL and with FULL, which the store
// uses so that a committed record survives a power loss.
func BenchmarkAuditAppend(b *testing.B) {
	for _, sync := range []string{"NORMAL", "FULL"} {
		b.Run(sync, func(b *testing.B) {
			st, err := openSQLite(filepath.Join(b.TempDir(), DBFile), sync)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			ctx := context.Background()
			e := AuditEntry{Actor: "admin", Addr: "192.0.2.1", Action: ActionLogin, TargetType: TargetAccount, Target: "admin"}
			for b.Loop() {
				e.At = time.Now()
				if err := st.AppendAudit(ctx, e, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSQLiteSynchronousFull: the dashboard database runs with
// synchronous=FULL (2).
func TestSQLiteSynchronousFull(t *testing.T) {
	st, err := Open(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var mode int
	if err := st.db.QueryRow(`PRAGMA synchronous`).Scan(&mode); err != nil || mode != 2 {
		t.Errorf("synchronous = %d (%v), want 2 (FULL)", mode, err)
	}
}
