package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/idstitch/idstitch/connectors/duckdb"
)

// serveChild starts `idstitch serve` as a process of its own on a free loopback port and waits
// until it answers.
func serveChild(t *testing.T, project string) (*exec.Cmd, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	exe, _ := os.Executable()
	cmd := exec.Command(exe, "serve", "-c", project, "--no-schedule", "--addr", addr)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	base := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			return cmd, base
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not answer within 30 s: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestIdentifyKilledServerLosesNothing sends identify calls from eight clients to a real serve
// process and kills it (SIGKILL) in the middle: every call it answered is there when it starts
// again (its identifiers provisionally linked), lands once in the landing table with the next run,
// and the run publishes the ids that were answered.
func TestIdentifyKilledServerLosesNothing(t *testing.T) {
	dir := t.TempDir()
	if code, out, errs := do(t, "demo", "--dir", dir, "--persons", "3000", "--quiet"); code != 0 {
		t.Fatalf("demo: %s%s", out, errs)
	}
	project := filepath.Join(dir, "idstitch.yaml")
	f, _ := os.OpenFile(project, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("identify: {}\n")
	f.Close()
	if code, out, errs := do(t, "run", "-c", project, "--quiet"); code != 0 {
		t.Fatalf("run: %s%s", out, errs)
	}
	cmd, base := serveChild(t, project)

	type acked struct{ event, email, uid string }
	var mu sync.Mutex
	var answered []acked
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	for c := 0; c < 8; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				ev, email := fmt.Sprintf("c%d-%d", c, n), fmt.Sprintf("k%d.%d@example.com", c, n)
				body := fmt.Sprintf(`{"event_id": %q, "identifiers": [{"type": "email", "value": %q}, {"type": "anonymous_id", "value": "web:k%d-%d"}]}`, ev, email, c, n)
				resp, err := client.Post(base+"/v1/identify", "application/json", strings.NewReader(body))
				if err != nil {
					time.Sleep(10 * time.Millisecond)
					continue
				}
				var a struct {
					UniversalID string `json:"universal_id"`
				}
				json.NewDecoder(resp.Body).Decode(&a)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					mu.Lock()
					answered = append(answered, acked{ev, email, a.UniversalID})
					mu.Unlock()
				}
			}
		}()
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		n := len(answered)
		mu.Unlock()
		if n >= 300 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d identify calls answered in 60 s", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	close(stop)
	wg.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("serve was not killed")
	}
	t.Logf("%d identify calls answered before the kill", len(answered))

	cmd, base = serveChild(t, project)
	// Before any run, the restarted server answers lookups of what the killed one linked.
	last := answered[len(answered)-1]
	var got struct {
		UniversalID string `json:"universal_id"`
		Provisional bool   `json:"provisional"`
	}
	waitAnswer := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/v1/lookup?type=email&value=" + last.email)
		if err == nil {
			json.NewDecoder(resp.Body).Decode(&got)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(waitAnswer) {
			t.Fatalf("the restarted server does not find %s", last.email)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got.UniversalID != last.uid || !got.Provisional {
		t.Fatalf("the restarted server answers %s for %s (provisional %v); the killed one answered %s", got.UniversalID, last.email, got.Provisional, last.uid)
	}
	resp, err := http.Post(base+"/v1/runs", "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /v1/runs: %v", err)
	}
	resp.Body.Close()
	waitRun := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/v1/runs")
		if err == nil {
			var runs []map[string]any
			json.NewDecoder(resp.Body).Decode(&runs)
			resp.Body.Close()
			if len(runs) >= 2 && runs[0]["status"] == "success" {
				break
			}
		}
		if time.Now().After(waitRun) {
			t.Fatal("the run after the restart did not succeed within 60 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()

	conn, err := duckdb.Open(context.Background(), filepath.Join(dir, "demo.duckdb"), true)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	landed := map[string]int{}
	rows, err := conn.DB().Query("SELECT event_id FROM identity.identify_events")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var ev string
		rows.Scan(&ev)
		landed[ev]++
	}
	rows.Close()
	published := map[string]string{}
	rows, err = conn.DB().Query("SELECT id_value, universal_id FROM identity.id_graph WHERE id_type = 'email' AND id_value LIKE 'k%@example.com'")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v, uid string
		rows.Scan(&v, &uid)
		published[v] = uid
	}
	rows.Close()
	for _, a := range answered {
		if landed[a.event] != 1 {
			t.Errorf("answered call %s is %d times in the landing table", a.event, landed[a.event])
		}
		if published[a.email] != a.uid {
			t.Errorf("%s: answered %s, published %q", a.email, a.uid, published[a.email])
		}
	}
}
