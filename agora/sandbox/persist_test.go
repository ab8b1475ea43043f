package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
)

func TestPersistenceAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	sb, err := Open(testConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	e := serveEnv(t, sb)
	e.createUsers("owner", "m1", "m2")
	id := e.createGroup("persisted 持久", "owner", "m1")
	e.ok("PUT", "/chatgroups/"+id, `{"description":"after put","maxusers":50}`)
	e.ok("POST", "/chatgroups/"+id+"/users/m2", nil)
	e.ok("POST", "/chatgroups/"+id+"/admin", `{"newadmin":"m1"}`)
	appUUID := sb.ApplicationUUID()
	before := dataList(t, e.ok("GET", "/chatgroups/"+id, nil))[0]
	e.srv.Close()
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}

	sb2, err := Open(testConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer sb2.Close()
	e2 := serveEnv(t, sb2)
	if sb2.ApplicationUUID() != appUUID {
		t.Errorf("application uuid changed: %s → %s", appUUID, sb2.ApplicationUUID())
	}
	after := dataList(t, e2.ok("GET", "/chatgroups/"+id, nil))[0]
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("group changed across reopen:\nbefore %v\nafter  %v", before, after)
	}
	if got := fmt.Sprint(e2.ok("GET", "/chatgroups/"+id+"/admin", nil).body["data"]); got != "[m1]" {
		t.Errorf("admins after reopen: %s", got)
	}
	newID := e2.createGroup("newer", "owner")
	a, _ := strconv.ParseInt(id, 10, 64)
	b, _ := strconv.ParseInt(newID, 10, 64)
	if b <= a {
		t.Errorf("new id %d is not above the old %d", b, a)
	}
}

// postJSON is a goroutine-safe request helper (no t.Fatal).
func postJSON(client *http.Client, method, url, token string, body any) (int, map[string]any, error) {
	j, _ := json.Marshal(body)
	req, err := http.NewRequest(method, url, bytes.NewReader(j))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return res.StatusCode, nil, fmt.Errorf("%w: %s", err, raw)
	}
	return res.StatusCode, out, nil
}

func TestConcurrentWriters(t *testing.T) {
	e := newEnv(t)
	const workers, perWorker = 8, 4
	users := []string{"owner"}
	for i := range workers {
		users = append(users, fmt.Sprintf("w%d", i))
	}
	e.createUsers(users...)

	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				status, body, err := postJSON(e.srv.Client(), "POST", e.url("/chatgroups"), e.token,
					map[string]any{"public": true, "owner": "owner", "groupname": fmt.Sprintf("w%d-%d", w, i)})
				if err != nil || status != 200 {
					errs <- fmt.Errorf("create: %d %v %v", status, body, err)
					return
				}
				id := body["data"].(map[string]any)["groupid"].(string)
				// Every worker joins every group it made, plus a batch of all workers.
				if status, body, err := postJSON(e.srv.Client(), "POST", e.url("/chatgroups/"+id+"/users"), e.token,
					map[string]any{"usernames": users[1:]}); err != nil || status != 200 {
					errs <- fmt.Errorf("add members: %d %v %v", status, body, err)
					return
				}
				if status, body, err := postJSON(e.srv.Client(), "GET", e.url("/chatgroups/"+id), e.token, nil); err != nil || status != 200 {
					errs <- fmt.Errorf("detail: %d %v %v", status, body, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	res := e.ok("GET", "/chatgroups?limit=1000", nil)
	items := dataList(t, res)
	if len(items) != workers*perWorker {
		t.Fatalf("%d groups, want %d", len(items), workers*perWorker)
	}
	for _, it := range items {
		if n := it.(map[string]any)["affiliations"]; n != float64(workers+1) {
			t.Errorf("group %v has %v members, want %d", it.(map[string]any)["groupid"], n, workers+1)
		}
	}
	if n := count(t, e.ok("GET", "/users/w3/joined_chatgroups", nil)); n != workers*perWorker {
		t.Errorf("w3 joined %d groups, want %d", n, workers*perWorker)
	}
	// The store has groups now: the demo seed must leave it alone.
	if seeded, err := e.sb.SeedDemo(context.Background()); err != nil || seeded {
		t.Errorf("SeedDemo on a non-empty store: seeded=%v err=%v", seeded, err)
	}
}
