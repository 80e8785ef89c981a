package warehousetest

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/idstitch/idstitch/engine/plan"
)

func testRandomGraphs(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	// The property's own t hides the test's, so that a failure in any helper is rapid's to shrink.
	rapid.Check(t, func(t *rapid.T) {
		tables := drawTables(t)
		sc := drawScopes(t, tables)
		Load(t, conn, tables)
		yaml := ProjectYAML(randomTypes, tables, conn.Dialect().DefaultSchema())
		if sc != nil {
			yaml = scopedYAML(sc, yaml)
		}
		p := mustParse(t, yaml)
		Stitch(t, conn, p, plan.Contraction)
		first := published(t, conn, p.Output.Schema, sc != nil)
		CheckPartition(t, OracleScoped(tables, sc), first, randomTypes, p.Output.IDSalt)
		if sc == nil {
			checkProfiles(t, conn, p.Output.Schema, randomTypes)
			checkEdges(t, conn, p.Output.Schema, tables)
		}
		if sum := StitchIncremental(t, conn, p); sum.Mode != plan.ModeIncremental || len(sum.Changes) != 0 {
			t.Fatalf("a second run over the same data was %s (%s) and changed %v; want incremental and no change", sum.Mode, sum.Reason, sum.Changes)
		}
		second := published(t, conn, p.Output.Schema, sc != nil)
		for id, uid := range first {
			if second[id] != uid {
				t.Fatalf("a second run over the same data gave %v universal id %s, the first %s", id, second[id], uid)
			}
		}
	})
}

func testLongChain(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	const n = 20000
	tables := chainTables(n)
	Load(t, conn, tables)
	p := mustParse(t, ProjectYAML([]string{"node"}, tables, conn.Dialect().DefaultSchema()))
	sum := Stitch(t, conn, p, plan.Contraction)
	CheckPartition(t, Oracle(tables), Published(t, conn, p.Output.Schema), []string{"node"}, p.Output.IDSalt)
	// Label propagation would need 19,999 rounds; contraction needs O(log n).
	if limit := 4*15 + 20; sum.Result.Rounds > limit || sum.Result.Rounds < 1 {
		t.Fatalf("a %d-node chain took %d rounds, want 1 to %d", n, sum.Result.Rounds, limit)
	}
	t.Logf("%d-node chain: %d rounds", n, sum.Result.Rounds)
}

func testAstroPh(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	tables := astroPhTables(t)
	Load(t, conn, tables)
	p := mustParse(t, ProjectYAML([]string{"author"}, tables, conn.Dialect().DefaultSchema()))
	sum := Stitch(t, conn, p, plan.Contraction)
	// The published answer for this graph, from networkit's own test.
	if sum.Result.Components != 1029 {
		t.Fatalf("astro-ph: %d profiles, want 1,029", sum.Result.Components)
	}
	if n := count(t, conn, "SELECT COUNT(*) FROM identity.profiles"); n != 1029 {
		t.Fatalf("astro-ph: profiles table has %d rows, want 1,029", n)
	}
	CheckPartition(t, Oracle(tables), Published(t, conn, p.Output.Schema), []string{"author"}, p.Output.IDSalt)
}

func testLabelPropagation(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	// The property's own t hides the test's, so that a failure in any helper is rapid's to shrink.
	rapid.Check(t, func(t *rapid.T) {
		tables := drawTables(t)
		Load(t, conn, tables)
		p := mustParse(t, ProjectYAML(randomTypes, tables, conn.Dialect().DefaultSchema()))
		Stitch(t, conn, p, plan.LabelPropagation)
		CheckPartition(t, Oracle(tables), Published(t, conn, p.Output.Schema), randomTypes, p.Output.IDSalt)
	})
}
