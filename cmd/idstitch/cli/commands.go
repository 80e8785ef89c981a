package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/connectors/postgres"
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/check"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/lease"
	"github.com/idstitch/idstitch/engine/lineage"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/report"
	"github.com/idstitch/idstitch/engine/runner"
	"github.com/idstitch/idstitch/engine/warehouse"
	"github.com/idstitch/idstitch/internal/demogen"
)

func runInit(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "init", "[-c idstitch.yaml] [--force]", "Writes a commented project file to start from.")
	path := configFlag(fs)
	force := fs.Bool("force", false, "overwrite an existing file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if _, err := os.Stat(*path); err == nil && !*force {
		return fmt.Errorf("%s already exists; edit it, or pass --force to overwrite it", *path)
	}
	if err := os.WriteFile(*path, []byte(starterProject), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", *path, err)
	}
	fmt.Fprintf(e.stdout, "wrote %s; map your tables under sources, then run `idstitch validate`\n", *path)
	return nil
}

var starterProject = `# idstitch project file. Keys: see docs/project-file.md.
project: acme
warehouse:
  type: duckdb            # duckdb or postgres (with dsn_env: NAME of the variable holding the connection string)
  path: acme.duckdb       # the DuckDB file, relative to this file
output:
  schema: identity        # every output table goes here
policy:
  anonymous: link         # link: pre-login history joins the known profile; evidence: only on its own rows and time; isolate: shared devices stay apart
  block:                  # values that are never identifiers, of any type (case-insensitive)
` + blockList() + `id_types:                 # order = priority: the first is the most trusted
  - name: user_id
    limit: 1              # at most one per profile
  - name: email
    normalize: [trim, lower]
    pattern: '^[^@\s]+@[^@\s]+$'
    # max_degree: 50      # quarantine an email seen with more distinct identifiers
  - name: phone
    # normalize: [e164]
    # country_code: "1"
  - name: device_id
  - name: anonymous_id
    anonymous: true
sources:
  - name: events
    table: main.events    # schema.table in the warehouse
    timestamp: ts         # event time column (optional)
    # filter: "event_type <> 'test'"   # optional SQL condition
    ids:                  # id type: column, SQL expression, or a list of columns
      anonymous_id: anonymous_id
      user_id: user_id
      email: email
`

func blockList() string {
	var b strings.Builder
	for _, v := range config.DefaultBlock {
		fmt.Fprintf(&b, "    - %q\n", v)
	}
	return b.String()
}

// printSaltWarning warns, once, that the ids of a project without output.id_salt_env can be
// tested against guesses.
func printSaltWarning(e *env, p *config.Project) {
	if w := p.SaltWarning(); w != "" {
		fmt.Fprintf(e.stderr, "idstitch: warning: %s\n", w)
	}
}

func loadProject(path string) (*config.Project, error) {
	p, err := config.Load(path)
	if err != nil {
		return nil, projectError{err}
	}
	return p, nil
}

func runValidate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "validate", "[-c idstitch.yaml] [--offline]", "Checks the project file, then that every source table and column exists in the warehouse.")
	path := configFlag(fs)
	offline := fs.Bool("offline", false, "check the file only, without connecting to the warehouse")
	if err := parse(fs, args); err != nil {
		return err
	}
	p, err := loadProject(*path)
	if err != nil {
		return err
	}
	for _, w := range p.Warnings {
		fmt.Fprintf(e.stderr, "idstitch: warning: %s\n", w)
	}
	printSaltWarning(e, p)
	// The checks run statements without publishing them: a salt kept in the environment is
	// neither needed nor sent.
	p.SaltPlaceholder()
	if !*offline {
		conn, err := warehouse.OpenReadOnly(ctx, p)
		if err != nil {
			return err
		}
		defer conn.Close()
		pl, err := plan.New(p, conn.Dialect(), "")
		if err != nil {
			return err
		}
		if err := check.Sources(ctx, conn, pl); err != nil {
			return asProject(err)
		}
		if _, err := check.Ownership(ctx, conn, pl); err != nil {
			return asProject(err)
		}
		left, err := check.Unscoped(ctx, conn, pl)
		if err != nil {
			return err
		}
		for _, w := range left {
			fmt.Fprintf(e.stderr, "idstitch: warning: %s\n", w)
		}
	}
	fmt.Fprintf(e.stdout, "%s is valid: %d id types, %d sources\n", p.File, len(p.IDTypes), len(p.Sources))
	return nil
}

func runCompile(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "compile", "[-c idstitch.yaml] [--dialect D] [--rounds N] [--incremental [--watermark TIME]] [--count [--stage-rounds STAGE=N,…]]",
		"Prints the SQL of a full run (or, with --incremental, of an incremental one) as a script the warehouse can run as it is;\n"+
			"with --count, how many statements such a run sends instead.")
	path := configFlag(fs)
	dialect := fs.String("dialect", "", "warehouse to compile for ("+strings.Join(dialects.Names(), ", ")+"); default the project's")
	rounds := fs.Int("rounds", plan.DefaultScriptRounds, "contraction rounds to unroll in the script")
	algorithm := fs.String("algorithm", "contraction", "components algorithm: contraction, or labelprop (benchmark baseline)")
	dryRun := fs.Bool("dry-run", false, "BigQuery: ask the project's warehouse what each statement would scan, without running it")
	incremental := fs.Bool("incremental", false, "print the plan of an incremental run, as if the last run had left the state the project file describes")
	watermark := fs.String("watermark", "", "with --incremental: the latest timestamp of every source's stored rows (RFC 3339, e.g. 2026-11-01T00:00:00Z); default the start of today, UTC")
	count := fs.Bool("count", false, "print how many statements the run sends (each a round trip on Snowflake, a job on BigQuery): before the loop,\nper round, at its end and after it, bookkeeping apart, with each loop taking --rounds rounds; no SQL")
	other := fs.String("stage-rounds", "", "with --count: the rounds of a stage's loop where they differ from --rounds, e.g. limit_user_id=4")
	if err := parse(fs, args); err != nil {
		return err
	}
	perStage, err := stageRounds(*other)
	if err != nil {
		return err
	}
	if *other != "" && !*count {
		return usageError{msg: "compile --stage-rounds needs --count"}
	}
	p, err := loadProject(*path)
	if err != nil {
		return err
	}
	// A salt kept in the environment is a secret: the script names the variable instead.
	if p.SaltPlaceholder() {
		fmt.Fprintf(e.stdout, "-- output.id_salt_env: the id salt is written as '${%s}'; put the value of %s in its place before running this script\n", p.Output.IDSaltEnv, p.Output.IDSaltEnv)
	}
	if *dryRun {
		return dryRunPlan(ctx, e, p, *rounds)
	}
	d := p.Warehouse.Dialect()
	if *dialect != "" {
		if d, err = dialects.Lookup(*dialect); err != nil {
			return usageError{msg: "compile --dialect: " + err.Error()}
		}
	}
	if *rounds < 1 {
		return usageError{msg: "compile --rounds must be at least 1"}
	}
	// The file was checked for its own warehouse; what depends on the dialect (the lexical rules
	// of expressions, the length of names) is checked again for the one asked for.
	if err := p.CheckFor(d); err != nil {
		return err
	}
	pl, err := plan.New(p, d, plan.Algorithm(*algorithm))
	if err != nil {
		return usageError{msg: "compile --algorithm: " + err.Error()}
	}
	var pn *plan.Plan
	if *incremental {
		prior, err := compilePrior(p, *watermark)
		if err != nil {
			return err
		}
		pn, err = pl.PlanIncremental(0, prior)
		if err != nil {
			return err
		}
	} else if *watermark != "" {
		return usageError{msg: "compile --watermark needs --incremental"}
	} else if pn, err = pl.Plan(0); err != nil {
		return err
	}
	if *count {
		return printSends(e.stdout, pl, pn, *rounds, perStage)
	}
	_, err = io.WriteString(e.stdout, pn.Script(*rounds))
	return err
}

// compilePrior is the state an incremental plan is compiled against: every source with a
// timestamp has stored rows up to the watermark, and the guard rules are those of the file.
func compilePrior(p *config.Project, watermark string) (plan.Prior, error) {
	wm := time.Now().UTC().Truncate(24 * time.Hour)
	if watermark != "" {
		t, err := time.Parse(time.RFC3339Nano, watermark)
		if err != nil {
			return plan.Prior{}, usageError{msg: fmt.Sprintf("compile --watermark %q is not an RFC 3339 time; write it like 2026-11-01T00:00:00Z", watermark)}
		}
		wm = t
	}
	prior := plan.Prior{Watermarks: map[string]time.Time{}}
	for _, s := range p.Sources {
		if s.Timestamp != "" {
			prior.Watermarks[s.Name] = wm
		}
	}
	return prior, nil
}

// dryRunner is a warehouse that can price a statement without running it (BigQuery).
type dryRunner interface {
	DryRun(ctx context.Context, query string) (int64, error)
}

// dryRunPlan prints the plan with, before each statement, the bytes the warehouse says it would
// scan. Statements that read tables the run itself creates cannot be priced before those exist;
// they say so.
func dryRunPlan(ctx context.Context, e *env, p *config.Project, rounds int) error {
	conn, err := warehouse.Open(ctx, p)
	if err != nil {
		return err
	}
	defer conn.Close()
	dr, ok := conn.(dryRunner)
	if !ok {
		return usageError{msg: fmt.Sprintf("compile --dry-run: %s cannot price statements without running them; dry runs are a BigQuery feature", p.Warehouse.Type)}
	}
	pl, err := plan.New(p, conn.Dialect(), "")
	if err != nil {
		return err
	}
	pn, err := pl.Plan(0)
	if err != nil {
		return err
	}
	var total int64
	for _, stmt := range pn.Statements(rounds) {
		if n, err := dr.DryRun(ctx, stmt); err != nil {
			first, _, _ := strings.Cut(err.Error(), "\n")
			fmt.Fprintf(e.stdout, "-- cannot price before the run creates its inputs: %s\n", first)
		} else {
			total += n
			fmt.Fprintf(e.stdout, "-- would scan %s bytes\n", thousands(n))
		}
		fmt.Fprintf(e.stdout, "%s;\n", stmt)
	}
	fmt.Fprintf(e.stdout, "-- priced statements would scan %s bytes in all\n", thousands(total))
	return nil
}

func runRun(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "run", "[-c idstitch.yaml] [--full] [--dry-run] [--json]",
		"Stitches identities and publishes the output tables atomically. After a first full run, runs are incremental: they read\n"+
			"each source from its watermark less the lookback and recompute only the profiles the new rows touch.")
	path := configFlag(fs)
	full := fs.Bool("full", false, "rebuild from all data even when an incremental run would do")
	dryRun := fs.Bool("dry-run", false, "compute the new result and print what would change (profiles created, merged, split, identifiers\nquarantined); publish nothing")
	algorithm := fs.String("algorithm", "contraction", "components algorithm: contraction, or labelprop (benchmark baseline only)")
	quiet := fs.Bool("quiet", false, "print no progress")
	verbose := fs.Bool("verbose", false, "log every statement with its duration")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout instead of the summary: the run's row and what it measured, also when\nthe run fails or cannot start (see docs/orchestrators.md); progress stays on stderr")
	if err := parse(fs, args); err != nil {
		return err
	}
	rec := &recorder{}
	p, err := loadProject(*path)
	if err == nil {
		printSaltWarning(e, p)
		var sum *runner.Summary
		sum, err = stitch(ctx, e, p, runOptions{algorithm: plan.Algorithm(*algorithm), quiet: *quiet, verbose: *verbose, full: *full, dryRun: *dryRun, observer: rec})
		if err == nil && !*asJSON {
			printSummary(e.stdout, p, sum)
		}
	}
	if *asJSON {
		if werr := writeRunJSON(e.stdout, p, rec, err); werr != nil {
			return werr
		}
	}
	if err != nil && rec.sum != nil {
		// The warnings of a failed run (lineage that could not be sent) would be lost with it.
		for _, w := range rec.sum.Warnings {
			fmt.Fprintf(e.stderr, "idstitch: warning: %s\n", w)
		}
	}
	return err
}

// runOptions are the choices of one run from the command line.
type runOptions struct {
	algorithm      plan.Algorithm
	quiet, verbose bool
	full, dryRun   bool
	// why, with full, says why the run rebuilds.
	why string
	// observer, when set, is told when the run begins and ends, after the lineage is sent.
	observer runner.Observer
}

// observers tells each observer in turn.
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

// holdLease takes the project's run lease: one run of a project at a time, across processes, and
// one load of identify calls (serve and other runs take the same lease). A warehouse that one
// process at a time can write (a DuckDB file) needs none: whoever holds the lease holds the file
// open, and a lease left by a killed run would only stop the next. claimed is nil then.
func holdLease(ctx context.Context, e *env, conn connectors.Conn, pl *plan.Planner) (release func(), claimed *check.Owned, err error) {
	if conn.Dialect().Supports(dialects.SingleWriter) {
		return func() {}, nil, nil
	}
	return lease.Hold(ctx, conn, pl, lease.Holder(), time.Minute, func(msg string, err error) {
		fmt.Fprintf(e.stderr, "idstitch: warning: %s: %s\n", msg, sentence(err))
	})
}

// stitch opens the warehouse, checks the sources and runs the project.
func stitch(ctx context.Context, e *env, p *config.Project, o runOptions) (*runner.Summary, error) {
	if err := p.ReadSalt(); err != nil {
		return nil, err
	}
	conn, err := warehouse.Open(ctx, p)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	pl, err := plan.New(p, conn.Dialect(), o.algorithm)
	if err != nil {
		return nil, projectError{err}
	}
	if err := check.Sources(ctx, conn, pl); err != nil {
		return nil, asProject(err)
	}
	r := &runner.Runner{Conn: conn, Planner: pl, Full: o.full, FullReason: o.why, DryRun: o.dryRun}
	release, claimed, err := holdLease(ctx, e, conn, pl)
	if err != nil {
		return nil, err
	}
	defer release()
	r.Claimed = claimed
	// Inside the lease, as serve flushes its own: two flushes at once would share the load table.
	if p.Identify != nil && !o.dryRun {
		if err := flushIdleJournal(ctx, e, conn, pl, claimed); err != nil {
			return nil, err
		}
	}
	var obs observers
	if em := lineage.New(pl, conn); em != nil {
		obs = append(obs, em)
	}
	if o.observer != nil {
		obs = append(obs, o.observer)
	}
	if len(obs) > 0 {
		r.Observer = obs
	}
	if !o.quiet {
		r.Progress = progressPrinter(e.stderr)
	}
	if o.verbose {
		log := slog.New(slog.NewTextHandler(e.stderr, nil))
		r.Trace = func(stage, sql string, took time.Duration) {
			first, _, _ := strings.Cut(sql, "\n")
			log.Info("statement", "stage", stage, "seconds", took.Seconds(), "sql", first)
		}
	}
	sum, err := r.Run(ctx)
	if err != nil {
		var se *runner.StageError
		if errors.As(err, &se) && se.RunID > 0 {
			return nil, fmt.Errorf("run %d failed (recorded in %s.runs; the published tables were left as they were): %w", se.RunID, p.Output.Schema, err)
		}
		return nil, err
	}
	return sum, nil
}

// progressPrinter shows progress on one updating line on a terminal and as structured log
// records otherwise (CI, cron, a file).
func progressPrinter(w io.Writer) func(runner.Event) {
	if f, ok := w.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		return func(ev runner.Event) {
			switch {
			case ev.Done:
				fmt.Fprintf(w, "\r\033[K%-10s done in %s\n", ev.Stage, ev.Elapsed.Round(time.Millisecond))
			case ev.Round > 0:
				fmt.Fprintf(w, "\r\033[K%-10s round %d, %s %s", ev.Stage, ev.Round, thousands(ev.Remaining), ev.Unit)
			default:
				fmt.Fprintf(w, "\r\033[K%-10s …", ev.Stage)
			}
		}
	}
	log := slog.New(slog.NewTextHandler(w, nil))
	return func(ev runner.Event) {
		switch {
		case ev.Done:
			log.Info("stage done", "stage", ev.Stage, "seconds", ev.Elapsed.Seconds())
		case ev.Round > 0:
			log.Info("round", "stage", ev.Stage, "round", ev.Round, "remaining", ev.Remaining, "unit", ev.Unit)
		default:
			log.Info("stage start", "stage", ev.Stage)
		}
	}
}

func printSummary(w io.Writer, p *config.Project, s *runner.Summary) {
	r := s.Result
	if s.DryRun {
		fmt.Fprintf(w, "dry run %d (%s) finished in %s; nothing was published\n", s.RunID, s.Mode, s.Elapsed.Round(time.Millisecond))
	} else {
		fmt.Fprintf(w, "run %d (%s) succeeded in %s; tables published in schema %s\n", s.RunID, s.Mode, s.Elapsed.Round(time.Millisecond), p.Output.Schema)
	}
	if s.Adopted != "" {
		fmt.Fprintf(w, "  notice           %s\n", s.Adopted)
	}
	if s.Completed != "" {
		fmt.Fprintf(w, "  first            %s\n", s.Completed)
	}
	if s.Upgrade != "" {
		fmt.Fprintf(w, "  upgrade          %s\n", s.Upgrade)
	}
	if s.Reason != "" {
		fmt.Fprintf(w, "  full rebuild     %s\n", s.Reason)
	}
	switch {
	case s.Path == plan.PathAppend:
		fmt.Fprintf(w, "  path             %s (the batch only adds rows: the profiles it touches merged, not recomputed)\n", s.Path)
	case s.PathNote != "":
		fmt.Fprintf(w, "  path             %s (not append-only: %s)\n", s.Path, s.PathNote)
	}
	if s.Rules.Any() {
		var what []string
		if s.Rules.Checks {
			what = append(what, "patterns and block lists (every stored value checked again)")
		}
		if s.Rules.Degrees {
			what = append(what, "max_degree (every hub decision taken again)")
		}
		if s.Rules.OldLimits != nil {
			what = append(what, "limits (the profiles they can split recomputed)")
		}
		fmt.Fprintf(w, "  rules changed    %s\n", strings.Join(what, "; "))
	}
	var per []string
	for _, src := range p.Sources {
		per = append(per, fmt.Sprintf("%s %s", src.Name, thousands(s.RowsBySource[src.Name])))
	}
	fmt.Fprintf(w, "  rows read        %s (%s)\n", thousands(r.RowsRead), strings.Join(per, ", "))
	fmt.Fprintf(w, "  identifiers      %s\n", thousands(r.Nodes))
	fmt.Fprintf(w, "  links            %s\n", thousands(r.Edges))
	fmt.Fprintf(w, "  profiles         %s\n", thousands(r.Components))
	fmt.Fprintf(w, "  largest profile  %s identifiers\n", thousands(r.Largest))
	var q []string
	var total int64
	for _, reason := range plan.Reasons {
		if n := r.Quarantined[reason]; n > 0 {
			q = append(q, fmt.Sprintf("%s %s", reason, thousands(n)))
			total += n
		}
	}
	if total == 0 {
		q = append(q, "none")
	}
	fmt.Fprintf(w, "  quarantined      %s (%s)\n", thousands(total), strings.Join(q, ", "))
	fmt.Fprintf(w, "  rounds           %d\n", r.Rounds)
	if s.Mode == plan.ModeIncremental {
		fmt.Fprintf(w, "  profiles written %s\n", thousands(r.ComponentsChanged))
	}
	verb := map[bool]string{true: "would change", false: "changed"}[s.DryRun]
	var ch []string
	for _, k := range []struct{ kind, label, unit string }{
		{"new", "created", "profiles"}, {"merge", "retired into others (merge)", "ids"}, {"split", "split off", "parts"}, {"quarantine", "quarantined", "identifiers"},
	} {
		c := s.Changes[k.kind]
		if k.kind == "quarantine" {
			ch = append(ch, fmt.Sprintf("%s %s %s", thousands(c.Identifiers), k.unit, k.label))
			continue
		}
		ch = append(ch, fmt.Sprintf("%s %s %s", thousands(c.Rows), k.unit, k.label))
	}
	fmt.Fprintf(w, "  ids %-12s %s\n", verb, strings.Join(ch, ", "))
	overrides, forgotten := report.ControlsText(r.Controls)
	if overrides != "" {
		fmt.Fprintf(w, "  overrides        %s\n", overrides)
	}
	if forgotten != "" {
		fmt.Fprintf(w, "  forgotten        %s\n", forgotten)
	}
	var st []string
	for _, x := range s.Stages {
		st = append(st, fmt.Sprintf("%s %.2fs", x.Stage, x.Seconds))
	}
	fmt.Fprintf(w, "  seconds          %s\n", strings.Join(st, ", "))
	for _, warning := range s.Warnings {
		fmt.Fprintf(w, "  warning          %s\n", warning)
	}
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "[--dir idstitch-demo] [--persons 10000] [--seed 1] [--warehouse duckdb|postgres]",
		"Generates e-commerce data in a warehouse, writes an idstitch.yaml for it, runs it and prints a summary.\n"+
			"With --warehouse postgres the data goes to the schema idstitch_demo of the database that the\n"+
			"environment variable named by --dsn-env points at, and the outputs to the schema identity.")
	dir := fs.String("dir", "idstitch-demo", "directory for the project file (and the DuckDB file)")
	persons := fs.Int("persons", 10000, "number of synthetic customers")
	seed := fs.Uint64("seed", 1, "random seed; the same seed gives the same data")
	wh := fs.String("warehouse", "duckdb", "duckdb or postgres")
	dsnEnv := fs.String("dsn-env", "PG_DSN", "with --warehouse postgres: the environment variable holding the connection string")
	quiet := fs.Bool("quiet", false, "print no progress")
	verbose := fs.Bool("verbose", false, "log every statement of the run with its duration")
	households := fs.Bool("households", true, "generate households that share a tablet or laptop, and apps of two pools (the shop's and two games)\nwhose device and install ids are local to each app; the project reads them as app:value and uses\npolicy.anonymous: evidence (--households=false: the people alone, with policy link)")
	appendPct := fs.Float64("append", 0, "add this percentage of new rows (returning and new customers, timed after the latest)\nto the demo in --dir made earlier with the same --persons and --seed, and run it incrementally")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *persons < 1 {
		return usageError{msg: "demo --persons must be at least 1"}
	}
	if *appendPct < 0 || *appendPct > 100 {
		return usageError{msg: "demo --append is a percentage between 0 and 100"}
	}
	if *appendPct > 0 {
		return demoAppend(ctx, e, *dir, demogen.Options{Persons: *persons, Seed: *seed, Households: *households}, *appendPct/100, *quiet, *verbose)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return fmt.Errorf("create demo directory %s: %w", *dir, err)
	}
	opts := demogen.ProjectOptions{Name: "demo", Warehouse: *wh, Guards: true, Traits: true}
	if *households {
		opts.AppLocal, opts.Anonymous = true, "evidence"
	}
	var conn connectors.Conn
	var where string
	switch *wh {
	case "duckdb":
		opts.Path, opts.Schema = "demo.duckdb", "main"
		dbPath := filepath.Join(*dir, opts.Path)
		for _, f := range []string{dbPath, dbPath + ".wal"} {
			if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("remove the previous demo database %s: %w", f, err)
			}
		}
		c, err := duckdb.Open(ctx, dbPath, false)
		if err != nil {
			return err
		}
		conn, where = c, dbPath
	case "postgres":
		opts.DSNEnv, opts.Schema = *dsnEnv, "idstitch_demo"
		dsn := os.Getenv(*dsnEnv)
		if dsn == "" {
			return usageError{msg: fmt.Sprintf("demo --warehouse postgres: the environment variable %s is not set; export it with the connection string, e.g. %s=postgres://user@127.0.0.1:5432/db", *dsnEnv, *dsnEnv)}
		}
		c, err := postgres.Open(ctx, dsn)
		if err != nil {
			return fmt.Errorf("demo: cannot connect to the Postgres server given by $%s: %w", *dsnEnv, err)
		}
		conn, where = c, "Postgres schema "+opts.Schema
	default:
		return usageError{msg: fmt.Sprintf("demo --warehouse: %q is not duckdb or postgres", *wh)}
	}
	// The stitched views of an earlier demo depend on the tables about to be replaced.
	for _, t := range demogen.Tables {
		if err := conn.Exec(ctx, conn.Dialect().DropView(conn.Dialect().Table("identity", t.Name+"_stitched"))); err != nil {
			conn.Close()
			return fmt.Errorf("demo: drop the view identity.%s_stitched of an earlier demo: %w", t.Name, err)
		}
	}
	fmt.Fprintf(e.stdout, "generating %s persons into %s …\n", thousands(int64(*persons)), where)
	began := time.Now()
	// The events end today, so that windows such as "the last 90 days" find some.
	start := time.Now().UTC().Truncate(24*time.Hour).AddDate(-1, 0, 0)
	st, err := demogen.Generate(ctx, conn, demogen.Options{Persons: *persons, Seed: *seed, Schema: opts.Schema, Start: start, Households: *households})
	conn.Close()
	if err != nil {
		return fmt.Errorf("generate demo data: %w", err)
	}
	fmt.Fprintf(e.stdout, "  %s events, %s orders, %s CRM contacts in %s\n", thousands(st.Events), thousands(st.Orders), thousands(st.Contacts), time.Since(began).Round(time.Millisecond))
	projectPath := filepath.Join(*dir, config.DefaultFile)
	if err := os.WriteFile(projectPath, []byte(demogen.Project(opts)), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", projectPath, err)
	}
	fmt.Fprintf(e.stdout, "wrote %s\n", projectPath)
	p, err := loadProject(projectPath)
	if err != nil {
		return err
	}
	sum, err := stitch(ctx, e, p, runOptions{algorithm: plan.Contraction, quiet: *quiet, verbose: *verbose, full: true, why: "the demo's data was generated anew"})
	if err != nil {
		return err
	}
	printSummary(e.stdout, p, sum)
	if *wh == "duckdb" {
		fmt.Fprintf(e.stdout, "\nexplore: duckdb %s \"SELECT audience, COUNT(*) FROM identity.audience_members GROUP BY audience\"\n", where)
	} else {
		fmt.Fprintf(e.stdout, "\nexplore: psql \"$%s\" -c \"SELECT * FROM identity.profiles ORDER BY identifiers DESC LIMIT 10\"\n", *dsnEnv)
	}
	fmt.Fprintf(e.stdout, "again:   cd %s && idstitch run\n", *dir)
	return nil
}

// demoAppend adds rows to an earlier demo and runs it as a scheduled run would.
func demoAppend(ctx context.Context, e *env, dir string, o demogen.Options, fraction float64, quiet, verbose bool) error {
	projectPath := filepath.Join(dir, config.DefaultFile)
	p, err := loadProject(projectPath)
	if err != nil {
		return fmt.Errorf("demo --append needs the demo made earlier in %s (run `idstitch demo --dir %s` first): %w", dir, dir, err)
	}
	conn, err := warehouse.Open(ctx, p)
	if err != nil {
		return err
	}
	for _, s := range p.Sources {
		if s.Name == "events" {
			o.Schema = s.Schema()
		}
	}
	began := time.Now()
	st, err := demogen.Append(ctx, conn, o, fraction)
	conn.Close()
	if err != nil {
		return fmt.Errorf("demo --append: add rows to the demo's tables in %s (run `idstitch demo --dir %s` again if they are gone): %w", dir, dir, err)
	}
	fmt.Fprintf(e.stdout, "appended %s events, %s orders, %s CRM contacts from %s returning and new persons in %s\n",
		thousands(st.Events), thousands(st.Orders), thousands(st.Contacts), thousands(st.Persons), time.Since(began).Round(time.Millisecond))
	sum, err := stitch(ctx, e, p, runOptions{algorithm: plan.Contraction, quiet: quiet, verbose: verbose})
	if err != nil {
		return err
	}
	printSummary(e.stdout, p, sum)
	return nil
}
