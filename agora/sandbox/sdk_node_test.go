package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sdkUsers are the users the Web SDK test acts as or on; each gets a Chat
// user token. The roles in the test's groups are set up by the script.
var sdkUsers = []string{"sdkowner", "sdkadmin", "sdkmember", "sdkoutsider", "sdkx1", "sdkx2", "sdkx3", "sdkx4", "sdkx5"}

// TestOfficialWebSDK runs the official Agora Chat Web SDK (npm agora-chat,
// unmodified) from Node against the sandbox with demo data: every REST-backed
// group method, with an app token and with user tokens of owner, admin,
// member and non-member (sdktest/sdk_test.mjs). Node and the package come
// from `npm ci`; with CI=true their absence is a failure.
func TestOfficialWebSDK(t *testing.T) {
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join("..", "..", "node_modules", "agora-chat", "package.json"))
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but the Web SDK test cannot run (needs node and `npm ci` at the repository root): %v", err)
		}
		t.Skipf("Web SDK test not run: needs node and `npm ci` at the repository root: %v", err)
	}

	e := newEnv(t, func(c *Config) { c.AllowedOrigins = []string{AnyOrigin} })
	ctx := context.Background()
	if _, err := e.sb.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.sb.CreateUsers(ctx, sdkUsers...); err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{"app": e.token}
	for _, u := range sdkUsers {
		tokens[u] = userToken(t, u, 3600, time.Now())
	}
	config, err := json.Marshal(map[string]any{
		"apiUrl": e.srv.URL, "org": testOrg, "app": testApp, "tokens": tokens,
	})
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("sdktest", "sdk_test.mjs"))
	cmd.Env = append(os.Environ(), "SDKTEST_CONFIG="+string(config))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	t.Logf("Web SDK outcomes:\n%s", stdout.String())
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		t.Fatalf("the Web SDK run failed (exit %d):\n%s", exit.ExitCode(), strings.TrimSpace(stderr.String()))
	case err != nil:
		t.Fatalf("running node: %v\n%s", err, stderr.String())
	}
}
