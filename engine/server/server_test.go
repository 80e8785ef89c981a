package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/internal/demogen"
)

// demoProject writes demo data and a project with guards into dir; extra is appended to the file.
func demoProject(t testing.TB, dir string, persons int, extra string) *config.Project {
	t.Helper()
	conn, err := duckdb.Open(context.Background(), filepath.Join(dir, "demo.duckdb"), false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demogen.Generate(context.Background(), conn, demogen.Options{Persons: persons, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	path := filepath.Join(dir, "idstitch.yaml")
	text := demogen.Project(demogen.ProjectOptions{Name: "demo", Warehouse: "duckdb", Path: "demo.duckdb", Guards: true}) + extra
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func start(t testing.TB, o Options) (*Server, string) {
	t.Helper()
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return s, "http://" + s.Addr()
}

func get(t testing.TB, url, token string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(body, &m)
	if m == nil {
		m = map[string]any{"raw": string(body)}
	}
	return resp.StatusCode, m
}

func TestAPI(t *testing.T) {
	for _, memory := range []bool{false, true} {
		t.Run(fmt.Sprintf("memory=%v", memory), func(t *testing.T) { testAPI(t, memory) })
	}
}

func testAPI(t *testing.T, memory bool) {
	dir := t.TempDir()
	p := demoProject(t, dir, 400, "")
	// Read before the server holds the file: DuckDB refuses a second, differently configured
	// handle on one file in one process.
	email := sampleEmail(t, p)
	s, base := start(t, Options{Project: p, NoSchedule: true, Memory: memory})

	// Before any run, lookups say so.
	if code, body := get(t, base+"/v1/lookup?type=email&value=x@y.com", ""); code != http.StatusServiceUnavailable {
		t.Fatalf("lookup before a run: %d %v", code, body)
	}
	resp, err := http.Post(base+"/v1/runs", "", nil)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /v1/runs: %v %v", resp, err)
	}
	waitForRuns(t, base, "", 1)

	code, body := get(t, base+"/healthz", "")
	if code != 200 || body["status"] != "ok" {
		t.Fatalf("healthz: %d %v", code, body)
	}
	// Any identifier works, normalized as the pipeline normalizes it.
	code, body = get(t, base+"/v1/lookup?type=email&value="+url.QueryEscape(" "+strings.ToUpper(email)), "")
	if code != 200 || body["normalized_value"] != email {
		t.Fatalf("lookup: %d %v", code, body)
	}
	uid := body["universal_id"].(string)
	ids := body["identifiers"].([]any)
	if len(ids) < 2 {
		t.Fatalf("%s's profile has %d identifiers: %v", email, len(ids), body)
	}
	code, prof := get(t, base+"/v1/profiles/"+uid, "")
	if code != 200 || prof["universal_id"] != uid || len(prof["identifiers"].([]any)) != len(ids) || prof["profile"].(map[string]any)["email_count"] == nil {
		t.Fatalf("profile: %d %v", code, prof)
	}
	for _, c := range []struct {
		url  string
		code int
		has  string
	}{
		{"/v1/lookup?type=email&value=nobody@nowhere.com", 404, "is not in any profile"},
		{"/v1/lookup?type=user_id&value=null", 404, "quarantined"},
		{"/v1/lookup?type=shoe_size&value=42", 400, "not an id type"},
		{"/v1/lookup?type=email", 400, "type=TYPE&value=VALUE"},
		{"/v1/lookup?type=email&value=%20", 400, "empty"},
		{"/v1/profiles/0000", 404, "not in any profile"},
		{"/v2/nothing", 404, "no such endpoint"},
	} {
		code, body := get(t, base+c.url, "")
		if code != c.code || !strings.Contains(fmt.Sprint(body["error"]), c.has) {
			t.Errorf("%s: %d %v; want %d and %q", c.url, code, body, c.code, c.has)
		}
	}
	code, body = get(t, base+"/v1/lookup?type=user_id&value=null", "")
	if body["quarantine_reason"] != "blocked" {
		t.Errorf("a blocked value's lookup: %v", body)
	}
	// A run's metrics are recorded when it has finished, which is after its runs row commits
	// (and, with the memory copy, after the copy): poll a moment.
	var metrics []byte
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err = http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		metrics, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(metrics), `idstitch_runs_total{status="success"} 1`) || time.Now().After(deadline) {
			break
		}
	}
	for _, want := range []string{`idstitch_runs_total{status="success"} 1`, "idstitch_profiles ", `idstitch_quarantined{reason="hub"}`, "idstitch_last_success_timestamp_seconds", "idstitch_run_duration_seconds_bucket"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// A second run while one is going is refused, in-process.
	s.runMu.Lock()
	if err := s.RunNow(); !errors.Is(err, ErrBusy) {
		t.Errorf("RunNow during a run: %v, want ErrBusy", err)
	}
	resp, _ = http.Post(base+"/v1/runs", "", nil)
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("POST /v1/runs during a run: %d, want 409", resp.StatusCode)
	}
	s.runMu.Unlock()
}

// duckdbPath is the database file of a DuckDB project.
func duckdbPath(t *testing.T, p *config.Project) string {
	t.Helper()
	path, ok := duckdb.PathOf(p.Warehouse.Settings)
	if !ok {
		t.Fatalf("%s is not a DuckDB project", p.File)
	}
	return path
}

// sampleEmail is a customer's email from the orders table, where it sits beside a user id.
func sampleEmail(t *testing.T, p *config.Project) string {
	t.Helper()
	conn, err := duckdb.Open(context.Background(), duckdbPath(t, p), true)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var email string
	if err := conn.DB().QueryRow("SELECT min(email) FROM orders WHERE email LIKE 'person%' AND user_id LIKE 'u%'").Scan(&email); err != nil {
		t.Fatal(err)
	}
	return email
}

// waitForRuns waits until /v1/runs lists n successful runs.
func waitForRuns(t testing.TB, base, token string, n int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest(http.MethodGet, base+"/v1/runs", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			var runs []map[string]any
			json.NewDecoder(resp.Body).Decode(&runs)
			resp.Body.Close()
			ok := 0
			for _, r := range runs {
				if r["status"] == "success" {
					ok++
				}
			}
			if ok >= n {
				return runs
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("fewer than %d successful runs after 60 s", n)
	return nil
}

func TestTokenRequiredBeyondLoopback(t *testing.T) {
	p := demoProject(t, t.TempDir(), 50, "")
	if _, err := New(Options{Project: p, Addr: "0.0.0.0:0"}); err == nil || !strings.Contains(err.Error(), "bearer token") {
		t.Fatalf("listening on 0.0.0.0 without a token: %v", err)
	}
	_, base := start(t, Options{Project: p, Addr: "0.0.0.0:0", Token: "s3cret", NoSchedule: true})
	base = strings.Replace(base, "0.0.0.0", "127.0.0.1", 1)
	if code, _ := get(t, base+"/v1/runs", ""); code != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", code)
	}
	if code, _ := get(t, base+"/v1/runs", "wrong"); code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d, want 401", code)
	}
	if code, _ := get(t, base+"/v1/runs", "s3cret"); code != http.StatusOK {
		t.Errorf("right token: %d, want 200", code)
	}
	if code, _ := get(t, base+"/healthz", ""); code != http.StatusOK {
		t.Errorf("healthz needs no token: %d", code)
	}
}

// TestSchedule: a short @every schedule runs several times, and runs never overlap.
func TestSchedule(t *testing.T) {
	p := demoProject(t, t.TempDir(), 300, "schedule:\n  cron: \"@every 1s\"\n  timezone: UTC\n")
	_, base := start(t, Options{Project: p})
	runs := waitForRuns(t, base, "", 3)
	for i := 0; i+1 < len(runs); i++ {
		later, earlier := runs[i], runs[i+1]
		if later["started_at"].(string) < fmt.Sprint(earlier["finished_at"]) {
			t.Fatalf("run %v started before run %v finished", later["run_id"], earlier["run_id"])
		}
	}
}

// TestLease: a lease held by another process stops a run; an expired one is taken over.
func TestLease(t *testing.T) {
	p := demoProject(t, t.TempDir(), 100, "")
	s, _ := start(t, Options{Project: p, NoSchedule: true})
	if err := s.RunNow(); err != nil {
		t.Fatal(err)
	}
	setLease := func(expires time.Time) {
		conn, err := duckdb.Open(context.Background(), duckdbPath(t, p), false)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.DB().Exec("UPDATE identity.run_lease SET holder = 'other-host:1:x', expires_at = ?", expires.UTC()); err != nil {
			t.Fatal(err)
		}
	}
	s.wh.Close()
	setLease(time.Now().Add(time.Hour))
	if err := s.RunNow(); !errors.Is(err, ErrLeaseHeld) {
		t.Fatalf("run with the lease held elsewhere: %v, want ErrLeaseHeld", err)
	}
	s.wh.Close()
	setLease(time.Now().Add(-time.Second))
	if err := s.RunNow(); err != nil {
		t.Fatalf("run after the other lease expired: %v", err)
	}
}

// TestTransientErrorRetried: the warehouse's directory is missing on the first attempt (a volume
// not mounted yet); the retry finds it.
func TestTransientErrorRetried(t *testing.T) {
	dir := t.TempDir()
	ready := filepath.Join(dir, "ready")
	os.Mkdir(ready, 0o755)
	p := demoProject(t, ready, 100, "")
	mount := filepath.Join(dir, "mnt")
	p.Warehouse.Settings.(*duckdb.Settings).Path = filepath.Join(mount, "demo.duckdb")
	s, _ := start(t, Options{Project: p, NoSchedule: true, Backoff: 300 * time.Millisecond})
	s.o.Retries = 3
	var attempts atomic.Int64
	var once sync.Once
	done := make(chan error, 1)
	go func() { done <- s.RunNow() }()
	for {
		if failed := counter(t, s, `idstitch_runs_total{status="failed"}`); failed >= 1 {
			once.Do(func() {
				attempts.Store(int64(failed))
				if err := os.Rename(ready, mount); err != nil {
					t.Error(err)
				}
			})
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run after the retry: %v", err)
			}
			if attempts.Load() < 1 {
				t.Fatal("the first attempt did not fail")
			}
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func counter(t *testing.T, s *Server, name string) float64 {
	t.Helper()
	mfs, err := s.metrics.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			label := ""
			for _, l := range m.GetLabel() {
				label = fmt.Sprintf("{%s=%q}", l.GetName(), l.GetValue())
			}
			if mf.GetName()+label == name && m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// TestLookupsDuringPublish: lookups keep answering, never with an error, while runs publish.
func TestLookupsDuringPublish(t *testing.T) {
	for _, memory := range []bool{false, true} {
		t.Run(fmt.Sprintf("memory=%v", memory), func(t *testing.T) { testLookupsDuringPublish(t, memory) })
	}
}

func testLookupsDuringPublish(t *testing.T, memory bool) {
	p := demoProject(t, t.TempDir(), 2000, "")
	email := sampleEmail(t, p)
	s, base := start(t, Options{Project: p, NoSchedule: true, Memory: memory})
	if err := s.RunNow(); err != nil {
		t.Fatal(err)
	}
	url := base + "/v1/lookup?type=email&value=" + email
	var stop atomic.Bool
	var n atomic.Int64
	errs := make(chan string, 1)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				resp, err := http.Get(url)
				if err != nil {
					errs <- err.Error()
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					select {
					case errs <- fmt.Sprintf("%d %s", resp.StatusCode, body):
					default:
					}
					return
				}
				n.Add(1)
			}
		}()
	}
	for i := 0; i < 3; i++ {
		if err := s.RunNow(); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	select {
	case e := <-errs:
		t.Fatalf("a lookup during publishing failed: %s", e)
	default:
	}
	t.Logf("%d lookups answered during 3 runs", n.Load())
}

// TestTokenWithWhiteSpaceRefused: a token with a trailing newline (as echo writes it) would make
// the server refuse every client; it is refused at start instead. Idle connections time out.
func TestTokenWithWhiteSpaceRefused(t *testing.T) {
	p := demoProject(t, t.TempDir(), 50, "")
	for _, token := range []string{"s3cret\n", " s3cret", "s3cret "} {
		if _, err := New(Options{Project: p, Addr: "127.0.0.1:0", Token: token}); err == nil || !strings.Contains(err.Error(), "white space") {
			t.Errorf("token %q: %v; want a refusal naming the white space", token, err)
		}
	}
	s, _ := start(t, Options{Project: p, Token: "s3cret", NoSchedule: true})
	if s.http.IdleTimeout <= 0 {
		t.Errorf("the server keeps idle connections forever (IdleTimeout %v)", s.http.IdleTimeout)
	}
}

// TestForeignPagesRefused: without a token the server answers only loopback names (a page of
// another site whose name resolves to 127.0.0.1 sends its own name); a POST from another origin is
// refused, token or not; a value that is not UTF-8 is a 400, not a warehouse error.
func TestForeignPagesRefused(t *testing.T) {
	p := demoProject(t, t.TempDir(), 50, "")
	_, base := start(t, Options{Project: p, NoSchedule: true})
	send := func(method, path string, header map[string]string, host string) int {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := send(http.MethodGet, "/v1/runs", nil, "evil.example:8080"); code != http.StatusMisdirectedRequest {
		t.Errorf("a request addressed to another name: %d, want 421", code)
	}
	if code := send(http.MethodGet, "/v1/runs", nil, "localhost:8080"); code != http.StatusOK {
		t.Errorf("a request addressed to localhost: %d, want 200", code)
	}
	for _, h := range []map[string]string{{"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}} {
		if code := send(http.MethodPost, "/v1/runs", h, ""); code != http.StatusForbidden {
			t.Errorf("POST /v1/runs with %v: %d, want 403", h, code)
		}
	}
	if code := send(http.MethodGet, "/v1/lookup?type=email&value=%ff%fe", nil, ""); code != http.StatusBadRequest {
		t.Errorf("a value that is not UTF-8: %d, want 400", code)
	}
}

// TestConcurrentRunRequests: 20 POST /v1/runs in a burst, while the run that one of them starts
// is held before it begins, are answered 202 once and start one run; the others are refused with
// 409. The requests go to the handler in this process, so that they follow each other closer
// than a network allows: the check that no run is going on and the start of the run must be one
// step, however soon the next request comes.
func TestConcurrentRunRequests(t *testing.T) {
	p := demoProject(t, t.TempDir(), 50, "")
	s, base := start(t, Options{Project: p, NoSchedule: true})
	release := make(chan struct{})
	var runs atomic.Int64
	s.runStarted = func() {
		runs.Add(1)
		<-release
	}
	h := s.Handler()
	post := func() int {
		req := httptest.NewRequest(http.MethodPost, "/v1/runs", nil)
		req.Host = "127.0.0.1"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	// Half one after the other in this goroutine, half at once from their own.
	codes := make(chan int, 20)
	for range 10 {
		codes <- post()
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() { defer wg.Done(); codes <- post() }()
	}
	wg.Wait()
	close(codes)
	close(release)
	var accepted, refused int
	for code := range codes {
		switch code {
		case http.StatusAccepted:
			accepted++
		case http.StatusConflict:
			refused++
		default:
			t.Errorf("POST /v1/runs: %d", code)
		}
	}
	waitForRuns(t, base, "", 1)
	if accepted != 1 || refused != 19 {
		t.Errorf("20 POST /v1/runs in a burst: %d accepted, %d refused; want 1 and 19", accepted, refused)
	}
	if runs.Load() != 1 {
		t.Errorf("%d runs started; want 1", runs.Load())
	}
}

// bigProfileProject writes a DuckDB table in which one user id shares rows with n emails, and a
// project without guards over it: one profile of n+1 identifiers.
func bigProfileProject(t *testing.T, dir string, n int) *config.Project {
	t.Helper()
	conn, err := duckdb.Open(context.Background(), filepath.Join(dir, "big.duckdb"), false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.DB().Exec(fmt.Sprintf(`CREATE TABLE logins AS SELECT 'u1' AS user_id, 'e' || lpad(i::VARCHAR, 5, '0') || '@x.com' AS email,
		TIMESTAMP '2026-01-01' + INTERVAL (i) MINUTE AS ts FROM range(%d) t(i)`, n))
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "idstitch.yaml")
	text := "project: big\nwarehouse:\n  type: duckdb\n  path: big.duckdb\nid_types:\n  - name: user_id\n  - name: email\n" +
		"sources:\n  - name: logins\n    table: logins\n    timestamp: ts\n    ids:\n      user_id: user_id\n      email: email\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLookupPages: the identifiers of a big profile come a page at a time, 100 unless asked
// otherwise, with their total and a cursor to the next page; following the cursors gives every
// identifier once, in order, from the lookup and the profile endpoints, from memory or not.
func TestLookupPages(t *testing.T) {
	for _, memory := range []bool{false, true} {
		t.Run(fmt.Sprintf("memory=%v", memory), func(t *testing.T) { testLookupPages(t, memory) })
	}
}

func testLookupPages(t *testing.T, memory bool) {
	const emails = 250
	p := bigProfileProject(t, t.TempDir(), emails)
	s, base := start(t, Options{Project: p, NoSchedule: true, Memory: memory})
	if err := s.RunNow(); err != nil {
		t.Fatal(err)
	}
	code, body := get(t, base+"/v1/lookup?type=user_id&value=u1", "")
	if code != http.StatusOK {
		t.Fatalf("lookup: %d %v", code, body)
	}
	if n := len(body["identifiers"].([]any)); n != 100 || body["identifiers_total"] != float64(emails+1) || body["next"] == nil {
		t.Fatalf("lookup of a profile of %d identifiers: %d of them, identifiers_total %v, next %v; want 100, %d and a cursor",
			emails+1, n, body["identifiers_total"], body["next"], emails+1)
	}
	uid := body["universal_id"].(string)
	for _, first := range []string{"/v1/lookup?type=user_id&value=u1&limit=40", "/v1/profiles/" + uid + "?limit=40"} {
		var seen []string
		url := base + first
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatalf("%s: more than 10 pages of 40", first)
			}
			code, body := get(t, url, "")
			if code != http.StatusOK {
				t.Fatalf("%s: %d %v", url, code, body)
			}
			ids := body["identifiers"].([]any)
			if len(ids) > 40 || body["identifiers_total"] != float64(emails+1) {
				t.Fatalf("%s: %d identifiers of %v; want at most 40 of %d", url, len(ids), body["identifiers_total"], emails+1)
			}
			for _, id := range ids {
				m := id.(map[string]any)
				seen = append(seen, m["type"].(string)+" "+m["value"].(string))
			}
			next, _ := body["next"].(string)
			if next == "" {
				break
			}
			url = base + first + "&after=" + next
		}
		if len(seen) != emails+1 || !slices.IsSorted(seen) || seen[0] != "email e00000@x.com" || seen[emails] != "user_id u1" {
			t.Errorf("%s, every page: %d identifiers (%v … %v), sorted %v; want %d in (type, value) order",
				first, len(seen), seen[0], seen[len(seen)-1], slices.IsSorted(seen), emails+1)
		}
		if len(seen) > 0 && len(slices.Compact(slices.Clone(seen))) != len(seen) {
			t.Errorf("%s: an identifier came twice", first)
		}
	}
	for _, c := range []struct{ url, has string }{
		{"/v1/lookup?type=user_id&value=u1&limit=0", "limit"},
		{"/v1/lookup?type=user_id&value=u1&limit=ten", "limit"},
		{"/v1/lookup?type=user_id&value=u1&limit=1000000", "limit"},
		{"/v1/profiles/" + uid + "?after=%21%21", "after"},
	} {
		if code, body := get(t, base+c.url, ""); code != http.StatusBadRequest || !strings.Contains(fmt.Sprint(body["error"]), c.has) {
			t.Errorf("%s: %d %v; want 400 naming %q", c.url, code, body, c.has)
		}
	}
}

// syncBuffer is a buffer that a server's log and a test can use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestServeLogsWarnings: the project file's warnings are in the server's log when it starts.
func TestServeLogsWarnings(t *testing.T) {
	p := demoProject(t, t.TempDir(), 50, "schedule:\n  cron: \"@every 30s\"\n")
	if len(p.Warnings) != 1 {
		t.Fatalf("warnings of @every 30s: %v", p.Warnings)
	}
	var log syncBuffer
	s, err := New(Options{Project: p, Addr: "127.0.0.1:0", NoSchedule: true, Log: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(log.String(), "serving") && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), `level=WARN msg="project file" warning="idstitch.yaml:`) || !strings.Contains(log.String(), `schedule.cron: \"@every 30s\" starts a run every 30s`) {
		t.Errorf("the server's log lacks the project file's warning:\n%s", log.String())
	}
}
