package web

import "testing"

// FirstRunPassword is there only on the start that created the first account
// with a generated password (TestFirstStartRandomPassword checks it signs in
// and stays out of the log): not on a later start, nor when
// GROUPDESK_ADMIN_PASSWORD chose it.
func TestFirstRunPasswordOnlyOnTheStartThatMadeIt(t *testing.T) {
	first := newEnv(t, withConfig(func(c *Config) { c.AdminPassword = "" }))
	if first.srv.FirstRunPassword() == "" {
		t.Fatal("FirstRunPassword is empty after creating the first account")
	}
	again := newEnv(t, withConfig(func(c *Config) { c.AdminPassword = ""; c.DataDir = first.dir }))
	if got := again.srv.FirstRunPassword(); got != "" {
		t.Errorf("second start: FirstRunPassword = %q, want empty", got)
	}
	if got := newEnv(t).srv.FirstRunPassword(); got != "" {
		t.Errorf("with GROUPDESK_ADMIN_PASSWORD set: FirstRunPassword = %q, want empty", got)
	}
}
