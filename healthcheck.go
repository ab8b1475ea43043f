package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// errUnhealthy makes main exit with status 1, which is what Docker's
// HEALTHCHECK and other probes understand as "unhealthy".
var errUnhealthy = errors.New("unhealthy")

// runHealthcheck is `groupdesk healthcheck`: it asks a running dashboard's
// /healthz and succeeds only on 200. It exists because the container image
// has no shell and no curl.
func runHealthcheck(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("healthcheck")
	addr := fs.String("addr", envString("GROUPDESK_ADDR", "127.0.0.1:8080"), "address the dashboard listens on (GROUPDESK_ADDR)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("healthcheck takes no arguments, got %q", fs.Args())
	}
	target, err := healthURL(*addr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %v", errUnhealthy, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: GET %s answered %s", errUnhealthy, target, resp.Status)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}

// healthURL is the /healthz URL of a dashboard listening on addr; a
// wildcard listen address (0.0.0.0:8080, :8080, [::]:8080) is asked on
// loopback.
func healthURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("GROUPDESK_ADDR %q is not a host:port address", addr)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}
