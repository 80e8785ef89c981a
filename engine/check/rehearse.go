package check

import (
	"context"
	"errors"
	"fmt"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// rehearsalRows is how many rows of each source a rehearsal copies, and rehearsalRounds how many
// rounds of the components loop it runs: the aim is to run every statement, not to finish.
const (
	rehearsalRows   = 100
	rehearsalRounds = 2
)

// Schemas of a rehearsal, which exist only inside its transaction.
const (
	rehearsalSources = "idstitch_rehearsal_sources"
	rehearsalWork    = "idstitch_rehearsal_work"
	rehearsalOutput  = "idstitch_rehearsal"
	rehearsalState   = "idstitch_rehearsal_state"
)

// Rehearse runs the whole plan of a full run on copies of the sources' first rows, in one transaction
// that is rolled back, where the warehouse can (transactional DDL: DuckDB, Postgres). It finds
// what only running the plan shows — a trait that sums text, an audience on a column that does
// not exist, a timestamp column that is not a timestamp — before a run has created anything.
// Elsewhere the probes of each user expression against its source (Sources) are what there is.
func Rehearse(ctx context.Context, conn connectors.Conn, pl *plan.Planner) error {
	reh, ok := conn.(connectors.Rehearser)
	if !ok || !conn.Dialect().Supports(dialects.TransactionalDDL) {
		return nil
	}
	p := pl.Project
	stmts, where, err := rehearsal(pl, conn.Dialect())
	if err != nil {
		return err
	}
	err = reh.Rehearse(ctx, stmts)
	if err == nil {
		return nil
	}
	var ce *connectors.Error
	if errors.As(err, &ce) && ce.Kind == connectors.Denied && ce.Statement == stmts[0] {
		// The rehearsal's schemas live only inside its transaction, but creating them still needs
		// the privilege to create schemas, which a role given schemas of its own may lack. Such a
		// role's runs are not rehearsed; idstitch doctor says so and gives the grant.
		return nil
	}
	if !errors.As(err, &ce) || ce.Kind != connectors.BadSQL && ce.Kind != connectors.MissingObject && ce.Kind != connectors.Other {
		return fmt.Errorf("%s: cannot rehearse the run on copies of the sources' first rows: %w", p.File, err)
	}
	stage := where[ce.Statement]
	return fmt.Errorf("%s: the run would fail in stage %s (%s), rehearsed on copies of the sources' first rows: %s; nothing was created",
		p.File, stage, blame(stage), firstLine(err))
}

// rehearsal returns the statements of a rehearsal in the dialect d, and the stage of each.
func rehearsal(pl *plan.Planner, d dialects.Dialect) (stmts []string, where map[string]string, err error) {
	p := pl.Project
	copyOf := *p
	// The rehearsal publishes into schemas of its own, made and dropped inside its transaction.
	// In the project's schemas it would compare a hundred rows with every published identifier
	// (seconds per million) and, on Postgres, hold locks on the published tables that readers
	// wait for until it rolls back.
	copyOf.Output.Schema, copyOf.Output.WorkSchema, copyOf.Output.StateSchema = rehearsalOutput, rehearsalWork, rehearsalState
	copyOf.Sources = make([]config.Source, len(p.Sources))
	r := pl.Renderer()
	stmts = []string{d.CreateSchema(rehearsalSources)}
	for i, s := range p.Sources {
		copyOf.Sources[i] = s
		copyOf.Sources[i].Table = rehearsalSources + "." + s.Name
		if s.Landing {
			// The landing table may not exist before the first run: an empty one stands in.
			stmts = append(stmts, pl.LandingCopy(d.Table(rehearsalSources, s.Name))...)
			continue
		}
		stmts = append(stmts, render.SQL(r, idsql.RehearsalSource, idsql.RehearsalSourceData{
			Table: d.Table(rehearsalSources, s.Name), Source: pl.SourceTable(s), Rows: rehearsalRows}))
	}
	rp, err := plan.New(&copyOf, dialects.WorkInSchema(d), pl.Algorithm)
	if err != nil {
		return nil, nil, err
	}
	pn, err := rp.Plan(1)
	if err != nil {
		return nil, nil, err
	}
	where = map[string]string{}
	add := func(st plan.Stage, list []plan.Statement) {
		for _, s := range list {
			stmts = append(stmts, s.SQL)
			where[s.SQL] = st.Name
		}
	}
	for _, st := range pn.Stages {
		add(st, st.Statements)
		if l := st.Loop; l != nil {
			add(st, []plan.Statement{{SQL: l.Start}})
			for i := 1; i <= rehearsalRounds; i++ {
				add(st, l.Round(i))
			}
			add(st, l.Finish(rehearsalRounds))
		}
		add(st, st.After)
		add(st, st.Commit)
		if st.Kind == plan.KindOutputs {
			add(st, []plan.Statement{{SQL: pn.Stats}, {SQL: pn.QuarantineCounts}})
		}
	}
	return stmts, where, nil
}

// blame says which part of the project file a failing stage reads.
func blame(stage string) string {
	switch stage {
	case "traits":
		return "check the traits: each expr must suit its agg, e.g. no sum of text"
	case "outputs":
		return "check the audiences: each where may use only profile columns and traits"
	case "extract", "region":
		return "check each source's timestamp column (a timestamp) and its id expressions"
	}
	return "check the project file's expressions"
}
