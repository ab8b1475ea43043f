package web

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"groupdesk/web/store"
)

func TestParseTrustedProxies(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{in: "", want: nil},
		{in: "10.0.0.0/8", want: []string{"10.0.0.0/8"}},
		{in: " 10.0.0.0/8 , 192.0.2.10,, ", want: []string{"10.0.0.0/8", "192.0.2.10/32"}},
		{in: "2001:db8::1", want: []string{"2001:db8::1/128"}},
		{in: "proxy.internal", wantErr: true},
		{in: "10.0.0.0/33", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			nets, err := ParseTrustedProxies(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseTrustedProxies(%q) accepted it", tt.in)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, n := range nets {
				got = append(got, n.String())
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}

// Behind a trusted proxy, each client's own address counts for the login
// throttle; without the setting, X-Forwarded-For is ignored.
func TestTrustedProxiesDecideTheThrottledAddress(t *testing.T) {
	_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
	fail := func(e *env, from string, i int) *page {
		return e.post("/login", url.Values{"username": {"nobody-" + strconv.Itoa(i)}, "password": {"wrong password"}}, "X-Forwarded-For", from)
	}

	t.Run("trusted proxy: clients are told apart", func(t *testing.T) {
		e := newEnv(t, withConfig(func(c *Config) { c.TrustedProxies = []*net.IPNet{loopback} }))
		for i := range store.LoginAddressMaxFailures {
			fail(e, "203.0.113.7", i)
		}
		p := e.post("/login", url.Values{"username": {"admin"}, "password": {testAdminPass}}, "X-Forwarded-For", "203.0.113.7")
		wantStatus(t, p, http.StatusTooManyRequests)
		p = e.post("/login", url.Values{"username": {"admin"}, "password": {testAdminPass}}, "X-Forwarded-For", "198.51.100.9")
		wantStatus(t, p, http.StatusSeeOther)
	})

	t.Run("no trusted proxy: the header is ignored", func(t *testing.T) {
		e := newEnv(t)
		for i := range store.LoginAddressMaxFailures {
			fail(e, "203.0.113.7", i)
		}
		// A forged header does not escape the throttle of the real peer.
		p := e.post("/login", url.Values{"username": {"admin"}, "password": {testAdminPass}}, "X-Forwarded-For", "198.51.100.9")
		wantStatus(t, p, http.StatusTooManyRequests)
	})
}
