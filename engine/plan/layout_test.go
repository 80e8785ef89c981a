package plan

import (
	"strings"
	"testing"

	"github.com/idstitch/idstitch/dialects"
)

// statementOf returns the statement of stage kind whose SQL starts with prefix.
func statementOf(t *testing.T, p *Plan, kind Kind, prefix string) string {
	t.Helper()
	for _, st := range p.Stages {
		if st.Kind != kind {
			continue
		}
		for _, s := range append(st.Statements, st.Commit...) {
			if strings.HasPrefix(s.SQL, prefix) {
				return s.SQL
			}
		}
	}
	t.Fatalf("no statement of the %s plan starts with %q", p.Mode, prefix)
	return ""
}

// TestBigQueryLayouts: on BigQuery a full run builds id_graph clustered by the identifier a
// lookup names, profiles and id_edges by the universal id that incremental runs delete by, and
// each source's stored rows partitioned by month of ts (the column of the incremental windows)
// and clustered by row_hash; a source without a timestamp is not partitioned. The other
// warehouses' statements carry no such clause.
func TestBigQueryLayouts(t *testing.T) {
	full, _ := publishPlans(t, dialects.BigQuery{})
	for prefix, want := range map[string]string{
		"CREATE OR REPLACE TABLE `identity`.`id_graph__next`":          "\nCLUSTER BY `id_type`, `id_value` AS\n",
		"CREATE OR REPLACE TABLE `identity`.`profiles__next`":          "\nCLUSTER BY `universal_id` AS\n",
		"CREATE OR REPLACE TABLE `identity`.`id_edges__next`":          "\nCLUSTER BY `universal_id` AS\n",
		"CREATE OR REPLACE TABLE `identity_state`.`regions__next`":     "\nCLUSTER BY `node_id` AS\n",
		"CREATE OR REPLACE TABLE `identity_state`.`rows_orders__next`": "\nPARTITION BY TIMESTAMP_TRUNC(`ts`, MONTH)\nCLUSTER BY `row_hash` AS\n",
	} {
		kind := KindOutputs
		if strings.Contains(prefix, "rows_") {
			kind = KindExtract
		} else if strings.Contains(prefix, "regions") || strings.Contains(prefix, "id_graph") {
			kind = KindIDs
		}
		if got := statementOf(t, full, kind, prefix); !strings.HasPrefix(got, prefix+want) {
			t.Errorf("%s… is\n%.200s\nwant it to go on with %q", prefix, got, want)
		}
	}
	for _, d := range []dialects.Dialect{dialects.DuckDB{}, dialects.Postgres{}, dialects.Snowflake{}} {
		full, inc := publishPlans(t, d)
		for _, p := range []*Plan{full, inc} {
			for _, st := range p.Stages {
				for _, s := range st.Statements {
					if strings.Contains(s.SQL, "CLUSTER BY") || strings.Contains(s.SQL, "PARTITION BY TIMESTAMP_TRUNC") {
						t.Errorf("%s %s: a layout clause in\n%.200s", d.Name(), p.Mode, s.SQL)
					}
				}
			}
		}
	}
}

// TestBigQueryReplacesPartitionedState: the full publish drops a source's stored rows before
// copying the new ones, partitioned, in their place (BigQuery refuses to replace a table by one
// partitioned otherwise, as the state of an earlier version is); the published outputs, only
// clustered, are replaced in one statement that keeps their grants.
func TestBigQueryReplacesPartitionedState(t *testing.T) {
	full, _ := publishPlans(t, dialects.BigQuery{})
	var sqls []string
	for _, s := range publishStage(t, full).Statements {
		sqls = append(sqls, s.SQL)
	}
	joined := strings.Join(sqls, ";\n")
	for _, want := range []string{
		"DROP TABLE IF EXISTS `identity_state`.`rows_orders`;\nCREATE OR REPLACE TABLE `identity_state`.`rows_orders` COPY `identity_state`.`rows_orders__next`",
		"CREATE OR REPLACE TABLE `identity`.`id_graph` COPY `identity`.`id_graph__next`",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("the publish lacks\n%s\nin\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "DROP TABLE IF EXISTS `identity`.`id_graph`") {
		t.Error("the publish drops id_graph, losing the grants people gave on it")
	}
}
