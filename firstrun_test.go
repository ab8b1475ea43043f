package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestBrowserURLMapsWildcardListenersToLocalhost(t *testing.T) {
	tests := []struct {
		addr, want string
	}{
		{"127.0.0.1:8080", "http://127.0.0.1:8080/login"},
		{"0.0.0.0:8080", "http://localhost:8080/login"},
		{"[::]:8080", "http://localhost:8080/login"},
		{":8080", "http://localhost:8080/login"},
		{"[::1]:9000", "http://[::1]:9000/login"},
		{"192.0.2.7:80", "http://192.0.2.7:80/login"},
		{"dash.example:8080", "http://dash.example:8080/login"},
	}
	for _, tt := range tests {
		if got := browserURL(tt.addr, "/login"); got != tt.want {
			t.Errorf("browserURL(%q) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func TestFirstRunBannerSaysWhereHowAndHowToChange(t *testing.T) {
	banner := firstRunBanner("http://localhost:8080/login", "admin", "S3cret-generated")
	for _, want := range []string{"http://localhost:8080/login", "User name  admin", "Password   S3cret-generated", "go run . users passwd admin"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	if strings.Contains(banner, "[::]") || strings.Contains(banner, "level=") {
		t.Errorf("banner looks like a log line or has an unopenable URL:\n%s", banner)
	}
}

// The banner's command must work as printed from a checkout: run what
// follows "go run ." against a data directory holding the first account.
func TestFirstRunBannerCommandChangesThePassword(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("GROUPDESK_DATA", dir)
	ctx := context.Background()
	if err := run(ctx, []string{"users", "add", "admin"}, &bytes.Buffer{}, nil); err != nil {
		t.Fatal(err)
	}
	var command string
	for _, line := range strings.Split(firstRunBanner("http://localhost:8080/login", "admin", "x"), "\n") {
		if _, after, ok := strings.Cut(line, "go run . "); ok {
			command = after
		}
	}
	args := strings.Fields(command)
	if len(args) < 1 || args[0] != "users" {
		t.Fatalf("banner has no `go run . users …` command: %q", command)
	}
	var out bytes.Buffer
	if err := runUsers(ctx, args[1:], strings.NewReader("a-new-passphrase-42\n"), &out); err != nil {
		t.Fatalf("%q: %v", command, err)
	}
	if got := out.String(); got != "password for admin set\n" {
		t.Errorf("%q printed %q", command, got)
	}
}
