package store

import (
	"context"
	"testing"
	"time"
)

// BenchmarkHotReads are the reads a page makes of the dashboard database:
// a session, an account, and a group page's latest audit records.
func BenchmarkHotReads(b *testing.B) {
	st, err := Open(b.TempDir(), "")
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if err := st.CreateAccount(ctx, ShellActor, "admin", "bench password", RoleAdmin); err != nil {
		b.Fatal(err)
	}
	if err := st.SaveSession(ctx, "hash", "admin", `{"user":"admin"}`, time.Now()); err != nil {
		b.Fatal(err)
	}
	for i := range 20 {
		e := AuditEntry{At: time.Now(), Actor: "admin", Action: ActionGroupCreate, TargetType: TargetGroup, Target: "1700000000000001"}
		if i%2 == 0 {
			e.Target = "other"
		}
		if err := st.AppendAudit(ctx, e, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("session", func(b *testing.B) {
		for b.Loop() {
			if s, err := st.Session(ctx, "hash"); err != nil || s == nil {
				b.Fatal(s, err)
			}
		}
	})
	b.Run("account", func(b *testing.B) {
		for b.Loop() {
			if a, err := st.Account(ctx, "admin"); err != nil || a == nil {
				b.Fatal(a, err)
			}
		}
	})
	b.Run("group history", func(b *testing.B) {
		for b.Loop() {
			if rows, err := st.AuditPage(ctx, AuditFilter{Target: "1700000000000001", Limit: 10}); err != nil || len(rows) != 10 {
				b.Fatal(len(rows), err)
			}
		}
	})
}
