package config

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/idstitch/idstitch/connectors/duckdb"
)

const valid = `project: acme
warehouse:
  type: duckdb
  path: acme.duckdb
id_types:
  - name: user_id
  - name: email
sources:
  - name: events
    table: main.events
    timestamp: ts
    ids:
      user_id: user_id
      email: [email, billing_email]
`

func TestValidProject(t *testing.T) {
	p, err := Parse("idstitch.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	if p.Output.Schema != "identity" || p.Output.WorkSchema != "identity_work" || p.Output.IDSalt != "acme" {
		t.Fatalf("defaults: %+v", p.Output)
	}
	if in := p.Incremental; in.LookbackDuration != 72*time.Hour || in.FutureToleranceDuration != 24*time.Hour {
		t.Fatalf("defaults: %+v", in)
	}
	ids := p.Sources[0].IDs
	if len(ids) != 2 || ids[0].Type != "user_id" || strings.Join(ids[1].Columns, ",") != "email,billing_email" {
		t.Fatalf("ids mapping lost its order or columns: %+v", ids)
	}
	if p.Sources[0].Schema() != "main" || p.Sources[0].TableName() != "events" {
		t.Fatalf("table split: %q %q", p.Sources[0].Schema(), p.Sources[0].TableName())
	}
}

// Each broken file must give one sentence naming the file, the line and the key.
func TestConfigErrors(t *testing.T) {
	cases := []struct {
		name, from, to, want string
	}{
		{"unknown top-level key", "project: acme\n", "project: acme\nprojcet: x\n",
			"idstitch.yaml:2: projcet: unknown key in top level; check its spelling against the documented keys"},
		{"unknown source key", "    timestamp: ts\n", "    timestamp: ts\n    tabel: x\n",
			"idstitch.yaml:12: tabel: unknown key in a sources entry; check its spelling against the documented keys"},
		{"bad regular expression", "  - name: email\n", "  - name: email\n    pattern: '^[a-z'\n",
			"idstitch.yaml:8: id_types[1].pattern: \"^[a-z\" is not a valid regular expression (missing closing ]: `[a-z`)"},
		{"duplicate id type", "  - name: email\n", "  - name: email\n  - name: user_id\n",
			"idstitch.yaml:8: id_types[2].name: id type \"user_id\" is declared twice; keep one entry"},
		{"undeclared id type", "      user_id: user_id\n", "      user_id: user_id\n      phone: phone\n",
			"idstitch.yaml:14: sources[0].ids.phone: id type \"phone\" is not declared under id_types; declare it there or fix the name"},
		{"missing table", "    table: main.events\n", "",
			"idstitch.yaml:9: sources[0].table: missing; give the warehouse table as schema.table, or a dbt model as model: or a dbt source as dbt_source: [source, table]"},
		{"unknown warehouse", "  type: duckdb\n", "  type: oracle\n",
			"idstitch.yaml:3: warehouse.type: \"oracle\" is not a supported warehouse; use one of bigquery, duckdb, postgres, snowflake"},
		{"limit below one", "  - name: user_id\n", "  - name: user_id\n    limit: 0\n",
			"idstitch.yaml:7: id_types[0].limit: must be at least 1 (1 means unique per profile); remove it for no limit"},
		{"unknown normalizer", "  - name: email\n", "  - name: email\n    normalize: [trim, lowercase]\n",
			"idstitch.yaml:8: id_types[1].normalize: \"lowercase\" is not a normalizer; use trim, lower, upper, digits, e164, or {expr: \"SQL over value\"}"},
		{"e164 without a country code", "  - name: email\n", "  - name: email\n  - name: phone\n    normalize: [e164]\n",
			"idstitch.yaml:9: id_types[2].country_code: missing; e164 needs the calling code to give numbers written without one, e.g. `country_code: \"1\"`"},
		{"expr without value", "  - name: email\n", "  - name: email\n    normalize: [{expr: \"lower(email)\"}]\n",
			"idstitch.yaml:8: id_types[1].normalize: expr \"lower(email)\" must be a SQL expression over value, e.g. {expr: \"replace(value, '.', '')\"}"},
		{"bad normalizer shape", "  - name: email\n", "  - name: email\n    normalize: [{sql: x}]\n",
			"idstitch.yaml:8: a normalizer is a name (trim, lower, upper, digits, e164) or {expr: \"SQL over value\"}"},
		{"bad anonymous policy", "id_types:\n", "policy:\n  anonymous: merge\nid_types:\n",
			"idstitch.yaml:6: policy.anonymous: \"merge\" is not a policy; use link, evidence or isolate"},
		{"bad sign-in window", "id_types:\n", "policy:\n  anonymous: evidence\n  sign_in_window: soon\nid_types:\n",
			"idstitch.yaml:7: policy.sign_in_window: \"soon\" is not a window; write a duration between 1s and 720h, like 30m"},
		{"sign-in window without evidence", "id_types:\n", "policy:\n  sign_in_window: 30m\nid_types:\n",
			"idstitch.yaml:6: policy.sign_in_window: is only read with policy.anonymous: evidence; remove it or set that policy"},
		{"bad limit ties policy", "id_types:\n", "policy:\n  limit_ties: first\nid_types:\n",
			"idstitch.yaml:6: policy.limit_ties: \"first\" is not a policy; use nearest or isolate"},
		{"bad future tolerance", "id_types:\n", "incremental:\n  future_tolerance: soon\nid_types:\n",
			"idstitch.yaml:6: incremental.future_tolerance: \"soon\" is not a duration; write days, hours or minutes like 3d, 12h or 30m"},
		{"bad append_only", "id_types:\n", "incremental:\n  append_only: yes\nid_types:\n",
			"idstitch.yaml:6: incremental.append_only: \"yes\" is not a choice; use auto, always or never"},
		{"unknown incremental key", "id_types:\n", "incremental:\n  lookbak: 3d\nid_types:\n",
			"idstitch.yaml:6: lookbak: unknown key in incremental; check its spelling against the documented keys"},
		{"max_degree below one", "  - name: email\n", "  - name: email\n    max_degree: 0\n",
			"idstitch.yaml:8: id_types[1].max_degree: must be at least 1; remove it to turn the hub guard off"},
		{"bad block pattern", "  - name: email\n", "  - name: email\n    block_pattern: '(x'\n",
			"idstitch.yaml:8: id_types[1].block_pattern: \"(x\" is not a valid regular expression (missing closing ): `(x`)"},
		{"bad cron", "id_types:\n", "schedule:\n  cron: \"every hour\"\nid_types:\n",
			"idstitch.yaml:6: schedule.cron: \"every hour\" is not a schedule (expected exactly 5 fields, found 2: [every hour]); use five fields like \"0 */2 * * *\" or @every 15m, @hourly"},
		{"negative interval", "id_types:\n", "schedule:\n  cron: \"@every -5m\"\nid_types:\n",
			"idstitch.yaml:6: schedule.cron: \"@every -5m\" is not a positive interval; write one of a second or more, like @every 15m"},
		{"zero interval", "id_types:\n", "schedule:\n  cron: \"@every 0s\"\nid_types:\n",
			"idstitch.yaml:6: schedule.cron: \"@every 0s\" is not a positive interval; write one of a second or more, like @every 15m"},
		{"bad time zone", "id_types:\n", "schedule:\n  cron: \"@hourly\"\n  timezone: Mars/Olympus\nid_types:\n",
			"idstitch.yaml:7: schedule.timezone: \"Mars/Olympus\" is not a time zone name; use an IANA name such as UTC or Europe/Berlin"},
		{"duplicate source", "sources:\n", "sources:\n  - name: events\n    table: a.b\n    ids: {email: e}\n",
			"idstitch.yaml:12: sources[1].name: source \"events\" is declared twice; give each source its own name"},
		{"bad yaml", "  path: acme.duckdb\n", "  path: acme.duckdb: x\n",
			"idstitch.yaml:4: mapping values are not allowed in this context"},
		{"wrong kind of value", "    timestamp: ts\n", "    timestamp: [ts]\n",
			"idstitch.yaml:11: wrong kind of value (cannot unmarshal !!seq into string)"},
		{"table with quote", "    table: main.events\n", "    table: main.ev\"ents\n",
			"idstitch.yaml:10: sources[0].table: \"main.ev\\\"ents\" is not a table name; write schema.table"},
		{"no duckdb path", "  path: acme.duckdb\n", "",
			"idstitch.yaml:2: warehouse.path: missing; name the DuckDB file, e.g. `path: acme.duckdb`"},
		{"unknown warehouse key", "  path: acme.duckdb\n", "  path: acme.duckdb\n  paht: x\n",
			"idstitch.yaml:5: paht: unknown key in warehouse; check its spelling against the documented keys"},
		{"key of another warehouse", "  path: acme.duckdb\n", "  path: acme.duckdb\n  dsn_env: PG_DSN\n",
			"idstitch.yaml:5: dsn_env: unknown key in warehouse; check its spelling against the documented keys"},
		{"no postgres dsn_env", "  type: duckdb\n  path: acme.duckdb\n", "  type: postgres\n",
			"idstitch.yaml:2: warehouse.dsn_env: missing; name the environment variable that holds the connection string (secrets never go in the project file)"},
		{"no snowflake user", "  type: duckdb\n  path: acme.duckdb\n", "  type: snowflake\n  account: a\n  database: d\n  password_env: P\n",
			"idstitch.yaml:2: warehouse.user: missing; Snowflake needs account, user and database"},
		{"no snowflake secret", "  type: duckdb\n  path: acme.duckdb\n", "  type: snowflake\n  account: a\n  user: u\n  database: d\n",
			"idstitch.yaml:2: warehouse.password_env: missing; name the environment variable holding the password, or use private_key_env for key-pair authentication"},
		{"no bigquery project", "  type: duckdb\n  path: acme.duckdb\n", "  type: bigquery\n  location: EU\n",
			"idstitch.yaml:2: warehouse.project: missing; name the Google Cloud project that runs the jobs"},
		{"wrong kind of warehouse value", "  type: duckdb\n  path: acme.duckdb\n", "  type: bigquery\n  project: p\n  maximum_bytes_billed: lots\n",
			"idstitch.yaml:5: wrong kind of value (cannot unmarshal !!str `lots` into int64)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(valid, c.from) {
				t.Fatalf("test case edits text that is not in the valid file: %q", c.from)
			}
			text := strings.Replace(valid, c.from, c.to, 1)
			_, err := Parse("dir/idstitch.yaml", []byte(text))
			if err == nil {
				t.Fatalf("no error for:\n%s", text)
			}
			if err.Error() != c.want {
				t.Fatalf("got  %s\nwant %s", err, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is more than one line: %q", err)
			}
		})
	}
}

// The DuckDB file is found relative to the project file, wherever the command runs.
func TestDuckDBPathRelativeToProject(t *testing.T) {
	p, err := Parse("dir/idstitch.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Warehouse.Settings.(*duckdb.Settings).Path; got != filepath.Join("dir", "acme.duckdb") {
		t.Errorf("path %s, want dir/acme.duckdb", got)
	}
}

func TestMissingFile(t *testing.T) {
	_, err := Load(t.TempDir() + "/idstitch.yaml")
	if err == nil || !strings.Contains(err.Error(), "run `idstitch init`") {
		t.Fatalf("got %v", err)
	}
}

// TestSecondDocument: a second YAML document in the project file is refused with its line, not
// silently ignored.
func TestSecondDocument(t *testing.T) {
	text := "project: acme\nwarehouse:\n  type: duckdb\n  path: a.duckdb\nid_types:\n  - name: email\nsources:\n  - name: s\n    table: main.s\n    ids:\n      email: email\n---\nproject: other\n"
	_, err := Parse("idstitch.yaml", []byte(text))
	want := "idstitch.yaml:12: a second YAML document starts here (---), which idstitch does not read; keep the whole project in one document"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
	if _, err := Parse("idstitch.yaml", []byte(strings.TrimSuffix(text, "---\nproject: other\n"))); err != nil {
		t.Fatalf("one document: %v", err)
	}
}

// BigQuery output datasets may live in another project, written project.dataset as its
// documentation allows; warehouses whose schemas have no such prefix keep refusing a dot.
func TestQualifiedOutputSchema(t *testing.T) {
	bq := strings.Replace(valid, "warehouse:\n  type: duckdb\n  path: acme.duckdb\n", "warehouse:\n  type: bigquery\n  project: jobs-project\n", 1)
	p, err := Parse("idstitch.yaml", []byte(bq+"output:\n  schema: data-project.identity\n"))
	if err != nil {
		t.Fatalf("project.dataset refused: %v", err)
	}
	if p.Output.WorkSchema != "data-project.identity_work" || p.Output.StateSchema != "data-project.identity_state" {
		t.Fatalf("defaults: %+v", p.Output)
	}
	for _, bad := range []string{"Data_Project.identity", "a.b.c", "data-project.", ".identity", "data-project.Identity"} {
		if _, err := Parse("idstitch.yaml", []byte(bq+"output:\n  schema: "+bad+"\n")); err == nil || !strings.Contains(err.Error(), "output.schema") {
			t.Errorf("output.schema %q: err = %v", bad, err)
		}
	}
	if _, err := Parse("idstitch.yaml", []byte(valid+"output:\n  schema: other.identity\n")); err == nil || !strings.Contains(err.Error(), "output.schema") {
		t.Errorf("duckdb output.schema other.identity: err = %v", err)
	}
}

// A pattern Snowflake's regular expressions cannot express is refused when the file is checked,
// in one sentence naming the key; other warehouses read RE2 and take it.
func TestPatternRefusedForSnowflake(t *testing.T) {
	sf := strings.Replace(valid, "warehouse:\n  type: duckdb\n  path: acme.duckdb\n",
		"warehouse: {type: snowflake, account: a, user: u, database: d, password_env: P}\n", 1)
	for re, want := range map[string]string{
		`^.*?@x$`:   `idstitch.yaml:6: id_types[1].pattern: "^.*?@x$" cannot be used on snowflake: Snowflake's regular expressions have no non-greedy quantifiers`,
		`(?m)^a$`:   `id_types[1].pattern: "(?m)^a$" cannot be used on snowflake: Snowflake applies multi-line mode to a whole pattern only`,
		`^[^@\s]+$`: "",
	} {
		text := strings.Replace(sf, "  - name: email\n", "  - name: email\n    pattern: '"+re+"'\n", 1)
		_, err := Parse("idstitch.yaml", []byte(text))
		switch {
		case want == "" && err != nil:
			t.Errorf("pattern %s refused: %v", re, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("pattern %s: err = %v, want %s", re, err, want)
		}
		if _, err := Parse("idstitch.yaml", []byte(strings.Replace(valid, "  - name: email\n", "  - name: email\n    pattern: '"+re+"'\n", 1))); err != nil {
			t.Errorf("duckdb refused pattern %s: %v", re, err)
		}
	}
}

// TestWarnings: settings that are valid but probably not meant load with a warning that names
// the file, the line and the key; the others load without one.
func TestWarnings(t *testing.T) {
	for _, c := range []struct{ cron, want string }{
		{"@every 30s", "idstitch.yaml:6: schedule.cron: \"@every 30s\" starts a run every 30s; runs this close together use the warehouse all the time (a minute or more, like @every 15m, is usual)"},
		{"@every 59s", "idstitch.yaml:6: schedule.cron: \"@every 59s\" starts a run every 59s; runs this close together use the warehouse all the time (a minute or more, like @every 15m, is usual)"},
		{"@every 1m", ""},
		{"@every 15m", ""},
		{"* * * * *", ""},
	} {
		text := strings.Replace(valid, "id_types:\n", "schedule:\n  cron: \""+c.cron+"\"\nid_types:\n", 1)
		p, err := Parse("dir/idstitch.yaml", []byte(text))
		if err != nil {
			t.Fatalf("%s: %v", c.cron, err)
		}
		var got []string
		for _, w := range p.Warnings {
			got = append(got, w.String())
		}
		if want := []string{c.want}; c.want == "" && len(got) != 0 || c.want != "" && !slices.Equal(got, want) {
			t.Errorf("schedule.cron %q: warnings %q; want %q", c.cron, got, c.want)
		}
	}
}
