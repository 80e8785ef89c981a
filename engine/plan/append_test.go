package plan

import (
	"strings"
	"testing"
	"time"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
)

// TestAppendOnlyChoice: incremental.append_only decides whether an incremental plan carries the
// append-only plan: auto unless a type has a limit, always whenever nothing else rules it out,
// never not at all; a trait rules it out whatever the key says.
func TestAppendOnlyChoice(t *testing.T) {
	const base = "project: choice\nwarehouse:\n  type: duckdb\n  path: c.duckdb\nid_types:\n  - name: user_id\n%s  - name: email\nsources:\n  - name: events\n    table: events\n    timestamp: ts\n    ids:\n      user_id: user_id\n      email: email\n%sincremental:\n  append_only: %s\n"
	const limit, trait = "    limit: 1\n", "traits:\n  - name: seen\n    source: events\n    agg: count\n"
	for _, c := range []struct {
		limit, trait, choice string
		want                 bool
	}{
		{"", "", "auto", true},
		{limit, "", "auto", false},
		{limit, "", "always", true},
		{"", "", "never", false},
		{"", trait, "always", false},
	} {
		text := strings.Replace(strings.Replace(strings.Replace(base, "%s", c.limit, 1), "%s", c.trait, 1), "%s", c.choice, 1)
		p, err := config.Parse("idstitch.yaml", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		pl, err := New(p, dialects.DuckDB{}, "")
		if err != nil {
			t.Fatal(err)
		}
		got, err := pl.PlanIncremental(1, Prior{Watermarks: map[string]time.Time{"events": time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}})
		if err != nil {
			t.Fatal(err)
		}
		if (got.Append != nil) != c.want {
			t.Errorf("limit %v, trait %v, append_only %s: the plan carries the append-only plan: %v, want %v", c.limit != "", c.trait != "", c.choice, got.Append != nil, c.want)
		}
		if got.Append != nil && (got.AppendProbe == "" || c.limit != "" && len(got.Append.Rechecks) == 0) {
			t.Errorf("append_only %s: the append-only plan lacks its probe or its limits' recheck", c.choice)
		}
	}
}
