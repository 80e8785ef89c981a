package warehousetest

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/internal/demogen"
)

// BenchmarkChain times a full run on a chain, the worst case for label propagation.
//
//	go test ./internal/warehousetest -run '^$' -bench Chain
func BenchmarkChain(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			conn, err := duckdb.Open(context.Background(), filepath.Join(b.TempDir(), "bench.duckdb"), false)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			tables := chainTables(n)
			Load(b, conn, tables)
			p := mustParse(b, ProjectYAML([]string{"node"}, tables, "main"))
			b.ResetTimer()
			rounds := 0
			for i := 0; i < b.N; i++ {
				rounds = Stitch(b, conn, p, plan.Contraction).Result.Rounds
			}
			b.ReportMetric(float64(rounds), "rounds")
		})
	}
}

// BenchmarkDemo times a full run on the demo's synthetic e-commerce data.
//
//	go test ./internal/warehousetest -run '^$' -bench Demo
func BenchmarkDemo(b *testing.B) {
	for _, persons := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("persons=%d", persons), func(b *testing.B) {
			conn, err := duckdb.Open(context.Background(), filepath.Join(b.TempDir(), "bench.duckdb"), false)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			if _, err := demogen.Generate(context.Background(), conn, demogen.Options{Persons: persons, Seed: 1}); err != nil {
				b.Fatal(err)
			}
			p := mustParse(b, demogen.Project(demogen.ProjectOptions{Name: "demo", Warehouse: "duckdb", Path: "unused.duckdb", Guards: true}))
			b.ResetTimer()
			var identifiers int64
			for i := 0; i < b.N; i++ {
				identifiers = Stitch(b, conn, p, plan.Contraction).Result.Nodes
			}
			b.ReportMetric(float64(identifiers)*float64(b.N)/b.Elapsed().Seconds(), "identifiers/s")
		})
	}
}
