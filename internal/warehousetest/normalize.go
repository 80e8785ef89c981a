package warehousetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/idstitch/idstitch/engine/plan"
)

// testNormalizeInProcess: on random id types (chains of normalizers, country codes, block lists
// and patterns) and random values, what Planner.NormalizeInProcess answers is what the
// warehouse's own normalization query answers, value and reason alike. Serving trusts the Go copy
// instead of asking the warehouse, so a difference would give an identify call or a lookup
// another identifier than a run.
func testNormalizeInProcess(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	ctx := context.Background()
	compared, asked := 0, 0
	rapid.Check(t, func(t *rapid.T) {
		yaml, types := drawNormalizeProject(t, conn.Dialect().DefaultSchema())
		p := mustParse(t, yaml)
		pl, err := plan.New(p, conn.Dialect(), plan.Contraction)
		if err != nil {
			t.Fatalf("planner: %v", err)
		}
		for i := range 20 {
			typ := rapid.SampledFrom(types).Draw(t, fmt.Sprint("type ", i))
			value := drawRawValue(t, fmt.Sprint("value ", i))
			got, gotReason, ok := pl.NormalizeInProcess(typ, value)
			asked++
			if !ok {
				continue
			}
			compared++
			q, _ := pl.NormalizeQuery(typ)
			rows, err := conn.Query(ctx, q, value)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			var want, wantReason *string
			if !rows.Next() {
				rows.Close()
				t.Fatalf("the normalization query of %s answered no row", typ)
			}
			if err := rows.Scan(&want, &wantReason); err != nil {
				t.Fatalf("%v", err)
			}
			rows.Close()
			if show(got) != show(want) || show(gotReason) != show(wantReason) {
				t.Fatalf("%s %q: in process %s (reason %s), the warehouse %s (reason %s)\n%s",
					typ, value, show(got), show(gotReason), show(want), show(wantReason), yaml)
			}
		}
	})
	// Most values are printable ASCII of types without {expr: …} (or patterns, where they are not
	// RE2): if few were compared, the test would pass whatever the Go copy did.
	if compared < asked/5 {
		t.Fatalf("only %d of %d values were normalized in process; the comparison tested too little", compared, asked)
	}
	t.Logf("%d of %d values compared with the warehouse", compared, asked)
}

func show(s *string) string {
	if s == nil {
		return "NULL"
	}
	return fmt.Sprintf("%q", *s)
}

// The patterns are ones every dialect writes (Postgres's translation included); on dialects
// whose patterns are not RE2 the types that have them are normalized by the warehouse alone.
var normalizePatterns = []string{`^[^@ ]+@[^@ ]+\.[a-z]+$`, `^\+[0-9]{8,15}$`, `^[a-z0-9-]{4,}$`, `[0-9]`, `^u[0-9]+$`, `test`}

func drawNormalizeProject(t *rapid.T, schema string) (string, []string) {
	var b strings.Builder
	b.WriteString("project: norm\nwarehouse:\n  type: duckdb\n  path: unused.duckdb\npolicy:\n  block: [\"\", \"null\", \"Unknown\", \"0\"]\nid_types:\n")
	var types []string
	n := rapid.IntRange(1, 4).Draw(t, "types")
	for i := range n {
		name := fmt.Sprintf("t%d", i)
		types = append(types, name)
		fmt.Fprintf(&b, "  - name: %s\n", name)
		steps := rapid.SliceOfN(rapid.SampledFrom([]string{"trim", "lower", "upper", "digits", "e164", "expr"}), 0, 3).Draw(t, "normalizers of "+name)
		if len(steps) > 0 {
			b.WriteString("    normalize:\n")
			for _, s := range steps {
				if s == "expr" {
					b.WriteString("      - {expr: \"REPLACE(value, '-', '')\"}\n")
				} else {
					fmt.Fprintf(&b, "      - %s\n", s)
				}
			}
			if strings.Contains(strings.Join(steps, " "), "e164") {
				fmt.Fprintf(&b, "    country_code: %q\n", rapid.SampledFrom([]string{"1", "44", "49", "353"}).Draw(t, "country code of "+name))
			}
		}
		if rapid.Bool().Draw(t, "block list of "+name) {
			b.WriteString("    block: [\"abc\", \"+10\", \"Test\"]\n")
		}
		if rapid.IntRange(0, 2).Draw(t, "block pattern of "+name) == 0 {
			fmt.Fprintf(&b, "    block_pattern: %q\n", rapid.SampledFrom(normalizePatterns).Draw(t, "block pattern"))
		}
		if rapid.IntRange(0, 2).Draw(t, "pattern of "+name) == 0 {
			fmt.Fprintf(&b, "    pattern: %q\n", rapid.SampledFrom(normalizePatterns).Draw(t, "pattern"))
		}
	}
	fmt.Fprintf(&b, "sources:\n  - name: rows\n    table: %s.unused\n    ids:\n", schema)
	for _, name := range types {
		fmt.Fprintf(&b, "      %s: %s\n", name, name)
	}
	return b.String(), types
}

// drawRawValue draws what a client may send: mostly printable ASCII rich in what the normalizers
// act on (spaces, case, digits, leading zeros and plus signs), sometimes a tab or a letter
// outside ASCII, which must go to the warehouse.
func drawRawValue(t *rapid.T, label string) string {
	parts := []string{" ", "  ", "+", "00", "0", "1", "44", "5551234", "353", "-", "@", ".", "a", "B", "Test", "test", "abc",
		"ABC", "null", "NULL", "unknown", "u42", "x@y.com", "X@Y.COM", "(", ")", "_", "%", "\t", "é", "İ", "ß"}
	return strings.Join(rapid.SliceOfN(rapid.SampledFrom(parts), 0, 6).Draw(t, label), "")
}
