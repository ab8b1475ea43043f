package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"groupdesk/agora"
)

// joinedGroups is a user in many groups whose joined list fails from page
// failFrom on (0: never).
type joinedGroups struct {
	groupService
	total, failFrom int
}

func (j joinedGroups) ListJoined(_ context.Context, _ string, opts *agora.JoinedOptions) ([]*agora.JoinedGroup, *agora.Response, error) {
	if j.failFrom > 0 && opts.PageNum >= j.failFrom {
		return nil, nil, &agora.Error{StatusCode: http.StatusServiceUnavailable, Code: "service_unavailable"}
	}
	var out []*agora.JoinedGroup
	for i := (opts.PageNum - 1) * opts.PageSize; i < j.total && len(out) < opts.PageSize; i++ {
		out = append(out, &agora.JoinedGroup{ID: fmt.Sprint(1000 + i), Name: fmt.Sprint("g", i)})
	}
	return out, nil, nil
}

func (j joinedGroups) GetWithoutMembers(_ context.Context, ids ...string) ([]*agora.Group, *agora.Response, error) {
	var out []*agora.Group
	for _, id := range ids {
		out = append(out, &agora.Group{ID: id, Owner: "someone"})
	}
	return out, nil, nil
}

func (j joinedGroups) Get(ctx context.Context, ids ...string) ([]*agora.Group, *agora.Response, error) {
	return j.GetWithoutMembers(ctx, ids...)
}

// TestCSVExportFailureIsNotACleanEnd: a failure after the first byte must
// break the download (the browser reports it), not end a short file with
// 200 OK; a failure before it is an error page.
func TestCSVExportFailureIsNotACleanEnd(t *testing.T) {
	tests := []struct {
		name      string
		failFrom  int
		wantAbort bool
	}{
		{name: "complete", failFrom: 0},
		{name: "fails before the first row", failFrom: 1},
		{name: "fails after rows went out", failFrom: 7}, // rows go out per 100 groups: pages 1–5
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFakeEnv(t, joinedGroups{total: 300, failFrom: tt.failFrom}).login()
			resp, err := e.http.Get(e.web.URL + "/users/alice/groups.csv")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, readErr := io.ReadAll(resp.Body)
			switch {
			case tt.failFrom == 1:
				if readErr != nil || resp.StatusCode != http.StatusBadGateway || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
					t.Errorf("status %d, type %q, read error %v; want a whole HTML 502 page", resp.StatusCode, resp.Header.Get("Content-Type"), readErr)
				}
			case tt.failFrom > 0:
				if readErr == nil {
					t.Fatalf("download of %d lines ended cleanly after a failure", strings.Count(string(body), "\n"))
				}
				if !strings.Contains(e.logs.String(), "service_unavailable") {
					t.Errorf("the failure is not logged:\n%s", e.logs)
				}
			default:
				if readErr != nil || strings.Count(string(body), "\n") != 301 {
					t.Errorf("complete download: %v, %d lines", readErr, strings.Count(string(body), "\n"))
				}
			}
		})
	}
}
