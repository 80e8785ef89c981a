package config

import (
	"strings"
	"testing"
)

// TestNamesTooLong: a name that would make a table, column or schema name longer than the
// warehouse keeps is refused with its key, what it is too long for, and the length to keep under.
// Postgres would otherwise cut the names at 63 bytes without a word.
func TestNamesTooLong(t *testing.T) {
	long := func(prefix string, n int) string { return prefix + strings.Repeat("x", n-len(prefix)) }
	onPostgres := strings.Replace(valid, "  type: duckdb\n  path: acme.duckdb\n", "  type: postgres\n  dsn_env: PG_DSN\n", 1)
	cases := []struct{ name, text, from, to, want string }{
		{"source", onPostgres, "  - name: events\n", "  - name: " + long("events", 60) + "\n",
			`idstitch.yaml:9: sources[0].name: "` + long("events", 60) + `" is too long for postgres: it names tables up to 11 characters longer (rows_<name>__next), and postgres keeps at most 63; shorten it to at most 52 characters`},
		{"id type", strings.Replace(onPostgres, "      email: [", "      "+long("email", 60)+": [", 1), "  - name: email\n", "  - name: " + long("email", 60) + "\n",
			`idstitch.yaml:7: id_types[1].name: "` + long("email", 60) + `" is too long for postgres: it names profile columns up to 7 characters longer (latest_<name>), and postgres keeps at most 63; shorten it to at most 56 characters`},
		{"id type in a table", strings.Replace(onPostgres, "      email: [", "      "+long("email", 55)+": [", 1), "  - name: email\n", "  - name: " + long("email", 55) + "\n",
			`idstitch.yaml:7: id_types[1].name: "` + long("email", 55) + `" is too long for postgres: it names tables up to 10 characters longer (conflicts_<name>), and postgres keeps at most 63; shorten it to at most 53 characters`},
		{"output schema", onPostgres, "id_types:\n", "output:\n  schema: " + long("identity", 60) + "\nid_types:\n",
			`idstitch.yaml:6: output.schema: "` + long("identity", 60) + `" is too long for postgres: the schema named after it, ` + long("identity", 60) + `_work, has 65 characters and postgres keeps at most 63; shorten output.schema to at most 58 characters, or set output.work_schema`},
		{"work schema written out", onPostgres, "id_types:\n", "output:\n  work_schema: " + long("work", 64) + "\nid_types:\n",
			`idstitch.yaml:6: output.work_schema: "` + long("work", 64) + `" is too long for postgres: 64 characters, and postgres keeps at most 63; shorten it`},
		{"project", valid, "project: acme\n", "project: " + long("acme", 64) + "\n",
			`idstitch.yaml:1: project: "` + long("acme", 64) + `" is too long: 64 characters, at most 63; shorten it`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(c.text, c.from) {
				t.Fatalf("the case edits text that is not in the project: %q", c.from)
			}
			_, err := Parse("idstitch.yaml", []byte(strings.Replace(c.text, c.from, c.to, 1)))
			if err == nil || err.Error() != c.want {
				t.Fatalf("got  %v\nwant %s", err, c.want)
			}
		})
	}
	// DuckDB keeps names of any length a project could write.
	text := strings.Replace(strings.ReplaceAll(valid, "email", long("email", 100)), "  - name: events\n", "  - name: "+long("events", 100)+"\n", 1)
	if _, err := Parse("idstitch.yaml", []byte(text)); err != nil {
		t.Fatalf("long names on DuckDB: %v", err)
	}
}
