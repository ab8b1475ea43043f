package web

import (
	"context"
	"strings"
	"testing"
)

// A start without GROUPDESK_ADMIN_PASSWORD hands the generated password to
// the caller (main prints it in the first-run banner) and keeps it out of
// the log; a later start on the same data has none to hand over.
func TestFirstRunPasswordIsHandedOverNotLogged(t *testing.T) {
	e := newEnv(t, withConfig(func(c *Config) { c.AdminPassword = "" }))
	password := e.srv.FirstRunPassword()
	if password == "" {
		t.Fatal("FirstRunPassword is empty after creating the first account")
	}
	if ok, err := e.srv.accounts.authenticate(context.Background(), FirstAccount, password); !ok || err != nil {
		t.Errorf("the handed-over password does not sign %s in: %v", FirstAccount, err)
	}
	if strings.Contains(e.logs.String(), password) {
		t.Errorf("the log contains the generated password:\n%s", e.logs)
	}

	again := newEnv(t, withConfig(func(c *Config) { c.AdminPassword = ""; c.DataDir = e.dir }))
	if got := again.srv.FirstRunPassword(); got != "" {
		t.Errorf("second start: FirstRunPassword = %q, want empty", got)
	}
}

func TestFirstRunPasswordIsEmptyWhenChosen(t *testing.T) {
	e := newEnv(t)
	if got := e.srv.FirstRunPassword(); got != "" {
		t.Errorf("with GROUPDESK_ADMIN_PASSWORD set: FirstRunPassword = %q, want empty", got)
	}
}
