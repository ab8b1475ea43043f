package sandbox

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"groupdesk/agora"
)

func TestOpenValidatesConfig(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		field  string
		mutate func(*Config)
	}{
		{"DataDir", func(c *Config) { c.DataDir = "" }},
		{"Org", func(c *Config) { c.Org = "" }},
		{"App", func(c *Config) { c.App = "a/b" }},
		{"AppID", func(c *Config) { c.AppID = "short" }},
		{"AppCertificate", func(c *Config) { c.AppCertificate = strings.Repeat("z", 32) }},
		{"MaxUsersPerGroup", func(c *Config) { c.MaxUsersPerGroup = -1 }},
		{"JoinedPageSizeDefault", func(c *Config) { c.JoinedPageSizeDefault = 600 }},
		{"MaxJoinedGroupsPerUser", func(c *Config) { c.MaxJoinedGroupsPerUser = -1 }},
		{"RateLimit", func(c *Config) { c.RateLimit = -1 }},
	}
	for _, tt := range tests {
		cfg := testConfig(dir)
		tt.mutate(&cfg)
		_, err := Open(cfg)
		if err == nil || !strings.Contains(err.Error(), "Config."+tt.field) {
			t.Errorf("%s: error %v should name Config.%s", tt.field, err, tt.field)
		}
		if err != nil && strings.Contains(err.Error(), testCert) {
			t.Errorf("%s: error leaks the certificate", tt.field)
		}
	}
}

func TestLoadOrCreateCredentials(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	c, err := LoadOrCreateCredentials(dir)
	if err != nil {
		t.Fatal(err)
	}
	if agora.ValidateAppID(c.AppID) != nil || agora.ValidateAppCertificate(c.AppCertificate) != nil || c.AppID == c.AppCertificate {
		t.Errorf("generated pair is not two 32-hex values: %+v", c)
	}
	fi, err := os.Stat(filepath.Join(dir, CredentialsFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode %v, want 0600", fi.Mode().Perm())
	}
	again, err := LoadOrCreateCredentials(dir)
	if err != nil || again != c {
		t.Errorf("second load %+v, %v; want the same pair", again, err)
	}
	// A token for the pair is accepted by a sandbox using it.
	cfg := testConfig(dir)
	cfg.AppID, cfg.AppCertificate = c.AppID, c.AppCertificate
	sb, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	token, err := agora.BuildAppToken(c.AppID, c.AppCertificate, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, aerr := sb.authenticate(&http.Request{Header: http.Header{"Authorization": {"Bearer " + token}}}); aerr != nil {
		t.Error("token for the generated pair rejected")
	}

	os.WriteFile(filepath.Join(dir, CredentialsFile), []byte(`{"app_id":"x"}`), 0o600)
	if _, err := LoadOrCreateCredentials(dir); err == nil || !strings.Contains(err.Error(), "delete it") {
		t.Errorf("bad file: %v", err)
	}
}

func TestBaseURL(t *testing.T) {
	sb := &Sandbox{cfg: testConfig("")}
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080/acme/desk",
		":8080":          "http://localhost:8080/acme/desk",
		"0.0.0.0:9":      "http://localhost:9/acme/desk",
		"[::]:9":         "http://localhost:9/acme/desk",
		"example.com:80": "http://example.com:80/acme/desk",
	} {
		if got := sb.BaseURL(addr); got != want {
			t.Errorf("BaseURL(%q) = %q, want %q", addr, got, want)
		}
	}
}

func TestServeAndShutdown(t *testing.T) {
	sb, err := Open(testConfig(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sb.Serve(ctx, ln) }()
	res, err := http.Get(sb.BaseURL(ln.Addr().String()) + "/chatgroups")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token: status %d, want 401", res.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}

func TestSeedDemo(t *testing.T) {
	e := newEnv(t)
	start := time.Now()
	seeded, err := e.sb.SeedDemo(context.Background())
	if err != nil || !seeded {
		t.Fatalf("SeedDemo: %v, %v", seeded, err)
	}
	t.Logf("SeedDemo took %v", time.Since(start))

	// The named groups are the newest, so they fill the first page.
	items := dataList(t, e.ok("GET", "/chatgroups?limit="+fmt.Sprint(len(demoGroups)), nil))
	for i, it := range items {
		if want := demoGroups[len(demoGroups)-1-i].name; it.(map[string]any)["groupname"] != want {
			t.Errorf("group %d is %v, want %q", i, it.(map[string]any)["groupname"], want)
		}
	}
	var big string
	names := map[string]bool{}
	for _, it := range items {
		m := it.(map[string]any)
		names[m["groupname"].(string)] = true
		if m["affiliations"].(float64) >= 1000 {
			big = m["groupid"].(string)
		}
	}
	if big == "" || !names["后端开发组"] {
		t.Fatalf("no group with ≥1000 members or no Chinese name: %v", names)
	}
	g := dataList(t, e.ok("GET", "/chatgroups/"+big, nil))[0].(map[string]any)
	if n := len(g["affiliations"].([]any)); float64(n) != g["affiliations_count"] || n < 1000 {
		t.Errorf("big group: %d affiliations, count %v", n, g["affiliations_count"])
	}
	if n := count(t, e.ok("GET", "/users/user0001/joined_chatgroups", nil)); n < 1 {
		t.Errorf("user0001 joined %d groups", n)
	}
	e.ok("GET", "/users/chen.wei", nil)

	// The spammer: 200 groups, 20 owned; names to search for.
	joined := dataList(t, e.ok("GET", "/users/spammer/joined_chatgroups", nil))
	owned, hiring, book := 0, 0, 0
	for _, it := range joined {
		m := it.(map[string]any)
		name := m["groupname"].(string)
		if strings.Contains(name, "招聘") {
			hiring++
		}
		if strings.Contains(strings.ToLower(name), "book") {
			book++
		}
		if dataList(t, e.ok("GET", "/chatgroups/"+m["groupid"].(string), nil))[0].(map[string]any)["owner"] == "spammer" {
			owned++
		}
	}
	if len(joined) != 200 || owned != 20 || hiring < 2 || book < 2 {
		t.Errorf("spammer: %d groups, %d owned, %d with 招聘, %d with book", len(joined), owned, hiring, book)
	}

	// Moderation data: admins, a muted user, a blocked user, an allow-list entry, an announcement.
	var mod string
	for _, it := range items {
		id := it.(map[string]any)["groupid"].(string)
		if len(dataList(t, e.ok("GET", "/chatgroups/"+id+"/blocks/users", nil))) > 0 {
			mod = id
		}
	}
	if mod == "" {
		t.Fatal("no demo group has a blocked user")
	}
	if n := len(dataList(t, e.ok("GET", "/chatgroups/"+mod+"/mute", nil))); n != 2 {
		t.Errorf("%d muted users, want 2", n)
	}
	if n := len(dataList(t, e.ok("GET", "/chatgroups/"+mod+"/admin", nil))); n < 1 {
		t.Errorf("no admins in %s", mod)
	}
	if n := count(t, e.ok("GET", "/chatgroups/"+mod+"/white/users", nil)); n < 3 {
		t.Errorf("allow list of %d", n)
	}
	if a := dataObject(t, e.ok("GET", "/chatgroups/"+items[len(items)-1].(map[string]any)["groupid"].(string)+"/announcement", nil))["announcement"]; a == "" {
		t.Error("All Hands has no announcement")
	}
	if seeded, err := e.sb.SeedDemo(context.Background()); err != nil || seeded {
		t.Errorf("second SeedDemo: %v, %v", seeded, err)
	}
}

func TestStoreHelpers(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.sb.CreateUsers(ctx, "ok", "Not OK"); err == nil {
		t.Error("CreateUsers accepted an invalid name")
	}
	e.createUsers("Boss", "boss") // case-folded, idempotent
	if err := e.sb.BulkCreateGroups(ctx, 5, "ghost", 0); err == nil {
		t.Error("BulkCreateGroups accepted a missing owner")
	}
	if err := e.sb.BulkCreateGroups(ctx, 5, "BOSS", 3); err != nil {
		t.Fatal(err)
	}
	items := dataList(t, e.ok("GET", "/chatgroups", nil))
	if len(items) != 5 || items[0].(map[string]any)["affiliations"] != 4.0 {
		t.Errorf("bulk groups: %v", items)
	}
	if n := count(t, e.ok("GET", "/users/bulk.member00002/joined_chatgroups", nil)); n != 5 {
		t.Errorf("bulk member joined %d", n)
	}
}
