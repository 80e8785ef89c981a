package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/unionfind"
	"github.com/idstitch/idstitch/engine/warehouse"
	"github.com/idstitch/idstitch/internal/demogen"
)

// A benchmark runs every measurement in a child process of its own, so that wall time and peak
// memory (the child's maximum resident set, DuckDB included) belong to that measurement alone.

type measurement struct {
	Dataset    string
	Algorithm  string
	Seconds    float64
	PeakMiB    float64
	Rounds     int
	Components int64
	// DiskMiB is the size of the DuckDB file after the run: sources, outputs and state.
	DiskMiB float64
	Stages  string
	Note    string
}

func runBench(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench", "[--persons 100000,1000000] [--chain 1000000] [--dir bench-data]",
		"Generates the benchmark data, then times full runs by randomised contraction, by label propagation\n"+
			"(baseline) and by an in-memory union-find in Go on the same data, each in its own process.")
	persons := fs.String("persons", "100000", "comma-separated demo sizes in persons (0 for none)")
	chain := fs.Int("chain", 1000000, "length of the chain graph (0 for none)")
	dir := fs.String("dir", "bench-data", "directory for the generated DuckDB files")
	algorithms := fs.String("algorithms", "contraction,unionfind,labelprop", "what to measure")
	lpTimeout := fs.Duration("labelprop-timeout", 10*time.Minute, "stop a label-propagation run after this long")
	out := fs.String("out", "", "also append the results as a Markdown table to this file")
	qualityFlag := fs.Bool("quality", false, "measure stitching quality instead: the demo's noisy households at two seeds, stitched with the\nrecommended guards under each anonymous policy (link, isolate, evidence), against the generator's person of every identifier")
	lookupURL := fs.String("lookup", "", "load-test a running server instead: its base URL, e.g. http://127.0.0.1:8080 (with -c for the identifiers to ask for)")
	project := configFlag(fs)
	clients := fs.Int("clients", 16, "with --lookup: concurrent clients")
	duration := fs.Duration("duration", 20*time.Second, "with --lookup: how long to send requests")
	tokenEnv := fs.String("token-env", "IDSTITCH_TOKEN", "with --lookup: environment variable holding the API's bearer token")
	identifyPct := fs.Float64("identify", 0, "with --lookup: the percentage of requests that are identify calls (a new anonymous id with a known identifier,\nor with a new email), the rest lookups")
	ackedFile := fs.String("acked", "", "with --lookup --identify: append the event id of every identify call answered 200 to this file")
	verify := fs.String("verify-acked", "", "check that the landing table of the project (-c) holds every event id of this file once (after --acked and a run)")
	incremental := fs.Float64("incremental", 0, "measure incremental runs instead: a full run with the recommended guards, then this percentage\nof new rows and an incremental run, checked against a full rebuild")
	estimate := fs.Bool("estimate", false, "estimate BigQuery's on-demand bytes billed instead: run the demo on DuckDB in full, then after --incremental\npercent new rows (default 1) incrementally, and price every statement of the BigQuery plans of both runs\nfrom the sizes of the tables the DuckDB runs made (an estimate; BigQuery's dry run is the measure)")
	memoryLimit := fs.String("memory-limit", "", "warehouse.memory_limit of the generated demo projects, e.g. 14GB (default DuckDB's, 80% of the RAM)")
	threads := fs.Int("threads", 0, "warehouse.threads of the generated demo projects (default every core)")
	unionfindOnly := fs.String("unionfind-only", "", "internal: measure the union-find on this project file and print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	res := demogen.ProjectOptions{MemoryLimit: *memoryLimit, Threads: *threads}
	if *unionfindOnly != "" {
		return unionfindChild(ctx, e, *unionfindOnly)
	}
	if *lookupURL != "" {
		return loadTest(ctx, e, loadOptions{base: *lookupURL, project: *project, clients: *clients, duration: *duration, tokenEnv: *tokenEnv, identify: *identifyPct, acked: *ackedFile})
	}
	if *verify != "" {
		return verifyAcked(ctx, e, *project, *verify)
	}
	var sizes []int
	for _, s := range strings.Split(*persons, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 0 {
			return usageError{msg: fmt.Sprintf("bench --persons: %q is not a number of persons", s)}
		}
		if n > 0 {
			sizes = append(sizes, n)
		}
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	if *estimate {
		fraction := *incremental
		if fraction == 0 {
			fraction = 1
		}
		return runEstimate(ctx, e, *dir, sizes, fraction/100, *out)
	}
	if *incremental > 0 {
		return runIncrementalBench(ctx, e, *dir, sizes, *incremental/100, res, *out)
	}
	if *qualityFlag {
		qs, err := runQuality(ctx, e, *dir, sizes)
		if err != nil {
			return err
		}
		return printTable(e, *out, qualityMarkdown(qs))
	}
	var results []measurement
	run := func(name, project string) error {
		for _, algo := range strings.Split(*algorithms, ",") {
			m, err := measure(ctx, project, strings.TrimSpace(algo), *lpTimeout)
			if err != nil {
				return fmt.Errorf("bench %s, %s: %w", name, algo, err)
			}
			m.Dataset = name
			results = append(results, m)
			fmt.Fprintf(e.stdout, "%-22s %-12s %9.2f s  %8.0f MiB  rounds %-4d profiles %s %s\n", name, m.Algorithm, m.Seconds, m.PeakMiB, m.Rounds, thousands(m.Components), m.Note)
		}
		return nil
	}
	if *chain > 0 {
		project, err := chainData(ctx, *dir, *chain)
		if err != nil {
			return err
		}
		if err := run(fmt.Sprintf("chain %s nodes", thousands(int64(*chain))), project); err != nil {
			return err
		}
	}
	for _, n := range sizes {
		project, err := demoData(ctx, e, *dir, n, res)
		if err != nil {
			return err
		}
		if err := run(fmt.Sprintf("demo %s persons", thousands(int64(n))), project); err != nil {
			return err
		}
	}
	return printTable(e, *out, markdown(results))
}

// report prints a result table and appends it to the file named by --out, if any.
func printTable(e *env, out, table string) error {
	fmt.Fprint(e.stdout, "\n"+table)
	if out == "" {
		return nil
	}
	f, err := os.OpenFile(out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.WriteString(f, table)
	return err
}

func markdown(ms []measurement) string {
	var b strings.Builder
	b.WriteString("| data | algorithm | wall s | peak MiB | disk MiB | rounds | profiles | seconds per stage / note |\n|---|---|---:|---:|---:|---:|---:|---|\n")
	for _, m := range ms {
		detail := m.Stages
		if m.Note != "" {
			detail = strings.TrimSpace(detail + " " + m.Note)
		}
		fmt.Fprintf(&b, "| %s | %s | %.2f | %.0f | %.0f | %d | %s | %s |\n", m.Dataset, m.Algorithm, m.Seconds, m.PeakMiB, m.DiskMiB, m.Rounds, thousands(m.Components), detail)
	}
	return b.String()
}

// measure runs one algorithm on one project in a child process.
func measure(ctx context.Context, project, algorithm string, lpTimeout time.Duration) (measurement, error) {
	m := measurement{Algorithm: algorithm}
	var args []string
	switch algorithm {
	case "contraction", "labelprop":
		args = []string{"run", "-c", project, "--quiet", "--full", "--algorithm", algorithm}
	case "unionfind":
		args = []string{"bench", "--unionfind-only", project}
	default:
		return m, usageError{msg: fmt.Sprintf("bench --algorithms: %q is not one of contraction, unionfind, labelprop", algorithm)}
	}
	cctx := ctx
	if algorithm == "labelprop" {
		var cancel context.CancelFunc
		cctx, cancel = context.WithTimeout(ctx, lpTimeout)
		defer cancel()
	}
	stdout, err := child(cctx, &m, args...)
	if err != nil {
		if errors.Is(cctx.Err(), context.DeadlineExceeded) {
			// The interrupted run is recorded as failed, with the rounds it had done.
			if err := lastRun(project, &m); err != nil {
				return m, err
			}
			m.Stages = ""
			m.Components = 0
			m.Note = fmt.Sprintf("stopped after %s without finishing (%d rounds done)", lpTimeout, m.Rounds)
			return m, nil
		}
		return m, err
	}
	if algorithm == "unionfind" {
		var r struct {
			Groups  int64
			Seconds float64
		}
		if err := json.Unmarshal(stdout, &r); err != nil {
			return m, fmt.Errorf("union-find child printed %q: %w", stdout, err)
		}
		m.Components = r.Groups
		m.Stages = fmt.Sprintf("reading the rows and linking them in Go: %.2f s", r.Seconds)
		return m, nil
	}
	if err := lastRun(project, &m); err != nil {
		return m, err
	}
	m.DiskMiB = fileMiB(project)
	return m, nil
}

// fileMiB is the size of a DuckDB project's database file, 0 when it cannot be read.
func fileMiB(project string) float64 {
	p, err := config.Load(project)
	if err != nil {
		return 0
	}
	path, ok := duckdb.PathOf(p.Warehouse.Settings)
	if !ok {
		return 0
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return float64(fi.Size()) / (1 << 20)
}

// lastRun reads the measured run's record from the runs table.
func lastRun(project string, m *measurement) error {
	p, err := config.Load(project)
	if err != nil {
		return err
	}
	path, ok := duckdb.PathOf(p.Warehouse.Settings)
	if !ok {
		return fmt.Errorf("%s: the benchmark reads its runs from a DuckDB file, but warehouse.type is %s", project, p.Warehouse.Type)
	}
	conn, err := duckdb.Open(context.Background(), path, true)
	if err != nil {
		return err
	}
	defer conn.Close()
	var components sql.NullInt64
	err = conn.DB().QueryRow(fmt.Sprintf("SELECT rounds, components, stage_seconds FROM %q.runs ORDER BY run_id DESC LIMIT 1", p.Output.Schema)).Scan(&m.Rounds, &components, &m.Stages)
	m.Components = components.Int64
	return err
}

// childEnv marks a child process of bench, for tests that run the CLI from the test binary.
const childEnv = "IDSTITCH_BENCH_CHILD"

func unionfindChild(ctx context.Context, e *env, project string) error {
	p, err := config.Load(project)
	if err != nil {
		return err
	}
	conn, err := warehouse.Open(ctx, p)
	if err != nil {
		return err
	}
	defer conn.Close()
	began := time.Now()
	uf, err := unionfind.FromSources(ctx, conn, p)
	if err != nil {
		return err
	}
	return json.NewEncoder(e.stdout).Encode(map[string]any{"Groups": uf.Count(), "Seconds": time.Since(began).Seconds()})
}

// freshDuckDB creates dir/sub and an empty DuckDB file name in it, replacing an older one.
func freshDuckDB(ctx context.Context, dir, sub, name string) (*duckdb.Conn, string, error) {
	folder := filepath.Join(dir, sub)
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return nil, "", err
	}
	db := filepath.Join(folder, name)
	for _, f := range []string{db, db + ".wal"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, "", err
		}
	}
	conn, err := duckdb.Open(ctx, db, false)
	return conn, db, err
}

func chainData(ctx context.Context, dir string, n int) (string, error) {
	conn, db, err := freshDuckDB(ctx, dir, fmt.Sprintf("chain-%d", n), "chain.duckdb")
	if err != nil {
		return "", err
	}
	defer conn.Close()
	sub := filepath.Dir(db)
	// Row i links node i to node i+1: a path whose diameter is the whole graph.
	if err := conn.Exec(ctx, fmt.Sprintf("CREATE TABLE chain AS SELECT TIMESTAMP '2025-01-01' + to_seconds(i) AS ts, 'n' || i AS a, 'n' || (i + 1) AS b FROM range(%d) t(i)", n-1)); err != nil {
		return "", err
	}
	project := filepath.Join(sub, config.DefaultFile)
	text := "project: chain\nwarehouse:\n  type: duckdb\n  path: chain.duckdb\nid_types:\n  - name: node\nsources:\n  - name: chain\n    table: main.chain\n    timestamp: ts\n    ids:\n      node: [a, b]\n"
	return project, os.WriteFile(project, []byte(text), 0o644)
}

func demoData(ctx context.Context, e *env, dir string, persons int, res demogen.ProjectOptions) (string, error) {
	conn, db, err := freshDuckDB(ctx, dir, fmt.Sprintf("demo-%d", persons), "demo.duckdb")
	if err != nil {
		return "", err
	}
	sub := filepath.Dir(db)
	began := time.Now()
	st, err := demogen.Generate(ctx, conn, demogen.Options{Persons: persons, Seed: 1})
	conn.Close()
	if err != nil {
		return "", err
	}
	// The runs measured next are children; what generating took (a gigabyte per million
	// persons) goes back to the system now, not when the scavenger gets to it.
	debug.FreeOSMemory()
	fmt.Fprintf(e.stdout, "generated %s persons: %s rows in %.1f s\n", thousands(int64(persons)), thousands(st.Events+st.Orders+st.Contacts), time.Since(began).Seconds())
	project := filepath.Join(sub, config.DefaultFile)
	return project, os.WriteFile(project, []byte(demogen.Project(demogen.ProjectOptions{Name: "demo", Warehouse: "duckdb", Path: "demo.duckdb", MemoryLimit: res.MemoryLimit, Threads: res.Threads})), 0o644)
}

// child runs this program with args in a child process, measuring its wall time and peak memory
// into m, and returns what it printed. A cancelled ctx interrupts it rather than killing it, so
// that a stopped run is recorded as failed and cleans up.
func child(ctx context.Context, m *measurement, args ...string) ([]byte, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	began := time.Now()
	err = cmd.Run()
	m.Seconds = time.Since(began).Seconds()
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			m.PeakMiB = float64(ru.Maxrss) / 1024
		}
	}
	if err != nil {
		return stdout.Bytes(), fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}
