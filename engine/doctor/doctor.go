// Package doctor checks, before a first run, that a project can run on its warehouse: that the
// session may create or write the output, work and state schemas and read every source, that
// the project's regular expressions mean there what they mean in the project file, and, on
// BigQuery, what the run's statements would scan. It creates nothing: for what is missing it
// gives the statement that fixes it, for someone allowed to run it.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/check"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// Status is the outcome of one check.
type Status int

const (
	// Pass: the check holds.
	Pass Status = iota
	// Fail: a run would fail, or do something other than the project file says; Fix repairs it.
	Fail
	// Skip: the check cannot be made on this warehouse before a run; Detail says why and what
	// to make sure of instead.
	Skip
	// Warn: a run works, but probably not as meant (rows left out for want of a scope).
	Warn
)

func (s Status) String() string {
	switch s {
	case Fail:
		return "FAIL"
	case Skip:
		return "skip"
	case Warn:
		return "warn"
	}
	return "ok"
}

// Finding is the outcome of one check: what was checked, what was found, and for a failure the
// statements or settings that fix it.
type Finding struct {
	Status Status
	Check  string
	Detail string
	Fix    []string
}

// DryRunner is a warehouse that prices a statement without running it (BigQuery).
type DryRunner interface {
	DryRun(ctx context.Context, query string) (int64, error)
}

// Doctor runs the checks on an open connection.
type Doctor struct {
	Conn    connectors.Conn
	Planner *plan.Planner
	// Report, when set, receives each finding as soon as it is made.
	Report func(Finding)

	findings []Finding
	role     string
	database string
}

// Run makes every check and returns the findings in order. It stops early only when the
// session cannot answer at all.
func (d *Doctor) Run(ctx context.Context) []Finding {
	if !d.who(ctx) {
		return d.findings
	}
	d.schemas(ctx)
	readable := d.sources(ctx)
	if readable {
		d.projectChecks(ctx)
	} else {
		d.add(Finding{Status: Skip, Check: "sources' columns and expressions", Detail: "not checked until every source can be read"})
	}
	d.patterns(ctx)
	d.prices(ctx)
	return d.findings
}

// Failed counts the failures among findings.
func Failed(findings []Finding) int {
	n := 0
	for _, f := range findings {
		if f.Status == Fail {
			n++
		}
	}
	return n
}

func (d *Doctor) add(f Finding) {
	d.findings = append(d.findings, f)
	if d.Report != nil {
		d.Report(f)
	}
}

// who checks that the session answers and asks it who it runs as. A warehouse that cannot say
// (one without roles, or an emulator) is still checked for everything else.
func (d *Doctor) who(ctx context.Context) bool {
	dl := d.Conn.Dialect()
	if err := one(ctx, d.Conn, render.SQL(d.Planner.Renderer(), idsql.DoctorPing, idsql.DoctorPingData{}), nil); err != nil {
		d.add(Finding{Status: Fail, Check: "connect", Detail: err.Error()})
		return false
	}
	g, ok := dl.(dialects.Grants)
	if !ok {
		d.add(Finding{Status: Pass, Check: "connect", Detail: dl.Name() + " answers; it has no roles or privileges to check"})
		return true
	}
	var warehouse string
	if err := one(ctx, d.Conn, g.WhoQuery(), nil, &d.role, &d.database, &warehouse); err != nil {
		d.role = ""
		first, _, _ := strings.Cut(err.Error(), "\n")
		d.add(Finding{Status: Skip, Check: "connect", Detail: dl.Name() + " answers, but cannot say which role the session has, so privileges are not checked: " + first})
		return true
	}
	detail := fmt.Sprintf("%s answers as %s", dl.Name(), d.role)
	if d.database != "" {
		detail += ", database " + d.database
	}
	if l, ok := d.Conn.(interface{ Location() string }); ok && l.Location() != "" {
		detail += ", jobs and new datasets in " + l.Location() + " (where the sources are)"
	}
	d.add(Finding{Status: Pass, Check: "connect", Detail: detail})
	if fix := g.GrantWarehouse(d.role); fix != nil && warehouse == "" {
		d.add(Finding{Status: Fail, Check: "virtual warehouse", Fix: fix,
			Detail: "the session has no virtual warehouse: the role may not use warehouse.virtual_warehouse, or the block names none"})
	}
	return true
}

// schemas checks that each schema a run writes exists and may be written, or may be created.
func (d *Doctor) schemas(ctx context.Context) {
	out := d.Planner.Project.Output
	g, grants := d.Conn.Dialect().(dialects.Grants)
	pc, catalog := d.Conn.Dialect().(dialects.PrivilegeCatalog)
	if !grants || d.role == "" {
		return
	}
	for _, sc := range []struct{ key, name string }{{"output.schema", out.Schema}, {"output.work_schema", out.WorkSchema}, {"output.state_schema", out.StateSchema}} {
		name := fmt.Sprintf("schema %s (%s)", sc.name, sc.key)
		exists, known, err := check.SchemaExists(ctx, d.Conn, sc.name)
		switch {
		case err != nil:
			d.add(Finding{Status: Fail, Check: name, Detail: "cannot tell whether it exists: " + err.Error()})
			continue
		case !catalog:
			what := "does not exist yet; the run creates it, which needs"
			fix := g.GrantCreateSchema(d.owningProject(sc.name), d.role)
			if exists {
				what, fix = "exists; the run writes it, which needs", g.GrantWriteSchema(sc.name, d.role)
			} else if !known {
				what = "the run creates it if it is missing, which needs"
			}
			d.add(Finding{Status: Skip, Check: name, Fix: fix,
				Detail: what + " the grant below; this warehouse's grants cannot be read before a run"})
			continue
		}
		var q string
		var args []any
		if exists {
			q, args = pc.MayWriteSchemaQuery(sc.name)
		} else {
			q, args = pc.MayCreateSchemaQuery()
		}
		var may bool
		if err := one(ctx, d.Conn, q, args, &may); err != nil {
			d.add(Finding{Status: Fail, Check: name, Detail: "cannot read the role's privileges: " + err.Error()})
			continue
		}
		switch {
		case exists && may:
			d.add(Finding{Status: Pass, Check: name, Detail: "exists, and " + d.role + " may create tables and views in it"})
		case exists:
			d.add(Finding{Status: Fail, Check: name, Detail: "exists, but " + d.role + " may not create tables and views in it",
				Fix: g.GrantWriteSchema(sc.name, d.role)})
		case may:
			d.add(Finding{Status: Pass, Check: name, Detail: "does not exist yet; " + d.role + " may create it"})
		default:
			d.add(Finding{Status: Fail, Check: name,
				Detail: "does not exist, and " + d.role + " may not create schemas in " + d.database + "; grant that, or create the schema for the role",
				Fix:    g.GrantCreateSchema(d.database, d.role)})
		}
	}
	d.rehearsal(ctx, pc, catalog)
}

// rehearsal says when runs will not be rehearsed: the rehearsal creates schemas inside a
// transaction it rolls back, which needs the privilege to create schemas.
func (d *Doctor) rehearsal(ctx context.Context, pc dialects.PrivilegeCatalog, catalog bool) {
	if !catalog || !d.Conn.Dialect().Supports(dialects.TransactionalDDL) {
		return
	}
	q, args := pc.MayCreateSchemaQuery()
	var may bool
	if err := one(ctx, d.Conn, q, args, &may); err != nil || may {
		return
	}
	d.add(Finding{Status: Skip, Check: "rehearsal", Fix: pc.GrantCreateSchema(d.database, d.role),
		Detail: "runs will not be rehearsed on copies of the sources' first rows before they create anything: the rehearsal's schemas, rolled back at its end, need the privilege to create schemas"})
}

// owningProject is the project a dataset belongs to on BigQuery: the one its name gives, else the one
// the connection runs jobs in.
func (d *Doctor) owningProject(schema string) string {
	if d.Conn.Dialect().Supports(dialects.ProjectSchemas) {
		if p, _, ok := strings.Cut(schema, "."); ok {
			return p
		}
	}
	if p, ok := d.Conn.(interface{ Project() string }); ok {
		return p.Project()
	}
	return d.database
}

// sources checks that each source may be read; on BigQuery by a dry run, which bills nothing.
func (d *Doctor) sources(ctx context.Context) bool {
	pl := d.Planner
	g, grants := d.Conn.Dialect().(dialects.Grants)
	dr, dry := d.Conn.(DryRunner)
	all := true
	for _, s := range pl.Project.Sources {
		if s.Landing {
			continue // made by idstitch
		}
		name := fmt.Sprintf("read source %s (%s)", s.Name, s.Table)
		q := ReadQuery(pl, s)
		var err error
		if dry {
			_, err = dr.DryRun(ctx, q)
		} else {
			err = one(ctx, d.Conn, q, nil)
		}
		switch kind := connectors.KindOf(err); {
		case err == nil:
			d.add(Finding{Status: Pass, Check: name, Detail: "readable"})
			continue
		case kind == connectors.Denied && grants && d.role != "":
			d.add(Finding{Status: Fail, Check: name, Detail: d.role + " may not read it", Fix: g.GrantRead(s.Table, d.role)})
		case kind == connectors.MissingObject:
			d.add(Finding{Status: Fail, Check: name, Detail: "no such table, or the session may not see it: check the table key of source " + s.Name + " in " + pl.Project.File})
		default:
			d.add(Finding{Status: Fail, Check: name, Detail: err.Error()})
		}
		all = false
	}
	return all
}

// projectChecks makes the checks validate makes: each source's columns and expressions, the
// rehearsal where the warehouse has one, and that the schemas hold only what idstitch made.
func (d *Doctor) projectChecks(ctx context.Context) {
	if err := check.Sources(ctx, d.Conn, d.Planner); err != nil {
		d.add(Finding{Status: Fail, Check: "sources' columns and expressions", Detail: err.Error()})
		return
	}
	d.add(Finding{Status: Pass, Check: "sources' columns and expressions", Detail: "every mapped column exists and every expression runs on its source"})
	left, err := check.Unscoped(ctx, d.Conn, d.Planner)
	if err != nil {
		d.add(Finding{Status: Fail, Check: "rows without a declared scope", Detail: err.Error()})
	}
	for _, w := range left {
		d.add(Finding{Status: Warn, Check: "rows without a declared scope", Detail: w})
	}
}

// patterns runs one SELECT per regular expression of the project on sample values and compares
// what the warehouse finds with what the project file means (RE2, as Go reads it). Snowflake's
// patterns are rewritten for its POSIX engine, and a rewriting that changed a meaning shows here.
func (d *Doctor) patterns(ctx context.Context) {
	dl, pl := d.Conn.Dialect(), d.Planner
	for _, t := range pl.Project.IDTypes {
		for _, k := range []struct{ key, re string }{{"pattern", t.Pattern}, {"block_pattern", t.BlockPattern}} {
			if k.re == "" {
				continue
			}
			name := fmt.Sprintf("id_types.%s.%s", t.Name, k.key)
			differ, err := d.pattern(ctx, k.re)
			switch {
			case err != nil:
				d.add(Finding{Status: Fail, Check: name, Detail: "the warehouse could not run it: " + err.Error()})
			case len(differ) > 0:
				d.add(Finding{Status: Fail, Check: name,
					Detail: fmt.Sprintf("the warehouse reads it differently from the project file on %d of %d samples (%s); write it with constructs both read alike (see the warehouse's page in the docs)", len(differ), len(samples), strings.Join(differ, ", "))})
			default:
				d.add(Finding{Status: Pass, Check: name, Detail: fmt.Sprintf("%s finds it in the same %d sample values as the project file means", dl.Name(), len(samples))})
			}
		}
	}
}

// pattern returns the samples on which the warehouse and RE2 disagree, quoted.
func (d *Doctor) pattern(ctx context.Context, re string) ([]string, error) {
	want, err := regexpMatches(re)
	if err != nil {
		return nil, err
	}
	q, err := PatternQuery(d.Planner, re)
	if err != nil {
		return nil, err
	}
	got := make([]int64, len(samples))
	dest := make([]any, len(samples))
	for i := range got {
		dest[i] = &got[i]
	}
	if err := one(ctx, d.Conn, q, nil, dest...); err != nil {
		return nil, err
	}
	var differ []string
	for i, s := range samples {
		if (got[i] == 1) != want[i] {
			differ = append(differ, fmt.Sprintf("%q", s))
		}
	}
	return differ, nil
}

// PatternQuery is the SELECT that searches the pattern re in each sample value, one column each.
func PatternQuery(pl *plan.Planner, re string) (string, error) {
	dl := pl.Dialect
	lit, err := dl.Pattern(re)
	if err != nil {
		return "", err
	}
	matches := make([]string, len(samples))
	for i, s := range samples {
		matches[i] = dl.RegexpMatches(dl.String(s), lit)
	}
	return render.SQL(pl.Renderer(), idsql.DoctorPattern, idsql.DoctorPatternData{Matches: matches}), nil
}

// ReadQuery is the statement that checks a source may be read; it reads no rows.
func ReadQuery(pl *plan.Planner, s config.Source) string {
	return render.SQL(pl.Renderer(), idsql.DoctorRead, idsql.DoctorReadData{Table: pl.SourceTable(s)})
}

// prices dry-runs the statements of a full run where the warehouse can (BigQuery): each says
// what it would scan; those that read tables the run itself creates cannot be priced first.
func (d *Doctor) prices(ctx context.Context) {
	dr, ok := d.Conn.(DryRunner)
	if !ok {
		d.add(Finding{Status: Skip, Check: "cost", Detail: d.Conn.Dialect().Name() + " cannot price a statement without running it"})
		return
	}
	pn, err := d.Planner.Plan(0)
	if err != nil {
		d.add(Finding{Status: Fail, Check: "cost", Detail: err.Error()})
		return
	}
	var total int64
	priced, unpriced := 0, 0
	var denied []string
	for _, stmt := range pn.Statements(1) {
		n, err := dr.DryRun(ctx, stmt)
		switch {
		case err == nil:
			total += n
			priced++
		case connectors.KindOf(err) == connectors.MissingObject:
			unpriced++
		default:
			first, _, _ := strings.Cut(err.Error(), "\n")
			denied = append(denied, first)
		}
	}
	if len(denied) > 0 {
		d.add(Finding{Status: Fail, Check: "cost", Detail: fmt.Sprintf("%d statements were refused (the first: %s); the grants above, or the settings in warehouse, fix it", len(denied), denied[0])})
		return
	}
	d.add(Finding{Status: Pass, Check: "cost", Detail: fmt.Sprintf(
		"%d statements of a full run would scan %.2f GiB in all; %d read tables the run itself creates and cannot be priced before they exist (see compile --dry-run for each)",
		priced, float64(total)/(1<<30), unpriced)})
}

// one runs a query and scans its first row into dest; with no dest it only checks that the
// query runs.
func one(ctx context.Context, conn connectors.Conn, q string, args []any, dest ...any) error {
	rows, err := conn.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if len(dest) == 0 {
		// Some drivers report an error only once the rows are read.
		for rows.Next() {
		}
		return rows.Err()
	}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return errors.New("the query returned no row")
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Err()
}
