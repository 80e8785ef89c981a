package warehousetest

import (
	"context"
	"testing"

	"github.com/idstitch/idstitch/engine/plan"
)

// testCompiledScript runs the output of `idstitch compile` as one script, the way a user would
// paste it into the warehouse, and checks its result against the oracle.
func testCompiledScript(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	tables := astroPhTables(t)
	tables = append(tables, chainTables(3000)...)
	Load(t, conn, tables)
	p := mustParse(t, ProjectYAML([]string{"author", "node"}, tables, conn.Dialect().DefaultSchema()))
	pl, err := plan.New(p, conn.Dialect(), plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	script, err := pl.Plan(0)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Exec(context.Background(), script.Script(plan.DefaultScriptRounds)); err != nil {
		t.Fatalf("the compiled script does not run: %v", err)
	}
	CheckPartition(t, Oracle(tables), Published(t, conn, p.Output.Schema), []string{"author", "node"}, p.Output.IDSalt)
}
