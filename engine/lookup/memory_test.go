package lookup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/runner"
	"github.com/idstitch/idstitch/internal/demogen"
)

// TestMemoryAnswersAsTheTables: for every identifier of a stitched demo, every quarantined one,
// unknown ones and every profile, the in-memory copy gives exactly the JSON (or the error) that
// querying the published tables gives.
func TestMemoryAnswersAsTheTables(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	conn, err := duckdb.Open(ctx, filepath.Join(dir, "demo.duckdb"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := demogen.Generate(ctx, conn, demogen.Options{Persons: 600, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	p, err := config.Parse(filepath.Join(dir, "idstitch.yaml"), []byte(demogen.Project(demogen.ProjectOptions{Name: "demo", Warehouse: "duckdb", Path: "demo.duckdb", Guards: true, Traits: true})))
	if err != nil {
		t.Fatal(err)
	}
	pl, err := plan.New(p, conn.Dialect(), plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&runner.Runner{Conn: conn, Planner: pl}).Run(ctx); err != nil {
		t.Fatal(err)
	}
	m, err := LoadMemory(ctx, conn, pl)
	if err != nil {
		t.Fatal(err)
	}
	if m.RunID != 1 {
		t.Fatalf("the copy is of run %d, want 1", m.RunID)
	}
	sql, mem := Service{Planner: pl}, Service{Planner: pl, Memory: m}
	same := func(what string, a, b any, ea, eb error) {
		t.Helper()
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) || (ea == nil) != (eb == nil) || ea != nil && ea.Error() != eb.Error() {
			t.Fatalf("%s: the tables give %s (%v), the copy %s (%v)", what, ja, ea, jb, eb)
		}
		var nfa, nfb *NotFound
		if errors.As(ea, &nfa) != errors.As(eb, &nfb) || nfa != nil && *nfa != *nfb {
			t.Fatalf("%s: the tables say %#v, the copy %#v", what, nfa, nfb)
		}
	}
	type id struct{ typ, value string }
	var ids []id
	for _, table := range []string{plan.IDGraph, plan.IDQuarantine} {
		rows, err := conn.DB().Query("SELECT id_type, id_value FROM " + pl.OutputTable(table))
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var x id
			rows.Scan(&x.typ, &x.value)
			ids = append(ids, x)
		}
		rows.Close()
	}
	ids = append(ids, id{"email", "nobody@nowhere.example"}, id{"email", " PERSON1.0@GMAIL.COM "}, id{"phone", "+1 (555) 000-0001"}, id{"shoe_size", "42"})
	uids := map[string]bool{}
	for _, x := range ids {
		a, ea := sql.Lookup(ctx, conn, x.typ, x.value, Page{})
		b, eb := mem.Lookup(ctx, conn, x.typ, x.value, Page{})
		same(x.typ+" "+x.value, a, b, ea, eb)
		if a != nil {
			uids[a.UniversalID] = true
		}
	}
	uids["no-such-id"] = true
	// Every profile a page of two at a time, following the tables' cursors; and some from cursors
	// that name no identifier of the profile: before, between and after its identifiers.
	pages, i := 0, 0
	for uid := range uids {
		afters := []string{""}
		if i++; i%20 == 0 {
			afters = append(afters, cursor("a", ""), cursor("email", "m"), cursor("zz", ""))
		}
		for _, after := range afters {
			for page := (Page{Limit: 2, After: after}); ; pages++ {
				a, ea := sql.Profile(ctx, conn, uid, page)
				b, eb := mem.Profile(ctx, conn, uid, page)
				same(fmt.Sprintf("profile %s after %q", uid, page.After), a, b, ea, eb)
				if a == nil || a.Next == nil {
					break
				}
				page.After = *a.Next
			}
		}
	}
	t.Logf("%d lookups and %d pages of %d profiles agree", len(ids), pages, len(uids))
}

// upperCased is a DuckDB connection that answers as Snowflake does: column names in upper case,
// matched whatever their case.
type upperCased struct{ *duckdb.Conn }

func (c upperCased) Dialect() dialects.Dialect {
	return dialects.WithCapabilities(dialects.DuckDB{}, dialects.Snowflake{}.Supports)
}

func (c upperCased) Query(ctx context.Context, q string, args ...any) (connectors.Rows, error) {
	rows, err := c.Conn.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return upperRows{rows}, nil
}

type upperRows struct{ connectors.Rows }

func (r upperRows) Columns() ([]string, error) {
	cols, err := r.Rows.Columns()
	for i := range cols {
		cols[i] = strings.ToUpper(cols[i])
	}
	return cols, err
}

// TestUpperCaseColumnNames: where the warehouse returns column names in upper case, a profile's
// JSON and the memory copy still use the project's names.
func TestUpperCaseColumnNames(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	conn, err := duckdb.Open(ctx, filepath.Join(dir, "demo.duckdb"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := demogen.Generate(ctx, conn, demogen.Options{Persons: 60, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	p, err := config.Parse(filepath.Join(dir, "idstitch.yaml"), []byte(demogen.Project(demogen.ProjectOptions{Name: "demo", Warehouse: "duckdb", Path: "demo.duckdb", Traits: true})))
	if err != nil {
		t.Fatal(err)
	}
	pl, err := plan.New(p, conn.Dialect(), plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&runner.Runner{Conn: conn, Planner: pl}).Run(ctx); err != nil {
		t.Fatal(err)
	}
	var uid string
	if err := conn.DB().QueryRow("SELECT universal_id FROM " + pl.OutputTable(plan.Profiles) + " LIMIT 1").Scan(&uid); err != nil {
		t.Fatal(err)
	}
	upper := upperCased{conn}
	upl, err := plan.New(p, upper.Dialect(), plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	prof, err := Service{Planner: upl}.Profile(ctx, upper, uid, Page{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := prof.Columns["lifetime_revenue"]; !ok {
		t.Fatalf("the profile's columns are %v, want the project's names", prof.Columns)
	}
	m, err := LoadMemory(ctx, upper, upl)
	if err != nil {
		t.Fatalf("the memory copy: %v", err)
	}
	if mp, err := m.Profile(uid, Page{}); err != nil || mp.Columns["lifetime_revenue"] == nil && len(mp.Columns) == 0 {
		t.Fatalf("the memory copy's profile: %v %v", mp, err)
	}
}
