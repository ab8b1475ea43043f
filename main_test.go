package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"groupdesk/agora"
)

const (
	testAppID   = "970CA35de60c44645bbae8a215061b33"
	testAppCert = "5CFd2fd1755d40ecb72977518be15d3b"
)

func TestTokenCommandPrintsAVerifiableAppToken(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"token", "--app-id", testAppID, "--app-cert", testAppCert, "--expire", "120"}, &out, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out.String())
	parsed, err := agora.VerifyAppToken(token, testAppID, testAppCert, time.Now())
	if err != nil {
		t.Fatalf("printed token does not verify: %v", err)
	}
	if parsed.Expire != 120 {
		t.Errorf("expire = %d, want 120", parsed.Expire)
	}
}

func TestTokenCommandReadsEnvironment(t *testing.T) {
	t.Setenv("AGORA_APP_ID", testAppID)
	t.Setenv("AGORA_APP_CERTIFICATE", testAppCert)
	var out bytes.Buffer
	if err := runToken(nil, &out); err != nil {
		t.Fatal(err)
	}
	parsed, err := agora.VerifyAppToken(strings.TrimSpace(out.String()), testAppID, testAppCert, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Expire != 3600 {
		t.Errorf("default expire = %d, want 3600", parsed.Expire)
	}
}

func TestTokenCommandRejectsBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no credentials", nil, "--app-id and --app-cert"},
		{"expire too long", []string{"--app-id", testAppID, "--app-cert", testAppCert, "--expire", "86401"}, "between 1 and 86400"},
		{"expire zero", []string{"--app-id", testAppID, "--app-cert", testAppCert, "--expire", "0"}, "between 1 and 86400"},
		{"short app id", []string{"--app-id", "abc", "--app-cert", testAppCert}, "app ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("AGORA_APP_ID", "")
			t.Setenv("AGORA_APP_CERTIFICATE", "")
			var out bytes.Buffer
			err := runToken(tt.args, &out)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
			if strings.Contains(err.Error(), testAppCert) {
				t.Errorf("error leaks the certificate: %v", err)
			}
			if out.Len() != 0 {
				t.Errorf("printed %q on error", out.String())
			}
		})
	}
}

func TestParseServeConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string
		check   func(t *testing.T, c serveConfig)
	}{
		{name: "defaults run the embedded sandbox", check: func(t *testing.T, c serveConfig) {
			if !c.embedded || c.addr != "127.0.0.1:8080" || c.dataDir != "./data" || c.agoraOrg != defaultOrg || c.agoraApp != defaultApp {
				t.Errorf("got %+v", c)
			}
		}},
		{name: "AGORA_HOST selects a real app", env: map[string]string{"AGORA_HOST": "https://a41.chat.agora.io", "AGORA_ORG": "o", "AGORA_APP": "a"}, check: func(t *testing.T, c serveConfig) {
			if c.embedded || c.agoraOrg != "o" {
				t.Errorf("got %+v", c)
			}
		}},
		{name: "flag overrides env", env: map[string]string{"GROUPDESK_ADDR": "127.0.0.1:1"}, args: []string{"--addr", "127.0.0.1:2"}, check: func(t *testing.T, c serveConfig) {
			if c.addr != "127.0.0.1:2" {
				t.Errorf("addr = %s", c.addr)
			}
		}},
		{name: "bad address names the setting", env: map[string]string{"GROUPDESK_ADDR": "nonsense"}, wantErr: "GROUPDESK_ADDR"},
		{name: "credentials without host", env: map[string]string{"AGORA_APP_ID": testAppID}, wantErr: "AGORA_APP_ID is set but AGORA_HOST is not"},
		{name: "stray argument", args: []string{"extra"}, wantErr: "no arguments"},
		{name: "Agora's default rate limit", check: func(t *testing.T, c serveConfig) {
			if c.agoraRateLimit != 100 {
				t.Errorf("agoraRateLimit = %v, want 100", c.agoraRateLimit)
			}
		}},
		{name: "rate limit off", env: map[string]string{"AGORA_RATE_LIMIT": "0"}, check: func(t *testing.T, c serveConfig) {
			if c.agoraRateLimit != 0 {
				t.Errorf("agoraRateLimit = %v, want 0", c.agoraRateLimit)
			}
		}},
		{name: "page timeout defaults to 15 s", check: func(t *testing.T, c serveConfig) {
			if c.pageTimeout != 15*time.Second {
				t.Errorf("pageTimeout = %v", c.pageTimeout)
			}
		}},
		{name: "page timeout from the environment", env: map[string]string{"GROUPDESK_PAGE_TIMEOUT": "8s"}, check: func(t *testing.T, c serveConfig) {
			if c.pageTimeout != 8*time.Second {
				t.Errorf("pageTimeout = %v", c.pageTimeout)
			}
		}},
		{name: "bad page timeout names the setting", env: map[string]string{"GROUPDESK_PAGE_TIMEOUT": "soon"}, wantErr: "GROUPDESK_PAGE_TIMEOUT"},
		{name: "zero page timeout refused", env: map[string]string{"GROUPDESK_PAGE_TIMEOUT": "0s"}, wantErr: "GROUPDESK_PAGE_TIMEOUT"},
		{name: "bad rate limit names the setting", env: map[string]string{"AGORA_RATE_LIMIT": "-5"}, wantErr: "AGORA_RATE_LIMIT"},
		{name: "index sync every 15 minutes by default", check: func(t *testing.T, c serveConfig) {
			if c.indexSyncEvery != 15*time.Minute {
				t.Errorf("indexSyncEvery = %v", c.indexSyncEvery)
			}
		}},
		{name: "index sync period from the environment", env: map[string]string{"GROUPDESK_INDEX_SYNC_EVERY": "1h"}, check: func(t *testing.T, c serveConfig) {
			if c.indexSyncEvery != time.Hour {
				t.Errorf("indexSyncEvery = %v", c.indexSyncEvery)
			}
		}},
		{name: "index sync off", env: map[string]string{"GROUPDESK_INDEX_SYNC_EVERY": "off"}, check: func(t *testing.T, c serveConfig) {
			if c.indexSyncEvery >= 0 {
				t.Errorf("indexSyncEvery = %v, want negative (no schedule)", c.indexSyncEvery)
			}
		}},
		{name: "index sync under a minute refused", env: map[string]string{"GROUPDESK_INDEX_SYNC_EVERY": "5s"}, wantErr: "GROUPDESK_INDEX_SYNC_EVERY"},
		{name: "bad index sync period names the setting", env: map[string]string{"GROUPDESK_INDEX_SYNC_EVERY": "often"}, wantErr: "GROUPDESK_INDEX_SYNC_EVERY"},
		{name: "jobs take half the rate limit", check: func(t *testing.T, c serveConfig) {
			if c.jobRateShare != 0.5 {
				t.Errorf("jobRateShare = %v, want 0.5", c.jobRateShare)
			}
		}},
		{name: "job share from the environment", env: map[string]string{"GROUPDESK_JOB_RATE_SHARE": "0.25"}, check: func(t *testing.T, c serveConfig) {
			if c.jobRateShare != 0.25 {
				t.Errorf("jobRateShare = %v, want 0.25", c.jobRateShare)
			}
		}},
		{name: "job share above 1 refused", env: map[string]string{"GROUPDESK_JOB_RATE_SHARE": "1.5"}, wantErr: "GROUPDESK_JOB_RATE_SHARE"},
		{name: "job share 0 refused", env: map[string]string{"GROUPDESK_JOB_RATE_SHARE": "0"}, wantErr: "GROUPDESK_JOB_RATE_SHARE"},
		{name: "SQLite unless a database URL is set", check: func(t *testing.T, c serveConfig) {
			if c.databaseURL != "" {
				t.Errorf("databaseURL = %q", c.databaseURL)
			}
		}},
		{name: "database URL from the environment", env: map[string]string{"GROUPDESK_DATABASE_URL": "postgres://gd:pw@db:5432/gd"}, check: func(t *testing.T, c serveConfig) {
			if c.databaseURL != "postgres://gd:pw@db:5432/gd" {
				t.Errorf("databaseURL = %q", c.databaseURL)
			}
		}},
		{name: "database URL flag overrides env", env: map[string]string{"GROUPDESK_DATABASE_URL": "postgres://db1/gd"}, args: []string{"--database-url", "postgresql://db2/gd"}, check: func(t *testing.T, c serveConfig) {
			if c.databaseURL != "postgresql://db2/gd" {
				t.Errorf("databaseURL = %q", c.databaseURL)
			}
		}},
		{name: "a database other than PostgreSQL names the setting", env: map[string]string{"GROUPDESK_DATABASE_URL": "mysql://gd:pw@db/gd"}, wantErr: "GROUPDESK_DATABASE_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"GROUPDESK_ADDR", "GROUPDESK_DATA", "AGORA_HOST", "AGORA_ORG", "AGORA_APP", "AGORA_APP_ID", "AGORA_APP_CERTIFICATE", "AGORA_APP_TOKEN", "AGORA_RATE_LIMIT", "GROUPDESK_DATABASE_URL", "GROUPDESK_PAGE_TIMEOUT", "GROUPDESK_INDEX_SYNC_EVERY", "GROUPDESK_JOB_RATE_SHARE"} {
				t.Setenv(k, tt.env[k])
			}
			c, err := parseServeConfig(tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestHelpListsCommands(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"help"}, &out, nil); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"serve", "sandbox", "token", "users add", "users passwd", "users list"} {
		if !strings.Contains(out.String(), cmd) {
			t.Errorf("help does not mention %q", cmd)
		}
	}
	if err := run(context.Background(), []string{"bogus"}, &out, nil); err == nil {
		t.Error("unknown command accepted")
	}
}

// Flags default to the environment, but a secret's value must never show up
// as a default in "-h" output.
func TestHelpNeverPrintsSecrets(t *testing.T) {
	secrets := map[string]string{
		"AGORA_APP_CERTIFICATE":    testAppCert,
		"AGORA_APP_TOKEN":          "007secret-token-value",
		"GROUPDESK_SESSION_KEY":    "session-key-0123456789abcdef0123456789",
		"GROUPDESK_ADMIN_PASSWORD": "admin-password-value",
		"GROUPDESK_METRICS_TOKEN":  "metrics-token-value",
		"GROUPDESK_DATABASE_URL":   "postgres://u:db-password-value@127.0.0.1/x",
	}
	for k, v := range secrets {
		t.Setenv(k, v)
	}
	for _, cmd := range [][]string{{"serve", "-h"}, {"sandbox", "-h"}, {"token", "-h"}, {"users", "-h"}} {
		// The flag package prints help to os.Stderr: capture it.
		var out bytes.Buffer
		old := os.Stderr
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		os.Stderr = w
		_ = run(context.Background(), cmd, &out, slog.New(slog.NewTextHandler(io.Discard, nil)))
		w.Close()
		os.Stderr = old
		printed, _ := io.ReadAll(r)
		printed = append(printed, out.Bytes()...)
		if !bytes.Contains(printed, []byte("-app-cert")) && cmd[0] != "users" {
			t.Fatalf("%v printed no flag help:\n%s", cmd, printed)
		}
		for k, v := range secrets {
			if bytes.Contains(printed, []byte(v)) || (k == "GROUPDESK_DATABASE_URL" && bytes.Contains(printed, []byte("db-password-value"))) {
				t.Errorf("%v help shows the value of %s", cmd, k)
			}
		}
	}
}
