package googlesqltest

import (
	"strings"
	"testing"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
)

// audienceTables makes, in an empty warehouse, the tables the audience exits read and write.
func audienceTables(t *testing.T) *warehouse {
	t.Helper()
	w := newWarehouse(t, nil)
	for _, stmt := range []string{
		"CREATE SCHEMA IF NOT EXISTS `identity`",
		"CREATE TABLE `identity`.`audience_history` (audience STRING, universal_id STRING, entered_at TIMESTAMP, exited_at TIMESTAMP, run_id INT64)",
		"CREATE TABLE `identity`.`audience_members__next` (audience STRING, universal_id STRING, entered_at TIMESTAMP)",
	} {
		if err := w.analyze(stmt, nil); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	return w
}

// TestOldAudienceExitRejected: the audience exit as it was written before its target had an alias
// parses, but BigQuery refuses it, because a table path gives only its last name as implicit
// alias. The analyzer must refuse it too, and accept the statement the plan has now; otherwise
// the test of the plans proves nothing about names.
func TestOldAudienceExitRejected(t *testing.T) {
	w := audienceTables(t)
	old := "UPDATE `identity`.`audience_history` SET exited_at = CURRENT_TIMESTAMP() WHERE exited_at IS NULL AND NOT EXISTS (" +
		"SELECT 1 FROM `identity`.`audience_members__next` n WHERE n.audience = `identity`.`audience_history`.audience AND n.universal_id = `identity`.`audience_history`.universal_id)"
	err := w.analyze(old, nil)
	if err == nil || !strings.Contains(err.Error(), "Unrecognized name: identity") {
		t.Errorf("GoogleSQL should refuse the old audience exit with an unrecognized name; it says %v", err)
	}

	p, err := config.Load(casesDir + "/audiences/idstitch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pl, err := plan.New(p, dialects.BigQuery{}, "")
	if err != nil {
		t.Fatal(err)
	}
	full, err := pl.Plan(1)
	if err != nil {
		t.Fatal(err)
	}
	exits := 0
	for _, stmt := range full.Statements(1) {
		if strings.HasPrefix(stmt, "UPDATE `identity`.`audience_history`") {
			exits++
			if err := w.analyze(stmt, nil); err != nil {
				t.Errorf("GoogleSQL refuses the plan's audience exit:\n%s\n%v", stmt, err)
			}
		}
	}
	if exits != 1 {
		t.Errorf("the audiences plan has %d audience exits; this test expects one", exits)
	}
}

// TestCatalogFollowsStatements proves that names resolve against what the statements before made:
// each step runs one statement and expects GoogleSQL to accept it, or to refuse it with an error
// that contains refused.
func TestCatalogFollowsStatements(t *testing.T) {
	w := newWarehouse(t, map[string]map[string]string{"raw.events": {"user_id": "INT64", "email": "STRING"}})
	steps := []struct {
		sql     string
		refused string
		params  map[string]string
	}{
		// Sources resolve by dataset.table and project.dataset.table, with their declared columns.
		{sql: "SELECT user_id, email FROM `raw`.`events`"},
		{sql: "SELECT user_id FROM `idstitch-test`.`raw`.`events`"},
		{sql: "SELECT user_id FROM `idstitch-test.raw`.`events`"},
		{sql: "SELECT phone FROM `raw`.`events`", refused: "Unrecognized name: phone"},
		{sql: "SELECT 1 FROM `raw`.`missing`", refused: "Table not found: raw.missing"},
		{sql: "SELECT 1 FROM `other`.`events`", refused: "Table not found"},
		// A table made by a query has the query's columns, typed.
		{sql: "CREATE TABLE `work`.`t` AS SELECT user_id FROM `raw`.`events`", refused: "dataset work does not exist"},
		{sql: "CREATE SCHEMA IF NOT EXISTS `work`"},
		{sql: "CREATE TABLE `work`.`t` AS SELECT user_id, CAST(user_id AS STRING) AS s FROM `raw`.`events`"},
		{sql: "SELECT user_id + 1, LENGTH(s) FROM `work`.`t`"},
		{sql: "SELECT LENGTH(user_id) FROM `work`.`t`", refused: "No matching signature for function LENGTH"},
		{sql: "SELECT email FROM `work`.`t`", refused: "Unrecognized name: email"},
		{sql: "CREATE TABLE `work`.`t` AS SELECT 1 AS x", refused: "already exists"},
		{sql: "CREATE TABLE IF NOT EXISTS `work`.`t` AS SELECT 1 AS x"},
		{sql: "SELECT s FROM `work`.`t`"},
		{sql: "CREATE OR REPLACE TABLE `work`.`t` AS SELECT 1 AS x"},
		{sql: "SELECT s FROM `work`.`t`", refused: "Unrecognized name: s"},
		// A column list; ADD COLUMN.
		{sql: "CREATE TABLE `work`.`runs` (run_id INT64, status STRING)"},
		{sql: "SELECT note FROM `work`.`runs`", refused: "Unrecognized name: note"},
		{sql: "ALTER TABLE `work`.`runs` ADD COLUMN IF NOT EXISTS `note` STRING"},
		{sql: "ALTER TABLE `work`.`runs` ADD COLUMN IF NOT EXISTS `note` STRING"},
		{sql: "ALTER TABLE `work`.`runs` ADD COLUMN `note` STRING", refused: "Column already exists: note"},
		{sql: "SELECT note FROM `work`.`runs`"},
		{sql: "INSERT INTO `work`.`runs` (run_id, status, note) VALUES (1, 'running', NULL)"},
		{sql: "INSERT INTO `work`.`runs` (run_id, status) VALUES ('one', 'running')", refused: "cannot be inserted into column run_id"},
		// RENAME TO and DROP.
		{sql: "ALTER TABLE `work`.`t` RENAME TO `u`"},
		{sql: "SELECT x FROM `work`.`u`"},
		{sql: "SELECT x FROM `work`.`t`", refused: "Table not found: work.t"},
		{sql: "DROP TABLE IF EXISTS `work`.`u`"},
		{sql: "SELECT x FROM `work`.`u`", refused: "Table not found: work.u"},
		{sql: "DROP TABLE IF EXISTS `work`.`u`"},
		{sql: "DROP TABLE `work`.`u`", refused: "does not exist"},
		// Views, which DROP TABLE does not drop.
		{sql: "CREATE OR REPLACE VIEW `work`.`v` AS SELECT run_id, note FROM `work`.`runs`"},
		{sql: "SELECT note FROM `work`.`v` WHERE run_id = 1"},
		{sql: "DROP TABLE IF EXISTS `work`.`v`", refused: "it is a view"},
		{sql: "DROP VIEW IF EXISTS `work`.`v`"},
		{sql: "SELECT note FROM `work`.`v`", refused: "Table not found: work.v"},
		// The INFORMATION_SCHEMA views the runner reads, and query parameters.
		{sql: "SELECT column_name FROM `raw`.INFORMATION_SCHEMA.COLUMNS WHERE table_name = @p1 ORDER BY ordinal_position", params: map[string]string{"p1": "STRING"}},
		{sql: "SELECT column_name FROM `raw`.INFORMATION_SCHEMA.COLUMNS WHERE table_name = @p1", refused: "Query parameter 'p1' not found"},
		{sql: "SELECT table_name FROM `missing`.INFORMATION_SCHEMA.VIEWS", refused: "not found"},
		// BigQuery's types: no INT32, no RETURNING.
		{sql: "SELECT CAST(user_id AS INT32) FROM `raw`.`events`", refused: "Type not found: INT32"},
		{sql: "UPDATE `work`.`runs` SET status = 'x' WHERE run_id = 1 THEN RETURN run_id", refused: "THEN RETURN"},
	}
	for i, s := range steps {
		err := w.analyze(s.sql, s.params)
		switch {
		case s.refused == "" && err != nil:
			t.Fatalf("step %d: GoogleSQL refuses\n%s\n%v", i, s.sql, err)
		case s.refused != "" && err == nil:
			t.Fatalf("step %d: GoogleSQL accepts\n%s\nwhich it should refuse with %q", i, s.sql, s.refused)
		case s.refused != "" && !strings.Contains(err.Error(), s.refused):
			t.Fatalf("step %d: GoogleSQL refuses\n%s\nwith %v, not with %q", i, s.sql, err, s.refused)
		}
	}
}

// TestPublishByCopy: publishing a table as one idempotent statement, CREATE OR REPLACE TABLE
// final COPY next, analyses, and the published table has the columns of the one copied. CLONE does
// the same.
func TestPublishByCopy(t *testing.T) {
	w := newWarehouse(t, nil)
	d := dialects.BigQuery{}
	next, final := d.Table("identity", "profiles__next"), d.Table("identity", "profiles")
	for _, s := range []string{
		d.CreateSchema("identity"),
		"CREATE TABLE " + next + " (universal_id STRING, orders INT64)",
		"CREATE OR REPLACE TABLE " + final + " COPY " + next,
		// Twice: the statement is idempotent.
		"CREATE OR REPLACE TABLE " + final + " COPY " + next,
		"SELECT universal_id, orders + 1 FROM " + final,
		d.DropTable(next),
		"SELECT universal_id FROM " + final,
		"CREATE OR REPLACE TABLE " + d.Table("identity", "profiles_backup") + " CLONE " + final,
		"SELECT orders FROM " + d.Table("identity", "profiles_backup"),
	} {
		if err := w.analyze(s, nil); err != nil {
			t.Fatalf("GoogleSQL refuses\n%s\n%v", s, err)
		}
	}
	if err := w.analyze("CREATE OR REPLACE TABLE "+final+" COPY "+next, nil); err == nil || !strings.Contains(err.Error(), "Table not found") {
		t.Errorf("a COPY of a dropped table should not resolve; GoogleSQL says %v", err)
	}
}

// TestTransactionScript: a multi-statement DML transaction analyses as BigQuery runs it, one
// statement after the other in one script, and the catalog refuses what BigQuery refuses in one:
// DDL on permanent tables, and a transaction begun inside another.
func TestTransactionScript(t *testing.T) {
	w := audienceTables(t)
	d := dialects.BigQuery{}
	history, members := d.Table("identity", "audience_history"), d.Table("identity", "audience_members__next")
	script := d.Begin() + ";\n" +
		"UPDATE " + history + " AS h SET exited_at = CURRENT_TIMESTAMP() WHERE h.exited_at IS NULL AND NOT EXISTS (" +
		"SELECT 1 FROM " + members + " n WHERE n.audience = h.audience AND n.universal_id = h.universal_id);\n" +
		"INSERT INTO " + history + " (audience, universal_id, entered_at, exited_at, run_id)\n" +
		"SELECT audience, universal_id, entered_at, NULL, 7 FROM " + members + ";\n" +
		"DELETE FROM " + members + " WHERE TRUE;\n" +
		d.Commit() + ";\n"
	if err := w.analyzeScript(script); err != nil {
		t.Fatalf("GoogleSQL refuses the transaction\n%s\n%v", script, err)
	}
	if w.inTransaction {
		t.Fatal("the catalog is still in the transaction after COMMIT TRANSACTION")
	}
	// The same statements one by one, as a runner would send them in one session.
	for _, s := range strings.Split(strings.TrimSpace(script), ";\n") {
		if err := w.analyze(strings.TrimSuffix(s, ";"), nil); err != nil {
			t.Fatalf("GoogleSQL refuses\n%s\n%v", s, err)
		}
	}
	for _, bad := range []struct{ script, refused string }{
		{d.Begin() + "; CREATE OR REPLACE TABLE `identity`.`profiles` COPY " + members + "; " + d.Commit() + ";", "inside a transaction"},
		{d.Begin() + "; " + d.DropTable(members) + "; " + d.Commit() + ";", "inside a transaction"},
		{d.Begin() + "; " + d.Begin() + "; " + d.Commit() + ";", "does not nest"},
		{d.Commit() + ";", "without a transaction"},
	} {
		w.inTransaction = false
		err := w.analyzeScript(bad.script)
		if err == nil || !strings.Contains(err.Error(), bad.refused) {
			t.Errorf("%s\nshould be refused with %q; got %v", bad.script, bad.refused, err)
		}
	}
}
