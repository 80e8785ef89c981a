package deliver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

var secret = []byte("test-secret")

// request is what a test receiver saw of one POST, and what it answered.
type request struct {
	at           time.Time
	key, ts, sig string
	body         []byte
	answer       int // 0: the receiver held the request until the client gave up
	bodyKey      string
}

// journal interleaves the receiver's requests and the outbox's events in the order they
// happened, so that a test can tell whether a batch was sent after it was acknowledged.
type journal struct {
	mu       sync.Mutex
	requests []request
	events   []Event
	order    []any
}

func (j *journal) request(r request) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.requests = append(j.requests, r)
	j.order = append(j.order, r)
}

func (j *journal) observe(e Event) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.events = append(j.events, e)
	j.order = append(j.order, e)
}

func (j *journal) snapshot() ([]request, []Event, []any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]request(nil), j.requests...), append([]Event(nil), j.events...), append([]any(nil), j.order...)
}

// receiver serves POSTs on 127.0.0.1. answer picks the status of the nth request (from 0); 0
// holds the request until the client gives up.
func receiver(t *testing.T, j *journal, answer func(n int) int) *httptest.Server {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		mu.Lock()
		status := answer(n)
		n++
		mu.Unlock()
		var env Envelope
		json.Unmarshal(body, &env)
		j.request(request{
			at: time.Now(), key: r.Header.Get("Idempotency-Key"), ts: r.Header.Get("X-Idstitch-Timestamp"),
			sig: r.Header.Get("X-Idstitch-Signature"), body: body, answer: status, bodyKey: env.IdempotencyKey,
		})
		if status == 0 {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return
		}
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		w.WriteHeader(status)
		fmt.Fprint(w, http.StatusText(status))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func open(t *testing.T, o Options) *Outbox {
	t.Helper()
	if o.Project == "" {
		o.Project = "shop"
	}
	if o.Log == nil {
		o.Log = quiet()
	}
	ob, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ob.Close() })
	return ob
}

// start runs the outbox's workers and returns a function that stops them and waits.
func start(t *testing.T, ob *Outbox) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		ob.Run(ctx)
		close(done)
	}()
	stop = func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return within 5s of its context ending")
		}
	}
	t.Cleanup(stop)
	return stop
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// changes makes a run with n profiles and one item of every other kind, its values naming the
// run so that batches of different runs differ.
func changes(run int64, n int) Changes {
	c := Changes{RunID: run}
	for i := range n {
		c.Profiles = append(c.Profiles, map[string]any{"universal_id": fmt.Sprintf("u%d-%d", run, i), "email": fmt.Sprintf("p%d@run%d.test", i, run)})
	}
	c.Removed = []string{fmt.Sprintf("gone-%d", run)}
	c.IDChanges = []map[string]any{{"identifier": "e@x.test", "from": "u0", "to": fmt.Sprintf("u%d-0", run)}}
	c.Entries = []map[string]any{{"audience": "vip", "universal_id": fmt.Sprintf("u%d-0", run)}}
	c.Exits = []map[string]any{{"audience": "churned", "universal_id": fmt.Sprintf("u%d-1", run)}}
	return c
}

func key(run int64, seq int) string { return fmt.Sprintf("shop:crm:%d:%d", run, seq) }

func outcomes(evs []Event, o Outcome) []Event {
	var out []Event
	for _, e := range evs {
		if e.Outcome == o {
			out = append(out, e)
		}
	}
	return out
}

// TestDeliversThroughFailuresAndTimeouts: a receiver fails, then hangs past the timeout, then
// recovers. Every batch is acknowledged once, in order; none is sent after its
// acknowledgement; every attempt of a batch carries the same bytes and a valid signature.
func TestDeliversThroughFailuresAndTimeouts(t *testing.T) {
	var j journal
	srv := receiver(t, &j, func(n int) int {
		switch {
		case n < 3:
			return http.StatusInternalServerError
		case n < 5:
			return 0
		}
		return http.StatusOK
	})
	ob := open(t, Options{
		Dir: t.TempDir(), Observe: j.observe,
		Webhooks:    []Webhook{{Name: "crm", URL: srv.URL, Secret: secret, BatchSize: 3, Timeout: 150 * time.Millisecond, MaxAttempts: 50, Backoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}},
		DeadLetters: func(context.Context, DeadLetter) error { t.Error("no batch should be dead-lettered"); return nil },
	})
	start(t, ob)
	var want []string
	for run := int64(1); run <= 3; run++ {
		// 4 profiles and 4 other items: batches of 3, 3 and 2.
		if err := ob.Enqueue(context.Background(), changes(run, 4)); err != nil {
			t.Fatal(err)
		}
		want = append(want, key(run, 1), key(run, 2), key(run, 3))
	}
	waitFor(t, "every batch acknowledged", func() bool { return ob.Pending()["crm"] == 0 })

	reqs, evs, order := j.snapshot()
	var acked []string
	for _, e := range outcomes(evs, Delivered) {
		acked = append(acked, e.Key)
	}
	if !reflect.DeepEqual(acked, want) {
		t.Fatalf("acknowledged %q, want %q", acked, want)
	}
	// The first batch took every failure: three 500s, then two timeouts.
	failed := outcomes(evs, Failed)
	if len(failed) != 5 {
		t.Fatalf("%d failed attempts, want 5: %v", len(failed), failed)
	}
	for i, e := range failed {
		var se *StatusError
		if i < 3 && !(errors.As(e.Err, &se) && se.Code == 500) {
			t.Errorf("failed attempt %d: %v, want a 500", i+1, e.Err)
		}
		if i >= 3 && !errors.Is(e.Err, context.DeadlineExceeded) {
			t.Errorf("failed attempt %d: %v, want a timeout", i+1, e.Err)
		}
		if e.Key != key(1, 1) || e.Attempt != i+1 {
			t.Errorf("failed attempt %d was of %s, attempt %d", i+1, e.Key, e.Attempt)
		}
	}
	if d := outcomes(evs, Delivered)[0]; d.Attempt != 6 {
		t.Errorf("the first batch was delivered at attempt %d, want 6", d.Attempt)
	}

	// Nothing is sent once acknowledged.
	ackedAt := map[string]bool{}
	for _, x := range order {
		switch x := x.(type) {
		case Event:
			if x.Outcome == Delivered {
				ackedAt[x.Key] = true
			}
		case request:
			if ackedAt[x.key] {
				t.Errorf("%s was sent again after its acknowledgement", x.key)
			}
		}
	}

	first := map[string][]byte{}
	for _, r := range reqs {
		if r.key != r.bodyKey {
			t.Errorf("Idempotency-Key %q, body says %q", r.key, r.bodyKey)
		}
		if b, ok := first[r.key]; ok && !bytes.Equal(b, r.body) {
			t.Errorf("%s was sent with different bodies:\n%s\n%s", r.key, b, r.body)
		}
		first[r.key] = r.body
		if err := Verify(secret, r.ts, r.sig, r.body, 5*time.Minute, time.Now()); err != nil {
			t.Errorf("%s: signature does not verify: %v", r.key, err)
		}
		tampered := bytes.Replace(r.body, []byte(`"shop"`), []byte(`"shoq"`), 1)
		if err := Verify(secret, r.ts, r.sig, tampered, 5*time.Minute, time.Now()); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: a tampered body gave %v, want ErrSignature", r.key, err)
		}
		if err := Verify([]byte("other"), r.ts, r.sig, r.body, 5*time.Minute, time.Now()); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: another secret gave %v, want ErrSignature", r.key, err)
		}
	}

	// The batches of a run, in order, hold its items in the order of Changes.
	for run := int64(1); run <= 3; run++ {
		var got []Item
		for seq := 1; seq <= 3; seq++ {
			var env Envelope
			if err := json.Unmarshal(first[key(run, seq)], &env); err != nil {
				t.Fatal(err)
			}
			if env.Project != "shop" || env.Destination != "crm" || env.RunID != run || env.Batch != seq || env.Batches != 3 {
				t.Errorf("%s: envelope %+v", key(run, seq), env)
			}
			got = append(got, env.Items...)
		}
		if want := roundTrip(t, items(changes(run, 4))); !reflect.DeepEqual(roundTrip(t, got), want) {
			t.Errorf("run %d items:\n got %v\nwant %v", run, roundTrip(t, got), want)
		}
		if kinds := kindsOf(got); kinds != "profile profile profile profile profile_removed id_change audience_entry audience_exit" {
			t.Errorf("run %d kinds in order: %s", run, kinds)
		}
	}
}

func roundTrip(t *testing.T, v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	json.Unmarshal(raw, &out)
	return out
}

func kindsOf(its []Item) string {
	var ks []string
	for _, it := range its {
		ks = append(ks, it.Kind)
	}
	return strings.Join(ks, " ")
}

// TestDeadLetters: batches that fail MaxAttempts times go to the sink with the payload that was
// POSTed; while the sink fails the batch stays in the outbox, marked dead on disk, and only the
// sink is tried again.
func TestDeadLetters(t *testing.T) {
	var j journal
	srv := receiver(t, &j, func(int) int { return http.StatusInternalServerError })
	dir := t.TempDir()
	var mu sync.Mutex
	var calls int
	var letters []DeadLetter
	sink := func(_ context.Context, d DeadLetter) error {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls <= 2 {
			return errors.New("the warehouse is down")
		}
		letters = append(letters, d)
		return nil
	}
	var deadOnDisk []state
	ob := open(t, Options{
		Dir: dir, DeadLetters: sink,
		Webhooks: []Webhook{{Name: "crm", URL: srv.URL, Secret: secret, BatchSize: 3, MaxAttempts: 3, Backoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond}},
		Observe: func(e Event) {
			j.observe(e)
			if e.Outcome == SinkFailed {
				var s state
				raw, err := os.ReadFile(filepath.Join(dir, "crm", stem(1, 1)+".state"))
				if err == nil {
					err = json.Unmarshal(raw, &s)
				}
				if err != nil {
					t.Errorf("reading the state of a batch the sink refused: %v", err)
				}
				deadOnDisk = append(deadOnDisk, s)
			}
		},
	})
	start(t, ob)
	if err := ob.Enqueue(context.Background(), changes(1, 4)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every batch dead-lettered", func() bool { return ob.Pending()["crm"] == 0 })

	reqs, evs, _ := j.snapshot()
	sent := map[string][][]byte{}
	for _, r := range reqs {
		sent[r.key] = append(sent[r.key], r.body)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 5 {
		t.Errorf("the sink was called %d times, want 5 (2 refused, 3 recorded)", calls)
	}
	got := map[string]DeadLetter{}
	for _, d := range letters {
		got[d.Key] = d
	}
	for seq := 1; seq <= 3; seq++ {
		k := key(1, seq)
		d, ok := got[k]
		if !ok {
			t.Errorf("%s was not dead-lettered", k)
			continue
		}
		if len(sent[k]) != 3 {
			t.Errorf("%s was POSTed %d times, want 3: a refused dead letter must not POST again", k, len(sent[k]))
		}
		if d.Attempts != 3 || d.RunID != 1 || d.Destination != "crm" || d.FailedAt.IsZero() || !strings.Contains(d.LastError, "500") {
			t.Errorf("%s: dead letter %+v", k, d)
		}
		for _, b := range sent[k] {
			if !bytes.Equal(b, d.Payload) {
				t.Errorf("%s: dead letter payload differs from what was POSTed:\n%s\n%s", k, d.Payload, b)
			}
		}
	}
	if len(letters) != 3 {
		t.Errorf("%d dead letters, want 3", len(letters))
	}
	refused := outcomes(evs, SinkFailed)
	if len(refused) != 2 || refused[0].Key != key(1, 1) {
		t.Errorf("sink failures %v, want two, the first of %s", refused, key(1, 1))
	}
	for _, s := range deadOnDisk {
		if !s.Dead || s.Attempts != 3 || s.SinkAttempts == 0 {
			t.Errorf("a batch the sink refused is on disk as %+v, want dead after 3 attempts", s)
		}
	}
}

// TestRestartResumes: an outbox closed after one of three batches was acknowledged resumes,
// after Open, with the other two, counting attempts from where it stopped, and ignores the
// run when it is enqueued again.
func TestRestartResumes(t *testing.T) {
	dir := t.TempDir()
	var j1 journal
	srv1 := receiver(t, &j1, func(n int) int {
		if n == 0 {
			return http.StatusOK
		}
		return http.StatusBadGateway
	})
	hook := Webhook{Name: "crm", URL: srv1.URL, Secret: secret, BatchSize: 3, MaxAttempts: 1000, Backoff: 2 * time.Millisecond, MaxBackoff: 5 * time.Millisecond}
	sink := func(context.Context, DeadLetter) error { t.Error("no batch should be dead-lettered"); return nil }
	ob := open(t, Options{Dir: dir, Webhooks: []Webhook{hook}, DeadLetters: sink, Observe: j1.observe})
	stop := start(t, ob)
	if err := ob.Enqueue(context.Background(), changes(7, 4)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "three failed attempts", func() bool { _, evs, _ := j1.snapshot(); return len(outcomes(evs, Failed)) >= 3 })
	if err := ob.Close(); err != nil {
		t.Fatal(err)
	}
	stop()
	if err := ob.Enqueue(context.Background(), changes(8, 1)); !errors.Is(err, ErrClosed) {
		t.Errorf("Enqueue after Close: %v, want ErrClosed", err)
	}
	reqs1, evs1, _ := j1.snapshot()
	failures := len(outcomes(evs1, Failed))
	if p := ob.Pending()["crm"]; p != 2 {
		t.Fatalf("%d batches pending after Close, want 2", p)
	}

	var j2 journal
	srv2 := receiver(t, &j2, func(int) int { return http.StatusOK })
	hook.URL = srv2.URL
	ob2 := open(t, Options{Dir: dir, Webhooks: []Webhook{hook}, DeadLetters: sink, Observe: j2.observe})
	if got := ob2.EnqueuedThrough(); got != 7 {
		t.Fatalf("EnqueuedThrough after reopening: %d, want 7", got)
	}
	if err := ob2.Enqueue(context.Background(), changes(7, 4)); err != nil {
		t.Fatal(err)
	}
	if p := ob2.Pending()["crm"]; p != 2 {
		t.Fatalf("enqueueing run 7 again left %d batches pending, want 2", p)
	}
	start(t, ob2)
	waitFor(t, "the rest delivered", func() bool { return ob2.Pending()["crm"] == 0 })
	reqs2, evs2, _ := j2.snapshot()
	var keys []string
	for _, r := range reqs2 {
		keys = append(keys, r.key)
	}
	if want := []string{key(7, 2), key(7, 3)}; !reflect.DeepEqual(keys, want) {
		t.Errorf("after the restart the receiver got %q, want %q", keys, want)
	}
	if d := outcomes(evs2, Delivered); len(d) != 2 || d[0].Attempt != failures+1 || d[1].Attempt != 1 {
		t.Errorf("deliveries after the restart %+v, want %s at attempt %d, then %s at 1", d, key(7, 2), failures+1, key(7, 3))
	}
	for _, r := range reqs1 {
		if r.key == key(7, 2) && len(reqs2) > 0 && !bytes.Equal(r.body, reqs2[0].body) {
			t.Errorf("%s was sent with another body after the restart", r.key)
		}
	}
}

// TestShutdownDoesNotCountAttempt: cancelling Run during a POST stops it promptly, and the
// cancelled POST is not an attempt.
func TestShutdownDoesNotCountAttempt(t *testing.T) {
	dir := t.TempDir()
	var j1 journal
	srv1 := receiver(t, &j1, func(int) int { return 0 })
	hook := Webhook{Name: "crm", URL: srv1.URL, Secret: secret, Timeout: time.Minute}
	sink := func(context.Context, DeadLetter) error { return nil }
	ob := open(t, Options{Dir: dir, Webhooks: []Webhook{hook}, DeadLetters: sink, Observe: j1.observe})
	stop := start(t, ob)
	if err := ob.Enqueue(context.Background(), changes(1, 1)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the POST to arrive", func() bool { r, _, _ := j1.snapshot(); return len(r) == 1 })
	stop()
	if _, evs, _ := j1.snapshot(); len(evs) != 0 {
		t.Errorf("shutdown during a POST reported %v", evs)
	}
	ob.Close()

	var j2 journal
	hook.URL = receiver(t, &j2, func(int) int { return http.StatusOK }).URL
	ob2 := open(t, Options{Dir: dir, Webhooks: []Webhook{hook}, DeadLetters: sink, Observe: j2.observe})
	start(t, ob2)
	waitFor(t, "delivery after the restart", func() bool { return ob2.Pending()["crm"] == 0 })
	if _, evs, _ := j2.snapshot(); len(evs) != 1 || evs[0].Attempt != 1 {
		t.Errorf("after the restart %+v, want one delivery at attempt 1", evs)
	}
}

// TestRetryAfter: a 429's Retry-After is the wait, capped at MaxBackoff, without jitter.
func TestRetryAfter(t *testing.T) {
	var j journal
	srv := receiver(t, &j, func(n int) int {
		if n == 0 {
			return http.StatusTooManyRequests // Retry-After: 1
		}
		return http.StatusOK
	})
	ob := open(t, Options{
		Dir: t.TempDir(), Observe: j.observe, DeadLetters: func(context.Context, DeadLetter) error { return nil },
		Webhooks: []Webhook{{Name: "crm", URL: srv.URL, Secret: secret, Backoff: time.Millisecond, MaxBackoff: 200 * time.Millisecond}},
	})
	start(t, ob)
	if err := ob.Enqueue(context.Background(), changes(1, 1)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "delivery", func() bool { return ob.Pending()["crm"] == 0 })
	reqs, evs, _ := j.snapshot()
	if f := outcomes(evs, Failed); len(f) != 1 || f[0].Wait != 200*time.Millisecond {
		t.Fatalf("failures %+v, want one with a wait of 200ms", f)
	}
	if gap := reqs[1].at.Sub(reqs[0].at); gap < 190*time.Millisecond {
		t.Errorf("the second attempt came %s after the first, want about 200ms", gap)
	}
}

// TestFilesWritesOneFilePerRun: a run's file holds one line per item, in order, and is not
// written again, by the same outbox or by another.
func TestFilesWritesOneFilePerRun(t *testing.T) {
	out := t.TempDir()
	ob := open(t, Options{Dir: t.TempDir(), Files: []Files{{Name: "lake", Dir: out}}})
	c := Changes{
		RunID:     3,
		Profiles:  []map[string]any{{"universal_id": "u1", "email": "a@x.test"}},
		Removed:   []string{"u9"},
		IDChanges: []map[string]any{{"identifier": "a@x.test", "to": "u1"}},
		Entries:   []map[string]any{{"audience": "vip", "universal_id": "u1"}},
		Exits:     []map[string]any{{"audience": "new", "universal_id": "u1"}},
	}
	if err := ob.Enqueue(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	want := `{"run_id":3,"kind":"profile","data":{"email":"a@x.test","universal_id":"u1"}}
{"run_id":3,"kind":"profile_removed","universal_id":"u9"}
{"run_id":3,"kind":"id_change","data":{"identifier":"a@x.test","to":"u1"}}
{"run_id":3,"kind":"audience_entry","data":{"audience":"vip","universal_id":"u1"}}
{"run_id":3,"kind":"audience_exit","data":{"audience":"new","universal_id":"u1"}}
`
	path := filepath.Join(out, "run-3.jsonl")
	read := func() string {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	if got := read(); got != want {
		t.Fatalf("run-3.jsonl:\n%s\nwant:\n%s", got, want)
	}
	if ob.EnqueuedThrough() != 3 {
		t.Errorf("EnqueuedThrough %d, want 3", ob.EnqueuedThrough())
	}

	// Another outbox, with no memory of run 3, finds the file and leaves it.
	other := open(t, Options{Dir: t.TempDir(), Files: []Files{{Name: "lake", Dir: out}}})
	if err := other.Enqueue(context.Background(), changes(3, 2)); err != nil {
		t.Fatal(err)
	}
	if got := read(); got != want {
		t.Errorf("run-3.jsonl was rewritten:\n%s", got)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 1 {
		t.Errorf("%d files in the directory, want run-3.jsonl alone", len(entries))
	}
}

// TestOpenDiscardsUnfinishedEnqueue: batches of a run after the marker, temp files and states
// without a batch are what a crash during Enqueue leaves; Open removes them.
func TestOpenDiscardsUnfinishedEnqueue(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, DeadLetters: func(context.Context, DeadLetter) error { return nil },
		Webhooks: []Webhook{{Name: "crm", URL: "http://127.0.0.1:1/", Secret: secret}}}
	ob := open(t, o)
	if err := ob.Enqueue(context.Background(), changes(1, 1)); err != nil {
		t.Fatal(err)
	}
	ob.Close()
	left := []string{stem(2, 1) + ".json", stem(5, 1) + ".state", ".x.json.123.tmp"}
	for _, name := range left {
		if err := os.WriteFile(filepath.Join(dir, "crm", name), []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ob2 := open(t, o)
	if p := ob2.Pending()["crm"]; p != 1 {
		t.Errorf("%d batches pending, want the one of run 1", p)
	}
	for _, name := range left {
		if _, err := os.Stat(filepath.Join(dir, "crm", name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s was left in the outbox", name)
		}
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"items":[]}`)
	ts := "1800000000"
	sig := Sign(secret, ts, body)
	cases := []struct {
		name      string
		ts, sig   string
		body      []byte
		tolerance time.Duration
		want      error
	}{
		{name: "valid", ts: ts, sig: sig, body: body, tolerance: 5 * time.Minute},
		{name: "tampered body", ts: ts, sig: sig, body: []byte(`{"items":[1]}`), tolerance: 5 * time.Minute, want: ErrSignature},
		{name: "other timestamp", ts: "1800000001", sig: sig, body: body, tolerance: 5 * time.Minute, want: ErrSignature},
		{name: "no prefix", ts: ts, sig: strings.TrimPrefix(sig, "v1="), body: body, tolerance: 5 * time.Minute, want: ErrSignature},
		{name: "not hex", ts: ts, sig: "v1=zz", body: body, tolerance: 5 * time.Minute, want: ErrSignature},
		{name: "too old", ts: "1799999000", sig: Sign(secret, "1799999000", body), body: body, tolerance: 5 * time.Minute, want: ErrTimestamp},
		{name: "too far ahead", ts: "1800001000", sig: Sign(secret, "1800001000", body), body: body, tolerance: 5 * time.Minute, want: ErrTimestamp},
		{name: "old but no tolerance", ts: "1799999000", sig: Sign(secret, "1799999000", body), body: body},
		{name: "not a number", ts: "soon", sig: sig, body: body, tolerance: 5 * time.Minute, want: ErrTimestamp},
	}
	for _, c := range cases {
		err := Verify(secret, c.ts, c.sig, c.body, c.tolerance, now)
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	d := &destination{Webhook: withDefaults(Webhook{Backoff: 100 * time.Millisecond, MaxBackoff: time.Second})}
	for n, full := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		full *= time.Millisecond
		for range 50 {
			if w := d.backoff(n + 1); w < full/2 || w > full {
				t.Fatalf("backoff after failure %d: %s, want between %s and %s", n+1, w, full/2, full)
			}
		}
	}
}

func TestOpenRefuses(t *testing.T) {
	sink := func(context.Context, DeadLetter) error { return nil }
	hook := Webhook{Name: "crm", URL: "https://hooks.example.test/in", Secret: secret}
	cases := map[string]Options{
		"no sink":        {Webhooks: []Webhook{hook}},
		"path in a name": {DeadLetters: sink, Webhooks: []Webhook{{Name: "../crm", URL: hook.URL, Secret: secret}}},
		"same name":      {DeadLetters: sink, Webhooks: []Webhook{hook}, Files: []Files{{Name: "crm", Dir: "x"}}},
		"no secret":      {DeadLetters: sink, Webhooks: []Webhook{{Name: "crm", URL: hook.URL}}},
		"not http":       {DeadLetters: sink, Webhooks: []Webhook{{Name: "crm", URL: "ftp://x/", Secret: secret}}},
	}
	for name, o := range cases {
		o.Dir, o.Project, o.Log = t.TempDir(), "shop", quiet()
		if _, err := Open(o); err == nil {
			t.Errorf("%s: Open accepted it", name)
		}
	}
}

// TestRetryAfterZeroKeepsTheBackoff: a receiver that answers 503 with Retry-After: 0 every time
// gets its attempts spaced by the backoff, not all at once.
func TestRetryAfterZeroKeepsTheBackoff(t *testing.T) {
	var mu sync.Mutex
	var at []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		at = append(at, time.Now())
		mu.Unlock()
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	dead := make(chan struct{}, 1)
	ob := open(t, Options{
		Dir: t.TempDir(), DeadLetters: func(context.Context, DeadLetter) error { dead <- struct{}{}; return nil },
		Webhooks: []Webhook{{Name: "crm", URL: srv.URL, Secret: secret, MaxAttempts: 4, Backoff: 80 * time.Millisecond, MaxBackoff: time.Second}},
	})
	start(t, ob)
	if err := ob.Enqueue(context.Background(), changes(1, 1)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-dead:
	case <-time.After(30 * time.Second):
		t.Fatal("the batch was not given up after 30 s")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(at) != 4 {
		t.Fatalf("%d attempts, want 4", len(at))
	}
	// The backoff is drawn between half and all of 80 ms, doubled each time.
	for i := 1; i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap < 35*time.Millisecond {
			t.Errorf("attempt %d came %s after the one before; want at least the backoff", i+1, gap)
		}
	}
}
