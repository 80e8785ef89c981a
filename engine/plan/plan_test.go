package plan

import (
	"flag"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
)

var update = flag.Bool("update", false, "rewrite the golden compiled plans in testdata/cases")

func TestUnknownAlgorithm(t *testing.T) {
	p, err := config.Load("testdata/cases/minimal/idstitch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(p, dialects.DuckDB{}, "bfs"); err == nil {
		t.Fatal("an unknown algorithm was accepted")
	}
}

// TestNormalizeQueryKept: lookups ask for the normalization query on every request; the planner
// renders it once per id type.
func TestNormalizeQueryKept(t *testing.T) {
	p, err := config.Load("testdata/cases/checks/idstitch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pl, err := New(p, dialects.DuckDB{}, Contraction)
	if err != nil {
		t.Fatal(err)
	}
	first, ok := pl.NormalizeQuery("email")
	if !ok || !strings.Contains(first, "WHEN") {
		t.Fatalf("NormalizeQuery(email) = %q, %v", first, ok)
	}
	if allocs := testing.AllocsPerRun(100, func() {
		if q, _ := pl.NormalizeQuery("email"); q != first {
			t.Fatal("the normalization query changed")
		}
	}); allocs > 1 {
		t.Fatalf("NormalizeQuery costs %.0f allocations a call; want it kept", allocs)
	}
	if _, ok := pl.NormalizeQuery("nope"); ok {
		t.Fatal("an unknown id type has a normalization query")
	}
}

// A BigQuery output schema written project.dataset (the project file's documented form) is
// quoted part by part wherever the plan names it: the datasets it creates and every table in them.
func TestProjectQualifiedOutputSchema(t *testing.T) {
	p, err := config.Load("testdata/cases/minimal/idstitch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The case is a DuckDB project, whose validation refuses a dotted schema; the planner is
	// given one as a BigQuery project's validation accepts it.
	p.Output.Schema, p.Output.WorkSchema, p.Output.StateSchema = "data-project.identity", "data-project.identity_work", "data-project.identity_state"
	pl, err := New(p, dialects.BigQuery{}, Contraction)
	if err != nil {
		t.Fatal(err)
	}
	pn, err := pl.Plan(1)
	if err != nil {
		t.Fatal(err)
	}
	script := strings.Join(pn.Statements(2), "\n")
	for _, want := range []string{"CREATE SCHEMA IF NOT EXISTS `data-project`.`identity`", "`data-project`.`identity_work`.", "`data-project`.`identity`.`id_graph`"} {
		if !strings.Contains(script, want) {
			t.Errorf("the plan lacks %s", want)
		}
	}
	if strings.Contains(script, "`data-project.") {
		t.Error("the plan quotes project and dataset together")
	}
}

// Compiling for Snowflake a project whose pattern Snowflake cannot read is an error naming the
// key, not SQL that matches differently there.
func TestPatternSnowflakeCannotRead(t *testing.T) {
	p, err := config.Load("testdata/cases/checks/idstitch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p.IDTypes[0].Pattern = `^(.+?)@`
	if _, err := New(p, dialects.DuckDB{}, Contraction); err != nil {
		t.Fatalf("DuckDB: %v", err)
	}
	_, err = New(p, dialects.Snowflake{}, Contraction)
	if err == nil || !strings.Contains(err.Error(), "id_types[0].pattern") || !strings.Contains(err.Error(), "non-greedy") {
		t.Fatalf("Snowflake: err = %v", err)
	}
}
