package cli

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
)

// TestMeasureBigQuerySizes: a table's size follows BigQuery's data size rules, worked out by
// hand: INT64 and TIMESTAMP 8 bytes, BOOL 1, STRING 2 plus its UTF-8 length, NULL nothing.
func TestMeasureBigQuerySizes(t *testing.T) {
	ctx := context.Background()
	conn, err := duckdb.Open(ctx, filepath.Join(t.TempDir(), "m.duckdb"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Exec(ctx, `CREATE TABLE main.t AS SELECT * FROM (VALUES
		(1::BIGINT, 'ab', true, TIMESTAMP '2026-01-05'),
		(2, 'é', NULL, TIMESTAMP '2026-02-05'),
		(NULL, NULL, false, NULL)) v(n, s, b, ts)`); err != nil {
		t.Fatal(err)
	}
	p := &config.Project{Project: "m", Output: config.Output{Schema: "identity", WorkSchema: "identity_work", StateSchema: "identity_state"}}
	pl, err := plan.New(p, dialects.DuckDB{}, "")
	if err != nil {
		t.Fatal(err)
	}
	tr := &traced{sizes: map[string]tableSize{}}
	if err := tr.measure(ctx, conn.DB(), pl, `"main"."t"`); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"n": 16, "s": 4 + 4, "b": 2, "ts": 16}
	for c, n := range want {
		if got := tr.sizes["t"].Columns[c]; got != n {
			t.Errorf("column %s: %d bytes, want %d", c, got, n)
		}
	}
}

// TestPriceStatements: the bytes billed for statements over tables of known sizes, worked out
// by hand from the rules (referenced columns only; DELETE adds its table's size; 10 MB per table
// and per query; constant windows prune monthly partitions, negated ones do not).
func TestPriceStatements(t *testing.T) {
	jan, feb := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	rows := tableSize{
		Columns: map[string]int64{"ts": 24 * mb, "row_hash": 6 * mb, "v1": 5 * mb},
		Months: map[time.Time]map[string]int64{
			{}:  {"ts": 0, "row_hash": 1 * mb, "v1": 1 * mb},
			jan: {"ts": 16 * mb, "row_hash": 4 * mb, "v1": 2 * mb},
			feb: {"ts": 8 * mb, "row_hash": 1 * mb, "v1": 2 * mb},
		},
	}
	sizes := map[string]tableSize{
		"rows_e": rows,
		"gone_e": {Columns: map[string]int64{"row_hash": 1000}},
		"big":    {Columns: map[string]int64{"a": 30 * mb, "b": 12 * mb}},
	}
	window := "(ts IS NULL OR ts >= CAST('2026-02-03 00:00:00' AS TIMESTAMP))"
	del := "DELETE FROM `st`.`rows_e` WHERE " + window + " AND row_hash IN (SELECT row_hash FROM `w`.`gone_e`)"
	for _, c := range []struct {
		name  string
		sql   string
		prune bool
		want  int64
	}{
		{"the referenced column only", "CREATE OR REPLACE TABLE `w`.`x`\nOPTIONS (expiration_timestamp = CURRENT_TIMESTAMP()) AS\nSELECT a FROM `o`.`big`", true, 30 * mb},
		{"every column a top-level star takes", "INSERT INTO `o`.`copy` SELECT * FROM `o`.`big`", true, 42 * mb},
		{"a star in a subquery is pruned", "SELECT a FROM (SELECT * FROM `o`.`big`) q", true, 30 * mb},
		{"a small table bills 10 MB", "SELECT COUNT(*) FROM `w`.`gone_e`", true, 10 * mb},
		// q: ts 24 + row_hash 6 of rows_e, 10 (minimum) of gone_e; t: 35 for rows_e.
		{"DELETE, unpartitioned", del, false, (24 + 6 + 35 + 10) * mb},
		// The window starts in February: the February partition and the one outside the
		// months; q: ts 8 + row_hash 2, t: 8 + 2 + 3 = 13; gone_e 10.
		{"DELETE, partitioned", del, true, (8 + 2 + 13 + 10) * mb},
		// Rows outside the window: nothing is pruned.
		{"a negated window", "SELECT ts, v1 FROM `st`.`rows_e` s WHERE NOT (" + window + " AND s.row_hash IN (SELECT row_hash FROM `w`.`gone_e`))", true, (24 + 6 + 5 + 10) * mb},
		{"a copy is free", "CREATE OR REPLACE TABLE `o`.`big2` COPY `o`.`big`", true, 0},
		{"DDL is free", "CREATE TABLE IF NOT EXISTS `o`.`runs` (\n  run_id INT64\n)", true, 0},
	} {
		got := pricing{Sizes: sizes, Partitioned: map[string]string{"rows_e": "ts"}, Prune: c.prune}.price(c.sql)
		if got.Billed != c.want {
			t.Errorf("%s: %.1f MiB billed, want %.1f MiB", c.name, float64(got.Billed)/mb, float64(c.want)/mb)
		}
	}
}
