package lineage_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/lineage"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/runner"
	"github.com/idstitch/idstitch/internal/schemas"
)

// project writes a DuckDB project with one source, events, in a fresh directory, with the
// lineage block given, and returns it parsed with a connection to its file.
func project(t *testing.T, lineageBlock, filter string) (*config.Project, connectors.Conn) {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	conn, err := duckdb.Open(ctx, filepath.Join(dir, "acme.duckdb"), false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	for _, q := range []string{
		"CREATE TABLE main.events (ts TIMESTAMP, user_id VARCHAR, email VARCHAR, revenue DECIMAL(10,2))",
		"INSERT INTO main.events VALUES ('2026-10-01 10:00:00', 'u1', 'ann@example.org', 10), ('2026-10-02 10:00:00', 'u2', 'bob@example.org', 5), ('2026-10-03 10:00:00', NULL, 'ann@example.org', 1)",
	} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	src := `project: acme
warehouse:
  type: duckdb
  path: acme.duckdb
id_types:
  - name: user_id
  - name: email
sources:
  - name: events
    table: main.events
    timestamp: ts
` + filter + `    ids:
      user_id: user_id
      email: email
` + lineageBlock
	path := filepath.Join(dir, "idstitch.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return p, conn
}

// receiver is an OpenLineage HTTP endpoint on 127.0.0.1 that keeps what it is sent.
type receiver struct {
	mu     sync.Mutex
	events [][]byte
	auth   []string
	srv    *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/api/v1/lineage" || req.Method != http.MethodPost {
			http.NotFound(w, req)
			return
		}
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.events = append(r.events, body)
		r.auth = append(r.auth, req.Header.Get("Authorization"))
		r.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) received() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte{}, r.events...)
}

// run runs the project with its lineage emitter and returns the summary (the summary so far when
// the run fails), the run's error and the emitter.
func run(t *testing.T, p *config.Project, conn connectors.Conn) (*runner.Summary, error, *lineage.Emitter) {
	t.Helper()
	pl, err := plan.New(p, conn.Dialect(), plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	em := lineage.New(pl, conn)
	if em == nil {
		t.Fatal("the project has a lineage block, and New returned no emitter")
	}
	var ended *runner.Summary
	obs := observers{em, endObserver(func(s *runner.Summary) { ended = s })}
	_, runErr := (&runner.Runner{Conn: conn, Planner: pl, Observer: obs}).Run(context.Background())
	return ended, runErr, em
}

type observers []runner.Observer

func (o observers) RunStarted(ctx context.Context, s runner.Started) {
	for _, x := range o {
		x.RunStarted(ctx, s)
	}
}

func (o observers) RunEnded(ctx context.Context, sum *runner.Summary, err error) {
	for _, x := range o {
		x.RunEnded(ctx, sum, err)
	}
}

type endObserver func(*runner.Summary)

func (endObserver) RunStarted(context.Context, runner.Started)               {}
func (f endObserver) RunEnded(_ context.Context, s *runner.Summary, _ error) { f(s) }

// facetSchemas are the facet schemas of ../shared/schemas; each facets object of an event is
// checked against the one that defines it.
var facetSchemas = map[string]string{
	"schema":           "openlineage-facet-SchemaDatasetFacet.json",
	"sql":              "openlineage-facet-SQLJobFacet.json",
	"jobType":          "openlineage-facet-JobTypeJobFacet.json",
	"errorMessage":     "openlineage-facet-ErrorMessageRunFacet.json",
	"outputStatistics": "openlineage-facet-OutputStatisticsOutputDatasetFacet.json",
}

// validate checks an event against the OpenLineage 2-0-2 schema, and each of its facets against
// its own schema.
func validate(t *testing.T, body []byte) {
	t.Helper()
	schemas.Validate(t, "OpenLineage.json", body)
	var ev struct {
		Run     struct{ Facets map[string]json.RawMessage }
		Job     struct{ Facets map[string]json.RawMessage }
		Inputs  []struct{ Facets map[string]json.RawMessage }
		Outputs []struct{ Facets, OutputFacets map[string]json.RawMessage }
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		t.Fatal(err)
	}
	all := []map[string]json.RawMessage{ev.Run.Facets, ev.Job.Facets}
	for _, d := range ev.Inputs {
		all = append(all, d.Facets)
	}
	for _, d := range ev.Outputs {
		all = append(all, d.Facets, d.OutputFacets)
	}
	for _, facets := range all {
		for name, f := range facets {
			file, ok := facetSchemas[name]
			if !ok {
				t.Errorf("facet %s has no schema to check it against", name)
				continue
			}
			doc, _ := json.Marshal(map[string]json.RawMessage{name: f})
			schemas.Validate(t, file, doc, "OpenLineage.json")
		}
	}
}

// event is what the tests read from an event.
type event struct {
	EventType string
	Run       struct {
		RunID  string
		Facets struct{ ErrorMessage *struct{ Message string } }
	}
	Job struct {
		Namespace, Name string
		Facets          struct {
			SQL     struct{ Query, Dialect string }
			JobType struct{ ProcessingType, Integration, JobType string }
		}
	}
	Inputs []struct {
		Namespace, Name string
		Facets          struct {
			Schema struct{ Fields []struct{ Name, Type string } }
		}
	}
	Outputs []struct {
		Namespace, Name string
		OutputFacets    struct {
			OutputStatistics *struct{ RowCount int64 }
		}
	}
}

func decode(t *testing.T, body []byte) event {
	t.Helper()
	var ev event
	if err := json.Unmarshal(body, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// TestGoodRunSendsStartThenComplete: a run that succeeds sends START then COMPLETE, both valid,
// naming the job, the source with its columns and the outputs with their rows.
func TestGoodRunSendsStartThenComplete(t *testing.T) {
	rec := newReceiver(t)
	t.Setenv("TEST_LINEAGE_KEY", "s3cret")
	p, conn := project(t, "lineage:\n  url: "+rec.srv.URL+"\n  api_key_env: TEST_LINEAGE_KEY\n  namespace: analytics\n", "")
	sum, err, _ := run(t, p, conn)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range sum.Warnings {
		t.Errorf("warning: %s", w)
	}
	got := rec.received()
	if len(got) != 2 {
		t.Fatalf("the receiver got %d events, want START and COMPLETE", len(got))
	}
	for _, body := range got {
		validate(t, body)
	}
	start, done := decode(t, got[0]), decode(t, got[1])
	if start.EventType != "START" || done.EventType != "COMPLETE" {
		t.Fatalf("events %s, %s; want START, COMPLETE", start.EventType, done.EventType)
	}
	if start.Run.RunID != done.Run.RunID || start.Run.RunID != lineage.RunID(mustPlanner(t, p, conn), sum.RunID) {
		t.Errorf("run ids %s and %s; want both the run's, %s", start.Run.RunID, done.Run.RunID, lineage.RunID(mustPlanner(t, p, conn), sum.RunID))
	}
	if start.Job.Namespace != "analytics" || start.Job.Name != "acme" {
		t.Errorf("job %s/%s, want analytics/acme", start.Job.Namespace, start.Job.Name)
	}
	jt := start.Job.Facets.JobType
	if jt.ProcessingType != "BATCH" || jt.Integration != "IDSTITCH" || jt.JobType != "JOB" {
		t.Errorf("job type %+v", jt)
	}
	if sql := start.Job.Facets.SQL; sql.Dialect != "duckdb" || !strings.Contains(sql.Query, `"main"."events"`) {
		t.Errorf("the sql facet is not the run's script on duckdb: dialect %q, %d characters", sql.Dialect, len(sql.Query))
	}
	abs, _ := filepath.Abs(filepath.Join(p.Dir, "acme.duckdb"))
	ns := "duckdb://" + filepath.ToSlash(abs)
	if len(start.Inputs) != 1 || start.Inputs[0].Namespace != ns || start.Inputs[0].Name != "acme.main.events" {
		t.Fatalf("inputs %+v; want %s acme.main.events", start.Inputs, ns)
	}
	var cols []string
	for _, f := range start.Inputs[0].Facets.Schema.Fields {
		cols = append(cols, f.Name+" "+f.Type)
	}
	if want := "ts TIMESTAMP, user_id VARCHAR, email VARCHAR, revenue DECIMAL(10,2)"; strings.Join(cols, ", ") != want {
		t.Errorf("the source's schema facet is %q, want %q", strings.Join(cols, ", "), want)
	}
	rows := map[string]int64{}
	for _, o := range done.Outputs {
		if o.Namespace != ns {
			t.Errorf("output %s in namespace %s, want %s", o.Name, o.Namespace, ns)
		}
		if o.OutputFacets.OutputStatistics != nil {
			rows[o.Name] = o.OutputFacets.OutputStatistics.RowCount
		}
	}
	if rows["acme.identity.profiles"] != sum.Result.Components || rows["acme.identity.id_graph"] != sum.Result.Nodes {
		t.Errorf("rows of profiles %d and id_graph %d; the run made %d profiles of %d identifiers",
			rows["acme.identity.profiles"], rows["acme.identity.id_graph"], sum.Result.Components, sum.Result.Nodes)
	}
	for _, o := range start.Outputs {
		if o.OutputFacets.OutputStatistics != nil {
			t.Errorf("START counts the rows of %s, which the run has yet to write", o.Name)
		}
	}
	for _, a := range rec.auth {
		if a != "Bearer s3cret" {
			t.Errorf("Authorization %q, want the key of $TEST_LINEAGE_KEY as a bearer token", a)
		}
	}
}

func mustPlanner(t *testing.T, p *config.Project, conn connectors.Conn) *plan.Planner {
	pl, err := plan.New(p, conn.Dialect(), plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

// TestFailedRunSendsStartThenFail: a run that fails in a stage sends START then FAIL, with the
// error as the errorMessage facet.
func TestFailedRunSendsStartThenFail(t *testing.T) {
	rec := newReceiver(t)
	// The filter fails on the rows, at run time: 'u1' is not an integer.
	p, conn := project(t, "lineage:\n  url: "+rec.srv.URL+"\n", "    filter: \"CAST(user_id AS INTEGER) > 0\"\n")
	_, err, _ := run(t, p, conn)
	if err == nil {
		t.Fatal("the run succeeded; its filter should have failed on the rows")
	}
	got := rec.received()
	if len(got) != 2 {
		t.Fatalf("the receiver got %d events, want START and FAIL", len(got))
	}
	for _, body := range got {
		validate(t, body)
	}
	start, fail := decode(t, got[0]), decode(t, got[1])
	if start.EventType != "START" || fail.EventType != "FAIL" {
		t.Fatalf("events %s, %s; want START, FAIL", start.EventType, fail.EventType)
	}
	if fail.Run.Facets.ErrorMessage == nil || fail.Run.Facets.ErrorMessage.Message != err.Error() {
		t.Errorf("FAIL's errorMessage is %+v, want the run's error %q", fail.Run.Facets.ErrorMessage, err)
	}
}

// TestHangingReceiverCostsAtMostTheTimeout: a receiver that accepts the connection and never
// answers costs the run no more than lineage.timeout, all events together, and the run succeeds
// with a warning.
func TestHangingReceiverCostsAtMostTheTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	p, conn := project(t, "lineage:\n  url: "+srv.URL+"\n  timeout: 300ms\n", "")
	sum, err, em := run(t, p, conn)
	if err != nil {
		t.Fatalf("the run failed with the receiver hanging: %v", err)
	}
	// The bound is the budget plus the time a cancelled request takes to return.
	if em.Spent() > 300*time.Millisecond+time.Second {
		t.Errorf("sending took %s of the run, more than lineage.timeout (300ms)", em.Spent())
	}
	if !hasWarning(sum, "lineage: the START event was not sent") || !hasWarning(sum, "lineage: the COMPLETE event was not sent") {
		t.Errorf("warnings %q; want both events reported as not sent", sum.Warnings)
	}
}

// TestDownReceiverNeverFailsTheRun: nothing listens at the address; the run succeeds and says
// that lineage was not sent.
func TestDownReceiverNeverFailsTheRun(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p, conn := project(t, "lineage:\n  url: http://"+addr+"\n  timeout: 300ms\n", "")
	sum, err, em := run(t, p, conn)
	if err != nil {
		t.Fatalf("the run failed with the receiver down: %v", err)
	}
	if em.Spent() > 300*time.Millisecond+time.Second {
		t.Errorf("sending took %s of the run, more than lineage.timeout (300ms)", em.Spent())
	}
	if !hasWarning(sum, "lineage: the START event was not sent to http://"+addr) {
		t.Errorf("warnings %q; want the START event reported as not sent", sum.Warnings)
	}
}

// TestRetriesServerErrors: a receiver that fails once with 503 gets the event on the next try.
func TestRetriesServerErrors(t *testing.T) {
	var mu sync.Mutex
	var calls int
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, b)
	}))
	defer srv.Close()
	p, conn := project(t, "lineage:\n  url: "+srv.URL+"\n", "")
	sum, err, _ := run(t, p, conn)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Warnings) != 0 || len(bodies) != 2 || decode(t, bodies[0]).EventType != "START" {
		t.Errorf("after one 503: %d events received, warnings %q; want START and COMPLETE, no warning", len(bodies), sum.Warnings)
	}
}

// TestFileReceivesOneEventPerLine: lineage.file gets each event as a line of JSON.
func TestFileReceivesOneEventPerLine(t *testing.T) {
	p, conn := project(t, "lineage:\n  file: lineage.jsonl\n", "")
	if _, err, _ := run(t, p, conn); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(p.Dir, "lineage.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var types []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		validate(t, sc.Bytes())
		types = append(types, decode(t, sc.Bytes()).EventType)
	}
	if strings.Join(types, " ") != "START COMPLETE" {
		t.Errorf("the file holds %q, want START then COMPLETE", types)
	}
}

func hasWarning(sum *runner.Summary, prefix string) bool {
	for _, w := range sum.Warnings {
		if strings.HasPrefix(w, prefix) {
			return true
		}
	}
	return false
}
