package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/engine/deliver"
)

// receiver is a webhook endpoint on 127.0.0.1 whose answers the test sets: ok, fail (500) or hang
// (longer than the sender waits).
type receiver struct {
	t      *testing.T
	secret []byte
	mu     sync.Mutex
	mode   string
	posts  map[string]int // key → requests
	acked  map[string]int // key → 2xx answers
	items  map[int64]int  // run → items in acknowledged batches (first acknowledgement only)
	bad    int            // requests whose signature did not verify
	after  map[string]int // key → requests after it was acknowledged
}

func newReceiver(t *testing.T, secret string) (*receiver, *httptest.Server) {
	r := &receiver{t: t, secret: []byte(secret), mode: "ok", posts: map[string]int{}, acked: map[string]int{}, items: map[int64]int{}, after: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		key := req.Header.Get("Idempotency-Key")
		r.mu.Lock()
		mode := r.mode
		r.posts[key]++
		if r.acked[key] > 0 {
			r.after[key]++
		}
		if err := deliver.Verify(r.secret, req.Header.Get("X-Idstitch-Timestamp"), req.Header.Get("X-Idstitch-Signature"), body, 5*time.Minute, time.Now()); err != nil {
			r.bad++
		}
		r.mu.Unlock()
		switch mode {
		case "fail":
			http.Error(w, "down", http.StatusInternalServerError)
			return
		case "hang":
			select {
			case <-time.After(2 * time.Second):
			case <-req.Context().Done():
			}
			return
		}
		var env deliver.Envelope
		if err := json.Unmarshal(body, &env); err != nil || env.IdempotencyKey != key {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		if r.acked[key] == 0 {
			r.items[env.RunID] += len(env.Items)
		}
		r.acked[key]++
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("the receiver listens on %s, not 127.0.0.1", srv.URL)
	}
	return r, srv
}

func (r *receiver) set(mode string) {
	r.mu.Lock()
	r.mode = mode
	r.mu.Unlock()
}

// waitFor polls cond until it holds or 60 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 60 s: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runLines counts the lines of each run's JSON Lines file.
func runLines(t *testing.T, dir string) map[int64]int {
	t.Helper()
	out := map[int64]int{}
	files, _ := filepath.Glob(filepath.Join(dir, "run-*.jsonl"))
	for _, f := range files {
		var id int64
		fmt.Sscanf(filepath.Base(f), "run-%d.jsonl", &id)
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			out[id]++
		}
		fh.Close()
	}
	return out
}

func postJSON(t *testing.T, url, body string) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestWebhooksThroughFailures runs serve with a webhook whose receiver fails, hangs and recovers,
// and a files destination. Every batch of every run reaches the receiver at least once with a
// signature that verifies, and holds what the run's file holds; nothing acknowledged is sent again;
// a batch that exhausts its retries is in delivery_dead_letters; and a server stopped with batches
// waiting sends them once started again.
func TestWebhooksThroughFailures(t *testing.T) {
	const secret = "s3cret-for-the-receiver"
	t.Setenv("IDSTITCH_TEST_HOOK_SECRET", secret)
	rcv, srv := newReceiver(t, secret)
	defer srv.Close()
	dir := t.TempDir()
	files := filepath.Join(dir, "changes")
	extra := fmt.Sprintf("identify: {}\ndestinations:\n  - name: crm\n    webhook:\n      url: %s/hook\n      secret_env: IDSTITCH_TEST_HOOK_SECRET\n      batch_size: 100\n      timeout: 300ms\n      max_attempts: 6\n  - name: lake\n    files:\n      dir: changes\n", srv.URL)
	p := demoProject(t, dir, 300, extra)
	o := Options{Project: p, NoSchedule: true, Memory: true, DeliveryBackoff: 10 * time.Millisecond, DeliveryMaxBackoff: 50 * time.Millisecond}

	// The receiver fails, then hangs, then recovers, while the first run's batches wait.
	rcv.set("fail")
	s1, base, stop1 := startStoppable(t, o)
	if code := postJSON(t, base+"/v1/runs", ""); code != http.StatusAccepted {
		t.Fatalf("POST /v1/runs: %d", code)
	}
	waitForRuns(t, base, "", 1)
	waitFor(t, "the receiver saw three requests for the first batch", func() bool {
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		return rcv.posts["demo:crm:1:1"] >= 3
	})
	rcv.set("hang")
	waitFor(t, "the receiver saw a fifth request", func() bool {
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		return rcv.posts["demo:crm:1:1"] >= 5
	})
	rcv.set("ok")
	waitFor(t, "every batch of run 1 acknowledged", func() bool { return s1.outbox.Pending()["crm"] == 0 })
	lines := runLines(t, files)
	rcv.mu.Lock()
	if lines[1] == 0 || rcv.items[1] != lines[1] {
		t.Fatalf("run 1: the webhook received %d items in acknowledged batches; its file holds %d lines", rcv.items[1], lines[1])
	}
	rcv.mu.Unlock()

	// A change made by an identify call, and a receiver that never recovers: the batch ends in the
	// dead-letter table.
	rcv.set("fail")
	if code := postJSON(t, base+"/v1/identify", `{"event_id": "e-1", "identifiers": [{"type": "email", "value": "Fresh.Person@Example.com"}]}`); code != http.StatusOK {
		t.Fatalf("POST /v1/identify: %d", code)
	}
	postJSON(t, base+"/v1/runs", "")
	waitForRuns(t, base, "", 2)
	waitFor(t, "run 2's batch given up", func() bool {
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		return rcv.posts["demo:crm:2:1"] >= 6 && s1.outbox.Pending()["crm"] == 0
	})

	// A third change, acknowledged by nobody until the server is stopped and started again.
	// The receiver hangs, so that the server is stopped long before the batch runs out of attempts.
	rcv.set("hang")
	if code := postJSON(t, base+"/v1/identify", `{"event_id": "e-2", "identifiers": [{"type": "email", "value": "another@example.com"}, {"type": "user_id", "value": "u-new-2"}]}`); code != http.StatusOK {
		t.Fatalf("POST /v1/identify: %d", code)
	}
	postJSON(t, base+"/v1/runs", "")
	waitForRuns(t, base, "", 3)
	waitFor(t, "run 3's batch tried", func() bool {
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		return rcv.posts["demo:crm:3:1"] >= 1
	})
	stop1()

	rcv.set("ok")
	_, _, stop2 := startStoppable(t, o)
	waitFor(t, "run 3's batch delivered by the restarted server", func() bool {
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		return rcv.acked["demo:crm:3:1"] > 0
	})
	stop2()

	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if rcv.bad > 0 {
		t.Errorf("%d requests carried a signature that does not verify", rcv.bad)
	}
	for key, n := range rcv.after {
		t.Errorf("batch %s was sent %d times after it was acknowledged", key, n)
	}
	lines = runLines(t, files)
	for run := int64(1); run <= 3; run++ {
		if run == 2 {
			continue
		}
		if lines[run] == 0 || rcv.items[run] != lines[run] {
			t.Errorf("run %d: the webhook received %d items in acknowledged batches; its file holds %d lines", run, rcv.items[run], lines[run])
		}
	}
	if rcv.acked["demo:crm:2:1"] != 0 {
		t.Errorf("run 2's batch was acknowledged; the receiver failed every request")
	}
	// The dead letter, read from the warehouse once the servers let go of the file.
	conn, err := duckdb.Open(context.Background(), filepath.Join(dir, "demo.duckdb"), true)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query(context.Background(), "SELECT destination, idempotency_key, run_id, attempts, payload FROM identity.delivery_dead_letters")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var dead []string
	for rows.Next() {
		var dest, key, payload string
		var run, attempts int64
		if err := rows.Scan(&dest, &key, &run, &attempts, &payload); err != nil {
			t.Fatal(err)
		}
		var env deliver.Envelope
		if err := json.Unmarshal([]byte(payload), &env); err != nil || env.IdempotencyKey != key || len(env.Items) == 0 {
			t.Errorf("dead letter %s: the payload is not the batch sent (%v)", key, err)
		}
		dead = append(dead, fmt.Sprintf("%s %s run %d after %d attempts", dest, key, run, attempts))
	}
	if len(dead) != 1 || dead[0] != "crm demo:crm:2:1 run 2 after 6 attempts" {
		t.Fatalf("delivery_dead_letters holds %q; want run 2's one batch after 6 attempts", dead)
	}
}

// startStoppable starts a server; stop stops it and waits until Serve has returned.
func startStoppable(t *testing.T, o Options) (s *Server, base string, stop func()) {
	t.Helper()
	o.Addr = "127.0.0.1:0"
	o.Log = testLog(t)
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return s, "http://" + s.Addr(), stop
}

// testLog writes the server's log to the test's, shown when it fails.
func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestNoRunPassedOver: a run whose changes could not be queued (its files destination could not be
// written) is queued before the next run's, rather than passed over for good.
func TestNoRunPassedOver(t *testing.T) {
	dir := t.TempDir()
	files := filepath.Join(dir, "changes")
	o := Options{Project: demoProject(t, dir, 150, "destinations:\n  - name: lake\n    files:\n      dir: changes\n"), NoSchedule: true, Memory: true}
	s, _ := start(t, o)
	if err := s.RunNow(); err != nil {
		t.Fatal(err)
	}
	if runLines(t, files)[1] == 0 {
		t.Fatalf("run 1's file is missing or empty")
	}
	// The directory becomes a file: run 2 publishes, its changes cannot be written.
	if err := os.RemoveAll(files); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(files, []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.RunNow(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(files); err != nil {
		t.Fatal(err)
	}
	if err := s.RunNow(); err != nil {
		t.Fatal(err)
	}
	for _, run := range []int64{2, 3} {
		if _, err := os.Stat(filepath.Join(files, fmt.Sprintf("run-%d.jsonl", run))); err != nil {
			t.Errorf("run %d was not queued: %v", run, err)
		}
	}
}
