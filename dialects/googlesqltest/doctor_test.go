package googlesqltest

import (
	"path/filepath"
	"testing"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/doctor"
	"github.com/idstitch/idstitch/engine/plan"
)

// TestDoctorStatementsAnalyse analyses what idstitch doctor and the start of a run send to
// BigQuery before anything exists: who the session is, a read of each source, and one SELECT per
// pattern. (Whether a dataset exists is read from its metadata, not a query.)
func TestDoctorStatementsAnalyse(t *testing.T) {
	dirs := caseDirs(t)
	n := 0
	for _, dir := range dirs {
		p, err := config.Load(filepath.Join(dir, "idstitch.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		d := dialects.BigQuery{Location: "EU"}
		pl, err := plan.New(p, d, "")
		if err != nil {
			t.Fatal(err)
		}
		w := newWarehouse(t, loadSources(t, dir, p))
		check := func(what, q string, args []any) {
			t.Helper()
			if err := w.analyze(q, params(args)); err != nil {
				t.Errorf("%s: %s: %v\n%s", filepath.Base(dir), what, err, q)
			}
			n++
		}
		check("who", d.WhoQuery(), nil)
		for _, s := range p.Sources {
			if !s.Landing { // doctor checks the user's sources; the landing table is idstitch's
				check("read "+s.Name, doctor.ReadQuery(pl, s), nil)
			}
		}
		for _, it := range p.IDTypes {
			for _, re := range []string{it.Pattern, it.BlockPattern} {
				if re == "" {
					continue
				}
				q, err := doctor.PatternQuery(pl, re)
				if err != nil {
					t.Fatal(err)
				}
				check("pattern of "+it.Name, q, nil)
			}
		}
	}
	t.Logf("%d statements analysed", n)
}

// TestRowHashAnalyses: the primary key LookML gives a stitched view without a key column, a hash
// of the whole row, as Looker would send it to BigQuery over each golden source.
func TestRowHashAnalyses(t *testing.T) {
	for _, dir := range caseDirs(t) {
		p, err := config.Load(filepath.Join(dir, "idstitch.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		d := dialects.BigQuery{}
		pl, err := plan.New(p, d, "")
		if err != nil {
			t.Fatal(err)
		}
		w := newWarehouse(t, loadSources(t, dir, p))
		for _, s := range p.Sources {
			if s.Landing {
				continue // made by setup, which this catalog has not run; the form is the same
			}
			q := "SELECT " + d.RowHash("t") + " AS row_key FROM " + pl.SourceTable(s) + " AS t"
			if err := w.analyze(q, nil); err != nil {
				t.Errorf("%s: %v\n%s", filepath.Base(dir), err, q)
			}
		}
	}
}
