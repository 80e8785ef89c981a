package emulatortest

import (
	"context"
	"testing"

	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// TestControlStatements runs, through gosnowflake, the statements of engine/control that take no
// bind parameter: the tables people write to, the list of overrides and the forget counts. The
// emulator takes bind parameters only on its REST API, not on the session gosnowflake opens, so
// the statements that bind values (override_insert, override_delete, forget_insert) are checked
// on DuckDB and Postgres (internal/warehousetest) and rendered for Snowflake only.
func TestControlStatements(t *testing.T) {
	p, conn := open(t, false)
	pl, err := plan.New(p, conn.Dialect(), plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := pl.Renderer()
	if err := conn.Exec(ctx, pl.Dialect.CreateSchema(p.Output.Schema)); err != nil {
		t.Fatal(err)
	}
	for _, st := range pl.ControlTables() {
		if err := conn.Exec(ctx, st.SQL); err != nil {
			t.Fatalf("%s\n%v", st.SQL, err)
		}
	}
	for _, q := range []string{render.SQL(r, idsql.OverrideRead, idsql.OverrideReadData{}), render.SQL(r, idsql.ForgetCounts, idsql.ForgetCountsData{})} {
		rows, err := conn.Query(ctx, q)
		if err != nil {
			t.Fatalf("%s\n%v", q, err)
		}
		rows.Close()
	}
}
