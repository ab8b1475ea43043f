package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestUsersAddWithRole(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	for _, args := range [][]string{
		{"users", "--data", dir, "add", "ann"},                     // admin by default
		{"users", "--data", dir, "add", "ben", "--role", "viewer"}, // flag after the name
		{"users", "--data", dir, "add", "--role=moderator", "cy"},  // or before it
	} {
		var out bytes.Buffer
		if err := run(ctx, args, &out, nil); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"users", "--data", dir, "list"}, &out, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ann       admin", "ben       viewer", "cy        moderator"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("list lacks %q:\n%s", want, out.String())
		}
	}
	for _, args := range [][]string{
		{"users", "--data", dir, "add", "dan", "--role", "owner"},
		{"users", "--data", dir, "add", "dan", "extra"},
		{"users", "--data", dir, "passwd", "ann", "--role", "viewer"},
	} {
		if err := run(ctx, args, &out, nil); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
