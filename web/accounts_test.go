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
	"groupdesk/web/store"
)

func TestSetPasswordSignsOut(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		e := newEnv(t, withDB(db)).login()
		if err := e.srv.st.SetPassword(context.Background(), store.ShellActor, "admin", "brand new password"); err != nil {
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
		list, err := e.srv.st.Accounts(context.Background())
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
	st, err := store.Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if ok, _ := st.Authenticate(context.Background(), "admin", password); !ok {
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
