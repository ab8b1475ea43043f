package web

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"groupdesk/agora"
)

func TestAccounts(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		a, err := OpenAccounts(db.dir, db.url)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		if err := a.Add(ctx, "Mod.One", "ten chars!"); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ user, pass, want string }{
			{"mod.one", "another password", "already exists"},
			{"short", "123456789", "at least 10 characters"},
			{"bad name!", "long enough password", "not valid"},
			{"", "long enough password", "not valid"},
			{"long", strings.Repeat("x", 73), "at most 72 bytes"},
		} {
			err := a.Add(ctx, tc.user, tc.pass)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Add(%q): %v, want %q", tc.user, err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), tc.pass) {
				t.Errorf("error contains the password")
			}
		}
		if err := a.Add(ctx, "zed", "zed's password"); err != nil {
			t.Fatal(err)
		}
		list, err := a.List(ctx)
		if err != nil || len(list) != 2 || list[0].Username != "mod.one" || list[1].Username != "zed" {
			t.Fatalf("List = %+v, %v", list, err)
		}
		if list[0].Created.IsZero() || !list[0].LastLogin.IsZero() {
			t.Errorf("times: %+v", list[0])
		}
		if ok, _ := a.authenticate(ctx, "mod.one", "ten chars!"); !ok {
			t.Error("password does not work")
		}
		if err := a.SetPassword(ctx, "MOD.ONE", "a new password"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := a.authenticate(ctx, "mod.one", "ten chars!"); ok {
			t.Error("old password still works")
		}
		if ok, _ := a.authenticate(ctx, "mod.one", "a new password"); !ok {
			t.Error("new password does not work")
		}
		if err := a.SetPassword(ctx, "ghost", "a new password"); err == nil || !strings.Contains(err.Error(), "no such account") {
			t.Errorf("SetPassword(ghost) = %v", err)
		}
		if err := a.SetPassword(ctx, "zed", "short"); err == nil {
			t.Error("short password accepted")
		}
		var role string
		if err := a.st.db.QueryRow(`SELECT role FROM accounts WHERE username = 'zed'`).Scan(&role); err != nil || role != "admin" {
			t.Errorf("role = %q, %v", role, err)
		}
		if db.dialect == dialectPostgres {
			if _, err := os.Stat(filepath.Join(db.dir, dbFile)); err == nil {
				t.Error("dashboard.db created although the accounts are in PostgreSQL")
			}
		} else if fi, err := os.Stat(filepath.Join(db.dir, dbFile)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("dashboard.db mode %v, %v", fi.Mode(), err)
		}
	})
}

func TestSetPasswordSignsOut(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		e := newEnv(t, withDB(db)).login()
		if err := e.srv.accounts.SetPassword(context.Background(), "admin", "brand new password"); err != nil {
			t.Fatal(err)
		}
		if p := e.get("/groups/new"); p.StatusCode != 303 {
			t.Fatalf("session survived a password change: %d", p.StatusCode)
		}
	})
}

func TestLastLoginRecorded(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		e := newEnv(t, withDB(db)).login()
		list, err := e.srv.accounts.List(context.Background())
		if err != nil || len(list) != 1 || time.Since(list[0].LastLogin) > time.Minute {
			t.Fatalf("List after login = %+v, %v", list, err)
		}
	})
}

func testClient(t *testing.T) *agora.Client {
	t.Helper()
	c, err := agora.NewClient(agora.Config{Host: "http://127.0.0.1:1", OrgName: testOrg, AppName: testApp, AppID: testAppID, AppCertificate: testAppCert})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFirstStartRandomPassword(t *testing.T) {
	dir := t.TempDir()
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	srv, err := New(Config{DataDir: dir, Mode: ModeAgora, Logger: log}, testClient(t))
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	// The password goes to main's first-run banner, not to the log.
	password, out := srv.FirstRunPassword(), logs.String()
	if !strings.Contains(out, "random password") || !strings.Contains(out, "username=admin") || strings.Contains(out, password) {
		t.Fatalf("log (password %q):\n%s", password, out)
	}
	a, _ := OpenAccounts(dir, "")
	defer a.Close()
	if ok, _ := a.authenticate(context.Background(), "admin", password); !ok {
		t.Fatalf("first-run password %q does not work", password)
	}
	// The session key was generated once, 0600, and is reused.
	keyPath := filepath.Join(dir, sessionKeyFile)
	fi, err := os.Stat(keyPath)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("session key file: %v %v", fi, err)
	}
	key1, _ := os.ReadFile(keyPath)

	logs.Reset()
	srv, err = New(Config{DataDir: dir, Mode: ModeAgora, Logger: log, AdminPassword: "ignored now"}, testClient(t))
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if strings.Contains(logs.String(), "password") {
		t.Errorf("second start logged a password again:\n%s", logs.String())
	}
	key2, _ := os.ReadFile(keyPath)
	if string(key1) != string(key2) {
		t.Error("session key regenerated")
	}
}

func TestConfigValidate(t *testing.T) {
	ok := Config{DataDir: "/tmp/x", Mode: ModeSandbox}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]Config{
		"no data dir":       {Mode: ModeSandbox},
		"short session key": {DataDir: "d", Mode: ModeSandbox, SessionKey: "too short"},
		"weak admin pass":   {DataDir: "d", Mode: ModeSandbox, AdminPassword: "xyz12"},
		"unknown mode":      {DataDir: "d", Mode: "prod"},
	} {
		err := c.Validate()
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if c.SessionKey != "" && strings.Contains(err.Error(), c.SessionKey) {
			t.Errorf("%s: error shows the key", name)
		}
		if c.AdminPassword != "" && strings.Contains(err.Error(), c.AdminPassword) {
			t.Errorf("%s: error shows the password", name)
		}
	}
	if _, err := New(Config{Mode: ModeSandbox}, testClient(t)); err == nil {
		t.Error("New accepted an invalid config")
	}
	if _, err := New(Config{DataDir: t.TempDir(), Mode: ModeSandbox}, nil); err == nil {
		t.Error("New accepted a nil client")
	}
}
