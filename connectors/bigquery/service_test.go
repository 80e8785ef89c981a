package bigquery

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idstitch/idstitch/connectors"
)

// fakeService answers the BigQuery REST calls the connector makes (jobs.insert, jobs.get,
// jobs.query) and the IAM Credentials call of impersonation, as a transport: no request leaves
// the process. end says how the nth job (from 1) ends. It records what it was sent.
type fakeService struct {
	end func(n int) outcome

	mu      sync.Mutex
	jobs    []insertedJob     // jobs.insert, in order
	queries []json.RawMessage // jobs.query bodies
	hosts   []string          // the host and path of every request
	auth    []string          // the Authorization header of every BigQuery request
	tokens  []string          // the service accounts impersonation asked tokens of
	// datasets are the datasets that exist, as project/dataset; datasets.get answers 404 for
	// any other.
	datasets map[string]bool
}

type insertedJob struct {
	ID     string
	Query  string
	Labels map[string]string
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
		var job struct {
			JobReference  map[string]any `json:"jobReference"`
			Configuration struct {
				Labels map[string]string `json:"labels"`
				Query  struct {
					Query string `json:"query"`
				} `json:"query"`
			} `json:"configuration"`
		}
		json.NewDecoder(r.Body).Decode(&job)
		id, _ := job.JobReference["jobId"].(string)
		f.jobs = append(f.jobs, insertedJob{ID: id, Query: job.Configuration.Query.Query, Labels: job.Configuration.Labels})
		json.NewEncoder(w).Encode(map[string]any{"jobReference": job.JobReference,
			"configuration": map[string]any{"query": map[string]any{"query": job.Configuration.Query.Query}},
			"status":        map[string]any{"state": "RUNNING"}})
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
		json.NewEncoder(w).Encode(map[string]any{"jobReference": map[string]string{"projectId": "p", "jobId": id},
			"configuration": map[string]any{"query": map[string]any{}}, "status": status,
			"statistics": map[string]any{"query": map[string]any{"statementType": o.statement}}})
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
