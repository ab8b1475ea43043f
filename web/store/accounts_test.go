package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAccounts(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		a := db.open(t)
		if err := a.CreateAccount(ctx, ShellActor, "Mod.One", "ten chars!", RoleAdmin); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ user, pass, want string }{
			{"mod.one", "another password", "already exists"},
			{"short", "123456789", "at least 10 characters"},
			{"bad name!", "long enough password", "not valid"},
			{"", "long enough password", "not valid"},
			{"long", strings.Repeat("x", 73), "at most 72 bytes"},
		} {
			err := a.CreateAccount(ctx, ShellActor, tc.user, tc.pass, RoleAdmin)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("CreateAccount(%q): %v, want %q", tc.user, err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), tc.pass) {
				t.Errorf("error contains the password")
			}
		}
		if err := a.CreateAccount(ctx, ShellActor, "zed", "zed's password", RoleAdmin); err != nil {
			t.Fatal(err)
		}
		list, err := a.Accounts(ctx)
		if err != nil || len(list) != 2 || list[0].Username != "mod.one" || list[1].Username != "zed" {
			t.Fatalf("List = %+v, %v", list, err)
		}
		if list[0].Created.IsZero() || !list[0].LastLogin.IsZero() {
			t.Errorf("times: %+v", list[0])
		}
		if ok, _ := a.Authenticate(ctx, "mod.one", "ten chars!"); !ok {
			t.Error("password does not work")
		}
		if err := a.SetPassword(ctx, ShellActor, "MOD.ONE", "a new password"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := a.Authenticate(ctx, "mod.one", "ten chars!"); ok {
			t.Error("old password still works")
		}
		if ok, _ := a.Authenticate(ctx, "mod.one", "a new password"); !ok {
			t.Error("new password does not work")
		}
		if err := a.SetPassword(ctx, ShellActor, "ghost", "a new password"); err == nil || !strings.Contains(err.Error(), "no such account") {
			t.Errorf("SetPassword(ghost) = %v", err)
		}
		if err := a.SetPassword(ctx, ShellActor, "zed", "short"); err == nil {
			t.Error("short password accepted")
		}
		var role string
		if err := a.db.QueryRow(`SELECT role FROM accounts WHERE username = 'zed'`).Scan(&role); err != nil || role != "admin" {
			t.Errorf("role = %q, %v", role, err)
		}
		if db.dialect == Postgres {
			if _, err := os.Stat(filepath.Join(db.dir, DBFile)); err == nil {
				t.Error("dashboard.db created although the accounts are in PostgreSQL")
			}
		} else if fi, err := os.Stat(filepath.Join(db.dir, DBFile)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("dashboard.db mode %v, %v", fi.Mode(), err)
		}
	})
}
