package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// envVarsReadByCode finds every environment variable the program reads: the
// first argument of os.Getenv, os.LookupEnv and of main's env* helpers
// (envString, envBool, …) in every non-test Go file of the module.
func envVarsReadByCode(t *testing.T) map[string]string {
	t.Helper()
	found := map[string]string{} // name → file:line of first use
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "testdata" || d.Name() == "test-artifacts") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			reads := false
			switch fn := call.Fun.(type) {
			case *ast.SelectorExpr:
				pkg, ok := fn.X.(*ast.Ident)
				reads = ok && pkg.Name == "os" && (fn.Sel.Name == "Getenv" || fn.Sel.Name == "LookupEnv")
			case *ast.Ident:
				reads = f.Name.Name == "main" && strings.HasPrefix(fn.Name, "env") && len(fn.Name) > 3
			}
			if !reads {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true // envString(name, …) inside the helper itself
			}
			name, err := strconv.Unquote(lit.Value)
			if err == nil {
				if _, seen := found[name]; !seen {
					found[name] = fset.Position(lit.Pos()).String()
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func TestReadmeDocumentsEveryEnvVar(t *testing.T) {
	vars := envVarsReadByCode(t)
	// The scan must see the settings we know of, or it proves nothing.
	for _, known := range []string{"GROUPDESK_ADDR", "GROUPDESK_DATA", "AGORA_HOST", "AGORA_APP_CERTIFICATE", "SANDBOX_ADDR",
		"GROUPDESK_METRICS_TOKEN", "GROUPDESK_LOG_FORMAT", "GROUPDESK_LOG_LEVEL"} {
		if _, ok := vars[known]; !ok {
			t.Errorf("the scan did not find %s; is it broken?", known)
		}
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(vars))
	for name := range vars {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !bytes.Contains(readme, []byte("`"+name+"`")) {
			t.Errorf("%s (read at %s) is not documented in README.md; add it to the configuration table", name, vars[name])
		}
	}
}

func TestEnvLogSettings(t *testing.T) {
	tests := []struct {
		format, level string
		wantErr       string
		json          bool
		debug, info   bool
	}{
		{"", "", "", false, false, true},
		{"text", "info", "", false, false, true},
		{"json", "", "", true, false, true},
		{"JSON", "debug", "", true, true, true},
		{"json", "warn", "", true, false, false},
		{"logfmt", "", "GROUPDESK_LOG_FORMAT", false, false, false},
		{"", "verbose", "GROUPDESK_LOG_LEVEL", false, false, false},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		l, err := newLogger(&buf, tt.format, tt.level)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("newLogger(%q, %q) err = %v, want it to name %s", tt.format, tt.level, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("newLogger(%q, %q): %v", tt.format, tt.level, err)
		}
		l.Debug("d")
		l.Info("i")
		out := buf.String()
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if out == "" {
			lines = nil
		}
		want := 0
		if tt.debug {
			want++
		}
		if tt.info {
			want++
		}
		if len(lines) != want {
			t.Errorf("%q/%q: %d lines, want %d:\n%s", tt.format, tt.level, len(lines), want, out)
		}
		for _, line := range lines {
			if isJSON := json.Valid([]byte(line)); isJSON != tt.json {
				t.Errorf("%q/%q: line %q JSON = %v, want %v", tt.format, tt.level, line, isJSON, tt.json)
			}
		}
	}
}

func TestLifecycleHealthcheckCommand(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")

	t.Setenv("GROUPDESK_ADDR", addr)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"healthcheck"}, &out, nil); err != nil || strings.TrimSpace(out.String()) != "ok" {
		t.Errorf("healthy: err = %v, output %q", err, out.String())
	}
	status = http.StatusServiceUnavailable
	if err := run(context.Background(), []string{"healthcheck"}, io.Discard, nil); !errors.Is(err, errUnhealthy) {
		t.Errorf("503: err = %v, want errUnhealthy (exit 1)", err)
	}
	closed := freeAddr(t)
	if err := run(context.Background(), []string{"healthcheck", "--addr", closed}, io.Discard, nil); !errors.Is(err, errUnhealthy) {
		t.Errorf("nothing listening: err = %v, want errUnhealthy", err)
	}
	if err := run(context.Background(), []string{"healthcheck", "--addr", "nonsense"}, io.Discard, nil); err == nil || errors.Is(err, errUnhealthy) {
		t.Errorf("bad address: err = %v, want a configuration error", err)
	}

	for in, want := range map[string]string{
		"0.0.0.0:8080":   "http://127.0.0.1:8080/healthz",
		":8080":          "http://127.0.0.1:8080/healthz",
		"[::]:8080":      "http://[::1]:8080/healthz",
		"10.0.0.5:9000":  "http://10.0.0.5:9000/healthz",
		"localhost:8080": "http://localhost:8080/healthz",
	} {
		if got, err := healthURL(in); err != nil || got != want {
			t.Errorf("healthURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
