package sandbox

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"groupdesk/agora"
)

// crashHelperEnv names the data directory of the child sandbox process.
const crashHelperEnv = "SANDBOX_CRASH_HELPER_DIR"

// TestHelperProcess is the child of TestCrashLosesNoAcknowledgedWrite: a
// sandbox serving on a loopback port until it is killed.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(crashHelperEnv)
	if dir == "" {
		t.Skip("runs only as the child of TestCrashLosesNoAcknowledgedWrite")
	}
	sb, err := Open(testConfig(dir))
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	fmt.Println("LISTEN", ln.Addr())
	_ = sb.Serve(context.Background(), ln) // until SIGKILL
}

// A sandbox killed with SIGKILL under write load keeps every group whose
// creation it acknowledged.
func TestCrashLosesNoAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	sb, err := Open(testConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.CreateUsers(context.Background(), "owner", "m1", "m2"); err != nil {
		t.Fatal(err)
	}
	sb.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), crashHelperEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "LISTEN "); ok {
				addr <- a
			}
		}
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a + "/" + testOrg + "/" + testApp
	case <-time.After(30 * time.Second):
		t.Fatal("child sandbox did not start")
	}
	token, err := agora.BuildAppToken(testAppID, testCert, time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var acked []string
	client := &http.Client{Timeout: 10 * time.Second}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				status, body, err := postJSON(client, "POST", base+"/chatgroups", token, map[string]any{
					"public": true, "owner": "owner", "members": []string{"m1", "m2"}, "groupname": fmt.Sprintf("crash %d-%d", w, i),
				})
				if err != nil {
					return // the child is gone
				}
				if status == http.StatusOK {
					mu.Lock()
					acked = append(acked, body["data"].(map[string]any)["groupid"].(string))
					mu.Unlock()
				}
			}
		})
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 60 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no chance to flush anything
		t.Fatal(err)
	}
	killed = true
	cmd.Wait()
	close(stop)
	wg.Wait()

	if len(acked) == 0 {
		t.Fatal("no group was acknowledged before the kill")
	}
	sb2, err := Open(testConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer sb2.Close()
	var ids []int64
	for _, id := range acked {
		n, _ := parseGroupID(id)
		ids = append(ids, n)
	}
	found, err := sb2.store.groupDetails(context.Background(), ids, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != len(acked) {
		t.Fatalf("%d of %d acknowledged groups survived the kill", len(found), len(acked))
	}
	for _, g := range found {
		if g.MemberCount != 3 || len(g.Members) != 3 { // owner included
			t.Errorf("group %d: %d members (%v), want 3", g.ID, g.MemberCount, g.Members)
		}
	}
	t.Logf("%d acknowledged groups all survived SIGKILL", len(acked))
}
