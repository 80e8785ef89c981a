package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/identify"
	"github.com/idstitch/idstitch/engine/lookup"
)

func identifyCall(t *testing.T, base, body string) identify.Answer {
	t.Helper()
	resp, err := http.Post(base+"/v1/identify", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /v1/identify %s: %d", body, resp.StatusCode)
	}
	var a identify.Answer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestIdentifyRetriedAfterRun: a call retried with its event id is answered alike before the run
// that reads it and after, when the server no longer keeps the answer in memory but reads it
// back from the landing table, whatever identifiers the retry carries.
func TestIdentifyRetriedAfterRun(t *testing.T) {
	dir := t.TempDir()
	o := Options{Project: demoProject(t, dir, 200, "identify: {}\n"), NoSchedule: true, Memory: true}
	s, base, stop := startStoppable(t, o)
	defer stop()
	// RunNow returns once the run and its copy are done: a POST /v1/runs right after another
	// could find the first still copying and be refused.
	if err := s.RunNow(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first copy in memory", func() bool { return s.identify.Ready() })

	const call = `{"event_id": "retry-1", "identifiers": [{"type": "email", "value": "Retried.Person@Example.com"}]}`
	first := identifyCall(t, base, call)
	if first.Outcome != "new" || first.Replayed {
		t.Fatalf("first call: outcome %q, replayed %v; want a new profile", first.Outcome, first.Replayed)
	}
	again := identifyCall(t, base, call)
	if !again.Replayed || again.UniversalID != first.UniversalID || again.Outcome != first.Outcome {
		t.Fatalf("retry before the run: %+v; want the first answer, replayed", again)
	}

	if err := s.RunNow(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the copy of run 2 in memory", func() bool { m := s.mem.Load(); return m != nil && m.RunID == 2 })
	later := identifyCall(t, base, `{"event_id": "retry-1", "identifiers": [{"type": "email", "value": "someone.else@example.com"}]}`)
	if !later.Replayed || later.UniversalID != first.UniversalID || later.Outcome != "recorded" {
		t.Fatalf("retry after the run: %+v; want the answer the landing table recorded (%s), replayed", later, first.UniversalID)
	}
	if later.AnsweredFor.Value != "retried.person@example.com" {
		t.Fatalf("retry after the run answered for %v; want the normalized email of the first call", later.AnsweredFor)
	}
}

// TestIdentifyConcurrentCopies: copies of one call sent at once (a client retrying before its first
// try was answered) get one answer, and the call lands once.
func TestIdentifyConcurrentCopies(t *testing.T) {
	dir := t.TempDir()
	o := Options{Project: demoProject(t, dir, 150, "identify: {}\n"), NoSchedule: true, Memory: true}
	s, base, stop := startStoppable(t, o)
	defer stop()
	if err := s.RunNow(); err != nil {
		t.Fatal(err)
	}
	const rounds, copies = 20, 8
	for i := range rounds {
		body := fmt.Sprintf(`{"event_id": "copy-%d", "identifiers": [{"type": "email", "value": "copied.%d@example.com"}]}`, i, i)
		answers := make([]identify.Answer, copies)
		var wg sync.WaitGroup
		for k := range copies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				answers[k] = identifyCall(t, base, body)
			}()
		}
		wg.Wait()
		first := 0
		for k, a := range answers {
			if !a.Replayed {
				first++
			}
			if a.UniversalID != answers[0].UniversalID || a.Outcome != answers[0].Outcome {
				t.Fatalf("round %d: copy %d answered %s (%s), copy 0 %s (%s)", i, k, a.UniversalID, a.Outcome, answers[0].UniversalID, answers[0].Outcome)
			}
		}
		if first != 1 {
			t.Fatalf("round %d: %d of %d copies were answered as the first", i, first, copies)
		}
	}
	if err := s.RunNow(); err != nil {
		t.Fatal(err)
	}
	var rows, ids int64
	err := s.wh.Read(context.Background(), func(conn connectors.Conn) error {
		r, err := conn.Query(context.Background(), "SELECT COUNT(*), COUNT(DISTINCT event_id) FROM "+s.planner.LandingTable()+" WHERE event_id LIKE 'copy-%'")
		if err != nil {
			return err
		}
		defer r.Close()
		r.Next()
		return r.Scan(&rows, &ids)
	})
	if err != nil {
		t.Fatal(err)
	}
	if rows != rounds || ids != rounds {
		t.Fatalf("the landing table holds %d rows of %d event ids; want %d calls, each once", rows, ids, rounds)
	}
}

// TestOlderCopyKeepsTheNewer: a copy of the published tables that finishes after a copy of a later
// run does not replace it (two copies made at once on a warehouse server: this server's run's
// own, and one begun earlier for another process's run).
func TestOlderCopyKeepsTheNewer(t *testing.T) {
	dir := t.TempDir()
	o := Options{Project: demoProject(t, dir, 100, ""), NoSchedule: true, Memory: true}
	s, _, stop := startStoppable(t, o)
	defer stop()
	if err := s.RunNow(); err != nil {
		t.Fatal(err)
	}
	published := s.mem.Load()
	newer := &lookup.Memory{RunID: published.RunID + 1}
	s.mem.Store(newer)
	err := s.wh.Read(context.Background(), func(conn connectors.Conn) error {
		s.loadMemory(context.Background(), conn) // a copy of the run published, which is older
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.mem.Load() != newer {
		t.Fatalf("the copy of run %d replaced the copy of run %d", published.RunID, newer.RunID)
	}
}
