package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/server"
	"github.com/idstitch/idstitch/engine/unionfind"
	"github.com/idstitch/idstitch/internal/demogen"
)

func do(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Do(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// withoutWarnings is stderr without the lines of warnings.
func withoutWarnings(stderr string) string {
	var keep []string
	for _, line := range strings.Split(stderr, "\n") {
		if !strings.HasPrefix(line, "idstitch: warning: ") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

func TestHelpOnEveryVerb(t *testing.T) {
	for _, c := range commands {
		code, out, _ := do(t, c.name, "--help")
		if code != 0 || !strings.Contains(out, c.name) {
			t.Errorf("%s --help: exit %d, output %q", c.name, code, out)
		}
	}
	if code, out, _ := do(t, "--help"); code != 0 || !strings.Contains(out, "compile") {
		t.Errorf("--help: exit %d, output %q", code, out)
	}
}

func TestVerbsNotBuiltSaySo(t *testing.T) {
	for _, c := range commands {
		if !c.later {
			continue
		}
		code, _, errs := do(t, c.name)
		if code == 0 || !strings.Contains(errs, "not built yet") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%s: exit %d, stderr %q", c.name, code, errs)
		}
	}
	if code, _, errs := do(t, "stich"); code != exitUsage || !strings.Contains(errs, `unknown command "stich"`) {
		t.Errorf("unknown verb: exit %d, stderr %q", code, errs)
	}
}

// TestDemoThenRun is the README's first command at a small size, then the verbs a user runs next.
func TestDemoThenRun(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := do(t, "demo", "--dir", dir, "--persons", "300", "--quiet")
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"rows read", "identifiers", "links", "profiles", "largest profile", "rounds", "seconds"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo summary lacks %q:\n%s", want, out)
		}
	}
	project := filepath.Join(dir, "idstitch.yaml")
	if code, out, errs := do(t, "validate", "-c", project); code != 0 || !strings.Contains(out, "is valid") {
		t.Fatalf("validate: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = do(t, "compile", "-c", project, "--rounds", "2")
	if code != 0 || !strings.Contains(out, "-- ===== stage publish") || !strings.HasSuffix(strings.TrimSpace(out), ";") {
		t.Fatalf("compile: exit %d\n%s", code, errs)
	}
	if code, _, errs := do(t, "compile", "-c", project, "--dialect", "oracle"); code != exitUsage || !strings.Contains(errs, `unknown warehouse type "oracle"`) {
		t.Fatalf("compile --dialect oracle: exit %d, %q", code, errs)
	}
	if code, out, errs := do(t, "run", "-c", project, "--quiet"); code != 0 || !strings.Contains(out, "run 2 (incremental) succeeded") {
		t.Fatalf("second run: exit %d\n%s%s", code, out, errs)
	}

	// Both runs are recorded.
	conn, err := duckdb.Open(context.Background(), filepath.Join(dir, "demo.duckdb"), true)
	if err != nil {
		t.Fatal(err)
	}
	var runs, profiles int
	if err := conn.DB().QueryRow("SELECT COUNT(*) FROM identity.runs WHERE status = 'success'").Scan(&runs); err != nil || runs != 2 {
		t.Fatalf("runs recorded: %d (%v)", runs, err)
	}
	if err := conn.DB().QueryRow("SELECT COUNT(*) FROM identity.profiles").Scan(&profiles); err != nil || profiles == 0 {
		t.Fatalf("profiles: %d (%v)", profiles, err)
	}
	conn.Close()

	// A source table that does not exist: one sentence naming the file, the key and the table.
	data, _ := os.ReadFile(project)
	broken := strings.Replace(string(data), "table: main.orders", "table: main.ordrs", 1)
	if err := os.WriteFile(project, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"validate", "run"} {
		code, _, errs = do(t, verb, "-c", project, "--quiet")
		want := "sources[1].table: table main.ordrs does not exist in the warehouse; create it or fix the name"
		if verb == "validate" {
			code, _, errs = do(t, verb, "-c", project)
		}
		// Besides the warning that the demo's ids are salted with the project name.
		if code != exitProject || !strings.Contains(errs, want) || strings.Count(strings.TrimSpace(withoutWarnings(errs)), "\n") != 0 {
			t.Fatalf("%s with a missing table: exit %d, stderr %q", verb, code, errs)
		}
	}
	// A missing column.
	broken = strings.Replace(string(data), "phone: phone\n  - name: crm", "phone: phone_number\n  - name: crm", 1)
	os.WriteFile(project, []byte(broken), 0o644)
	code, _, errs = do(t, "validate", "-c", project)
	if code != exitProject || !strings.Contains(errs, `sources[1].ids.phone: column "phone_number" does not exist in table main.orders`) {
		t.Fatalf("validate with a missing column: exit %d, stderr %q", code, errs)
	}
}

func TestInitWritesAValidFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "idstitch.yaml")
	if code, _, errs := do(t, "init", "-c", path); code != 0 {
		t.Fatalf("init: %s", errs)
	}
	if code, _, errs := do(t, "validate", "-c", path, "--offline"); code != 0 {
		t.Fatalf("the file init writes does not validate: %s", errs)
	}
	if code, _, errs := do(t, "init", "-c", path); code == 0 || !strings.Contains(errs, "already exists") {
		t.Fatalf("init over an existing file: exit %d, %q", code, errs)
	}
}

func TestMissingProjectFile(t *testing.T) {
	code, _, errs := do(t, "run", "-c", filepath.Join(t.TempDir(), "nope.yaml"))
	if code != exitProject || !strings.Contains(errs, "does not exist; run `idstitch init`") {
		t.Fatalf("exit %d, %q", code, errs)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1000: "-1,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %s, want %s", n, got, want)
		}
	}
}

// TestBenchSmall runs the benchmark at a toy size: every algorithm must agree on the number of
// profiles.
func TestBenchSmall(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := do(t, "bench", "--dir", dir, "--persons", "500", "--chain", "2000")
	if code != 0 {
		t.Fatalf("bench: exit %d\n%s\n%s", code, out, errs)
	}
	profiles := map[string]map[string]bool{}
	// The column is found by its header, so that the table may gain columns.
	col := -1
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(line, "|")
		if len(f) > 1 && strings.TrimSpace(f[1]) == "data" {
			for i, h := range f {
				if strings.TrimSpace(h) == "profiles" {
					col = i
				}
			}
			continue
		}
		if col < 0 || len(f) <= col || !strings.Contains(f[1], " ") || strings.Contains(f[1], "---") {
			continue
		}
		data := strings.TrimSpace(f[1])
		if profiles[data] == nil {
			profiles[data] = map[string]bool{}
		}
		profiles[data][strings.TrimSpace(f[col])] = true
	}
	if len(profiles) != 2 {
		t.Fatalf("expected two datasets in the table:\n%s", out)
	}
	for data, counts := range profiles {
		if len(counts) != 1 {
			t.Errorf("%s: algorithms disagree on the number of profiles: %v\n%s", data, counts, out)
		}
	}
	if !strings.Contains(out, "| chain 2,000 nodes | contraction |") || !strings.Contains(out, "| 1 |") {
		t.Errorf("chain row missing or not one profile:\n%s", out)
	}
}

// TestBenchQuality runs the quality benchmark at a toy size: every policy is measured at both
// seeds, and on the households' shared devices policy evidence merges fewer people than link and
// keeps more of each person's history than isolate.
func TestBenchQuality(t *testing.T) {
	code, out, errs := do(t, "bench", "--quality", "--dir", t.TempDir(), "--persons", "2000")
	if code != 0 {
		t.Fatalf("bench --quality: exit %d\n%s\n%s", code, out, errs)
	}
	precision, recall := map[string]float64{}, map[string]float64{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(line, "|")
		if len(f) > 6 && strings.TrimSpace(f[1]) == "2,000" && strings.TrimSpace(f[2]) == "1" {
			var p, r float64
			fmt.Sscan(strings.TrimSpace(f[4]), &p)
			fmt.Sscan(strings.TrimSpace(f[5]), &r)
			precision[strings.TrimSpace(f[3])], recall[strings.TrimSpace(f[3])] = p, r
		}
	}
	if len(precision) != 3 || !strings.Contains(out, "| 2,000 | 2 | evidence |") {
		t.Fatalf("want link, isolate and evidence at seeds 1 and 2:\n%s", out)
	}
	if precision["evidence"] <= precision["link"] || recall["evidence"] <= recall["isolate"] {
		t.Fatalf("precision %v, recall %v: want evidence above link in precision and above isolate in recall\n%s", precision, recall, out)
	}
}

// TestRunMatchesUnionFind is the acceptance check of `idstitch run -c FILE`: on the demo's tables
// with raw values and no guards, id_graph holds exactly the partition of an in-memory union-find
// over the same rows.
func TestRunMatchesUnionFind(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "demo.duckdb")
	ctx := context.Background()
	conn, err := duckdb.Open(ctx, db, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demogen.Generate(ctx, conn, demogen.Options{Persons: 3000, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	project := filepath.Join(dir, "idstitch.yaml")
	if err := os.WriteFile(project, []byte(demogen.Project(demogen.ProjectOptions{Name: "raw", Warehouse: "duckdb", Path: "demo.duckdb"})), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := do(t, "run", "-c", project, "--quiet"); code != 0 {
		t.Fatalf("run: exit %d\n%s%s", code, out, errs)
	}
	p, err := config.Load(project)
	if err != nil {
		t.Fatal(err)
	}
	conn, err = duckdb.Open(ctx, db, true)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	uf, err := unionfind.FromSources(ctx, conn, p)
	if err != nil {
		t.Fatal(err)
	}
	groups := uf.Groups()
	rows, err := conn.DB().Query("SELECT id_type, id_value, universal_id FROM identity.id_graph")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	uidOf := map[unionfind.ID]string{} // union-find group → universal id
	groupOf := map[string]unionfind.ID{}
	n := 0
	for rows.Next() {
		var id unionfind.ID
		var uid string
		if err := rows.Scan(&id.Type, &id.Value, &uid); err != nil {
			t.Fatal(err)
		}
		n++
		g, ok := groups[id]
		if !ok {
			t.Fatalf("id_graph holds %v, which no row holds", id)
		}
		if prev, ok := uidOf[g]; ok && prev != uid {
			t.Fatalf("%v: linked identifiers have universal ids %s and %s", id, prev, uid)
		}
		if prev, ok := groupOf[uid]; ok && prev != g {
			t.Fatalf("universal id %s covers two union-find groups (%v and %v)", uid, prev, g)
		}
		uidOf[g], groupOf[uid] = uid, g
	}
	if n != len(groups) {
		t.Fatalf("id_graph has %d identifiers, the rows %d", n, len(groups))
	}
	if len(uidOf) != uf.Count() {
		t.Fatalf("%d profiles, union-find %d groups", len(uidOf), uf.Count())
	}
}

func TestBrokenNormalizerExpression(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	conn, err := duckdb.Open(ctx, filepath.Join(dir, "demo.duckdb"), false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demogen.Generate(ctx, conn, demogen.Options{Persons: 50, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	text := strings.Replace(demogen.Project(demogen.ProjectOptions{Name: "demo", Warehouse: "duckdb", Path: "demo.duckdb", Guards: true}), "normalize: [trim, lower]", `normalize: [{expr: "lowr(value)"}]`, 1)
	project := filepath.Join(dir, "idstitch.yaml")
	os.WriteFile(project, []byte(text), 0o644)
	code, _, errs := do(t, "validate", "-c", project)
	if code != exitProject || !strings.Contains(errs, "sources[0]: the SQL built from the normalize entries of its id types does not run on main.events") || !strings.Contains(errs, "lowr") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}

// TestServeStopsCleanly starts `idstitch serve` as a real process, starts a run through the API
// and sends SIGTERM while it runs: with a long grace period the run finishes and is recorded as a
// success; with a short one it is cancelled, recorded as failed, and the tables published before
// stay as they were. Either way the process exits 0.
func TestServeStopsCleanly(t *testing.T) {
	dir := t.TempDir()
	if code, out, errs := do(t, "demo", "--dir", dir, "--persons", "30000", "--quiet"); code != 0 {
		t.Fatalf("demo: %s%s", out, errs)
	}
	project := filepath.Join(dir, "idstitch.yaml")
	for _, c := range []struct {
		grace, status string
	}{{"60s", "success"}, {"1ms", "failed"}} {
		t.Run("grace "+c.grace, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()
			exe, _ := os.Executable()
			cmd := exec.Command(exe, "serve", "-c", project, "--addr", addr, "--no-schedule", "--grace", c.grace)
			cmd.Env = append(os.Environ(), childEnv+"=1")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			base := "http://" + addr
			var resp *http.Response
			for i := 0; i < 100; i++ {
				if resp, err = http.Post(base+"/v1/runs", "", nil); err == nil {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if err != nil || resp.StatusCode != http.StatusAccepted {
				cmd.Process.Kill()
				t.Fatalf("POST /v1/runs: %v %v\n%s", resp, err, stderr.String())
			}
			// Wait until the run is recorded as running, then stop the server.
			for i := 0; ; i++ {
				resp, err := http.Get(base + "/v1/runs")
				if err == nil {
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if strings.Contains(string(body), `"status":"running"`) {
						break
					}
				}
				if i > 400 {
					cmd.Process.Kill()
					t.Fatalf("the run never showed as running\n%s", stderr.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Wait(); err != nil {
				t.Fatalf("serve exited with %v after SIGTERM\n%s", err, stderr.String())
			}
			conn, err := duckdb.Open(context.Background(), filepath.Join(dir, "demo.duckdb"), true)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			var status string
			var profiles int
			if err := conn.DB().QueryRow("SELECT status FROM identity.runs ORDER BY run_id DESC LIMIT 1").Scan(&status); err != nil {
				t.Fatal(err)
			}
			if status != c.status {
				t.Fatalf("the run stopped by SIGTERM is recorded as %q, want %q\n%s", status, c.status, stderr.String())
			}
			if err := conn.DB().QueryRow("SELECT COUNT(*) FROM identity.profiles").Scan(&profiles); err != nil || profiles == 0 {
				t.Fatalf("published profiles after the stop: %d, %v", profiles, err)
			}
		})
	}
}

func TestLookupAndProfileCommands(t *testing.T) {
	dir := t.TempDir()
	if code, out, errs := do(t, "demo", "--dir", dir, "--persons", "200", "--quiet"); code != 0 {
		t.Fatalf("demo: %s%s", out, errs)
	}
	project := filepath.Join(dir, "idstitch.yaml")
	code, out, errs := do(t, "lookup", "-c", project, "user_id=u00000002")
	if code != 0 {
		t.Fatalf("lookup: %d %s", code, errs)
	}
	var res struct {
		UniversalID string `json:"universal_id"`
		Identifiers []struct{ Type, Value string }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.UniversalID == "" || len(res.Identifiers) < 2 {
		t.Fatalf("lookup output: %v\n%s", err, out)
	}
	code, out, errs = do(t, "profile", "-c", project, res.UniversalID)
	if code != 0 || !strings.Contains(out, `"universal_id": "`+res.UniversalID+`"`) || !strings.Contains(out, `"user_id_count": 1`) {
		t.Fatalf("profile: %d %s\n%s", code, errs, out)
	}
	// One identifier at a time: the total, and a cursor that gives the next one.
	var page struct {
		Identifiers []struct{ Type, Value string }
		Total       int     `json:"identifiers_total"`
		Next        *string `json:"next"`
	}
	code, out, errs = do(t, "lookup", "-c", project, "--limit", "1", "user_id=u00000002")
	if err := json.Unmarshal([]byte(out), &page); code != 0 || err != nil || len(page.Identifiers) != 1 || page.Total != len(res.Identifiers) || page.Next == nil {
		t.Fatalf("lookup --limit 1: %d %s\n%s", code, errs, out)
	}
	code, out, errs = do(t, "profile", "-c", project, "--limit", "1", "--after", *page.Next, res.UniversalID)
	page.Identifiers = nil
	if err := json.Unmarshal([]byte(out), &page); code != 0 || err != nil || len(page.Identifiers) != 1 || page.Identifiers[0] != res.Identifiers[1] {
		t.Fatalf("profile --limit 1 --after the cursor: %d %s\n%s; want %v", code, errs, out, res.Identifiers[1])
	}
	for _, args := range [][]string{{"--limit", "0"}, {"--limit", "100000"}, {"--after", "!!"}} {
		if code, _, errs := do(t, append(append([]string{"lookup", "-c", project}, args...), "user_id=u00000002")...); code != exitUsage || !strings.Contains(errs, args[0]) {
			t.Errorf("lookup %v: %d %q; want a usage error naming %s", args, code, errs, args[0])
		}
	}
	if code, _, errs := do(t, "lookup", "-c", project, "user_id=nobody"); code != exitError || !strings.Contains(errs, `user_id "nobody" is not in any profile`) {
		t.Fatalf("lookup of an unknown id: %d %q", code, errs)
	}
	if code, _, errs := do(t, "lookup", "-c", project, "nobody"); code != exitUsage || !strings.Contains(errs, "TYPE=VALUE") {
		t.Fatalf("lookup without TYPE=: %d %q", code, errs)
	}
}

// TestLookupLoadTest runs the lookup load test against a server at a toy size.
func TestLookupLoadTest(t *testing.T) {
	dir := t.TempDir()
	if code, out, errs := do(t, "demo", "--dir", dir, "--persons", "300", "--quiet"); code != 0 {
		t.Fatalf("demo: %s%s", out, errs)
	}
	p, err := config.Load(filepath.Join(dir, "idstitch.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(server.Options{Project: p, Addr: "127.0.0.1:0", NoSchedule: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	defer func() { cancel(); <-done }()
	if err := s.RunNow(); err != nil {
		t.Fatal(err)
	}
	code, out, errs := do(t, "bench", "-c", filepath.Join(dir, "idstitch.yaml"), "--lookup", "http://"+s.Addr(), "--clients", "4", "--duration", "500ms")
	if code != 0 || !strings.Contains(out, "requests/s") || !strings.Contains(out, "; 0 not 200") {
		t.Fatalf("bench --lookup: %d\n%s%s", code, out, errs)
	}
}

// TestExplain checks the chain `explain` prints against id_edges: it starts and ends at the two
// identifiers, each link follows the last, and each is a published link of the profile.
func TestExplain(t *testing.T) {
	dir := t.TempDir()
	if code, out, errs := do(t, "demo", "--dir", dir, "--persons", "500", "--quiet"); code != 0 {
		t.Fatalf("demo: %s%s", out, errs)
	}
	conn, err := duckdb.Open(context.Background(), filepath.Join(dir, "demo.duckdb"), true)
	if err != nil {
		t.Fatal(err)
	}
	edges := map[string]bool{}
	rows, err := conn.DB().Query("SELECT id_type_a || ':' || id_value_a, id_type_b || ':' || id_value_b FROM identity.id_edges")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a, b string
		rows.Scan(&a, &b)
		edges[a+" "+b], edges[b+" "+a] = true, true
	}
	rows.Close()
	// Two identifiers of one large profile that are not linked directly, and one of another profile.
	var uid, other string
	conn.DB().QueryRow("SELECT universal_id FROM identity.profiles ORDER BY identifiers DESC, universal_id LIMIT 1").Scan(&uid)
	conn.DB().QueryRow("SELECT universal_id FROM identity.profiles WHERE universal_id <> ? AND identifiers > 1 ORDER BY universal_id LIMIT 1", uid).Scan(&other)
	var ids []string
	rows, _ = conn.DB().Query("SELECT id_type || '=' || id_value FROM identity.id_graph WHERE universal_id = ? ORDER BY id_type, id_value", uid)
	for rows.Next() {
		var s string
		rows.Scan(&s)
		ids = append(ids, s)
	}
	rows.Close()
	var foreign string
	conn.DB().QueryRow("SELECT id_type || '=' || id_value FROM identity.id_graph WHERE universal_id = ? LIMIT 1", other).Scan(&foreign)
	conn.Close()
	key := func(s string) string { return strings.Replace(s, "=", ":", 1) }
	var a, b string
	for _, x := range ids {
		for _, y := range ids {
			if x != y && !edges[key(x)+" "+key(y)] {
				a, b = x, y
			}
		}
	}
	if a == "" {
		t.Fatalf("profile %s (%d identifiers) has no pair without a direct link", uid, len(ids))
	}
	code, out, errs := do(t, "explain", "-c", filepath.Join(dir, "idstitch.yaml"), a, b)
	if code != 0 {
		t.Fatalf("explain: %d %s", code, errs)
	}
	var ex struct {
		Linked bool
		Chain  []struct{ From, To string }
	}
	if err := json.Unmarshal([]byte(out), &ex); err != nil || !ex.Linked || len(ex.Chain) < 2 {
		t.Fatalf("explain %s %s: %v\n%s", a, b, err, out)
	}
	if ex.Chain[0].From != key(a) || ex.Chain[len(ex.Chain)-1].To != key(b) {
		t.Fatalf("chain does not run from %s to %s:\n%s", a, b, out)
	}
	for i, l := range ex.Chain {
		if !edges[l.From+" "+l.To] || (i > 0 && ex.Chain[i-1].To != l.From) {
			t.Fatalf("link %d (%s - %s) is not a published link following the last:\n%s", i, l.From, l.To, out)
		}
	}
	code, out, _ = do(t, "explain", "-c", filepath.Join(dir, "idstitch.yaml"), a, foreign)
	if code != 0 || !strings.Contains(out, "different profiles") {
		t.Fatalf("explain across profiles: %d\n%s", code, out)
	}
}

// TestValidateWarns: a valid project with a setting that is probably not meant validates, and
// validate says what is odd about it on stderr.
func TestValidateWarns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "idstitch.yaml")
	if code, _, errs := do(t, "init", "-c", path); code != 0 {
		t.Fatalf("init: %s", errs)
	}
	data, _ := os.ReadFile(path)
	if err := os.WriteFile(path, append(data, "schedule:\n  cron: \"@every 20s\"\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := do(t, "validate", "-c", path, "--offline")
	if code != 0 || !strings.Contains(out, "is valid") {
		t.Fatalf("validate: exit %d, %s%s", code, out, errs)
	}
	if want := `idstitch: warning: idstitch.yaml:`; !strings.Contains(errs, want) || !strings.Contains(errs, `schedule.cron: "@every 20s" starts a run every 20s`) {
		t.Fatalf("validate of @every 20s: stderr %q; want a warning naming the file and schedule.cron", errs)
	}
}
