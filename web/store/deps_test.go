package store

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestStoreImportsNoWebFramework: the store is called by the handlers and
// by `groupdesk users`, so it must not pull in HTTP frameworks, templates,
// metrics or the handler package itself.
func TestStoreImportsNoWebFramework(t *testing.T) {
	out, err := exec.Command(goTool(), "list", "-deps", "groupdesk/web/store").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	forbidden := []string{"github.com/labstack/echo", "github.com/a-h/templ", "github.com/prometheus/", "github.com/VictoriaMetrics/", "github.com/gorilla/", "groupdesk/web\n", "groupdesk/views"}
	deps := string(out) + "\n"
	for _, f := range forbidden {
		if strings.Contains(deps, f) {
			t.Errorf("groupdesk/web/store depends on %s", strings.TrimSpace(f))
		}
	}
	if !strings.Contains(deps, "groupdesk/web/store\n") {
		t.Fatalf("go list -deps did not list the package itself:\n%s", out)
	}
}

// goTool is the go command running this test (go test sets GOROOT), else
// the one on PATH.
func goTool() string {
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", "go"); fileExists(p) {
			return p
		}
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
