package plan

import (
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// runsAdded are the columns of runs added after its first version; setup adds them to a runs
// table written by an older version.
var runsAdded = []struct {
	name string
	typ  dialects.Type
}{{"quarantined", dialects.Text}, {"rows_by_source", dialects.Text}, {"watermarks", dialects.Text}, {"components_changed", dialects.Int64},
	{"future_rows", dialects.Int64}, {"controls", dialects.Text}}

// Setup is the first stage of every plan: the schemas and the tables that outlive runs. It does
// not depend on the run id, which the runs table it creates gives.
func (pl *Planner) Setup() Stage {
	d, p, n := pl.Dialect, pl.Project, pl.names
	r := n.r
	st := Stage{Kind: KindSetup, Name: "setup", Note: "schemas and the run history table"}
	st.Statements = append(st.Statements,
		Statement{SQL: d.CreateSchema(p.Output.Schema), Schema: p.Output.Schema},
		Statement{SQL: d.CreateWorkSchema(p.Output.WorkSchema), Schema: p.Output.WorkSchema},
		pl.Registry().Create(),
		Statement{SQL: render.SQL(r, idsql.RunsCreate, idsql.RunsCreateData{})},
	)
	for _, col := range runsAdded {
		st.Statements = append(st.Statements, Statement{SQL: d.AddColumn(n.out(Runs), col.name, col.typ)})
	}
	st.Statements = append(st.Statements,
		Statement{SQL: render.SQL(r, idsql.AudienceTables, idsql.AudienceTablesData{}), Note: "the published members, read for when each entered"},
		Statement{SQL: render.SQL(r, idsql.AudienceHistoryCreate, idsql.AudienceHistoryCreateData{}), Note: "every entry into and exit from an audience, across runs"},
		Statement{SQL: render.SQL(r, idsql.IDGraphCreate, idsql.IDGraphCreateData{Scope: pl.scoping(nil)}), Note: "an empty mapping before the first run, so that every run can compare with the last"},
		Statement{SQL: render.SQL(r, idsql.IDChangesCreate, idsql.IDChangesCreateData{Scope: pl.scoping(nil)}), Note: "every change of universal ids, across runs"},
	)
	st.Statements = append(st.Statements, pl.ControlTables()...)
	st.Statements = append(st.Statements, pl.LandingTables()...)
	if len(p.Destinations) > 0 {
		// Made here, not only when a batch is first given up, so that erasure can always clear it.
		st.Statements = append(st.Statements, Statement{SQL: pl.Activation().Create(), Note: "webhook batches that exhausted their retries"})
	}
	if p.Scoped() {
		// Tables of a project that declared no scopes before: the run after declaring them
		// compares with the old mapping and appends to the old changes.
		st.Statements = append(st.Statements,
			Statement{SQL: d.AddColumn(n.out(IDGraph), "scope", dialects.Text)},
			Statement{SQL: d.AddColumn(n.out(IDGraph), "pool", dialects.Text)},
			Statement{SQL: d.AddColumn(n.out(IDChanges), "pool", dialects.Text)})
	}
	st.Statements = append(st.Statements,
		Statement{SQL: d.CreateSchema(p.Output.StateSchema), Schema: p.Output.StateSchema},
		Statement{SQL: render.SQL(r, idsql.StateCreate, idsql.StateCreateData{Table: n.state(stateMeta), Columns: stateColumns[stateMeta]}), Note: "what the stored state was built from"},
		Statement{SQL: render.SQL(r, idsql.StateCreate, idsql.StateCreateData{Table: n.state(stateOverrides), Columns: stateColumns[stateOverrides]}), Note: "the overrides the last run applied"},
	)
	if j := pl.Journal(); j.Needed() {
		st.Statements = append(st.Statements, j.Create())
	}
	return st
}

func (b *build) setup() { b.add(b.Setup()) }

// ControlTables creates, if missing, the tables people write to between runs: overrides,
// forget_requests and forget_audit. Setup runs them; so do the commands and the API that write
// to them, which may come before the first run, after check.Claim has made the output schema
// and listed them as idstitch's own.
func (pl *Planner) ControlTables() []Statement {
	r := pl.names.r
	return []Statement{
		{SQL: render.SQL(r, idsql.OverridesCreate, idsql.OverridesCreateData{}), Note: "overrides people write between runs"},
		{SQL: render.SQL(r, idsql.ForgetRequestsCreate, idsql.ForgetRequestsCreateData{}), Note: "requests to forget identifiers, carried out by the next run"},
		{SQL: render.SQL(r, idsql.ForgetAuditCreate, idsql.ForgetAuditCreateData{}), Note: "what was forgotten, as salted hashes"},
	}
}
