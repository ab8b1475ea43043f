// Package sdktest runs the official Agora Chat Web SDK (npm agora-chat,
// unmodified) from Node against a sandbox: sdk_test.mjs calls every
// REST-backed group method with an app token and with user tokens, and
// asserts outcomes, data and the SDK's error types. Tests start the
// sandbox and call Run.
package sdktest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Users are the users the script acts as or on; the sandbox must have them
// (the script makes its groups). Each needs a Chat user token.
var Users = []string{"sdkowner", "sdkadmin", "sdkmember", "sdkoutsider", "sdkx1", "sdkx2", "sdkx3", "sdkx4", "sdkx5"}

// Config is what the script needs: the REST host (scheme://host[:port]),
// the org and app, an app token and a user token for each of Users.
type Config struct {
	APIURL     string            `json:"apiUrl"`
	Org        string            `json:"org"`
	App        string            `json:"app"`
	AppToken   string            `json:"-"`
	UserTokens map[string]string `json:"-"`
}

// ErrUnavailable wraps why the SDK cannot run here (no node, or no
// `npm ci` at the repository root).
var ErrUnavailable = errors.New("the Web SDK test needs node and `npm ci` at the repository root")

// Run runs the script and returns its table of methods × token kinds →
// outcome (Markdown). An error lists every mismatch.
func Run(ctx context.Context, cfg Config) (string, error) {
	_, self, _, _ := runtime.Caller(0)
	dir := filepath.Dir(self)
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "..", "..", "..", "node_modules", "agora-chat", "package.json"))
	}
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	tokens := map[string]string{"app": cfg.AppToken}
	for u, t := range cfg.UserTokens {
		tokens[u] = t
	}
	env, err := json.Marshal(struct {
		Config
		Tokens map[string]string `json:"tokens"`
	}{cfg, tokens})
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "sdk_test.mjs"))
	cmd.Env = append(os.Environ(), "SDKTEST_CONFIG="+string(env))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("the Web SDK run failed (%v):\n%s", err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
