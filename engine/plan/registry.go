package plan

import (
	"sort"
	"strings"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// RegistryTable is the table, in the output schema, listing every table and view that idstitch
// made for each project writing there. A run only replaces or alters what it lists.
const RegistryTable = "idstitch_objects"

// Registry reads and writes the registry of the planner's project.
type Registry struct {
	project string
	names   names
	d       dialects.Dialect
	out     string
	state   string
	work    string
}

// Registry returns the registry of the planner's project.
func (pl *Planner) Registry() Registry {
	p := pl.Project.Output
	return Registry{project: pl.Project.Project, names: pl.names, d: pl.Dialect, out: p.Schema, state: p.StateSchema, work: p.WorkSchema}
}

// Schemas are the schemas a run writes: output, state and work.
func (g Registry) Schemas() []string { return []string{g.out, g.state, g.work} }

// OutputSchema is where the registry is.
func (g Registry) OutputSchema() string { return g.out }

// Create makes the registry unless it exists.
func (g Registry) Create() Statement {
	return Statement{Note: "every table and view idstitch made here, by project: a run replaces nothing else",
		SQL: render.SQL(g.names.r, idsql.StateCreate, idsql.StateCreateData{Table: g.names.out(RegistryTable), Columns: registryColumns})}
}

var registryColumns = []idsql.Column{{Name: "project", Type: "text"}, {Name: "schema_name", Type: "text"}, {Name: "object_name", Type: "text"}}

// Read is the query listing what the registry holds, as (project, schema_name, object_name).
func (g Registry) Read() string {
	return render.SQL(g.names.r, idsql.RegistryRead, idsql.RegistryReadData{Table: g.names.out(RegistryTable)})
}

// Vouched is the query counting the runs of this project that the runs table records.
func (g Registry) Vouched() string {
	return render.SQL(g.names.r, idsql.RunsOfProject, idsql.RunsOfProjectData{Project: g.project})
}

// Project is the project the registry speaks for.
func (g Registry) Project() string { return g.project }

// Insert records objects as made by this project.
func (g Registry) Insert(objects []idsql.Object) string {
	return render.SQL(g.names.r, idsql.RegistryInsert, idsql.RegistryInsertData{Table: g.names.out(RegistryTable), Project: g.project, Objects: objects})
}

// Drop returns the statements dropping objects this project made and no longer makes (the state
// and stitched view of a source removed from the project file), and removing them from the
// registry. They can hold copies of identifiers, which must not outlive the source.
func (g Registry) Drop(objects []idsql.Object) []Statement {
	if len(objects) == 0 {
		return nil
	}
	var out []Statement
	for _, o := range objects {
		table := g.d.Table(o.Schema, o.Name)
		if o.Schema == g.out && strings.HasSuffix(o.Name, "_stitched") {
			out = append(out, Statement{SQL: g.d.DropView(table)})
		} else {
			out = append(out, Statement{SQL: g.d.DropTable(table)})
		}
	}
	return append(out, Statement{SQL: render.SQL(g.names.r, idsql.RegistryDelete, idsql.RegistryInsertData{Table: g.names.out(RegistryTable), Project: g.project, Objects: objects})})
}

// Made lists every table and view a run of the project may make in the output and state
// schemas, sorted. The work schema is not listed: a run makes it, and it holds nothing else.
func (pl *Planner) Made() []idsql.Object {
	out, state := pl.Project.Output.Schema, pl.Project.Output.StateSchema
	var objs []idsql.Object
	add := func(schema string, names ...string) {
		for _, n := range names {
			objs = append(objs, idsql.Object{Schema: schema, Name: n})
		}
	}
	add(out, RegistryTable, Runs, AudienceHistory, IDChanges, IDChanges+render.NextSuffix, "run_lease", Overrides, ForgetRequests, ForgetAudit)
	if len(pl.Project.Destinations) > 0 {
		add(out, DeadLetters)
	}
	if id := pl.Project.Identify; id != nil {
		add(out, id.Table, LandingLoad(id.Table))
	}
	for _, t := range Published {
		add(out, t, t+render.NextSuffix)
	}
	for _, s := range pl.Project.Sources {
		add(out, s.Name+"_stitched")
	}
	add(state, stateMeta, stateJournal, stateOverrides)
	for _, t := range pl.stateTables() {
		add(state, t, t+render.NextSuffix)
	}
	sort.Slice(objs, func(i, j int) bool {
		if objs[i].Schema != objs[j].Schema {
			return objs[i].Schema < objs[j].Schema
		}
		return objs[i].Name < objs[j].Name
	})
	return objs
}
