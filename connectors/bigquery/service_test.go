package bigquery

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idstitch/idstitch/connectors"
)

// fakeService answers the BigQuery REST calls the connector makes (jobs.insert, with the data of
// a load job uploaded in one multipart request or in a resumable upload, jobs.get, jobs.query)
// and the IAM Credentials call of impersonation, as a transport: no request leaves the process.
// end says how the nth job (from 1) ends. It records what it was sent.
type fakeService struct {
	end func(n int) outcome

	mu      sync.Mutex
	jobs    []insertedJob           // jobs.insert, in order
	uploads map[string]*insertedJob // resumable uploads under way, by upload id
	queries []json.RawMessage       // jobs.query bodies
	hosts   []string                // the host and path of every request
	auth    []string                // the Authorization header of every BigQuery request
	tokens  []string                // the service accounts impersonation asked tokens of
	// datasets are the datasets that exist, as project/dataset; datasets.get answers 404 for
	// any other.
	datasets map[string]bool
}

type insertedJob struct {
	ID       string
	Location string
	Query    string
	Labels   map[string]string
	// Load is the configuration of a load job, Data the data uploaded with it, Upload the kind
	// of upload (multipart or resumable) and Chunks the requests that carried the data.
	Load   *loadConfig
	Data   []byte
	Upload string
	Chunks int
	// config is the job's configuration as sent, which jobs.insert answers with.
	config json.RawMessage
}

type loadConfig struct {
	DestinationTable struct {
		ProjectID string `json:"projectId"`
		DatasetID string `json:"datasetId"`
		TableID   string `json:"tableId"`
	} `json:"destinationTable"`
	SourceFormat      string `json:"sourceFormat"`
	WriteDisposition  string `json:"writeDisposition"`
	CreateDisposition string `json:"createDisposition"`
}

// readJob reads the body of jobs.insert.
func readJob(r io.Reader) (insertedJob, error) {
	var job struct {
		JobReference struct {
			JobID    string `json:"jobId"`
			Location string `json:"location"`
		} `json:"jobReference"`
		Configuration json.RawMessage `json:"configuration"`
	}
	var config struct {
		Labels map[string]string `json:"labels"`
		Query  struct {
			Query string `json:"query"`
		} `json:"query"`
		Load *loadConfig `json:"load"`
	}
	if err := json.NewDecoder(r).Decode(&job); err != nil {
		return insertedJob{}, err
	}
	if err := json.Unmarshal(job.Configuration, &config); err != nil {
		return insertedJob{}, err
	}
	return insertedJob{ID: job.JobReference.JobID, Location: job.JobReference.Location, Query: config.Query.Query,
		Labels: config.Labels, Load: config.Load, config: job.Configuration}, nil
}

// inserted records the job and answers that it runs.
func (f *fakeService) inserted(w http.ResponseWriter, j insertedJob) {
	f.jobs = append(f.jobs, j)
	json.NewEncoder(w).Encode(map[string]any{"jobReference": map[string]string{"projectId": "p", "jobId": j.ID, "location": j.Location},
		"configuration": j.config, "status": map[string]any{"state": "RUNNING"}})
}

// outcome is how a job ends.
type outcome struct {
	reason    string // the reason of its failure; "" for success
	statement string // its statement type (INSERT, SCRIPT, …)
	lost      bool   // jobs.get fails: how the job ended cannot be learnt
}

func (f *fakeService) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	f.serve(rec, r)
	return rec.Result(), nil
}

func (f *fakeService) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hosts = append(f.hosts, r.URL.Host+r.URL.Path)
	w.Header().Set("Content-Type", "application/json")
	path := r.URL.Path
	if strings.HasSuffix(path, ":generateAccessToken") {
		sa := strings.TrimSuffix(path[strings.LastIndex(path, "/")+1:], ":generateAccessToken")
		f.tokens = append(f.tokens, sa)
		json.NewEncoder(w).Encode(map[string]string{"accessToken": "token-of-" + sa, "expireTime": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
		return
	}
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	const jobs = "/bigquery/v2/projects/p/jobs"
	switch {
	case r.Method == http.MethodPost && path == jobs:
		j, err := readJob(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.inserted(w, j)
	case r.Method == http.MethodPost && path == "/upload"+jobs:
		f.upload(w, r)
	case r.Method == http.MethodGet && strings.HasPrefix(path, jobs+"/"):
		id := strings.TrimPrefix(path, jobs+"/")
		n := 0
		for i, j := range f.jobs {
			if j.ID == id {
				n = i + 1
			}
		}
		o := f.end(n)
		if o.lost {
			w.WriteHeader(http.StatusForbidden)
			json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": 403, "message": "Access Denied: Job p:" + id,
				"errors": []map[string]string{{"reason": "accessDenied", "message": "Access Denied"}}}})
			return
		}
		status := map[string]any{"state": "DONE"}
		if o.reason != "" {
			e := map[string]string{"reason": o.reason, "message": "failed in the test service"}
			status["errorResult"], status["errors"] = e, []map[string]string{e}
		}
		kind, stats := "query", map[string]any{"statementType": o.statement}
		if n > 0 && f.jobs[n-1].Load != nil {
			kind, stats = "load", map[string]any{}
		}
		json.NewEncoder(w).Encode(map[string]any{"jobReference": map[string]string{"projectId": "p", "jobId": id},
			"configuration": map[string]any{kind: map[string]any{}}, "status": status,
			"statistics": map[string]any{kind: stats}})
	case r.Method == http.MethodGet && strings.Contains(path, "/datasets/"):
		project, dataset, _ := strings.Cut(strings.TrimPrefix(path, "/bigquery/v2/projects/"), "/datasets/")
		if !f.datasets[project+"/"+dataset] {
			w.WriteHeader(http.StatusNotFound)
			json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": 404, "message": "Not found: Dataset " + project + ":" + dataset,
				"errors": []map[string]string{{"reason": "notFound", "message": "Not found"}}}})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"datasetReference": map[string]string{"projectId": project, "datasetId": dataset}, "location": "EU"})
	case r.Method == http.MethodPost && path == "/bigquery/v2/projects/p/queries":
		var body json.RawMessage
		json.NewDecoder(r.Body).Decode(&body)
		f.queries = append(f.queries, body)
		json.NewEncoder(w).Encode(map[string]any{"jobComplete": true, "totalRows": "1",
			"jobReference": map[string]string{"projectId": "p", "jobId": "q1"},
			"schema":       map[string]any{"fields": []map[string]string{{"name": "n", "type": "INTEGER"}}},
			"rows":         []map[string]any{{"f": []map[string]string{{"v": "1"}}}}})
	default:
		http.Error(w, "the test service does not serve "+r.Method+" "+path, http.StatusNotImplemented)
	}
}

// upload answers jobs.insert with media: the job's configuration and its data in one multipart
// request, or a resumable upload, whose first request carries the configuration and whose next
// ones the data, chunk by chunk (Content-Range "bytes a-b/*" for all but the last).
func (f *fakeService) upload(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case q.Get("uploadType") == "multipart":
		mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "multipart/related" {
			http.Error(w, "want a multipart/related body", http.StatusBadRequest)
			return
		}
		parts := multipart.NewReader(r.Body, params["boundary"])
		meta, err := parts.NextPart()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		j, err := readJob(meta)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		media, err := parts.NextPart()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		j.Data, _ = io.ReadAll(media)
		j.Upload, j.Chunks = "multipart", 1
		f.inserted(w, j)
	case q.Get("uploadType") == "resumable" && q.Get("upload_id") == "":
		j, err := readJob(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		j.Upload = "resumable"
		if f.uploads == nil {
			f.uploads = map[string]*insertedJob{}
		}
		id := fmt.Sprintf("u%d", len(f.uploads)+1)
		f.uploads[id] = &j
		w.Header().Set("Location", "https://bigquery.googleapis.com/upload/bigquery/v2/projects/p/jobs?uploadType=resumable&upload_id="+id)
	case q.Get("uploadType") == "resumable":
		j := f.uploads[q.Get("upload_id")]
		if j == nil {
			http.Error(w, "no such upload", http.StatusNotFound)
			return
		}
		chunk, _ := io.ReadAll(r.Body)
		j.Data = append(j.Data, chunk...)
		j.Chunks++
		if strings.HasSuffix(r.Header.Get("Content-Range"), "/*") {
			w.Header().Set("X-Http-Status-Code-Override", "308")
			return
		}
		delete(f.uploads, q.Get("upload_id"))
		f.inserted(w, *j)
	default:
		http.Error(w, "the test service does not take the upload "+r.URL.RawQuery, http.StatusNotImplemented)
	}
}

// openFake opens a Conn to f whose retries and polls wait a millisecond.
func openFake(t *testing.T, f *fakeService, cfg Config) *Conn {
	t.Helper()
	cfg.Project, cfg.transport = "p", f
	c, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.retry = connectors.Retry{Attempts: 3, Initial: time.Millisecond, Max: time.Millisecond}
	c.poll = time.Millisecond
	return c
}

// A job that BigQuery reports done and failed for a passing reason took no effect, and runs
// again as a new job; a job that failed for good, a script that is not one transaction, and a
// job whose end could not be learnt (it may still run) are not run again.
func TestRetryJobsThatTookNoEffect(t *testing.T) {
	for _, tc := range []struct {
		name  string
		first outcome
		tx    bool
		jobs  int
		kind  connectors.Kind // of the error when jobs is 1
	}{
		{"backend error", outcome{reason: "backendError", statement: "INSERT"}, false, 2, 0},
		{"internal error", outcome{reason: "jobInternalError", statement: "CREATE_TABLE_AS_SELECT"}, false, 2, 0},
		{"rate limit", outcome{reason: "rateLimitExceeded", statement: "UPDATE"}, false, 2, 0},
		{"transaction, backend error", outcome{reason: "backendError", statement: "SCRIPT"}, true, 2, 0},
		{"script, backend error", outcome{reason: "backendError", statement: "SCRIPT"}, false, 1, connectors.Unreachable},
		{"invalid query", outcome{reason: "invalidQuery", statement: "INSERT"}, false, 1, connectors.BadSQL},
		{"quota", outcome{reason: "quotaExceeded", statement: "INSERT"}, false, 1, connectors.Denied},
		{"end unknown", outcome{lost: true}, false, 1, connectors.Denied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeService{end: func(n int) outcome {
				if n == 1 {
					return tc.first
				}
				return outcome{statement: tc.first.statement}
			}}
			c := openFake(t, f, Config{})
			var err error
			if tc.tx {
				err = c.ExecTx(context.Background(), []string{"UPDATE d.t SET x = 1"})
			} else {
				err = c.Exec(context.Background(), "INSERT INTO d.t VALUES (1)")
			}
			if tc.jobs == 2 && err != nil {
				t.Fatalf("failed: %v; want the job run again and succeed", err)
			}
			if tc.jobs == 1 && (err == nil || connectors.KindOf(err) != tc.kind) {
				t.Fatalf("err %v (kind %v); want the first job's failure, of kind %v", err, connectors.KindOf(err), tc.kind)
			}
			if len(f.jobs) != tc.jobs {
				t.Fatalf("%d jobs inserted; want %d", len(f.jobs), tc.jobs)
			}
			if tc.jobs == 2 && (f.jobs[0].ID == f.jobs[1].ID || f.jobs[0].Query != f.jobs[1].Query) {
				t.Errorf("the job ran again as %+v after %+v; want the same statement under a new job id", f.jobs[1], f.jobs[0])
			}
		})
	}
}

// Every job carries the labels tool, project and the block's own; a job of a run carries the
// run's id as run_id too, queries (jobs.query) as well as statements (jobs.insert).
func TestJobLabelsNameTheRun(t *testing.T) {
	f := &fakeService{end: func(int) outcome { return outcome{statement: "INSERT"} }}
	s, err := settings(t, "labels: {team: analytics}")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := s.config(connectors.OpenOptions{Project: "acme"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	c := openFake(t, f, cfg)
	run := connectors.WithRun(context.Background(), 12)
	if err := c.Exec(run, "INSERT INTO d.t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	if err := c.Exec(context.Background(), "INSERT INTO d.t VALUES (2)"); err != nil {
		t.Fatal(err)
	}
	rows, err := c.Query(run, "SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	want := map[string]string{"tool": "idstitch", "project": "acme", "team": "analytics", "run_id": "12"}
	if got := f.jobs[0].Labels; !equal(got, want) {
		t.Errorf("labels of a run's job: %v; want %v", got, want)
	}
	delete(want, "run_id")
	if got := f.jobs[1].Labels; !equal(got, want) {
		t.Errorf("labels of a job outside a run: %v; want %v", got, want)
	}
	var q struct {
		Labels map[string]string `json:"labels"`
	}
	if len(f.queries) != 1 || json.Unmarshal(f.queries[0], &q) != nil || q.Labels["run_id"] != "12" {
		t.Errorf("the query of a run was sent as %s; want labels with run_id 12", f.queries)
	}
	if c.cfg.Labels["run_id"] != "" {
		t.Error("a run's label was left on the connection's labels")
	}
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// With impersonate_service_account, the client asks the IAM Credentials service for a token of
// that account (with the base credentials), and sends BigQuery that token.
func TestImpersonation(t *testing.T) {
	f := &fakeService{end: func(int) outcome { return outcome{statement: "INSERT"} }}
	const sa = "idstitch-runner@my-project.iam.gserviceaccount.com"
	c := openFake(t, f, Config{Impersonate: sa})
	if err := c.Exec(context.Background(), "INSERT INTO d.t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	if len(f.tokens) == 0 || f.tokens[0] != sa {
		t.Fatalf("asked for tokens of %v; want %s", f.tokens, sa)
	}
	if !strings.HasPrefix(f.hosts[0], "iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/") {
		t.Errorf("the first request went to %s; want the IAM Credentials service", f.hosts[0])
	}
	for _, a := range f.auth {
		if a != "Bearer token-of-"+sa {
			t.Errorf("BigQuery was sent the credentials %q; want the impersonated account's token", a)
		}
	}
}

// loadRows is a Load's next over rows.
func loadRows(rows [][]any) func(row []any) bool {
	i := 0
	return func(row []any) bool {
		if i == len(rows) {
			return false
		}
		copy(row, rows[i])
		i++
		return true
	}
}

// Load appends the rows with a load job of newline-delimited JSON uploaded with the job, which
// carries the labels and location of every job; nothing is streamed (tabledata.insertAll).
func TestLoadRunsALoadJob(t *testing.T) {
	f := &fakeService{end: func(int) outcome { return outcome{} }}
	s, err := settings(t, "location: EU, labels: {team: analytics}")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := s.config(connectors.OpenOptions{Project: "acme"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	c := openFake(t, f, cfg)
	at := time.Date(2025, 3, 4, 7, 8, 9, 123456789, time.FixedZone("CET", 3600))
	rows := [][]any{
		{"e1", "plain", at, int64(42), 1.5, true},
		{"e2", nil, at.Add(time.Second), int64(-7), nil, nil},
		{`e"3`, "ü\nline", time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC), int64(1) << 60, 2.0, false},
	}
	columns := []string{"event_id", "note", "received_at", "n", "score", "ok"}
	if err := c.Load(connectors.WithRun(context.Background(), 12), "d", "stage", columns, loadRows(rows)); err != nil {
		t.Fatal(err)
	}
	for _, h := range f.hosts {
		if strings.HasSuffix(h, "/insertAll") {
			t.Errorf("rows were streamed (%s); want a load job", h)
		}
	}
	if len(f.jobs) != 1 || f.jobs[0].Load == nil {
		t.Fatalf("inserted %+v; want one load job", f.jobs)
	}
	j := f.jobs[0]
	if j.Upload != "multipart" {
		t.Errorf("small data uploaded %q; want in one multipart request", j.Upload)
	}
	l := j.Load
	if d := l.DestinationTable; d.ProjectID != "p" || d.DatasetID != "d" || d.TableID != "stage" {
		t.Errorf("loaded into %+v; want p.d.stage", d)
	}
	if l.SourceFormat != "NEWLINE_DELIMITED_JSON" || l.WriteDisposition != "WRITE_APPEND" || l.CreateDisposition != "CREATE_NEVER" {
		t.Errorf("load configuration %+v; want NEWLINE_DELIMITED_JSON, WRITE_APPEND, CREATE_NEVER", *l)
	}
	want := map[string]string{"tool": "idstitch", "project": "acme", "team": "analytics", "run_id": "12"}
	if !equal(j.Labels, want) {
		t.Errorf("labels of the load job: %v; want %v", j.Labels, want)
	}
	if j.Location != "EU" || j.ID == "" {
		t.Errorf("job %q in %q; want a job id, in EU", j.ID, j.Location)
	}
	wantRows := []map[string]any{
		{"event_id": "e1", "note": "plain", "received_at": "2025-03-04 06:08:09.123456", "n": json.Number("42"), "score": json.Number("1.5"), "ok": true},
		{"event_id": "e2", "note": nil, "received_at": "2025-03-04 06:08:10.123456", "n": json.Number("-7"), "score": nil, "ok": nil},
		{"event_id": `e"3`, "note": "ü\nline", "received_at": "2024-12-31 23:59:59", "n": "1152921504606846976", "score": json.Number("2"), "ok": false},
	}
	if got := decodeLines(t, j.Data); !reflect.DeepEqual(got, wantRows) {
		t.Errorf("uploaded\n%s\nread as %v; want %v", j.Data, got, wantRows)
	}

	// A dataset named with its project is loaded there; outside a run, there is no run_id.
	if err := c.Load(context.Background(), "other.d2", "t", []string{"x"}, loadRows([][]any{{"v"}})); err != nil {
		t.Fatal(err)
	}
	if d := f.jobs[1].Load.DestinationTable; d.ProjectID != "other" || d.DatasetID != "d2" || d.TableID != "t" {
		t.Errorf("loaded into %+v; want other.d2.t", d)
	}
	delete(want, "run_id")
	if !equal(f.jobs[1].Labels, want) {
		t.Errorf("labels of a load outside a run: %v; want %v", f.jobs[1].Labels, want)
	}
}

// decodeLines reads newline-delimited JSON: one object a line, each line ended.
func decodeLines(t *testing.T, data []byte) []map[string]any {
	t.Helper()
	if len(data) == 0 || data[len(data)-1] != '\n' {
		t.Fatalf("uploaded %q; want lines each ended by a newline", data)
	}
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil || dec.More() {
			t.Fatalf("line %q is not one JSON object (%v)", line, err)
		}
		out = append(out, m)
	}
	return out
}

// Data larger than the client's upload chunk (16 MiB) goes in a resumable upload, whole.
func TestLoadUploadsLargeDataInChunks(t *testing.T) {
	f := &fakeService{end: func(int) outcome { return outcome{} }}
	c := openFake(t, f, Config{})
	big := strings.Repeat("x", 1<<20)
	rows := make([][]any, 20)
	for i := range rows {
		rows[i] = []any{int64(i), big}
	}
	if err := c.Load(context.Background(), "d", "t", []string{"i", "s"}, loadRows(rows)); err != nil {
		t.Fatal(err)
	}
	if len(f.jobs) != 1 || f.jobs[0].Upload != "resumable" || f.jobs[0].Chunks < 2 {
		t.Fatalf("inserted %d jobs; want one, its data uploaded resumable in chunks", len(f.jobs))
	}
	got := decodeLines(t, f.jobs[0].Data)
	if len(got) != len(rows) {
		t.Fatalf("uploaded %d rows; want %d", len(got), len(rows))
	}
	for i, m := range got {
		if m["i"] != json.Number(strconv.Itoa(i)) || m["s"] != big {
			t.Fatalf("row %d uploaded as i=%v and %d characters; want %d and %d", i, m["i"], len(m["s"].(string)), i, len(big))
		}
	}
}

// A load job that fails for good fails Load with its reason; one that fails for a passing reason
// added nothing (a load job appends in one atomic update) and runs again as a new job with the
// same data.
func TestLoadJobFailure(t *testing.T) {
	for _, tc := range []struct {
		name  string
		first string
		jobs  int
		kind  connectors.Kind // of the error when jobs is 1
	}{
		{"invalid data", "invalid", 1, connectors.BadSQL},
		{"table gone", "notFound", 1, connectors.MissingObject},
		{"backend error", "backendError", 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeService{end: func(n int) outcome {
				if n == 1 {
					return outcome{reason: tc.first}
				}
				return outcome{}
			}}
			c := openFake(t, f, Config{})
			err := c.Load(context.Background(), "d", "t", []string{"x"}, loadRows([][]any{{"a"}, {"b"}}))
			if tc.jobs == 2 && err != nil {
				t.Fatalf("failed: %v; want the job run again and succeed", err)
			}
			if tc.jobs == 1 && (err == nil || connectors.KindOf(err) != tc.kind) {
				t.Fatalf("err %v (kind %v); want the job's failure, of kind %v", err, connectors.KindOf(err), tc.kind)
			}
			if len(f.jobs) != tc.jobs {
				t.Fatalf("%d jobs inserted; want %d", len(f.jobs), tc.jobs)
			}
			if tc.jobs == 2 && (f.jobs[0].ID == f.jobs[1].ID || string(f.jobs[0].Data) != string(f.jobs[1].Data) || f.jobs[1].Load == nil) {
				t.Errorf("the load ran again as %+v after %+v; want the same data under a new job id", f.jobs[1], f.jobs[0])
			}
		})
	}
}

// Loading no rows sends nothing.
func TestLoadNoRows(t *testing.T) {
	f := &fakeService{end: func(int) outcome { return outcome{} }}
	c := openFake(t, f, Config{})
	if err := c.Load(context.Background(), "d", "t", []string{"x"}, func([]any) bool { return false }); err != nil {
		t.Fatal(err)
	}
	if len(f.hosts) != 0 {
		t.Errorf("sent %v; want no request", f.hosts)
	}
}
