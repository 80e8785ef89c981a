package plan

import (
	"fmt"
	"testing"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
)

// TestNormalizeCallMemoBounded: the call queries memoized stay bounded whatever combinations and
// orders of types clients send.
func TestNormalizeCallMemoBounded(t *testing.T) {
	yaml := "project: m\nwarehouse:\n  path: m.duckdb\nid_types:\n"
	var types []string
	for i := range 7 {
		types = append(types, fmt.Sprintf("t%d", i))
		yaml += fmt.Sprintf("  - name: t%d\n", i)
	}
	yaml += "sources:\n  - name: s\n    table: main.s\n    ids:\n      t0: a\n"
	p, err := config.Parse("idstitch.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	pl, err := New(p, dialects.DuckDB{}, Contraction)
	if err != nil {
		t.Fatal(err)
	}
	// Every order of the 7 types: 5,040 calls of different keys.
	var permute func(prefix, rest []string)
	permute = func(prefix, rest []string) {
		if len(rest) == 0 {
			if _, ok := pl.NormalizeCallQuery(prefix); !ok {
				t.Fatalf("no query for %v", prefix)
			}
			return
		}
		for i := range rest {
			next := append(append([]string{}, rest[:i]...), rest[i+1:]...)
			permute(append(append([]string{}, prefix...), rest[i]), next)
		}
	}
	permute(nil, types)
	n := 0
	pl.normalizeQueries.Range(func(any, any) bool { n++; return true })
	if n > maxNormalizeCalls {
		t.Fatalf("%d queries memoized after 5,040 orders of types; want at most %d", n, maxNormalizeCalls)
	}
}
