package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/connectors/duckdb"
)

// strangeValues are identifier values that have broken tools before: quotes, backslashes, a
// NUL byte (DuckDB text holds one; Postgres text cannot), emoji, a 10,000-character value and
// strings that look like NULL.
var strangeValues = []string{
	"a'b", `a"b`, `a\b`, `\'`, "x\x00y", "🙂", "👩‍👩‍👧", strings.Repeat("long", 2500), "NULL", "null", "None", "N/A",
	" ", "", "-- c", "/* c", "1; DROP TABLE raw.notes", "$$x$$", "E'x'", "ünïcödé", "\t\n",
}

// expressions are filters and id expressions a project file may hold: some valid, some that the
// checks must refuse before anything is created.
var expressions = []string{
	"", "a IS NOT NULL", "length(a) < 100", "a <> 'x''y'", "1=1) LIMIT 0; CREATE TABLE main.pwned AS SELECT 1 AS x; SELECT 1 FROM raw.s1 WHERE (1=1",
	"no_such_column = 1", "a = 'unterminated", "(a", "a) OR (1=1", "a = 1 -- comment", "lowr(a) = 'x'", "a IN ('1', '2')",
}

// TestRandomProjectsTouchOnlyTheirOwn runs random project files over random identifier values,
// with the user's own tables beside the sources. Whatever the project, the run never changes a
// table it did not create, and it either succeeds or fails before creating anything.
func TestRandomProjectsTouchOnlyTheirOwn(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(7, seed))
	for i := 0; i < 24; i++ {
		dir := t.TempDir()
		db := filepath.Join(dir, "p.duckdb")
		ctx := context.Background()
		conn, err := duckdb.Open(ctx, db, false)
		if err != nil {
			t.Fatal(err)
		}
		must := func(q string) {
			if err := conn.Exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		must("CREATE SCHEMA raw")
		must("CREATE TABLE raw.notes AS SELECT 'mine' AS owner")
		must("CREATE TABLE main.profiles AS SELECT 'mine' AS owner")
		for s := 1; s <= 2; s++ {
			must(fmt.Sprintf("CREATE TABLE raw.s%d (ts TIMESTAMP, a VARCHAR, b VARCHAR)", s))
			n := 0
			err := conn.Load(ctx, "raw", fmt.Sprintf("s%d", s), []string{"ts", "a", "b"}, func(row []any) bool {
				if n++; n > 30 {
					return false
				}
				row[0] = time.Date(2026, 1, 1+rng.IntN(30), 0, 0, 0, 0, time.UTC)
				row[1] = pick(rng, strangeValues, fmt.Sprintf("a%d", rng.IntN(8)))
				row[2] = pick(rng, strangeValues, fmt.Sprintf("b%d", rng.IntN(8)))
				return true
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		before := userTables(t, conn)
		conn.Close()

		schema := []string{"identity", "identity", "identity", "raw", "main"}[rng.IntN(5)]
		text := fmt.Sprintf("project: p%d\nwarehouse: {type: duckdb, path: p.duckdb}\noutput: {schema: %s}\nid_types:\n  - name: ta\n    normalize: [trim, lower]\n  - name: tb\nsources:\n", i, schema)
		for s := 1; s <= 2; s++ {
			text += fmt.Sprintf("  - name: s%d\n    table: raw.s%d\n    timestamp: ts\n    ids:\n      ta: a\n      tb: %s\n", s, s, pick(rng, []string{"b", "upper(b)", "b || a"}, "b"))
			if f := expressions[rng.IntN(len(expressions))]; f != "" && rng.IntN(3) == 0 {
				text += fmt.Sprintf("    filter: %q\n", f)
			}
		}
		project := filepath.Join(dir, "idstitch.yaml")
		if err := os.WriteFile(project, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errs := do(t, "run", "-c", project, "--quiet")

		conn, err = duckdb.Open(ctx, db, true)
		if err != nil {
			t.Fatal(err)
		}
		after := userTables(t, conn)
		all := allTables(t, conn)
		conn.Close()
		for name, digest := range before {
			if after[name] != digest {
				t.Fatalf("project %d (exit %d, %s):\n%s\nchanged the user's table %s", i, code, errs, text, name)
			}
		}
		if code != 0 {
			for _, name := range all {
				if _, ok := before[name]; !ok {
					t.Fatalf("project %d failed (%s) after creating %s:\n%s", i, strings.TrimSpace(errs), name, text)
				}
			}
		}
		t.Logf("project %d (output schema %s): exit %d %.120s", i, schema, code, strings.TrimSpace(errs))
	}
}

func pick(rng *rand.Rand, pool []string, otherwise string) string {
	if rng.IntN(3) == 0 {
		return pool[rng.IntN(len(pool))]
	}
	return otherwise
}

// userTables returns a digest of each table the test made, by name.
func userTables(t *testing.T, conn connectors.Conn) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, name := range []string{"raw.notes", "main.profiles", "raw.s1", "raw.s2"} {
		rows, err := conn.Query(context.Background(), "SELECT * FROM "+name)
		if err != nil {
			out[name] = "missing: " + err.Error()
			continue
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		var lines []string
		for rows.Next() {
			rows.Scan(ptrs...)
			lines = append(lines, fmt.Sprint(vals...))
		}
		rows.Close()
		sort.Strings(lines)
		out[name] = strings.Join(cols, ",") + "\n" + strings.Join(lines, "\n")
	}
	return out
}

// allTables lists every table and view of the file as schema.name.
func allTables(t *testing.T, conn connectors.Conn) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_catalog = current_database()")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		out = append(out, n)
	}
	return out
}
