package plan

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
)

// publishPlans compiles the audiences case (it has every kind of published table) for d, full
// and incremental.
func publishPlans(t *testing.T, d dialects.Dialect) (full, inc *Plan) {
	t.Helper()
	p, err := config.Load("testdata/cases/audiences/idstitch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pl, err := New(p, d, Contraction)
	if err != nil {
		t.Fatal(err)
	}
	if full, err = pl.Plan(3); err != nil {
		t.Fatal(err)
	}
	marks := map[string]time.Time{}
	for _, s := range p.Sources {
		marks[s.Name] = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	}
	if inc, err = pl.PlanIncremental(3, Prior{Watermarks: marks}); err != nil {
		t.Fatal(err)
	}
	return full, inc
}

func publishStage(t *testing.T, p *Plan) Stage {
	t.Helper()
	for _, st := range p.Stages {
		if st.Kind == KindPublish {
			return st
		}
	}
	t.Fatal("the plan has no publish stage")
	return Stage{}
}

var dml = regexp.MustCompile(`^(INSERT INTO|DELETE FROM|UPDATE) `)

// TestPublishWithoutTransactionalDDL: where DDL commits at once, a full run's publish replaces
// each table by a statement that can run again and never drops a view, and what must change
// together is DML committed in one transaction; an incremental publish is DML only, in one
// transaction.
func TestPublishWithoutTransactionalDDL(t *testing.T) {
	for _, d := range []dialects.Dialect{dialects.Snowflake{}, dialects.BigQuery{}} {
		full, inc := publishPlans(t, d)
		st := publishStage(t, full)
		if st.Atomic || len(st.Commit) == 0 {
			t.Errorf("%s: the full publish is not journaled (Atomic %v, %d statements to commit)", d.Name(), st.Atomic, len(st.Commit))
		}
		for i, s := range st.Statements {
			// A drop can run again only when the next statement makes the table again from
			// its new version, which the publish leaves in place (a partitioned state table
			// on BigQuery).
			table, dropped := strings.CutPrefix(s.SQL, "DROP TABLE IF EXISTS ")
			remade := dropped && i+1 < len(st.Statements) && strings.HasPrefix(st.Statements[i+1].SQL, "CREATE OR REPLACE TABLE "+table+" COPY ")
			if (strings.HasPrefix(s.SQL, "DROP") && !remade) || strings.Contains(s.SQL, "RENAME") {
				t.Errorf("%s: the full publish drops or renames, which cannot run again: %s", d.Name(), s.SQL)
			}
		}
		for _, s := range st.Commit {
			if !dml.MatchString(s.SQL) {
				t.Errorf("%s: a statement committed together is not DML: %.80s", d.Name(), s.SQL)
			}
		}
		st = publishStage(t, inc)
		if !st.Atomic {
			t.Errorf("%s: the incremental publish is not one transaction", d.Name())
		}
		for _, s := range st.Statements {
			if !dml.MatchString(s.SQL) {
				t.Errorf("%s: the incremental publish has a statement that is not DML, which would commit at once: %.80s", d.Name(), s.SQL)
			}
		}
	}
}

// TestSnowflakeKeepsGrantsAndPaysNoFailSafe: a table or view that idstitch replaces keeps the
// grants people gave on it (SWAP WITH would move them to the table then dropped), and every table
// it rebuilds is transient, so that replaced generations are not kept for Fail-safe.
func TestSnowflakeKeepsGrantsAndPaysNoFailSafe(t *testing.T) {
	full, inc := publishPlans(t, dialects.Snowflake{})
	history := regexp.MustCompile(`"(RUNS|AUDIENCE_HISTORY|ID_CHANGES|AUDIENCE_MEMBERS|ID_GRAPH|OVERRIDES|FORGET_REQUESTS|FORGET_AUDIT)"`)
	for _, p := range []*Plan{full, inc} {
		for _, q := range p.Statements(2) {
			if strings.Contains(q, "SWAP WITH") {
				t.Errorf("a statement swaps: %.100s", q)
			}
			if strings.HasPrefix(q, "CREATE OR REPLACE VIEW") && !strings.Contains(strings.SplitN(q, "\n", 2)[0], "COPY GRANTS") {
				t.Errorf("a view is replaced without COPY GRANTS: %.100s", q)
			}
			if strings.Contains(q, " CLONE ") && !strings.HasSuffix(q, " COPY GRANTS") {
				t.Errorf("a table is replaced without COPY GRANTS: %.100s", q)
			}
			if strings.HasPrefix(q, "CREATE ") && strings.Contains(q, " TABLE ") && !strings.Contains(q, "TRANSIENT TABLE") {
				// The history kept across runs, and what people write between runs, is permanent; the empty tables made before
				// the first run are replaced by transient ones at the first publish.
				first := strings.SplitN(q, "\n", 2)[0]
				if !strings.Contains(first, "IF NOT EXISTS") || !history.MatchString(first) {
					t.Errorf("a table is not transient: %.100s", q)
				}
			}
		}
	}
}
