package main

import (
	"fmt"
	"net"
	"strings"
)

// browserURL is the URL a person opens to reach a server listening on addr
// (a listener's address, host:port). A wildcard address such as 0.0.0.0 or
// [::] cannot be opened in a browser, so it becomes localhost, which reaches
// the server on the same machine.
func browserURL(addr, path string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr + path
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + path
}

// firstRunBanner is what serve prints on standard error when it has just
// created the first account with a generated password: where to go, how to
// sign in and how to change the password, apart from the log lines so a
// newcomer sees it. The command works from a checkout (see the README).
func firstRunBanner(loginURL, username, password string) string {
	rule := strings.Repeat("─", 64)
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s\n", rule)
	fmt.Fprintf(&b, "  Groupdesk is running. First start: an admin account was created.\n\n")
	fmt.Fprintf(&b, "    Open       %s\n", loginURL)
	fmt.Fprintf(&b, "    User name  %s\n", username)
	fmt.Fprintf(&b, "    Password   %s\n\n", password)
	fmt.Fprintf(&b, "  This password is shown only this once. To choose your own, run\n")
	fmt.Fprintf(&b, "  from the repository (type the new password, then Enter):\n\n")
	fmt.Fprintf(&b, "    go run . users passwd %s\n\n", username)
	fmt.Fprintf(&b, "  (with a built binary: groupdesk users passwd %s)\n", username)
	fmt.Fprintf(&b, "%s\n\n", rule)
	return b.String()
}
