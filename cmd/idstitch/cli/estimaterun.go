package cli

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/runner"
	"github.com/idstitch/idstitch/internal/demogen"
)

// traced is what a run on DuckDB measured for the estimate.
type traced struct {
	// sizes are the tables' sizes by BigQuery's rules, by name without schema: the sources and
	// the published and state tables as they were before the run, each other table as the run
	// created it.
	sizes map[string]tableSize
	// rounds is the number of rounds each looping stage took.
	rounds map[string]int
	sum    *runner.Summary
}

// runEstimate generates the demo at each size on DuckDB, runs it in full, appends fraction new
// rows and runs it incrementally, and prices every statement of the BigQuery plans of both runs
// from the sizes of the tables the DuckDB runs made.
func runEstimate(ctx context.Context, e *env, dir string, sizes []int, fraction float64, out string) error {
	for _, n := range sizes {
		conn, db, err := freshDuckDB(ctx, dir, fmt.Sprintf("estimate-%d", n), "demo.duckdb")
		if err != nil {
			return err
		}
		defer conn.Close()
		o := demogen.Options{Persons: n, Seed: 1}
		if _, err := demogen.Generate(ctx, conn, o); err != nil {
			return err
		}
		path := filepath.Join(filepath.Dir(db), config.DefaultFile)
		yaml := demogen.Project(demogen.ProjectOptions{Name: "demo", Warehouse: "duckdb", Path: "demo.duckdb", Guards: true})
		if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
			return err
		}
		p, err := loadProject(path)
		if err != nil {
			return err
		}
		full, err := traceRun(ctx, conn, p)
		if err != nil {
			return fmt.Errorf("bench --estimate, full run: %w", err)
		}
		st, err := demogen.Append(ctx, conn, o, fraction)
		if err != nil {
			return err
		}
		inc, err := traceRun(ctx, conn, p)
		if err != nil {
			return fmt.Errorf("bench --estimate, incremental run: %w", err)
		}
		bq, err := plan.New(p, dialects.BigQuery{}, "")
		if err != nil {
			return err
		}
		fullPlan, err := bq.Plan(0)
		if err != nil {
			return err
		}
		incPlan, err := bq.PlanIncremental(0, plan.Prior{Watermarks: inc.sum.Watermarks, Rules: inc.sum.Rules})
		if err != nil {
			return err
		}
		title := fmt.Sprintf("Estimated BigQuery bytes billed (on demand), demo of %s persons: full run", thousands(int64(n)))
		if err := printTable(e, out, priceRun(bq, fullPlan, full, title)); err != nil {
			return err
		}
		title = fmt.Sprintf("\nEstimated BigQuery bytes billed (on demand), demo of %s persons: incremental run after %s new rows (%.1f%%)",
			thousands(int64(n)), thousands(st.Events+st.Orders+st.Contacts), 100*fraction)
		if err := printTable(e, out, priceRun(bq, incPlan, inc, title)); err != nil {
			return err
		}
	}
	return nil
}

// traceRun runs the project on DuckDB and measures its tables as it goes.
func traceRun(ctx context.Context, conn *duckdb.Conn, p *config.Project) (*traced, error) {
	pl, err := plan.New(p, conn.Dialect(), "")
	if err != nil {
		return nil, err
	}
	tr := &traced{sizes: map[string]tableSize{}, rounds: map[string]int{}}
	if err := tr.before(ctx, conn, pl); err != nil {
		return nil, err
	}
	r := &runner.Runner{Conn: conn, Planner: pl}
	r.Progress = func(ev runner.Event) { tr.rounds[ev.Stage] = max(tr.rounds[ev.Stage], ev.Round) }
	var traceErr error
	r.Trace = func(stage, q string, _ time.Duration) {
		rest, ok := strings.CutPrefix(q, "CREATE OR REPLACE TABLE ")
		if !ok || traceErr != nil {
			return
		}
		table, _, _ := strings.Cut(rest, " AS\n")
		traceErr = tr.measure(ctx, conn.DB(), pl, table)
	}
	if tr.sum, err = r.Run(ctx); err != nil {
		return nil, err
	}
	return tr, traceErr
}

// before measures the sources and the published and state tables as the run finds them.
func (tr *traced) before(ctx context.Context, conn *duckdb.Conn, pl *plan.Planner) error {
	d := conn.Dialect()
	for _, s := range pl.Project.Sources {
		if err := tr.measure(ctx, conn.DB(), pl, pl.SourceTable(s)); err != nil {
			return err
		}
	}
	for _, schema := range []string{pl.Project.Output.Schema, pl.Project.Output.StateSchema} {
		q, args := d.ViewsQuery(schema)
		views, err := names(ctx, conn.DB(), q, args)
		if err != nil {
			return err
		}
		q, args = d.TablesQuery(schema)
		tables, err := names(ctx, conn.DB(), q, args)
		if err != nil {
			return err
		}
		for t := range tables {
			if !views[t] {
				if err := tr.measure(ctx, conn.DB(), pl, d.Table(schema, t)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func names(ctx context.Context, db *sql.DB, q string, args []any) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out[s] = true
	}
	return out, rows.Err()
}

// measure records the size of a DuckDB table by BigQuery's data size rules, by month of its
// partitioning column where the BigQuery plan partitions it.
func (tr *traced) measure(ctx context.Context, db *sql.DB, pl *plan.Planner, table string) error {
	parts := strings.Split(table, ".")
	name := strings.ToLower(strings.Trim(parts[len(parts)-1], `"`))
	cols, exprs, err := bigQuerySizes(ctx, db, table)
	if err != nil {
		return err
	}
	size := tableSize{Columns: map[string]int64{}}
	month := "NULL"
	if l, ok := pl.Layout(strings.TrimSuffix(name, "__next")); ok && l.TimePartition != "" {
		// BigQuery's monthly partitions run from 1960 to 2159; NULL and other times have their own.
		c := `"` + l.TimePartition + `"`
		month = fmt.Sprintf("CASE WHEN %s >= TIMESTAMP '1960-01-01' AND %s < TIMESTAMP '2160-01-01' THEN date_trunc('month', %s) END", c, c, c)
		size.Months = map[time.Time]map[string]int64{}
	}
	rows, err := db.QueryContext(ctx, fmt.Sprintf("SELECT %s AS m, %s FROM %s GROUP BY m", month, strings.Join(exprs, ", "), table))
	if err != nil {
		return fmt.Errorf("measuring %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var m sql.NullTime
		vals := make([]int64, len(cols))
		dest := []any{&m}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		per := map[string]int64{}
		for i, c := range cols {
			size.Columns[c] += vals[i]
			per[c] = vals[i]
		}
		if size.Months != nil {
			var key time.Time
			if m.Valid {
				key = m.Time.UTC()
			}
			size.Months[key] = per
		}
	}
	tr.sizes[name] = size
	return rows.Err()
}

// bigQuerySizes returns a table's columns and, for each, the query expression summing its
// values' sizes by BigQuery's data size rules (NULL counts 0).
func bigQuerySizes(ctx context.Context, db *sql.DB, table string) (cols, exprs []string, err error) {
	rows, err := db.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE "+table+")")
	if err != nil {
		return nil, nil, fmt.Errorf("describing %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var c, typ string
		if err := rows.Scan(&c, &typ); err != nil {
			return nil, nil, err
		}
		q := `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
		cols = append(cols, strings.ToLower(c))
		exprs = append(exprs, fmt.Sprintf("CAST(COALESCE(SUM(CASE WHEN %s IS NULL THEN 0 ELSE %s END), 0) AS BIGINT)", q, valueSize(q, typ)))
	}
	return cols, exprs, rows.Err()
}

// valueSize is the size BigQuery gives a non-NULL value of a DuckDB column type: the type the
// BigQuery plan gives the same column.
func valueSize(col, duckType string) string {
	t := strings.ToUpper(duckType)
	switch {
	case t == "BOOLEAN":
		return "1"
	case strings.HasPrefix(t, "DECIMAL") || t == "HUGEINT" || t == "UHUGEINT":
		return "16" // NUMERIC
	case strings.Contains(t, "INT") || t == "DOUBLE" || t == "FLOAT" || strings.HasPrefix(t, "TIMESTAMP") || t == "DATE" || t == "TIME":
		return "8"
	case t == "VARCHAR":
		return "2 + strlen(" + col + ")"
	}
	return "2 + strlen(CAST(" + col + " AS VARCHAR))"
}

// priceRun prices every statement a BigQuery run of p would send, with the rounds the DuckDB
// run took, without and with partition pruning, and renders the totals by stage.
func priceRun(bq *plan.Planner, p *plan.Plan, tr *traced, title string) string {
	partitioned := map[string]string{}
	for name := range tr.sizes {
		if l, ok := bq.Layout(strings.TrimSuffix(name, "__next")); ok && l.TimePartition != "" {
			partitioned[name] = l.TimePartition
		}
	}
	before := pricing{Sizes: tr.sizes, Partitioned: partitioned}
	after := pricing{Sizes: tr.sizes, Partitioned: partitioned, Prune: true}
	var stages []string
	sumBefore, sumAfter, count := map[string]int64{}, map[string]int64{}, map[string]int{}
	unmeasured := map[string]bool{}
	type costly struct {
		stage string
		c     statementCost
	}
	var top []costly
	for _, sq := range runStatements(p, tr.rounds) {
		if _, ok := count[sq.stage]; !ok {
			stages = append(stages, sq.stage)
		}
		b, a := before.price(sq.sql), after.price(sq.sql)
		count[sq.stage]++
		sumBefore[sq.stage] += b.Billed
		sumAfter[sq.stage] += a.Billed
		for _, u := range a.Unmeasured {
			unmeasured[u] = true
		}
		top = append(top, costly{sq.stage, a})
	}
	var list []string
	for u := range unmeasured {
		list = append(list, u)
	}
	sort.SliceStable(top, func(i, j int) bool { return top[i].c.Billed > top[j].c.Billed })
	var b strings.Builder
	b.WriteString(estimateTable(title, stages, sumBefore, sumAfter, count, list))
	b.WriteString("\nThe costliest statements, partitioned:\n\n| stage | statement | estimated bytes billed |\n|---|---|---:|\n")
	for _, t := range top[:min(8, len(top))] {
		fmt.Fprintf(&b, "| %s | %s %s | %s |\n", t.stage, t.c.Kind, t.c.Target, humanBytes(t.c.Billed))
	}
	return b.String()
}

type stageSQL struct{ stage, sql string }

// runStatements lists every statement a run of p sends, in order, by stage: loops unrolled to
// the rounds the measured run took, their counts included, and the queries that measure the run.
func runStatements(p *plan.Plan, rounds map[string]int) []stageSQL {
	var out []stageSQL
	add := func(stage string, qs ...string) {
		for _, q := range qs {
			out = append(out, stageSQL{stage, q})
		}
	}
	sqls := func(stage string, ss []plan.Statement) {
		for _, s := range ss {
			add(stage, s.SQL)
		}
	}
	for _, st := range p.Stages {
		sqls(st.Name, st.Statements)
		if l := st.Loop; l != nil {
			add(st.Name, l.Start)
			n := rounds[st.Name]
			for i := 1; i <= n; i++ {
				sqls(st.Name, l.Round(i))
				add(st.Name, l.Remaining(i))
			}
			sqls(st.Name, l.Finish(n))
		}
		sqls(st.Name, st.After)
		sqls(st.Name, st.Commit)
	}
	var sources []string
	for s := range p.SourceRows {
		sources = append(sources, s)
	}
	sort.Strings(sources)
	for _, s := range sources {
		add("measures", p.SourceRows[s])
	}
	add("measures", p.Stats, p.QuarantineCounts, p.ComponentsChanged)
	return out
}
