package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/engine/identify"
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
