package plan

import (
	"maps"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
)

// longNames is a project whose names are as long as Postgres allows: the check of the project
// file (config's CheckFor) accepts them, one character more is refused.
func longNames(n map[string]int) string {
	name := func(prefix string, length int) string {
		return prefix + strings.Repeat("x", length-len(prefix))
	}
	return `project: long
warehouse:
  type: duckdb
  path: long.duckdb
output:
  schema: ` + name("s", n["schema"]) + `
policy:
  anonymous: isolate
id_types:
  - name: ` + name("u", n["type"]) + `
    limit: 1
  - name: ` + name("e", n["type"]) + `
    pattern: '^.+@.+$'
    max_degree: 10
    limit: 2
  - name: ` + name("a", n["type"]) + `
    anonymous: true
sources:
  - name: ` + name("v", n["source"]) + `
    table: main.events
    timestamp: ts
    ids:
      ` + name("u", n["type"]) + `: user_id
      ` + name("e", n["type"]) + `: email
      ` + name("a", n["type"]) + `: anonymous_id
traits:
  - name: ` + name("t", n["column"]) + `
    source: ` + name("v", n["source"]) + `
    agg: count
audiences:
  - name: ` + name("w", n["column"]) + `
    where: "true"
`
}

// longestAccepted finds, for each kind of name, the longest that the project file's check
// accepts for the dialect, the others being short.
func longestAccepted(t *testing.T, d dialects.Dialect) map[string]int {
	out := map[string]int{}
	for _, kind := range []string{"schema", "type", "source", "column"} {
		n := map[string]int{"schema": 8, "type": 8, "source": 8, "column": 8}
		for n[kind] = 9; n[kind] < 400; n[kind]++ {
			p, err := config.Parse("idstitch.yaml", []byte(longNames(n)))
			if err != nil {
				t.Fatal(err)
			}
			if err := p.CheckFor(d); err != nil {
				if !strings.Contains(err.Error(), "is too long for "+d.Name()) {
					t.Fatalf("%s of %d characters: %v", kind, n[kind], err)
				}
				break
			}
		}
		out[kind] = n[kind] - 1
	}
	return out
}

// TestDerivedNamesFit plans full and incremental runs, with rule changes, of a project whose names
// are as long as the project file's check lets them be for Postgres, and finds every quoted name
// in the SQL: none may be longer than Postgres keeps. It fails when the planner derives a name
// longer than config's list of derived names says.
func TestDerivedNamesFit(t *testing.T) {
	d := dialects.Postgres{}
	longest := longestAccepted(t, d)
	// What that means for users, as docs/project-file.md says.
	if want := map[string]int{"schema": 57, "type": 53, "source": 52, "column": 63}; !maps.Equal(longest, want) {
		t.Errorf("the longest names accepted for Postgres are %v, want %v", longest, want)
	}
	p, err := config.Parse("idstitch.yaml", []byte(longNames(longest)))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.CheckFor(d); err != nil {
		t.Fatalf("names at the limit are refused: %v", err)
	}
	max := d.NameLimits()
	quoted := regexp.MustCompile(`"((?:[^"]|"")*)"`)
	literal := regexp.MustCompile(`'(?:[^']|'')*'`)
	for _, algorithm := range []Algorithm{Contraction, LabelPropagation} {
		pl, err := New(p, d, algorithm)
		if err != nil {
			t.Fatal(err)
		}
		pl.LookupIndexes = true
		full, err := pl.Plan(0)
		if err != nil {
			t.Fatal(err)
		}
		prior := Prior{Watermarks: map[string]time.Time{p.Sources[0].Name: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)},
			Rules: Rules{Checks: true, Degrees: true, OldLimits: map[string]int{p.IDTypes[1].Name: 3}}}
		inc, err := pl.PlanIncremental(0, prior)
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, script := range []string{full.Script(3), inc.Script(3)} {
			for _, m := range quoted.FindAllStringSubmatch(literal.ReplaceAllString(script, "''"), -1) {
				seen++
				if n := strings.ReplaceAll(m[1], `""`, `"`); len(n) > max.Table || len(n) > max.Column {
					t.Errorf("%s: the plan names %q, %d bytes, longer than Postgres keeps", algorithm, n, len(n))
				}
			}
		}
		if seen < 100 {
			t.Fatalf("%s: only %d quoted names found; the test no longer reads the plans", algorithm, seen)
		}
	}
}
