package check

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// ErrNotOurs marks a project whose output, state or work schema holds what idstitch did not
// make there: a run would replace or alter it, so none starts.
var ErrNotOurs = errors.New("a schema idstitch writes holds tables it did not make")

// Owned is what the registry says of the project's schemas.
type Owned struct {
	// Missing are the objects a run may make that the registry does not list yet: the run
	// registers them once it has made the registry.
	Missing []idsql.Object
	// Adopted names the tables of an earlier install, vouched for by its runs table, that the
	// run registers; empty when there are none.
	Adopted []string
	// Stale are the objects the registry lists for this project that it no longer makes: those
	// of sources removed from the project file.
	Stale []idsql.Object
	// Leftovers are the tables a run builds beside the published ones (named *__next) that exist
	// now: a run that was killed left them.
	Leftovers []idsql.Object
	// Unpublished: no run has published in the output schema yet (it holds no id_graph), so the
	// empty outputs a dry run's setup makes are its own to drop.
	Unpublished bool
}

// Ownership checks, before anything is created, that the schemas the project writes hold only
// what idstitch made there for this project: no source table, no table or view of the user's, no
// registered object of another project. An earlier install, which kept no registry, is
// recognised by its runs table recording this project: the tables it would make are adopted.
// Every refusal is one sentence naming the project file's key and the tables.
func Ownership(ctx context.Context, conn connectors.Conn, pl *plan.Planner) (*Owned, error) {
	p := pl.Project
	d := conn.Dialect()
	key := func(s string) string {
		if d.Supports(dialects.CaseInsensitiveNames) {
			return strings.ToLower(s)
		}
		return s
	}
	reg := pl.Registry()
	schemas := []struct{ key, name string }{
		{"output.schema", p.Output.Schema}, {"output.state_schema", p.Output.StateSchema}, {"output.work_schema", p.Output.WorkSchema},
	}
	for i, s := range p.Sources {
		if s.Landing {
			continue // the identify landing table, made by idstitch in the output schema
		}
		schema := s.Schema()
		if schema == "" {
			schema = d.DefaultSchema()
		}
		for _, sc := range schemas {
			if key(schema) == key(sc.name) {
				return nil, fmt.Errorf("%w: %s: sources[%d].table %s is in schema %s, which idstitch writes (%s); give %s a schema of its own",
					ErrNotOurs, p.File, i, s.Table, sc.name, sc.key, sc.key)
			}
		}
	}
	existing := map[string][]string{}
	for _, sc := range schemas {
		names, err := list(ctx, conn, sc.name)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: cannot list the tables of %s: %w", p.File, sc.key, sc.name, err)
		}
		existing[sc.name] = names
	}
	registered := map[[2]string]bool{}
	var registeredObjects []idsql.Object
	others := map[string]bool{}
	hasRegistry := contains(existing[reg.OutputSchema()], plan.RegistryTable, key)
	if hasRegistry {
		rows, err := conn.Query(ctx, reg.Read())
		if err != nil {
			return nil, fmt.Errorf("%s: output.schema: cannot read %s.%s: %w", p.File, p.Output.Schema, plan.RegistryTable, err)
		}
		for rows.Next() {
			var project, schema, name string
			if err := rows.Scan(&project, &schema, &name); err != nil {
				rows.Close()
				return nil, err
			}
			if project != reg.Project() {
				others[project] = true
				continue
			}
			registered[[2]string{key(schema), key(name)}] = true
			registeredObjects = append(registeredObjects, idsql.Object{Schema: schema, Name: name})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	if len(others) > 0 {
		return nil, fmt.Errorf("%w: %s: output.schema %s is written by project %s (see %s.%s); two projects cannot share it: give this one its own output.schema",
			ErrNotOurs, p.File, p.Output.Schema, strings.Join(sortedKeys(others), ", "), p.Output.Schema, plan.RegistryTable)
	}
	made := map[[2]string]bool{}
	out := &Owned{}
	for _, o := range pl.Made() {
		k := [2]string{key(o.Schema), key(o.Name)}
		made[k] = true
		if !registered[k] {
			out.Missing = append(out.Missing, o)
		}
	}
	for _, o := range registeredObjects {
		if !made[[2]string{key(o.Schema), key(o.Name)}] {
			out.Stale = append(out.Stale, o)
		}
	}
	for _, sc := range schemas[:2] {
		for _, name := range existing[sc.name] {
			if strings.HasSuffix(key(name), key(render.NextSuffix)) && made[[2]string{key(sc.name), key(name)}] {
				out.Leftovers = append(out.Leftovers, idsql.Object{Schema: sc.name, Name: name})
			}
		}
	}
	out.Unpublished = !contains(existing[reg.OutputSchema()], plan.IDGraph, key)
	vouched := false
	if !hasRegistry && contains(existing[reg.OutputSchema()], plan.Runs, key) {
		n, err := count(ctx, conn, reg.Vouched())
		if err != nil {
			return nil, fmt.Errorf("%s: output.schema: cannot read %s.%s: %w", p.File, p.Output.Schema, plan.Runs, err)
		}
		vouched = n > 0
	}
	for _, sc := range schemas {
		var foreign []string
		for _, name := range existing[sc.name] {
			k := [2]string{key(sc.name), key(name)}
			switch {
			case registered[k]:
			case sc.name == p.Output.WorkSchema && (hasRegistry || vouched):
				// The work schema holds only the tables of runs, which are not listed one by
				// one: a run made it empty and registered it, or an earlier install did.
			case vouched && made[k]:
				out.Adopted = append(out.Adopted, sc.name+"."+name)
			default:
				foreign = append(foreign, name)
			}
		}
		if len(foreign) > 0 {
			sort.Strings(foreign)
			if len(foreign) > 5 {
				foreign = append(foreign[:5], fmt.Sprintf("and %d more", len(foreign)-5))
			}
			return nil, fmt.Errorf("%w: %s: %s %s holds tables or views that idstitch did not make (%s); idstitch replaces tables in the schemas it writes, so give it schemas of its own",
				ErrNotOurs, p.File, sc.key, sc.name, strings.Join(foreign, ", "))
		}
	}
	return out, nil
}

// Claim checks Ownership and then records in the registry what the project makes, creating the
// output schema and the registry where they are missing: whatever idstitch creates afterwards
// (a run's tables, serve's lease) is then listed as its own.
func Claim(ctx context.Context, conn connectors.Conn, pl *plan.Planner) (*Owned, error) {
	owned, err := Ownership(ctx, conn, pl)
	if err != nil {
		return nil, err
	}
	reg := pl.Registry()
	if err := EnsureSchema(ctx, conn, reg.OutputSchema(), conn.Dialect().CreateSchema(reg.OutputSchema())); err != nil {
		return nil, fmt.Errorf("creating the output schema %s: %w", reg.OutputSchema(), err)
	}
	qs := []string{reg.Create().SQL}
	if len(owned.Missing) > 0 {
		qs = append(qs, reg.Insert(owned.Missing))
	}
	for _, q := range qs {
		if err := conn.Exec(ctx, q); err != nil {
			return nil, fmt.Errorf("recording the tables idstitch makes in %s.%s: %w", reg.OutputSchema(), plan.RegistryTable, err)
		}
	}
	return owned, nil
}

// list returns the names of the tables and views of a schema; none when it does not exist.
func list(ctx context.Context, conn connectors.Conn, schema string) ([]string, error) {
	q, args := conn.Dialect().TablesQuery(schema)
	return names(ctx, conn, q, args)
}

// WorkTables returns the names of the tables of a work schema; none when it does not exist.
func WorkTables(ctx context.Context, conn connectors.Conn, schema string) ([]string, error) {
	q, args := dialects.WorkTablesQuery(conn.Dialect(), schema)
	return names(ctx, conn, q, args)
}

// names runs a query listing tables by name.
func names(ctx context.Context, conn connectors.Conn, q string, args []any) ([]string, error) {
	rows, err := conn.Query(ctx, q, args...)
	if connectors.KindOf(err) == connectors.MissingObject {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

func count(ctx context.Context, conn connectors.Conn, q string) (int64, error) {
	rows, err := conn.Query(ctx, q)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, err
		}
	}
	return n, rows.Err()
}

func contains(names []string, name string, key func(string) string) bool {
	for _, n := range names {
		if key(n) == key(name) {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
