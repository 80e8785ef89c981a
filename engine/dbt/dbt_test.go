package dbt

import (
	"encoding/json"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	_ "github.com/idstitch/idstitch/connectors/bigquery"
	_ "github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/internal/schemas"
)

const project = `project: shop
warehouse:
  type: duckdb
  path: shop.duckdb
output:
  schema: identity
id_types:
  - name: user_id
  - name: email
sources:
  - name: orders
    table: raw.orders
    timestamp: ts
    ids:
      user_id: user_id
      email: email
traits:
  - {name: lifetime_revenue, source: orders, agg: sum, expr: revenue}
audiences:
  - {name: big_spenders, where: "lifetime_revenue > 1000"}
schedule:
  cron: "0 6,18 * * 1-5"
`

func properties(t *testing.T, text string) (*PropertyFile, []byte) {
	p, err := config.Parse("idstitch.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Properties(p, "")
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.YAML(p)
	if err != nil {
		t.Fatal(err)
	}
	return f, out
}

// TestPropertyFileValidates: the file idstitch dbt writes, read back as YAML and turned into
// JSON, validates against dbt's published schema of property files.
func TestPropertyFileValidates(t *testing.T) {
	_, out := properties(t, project)
	var doc any
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("the property file is not YAML: %v\n%s", err, out)
	}
	js, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	schemas.Validate(t, "dbt_yml_files-latest.json", js)
}

func TestPropertyFileDeclaresTheOutputs(t *testing.T) {
	f, out := properties(t, project)
	src := f.Sources[0]
	if src.Name != "idstitch" || src.Schema != "identity" || src.Database != "" {
		t.Fatalf("source %s, schema %s, database %q", src.Name, src.Schema, src.Database)
	}
	tables := map[string]Table{}
	for _, tab := range src.Tables {
		tables[tab.Name] = tab
		for _, c := range tab.Columns {
			if c.Description == "" {
				t.Errorf("%s.%s has no description", tab.Name, c.Name)
			}
		}
	}
	for _, name := range []string{"id_graph", "profiles", "id_edges", "id_quarantine", "audience_members", "audience_history", "orders_stitched", "id_changes", "runs", "overrides", "forget_audit"} {
		if _, ok := tables[name]; !ok {
			t.Errorf("no table %s", name)
		}
	}
	// The values waiting to be erased are not offered to dbt models.
	if _, ok := tables["forget_requests"]; ok {
		t.Errorf("the property file declares forget_requests")
	}
	for _, want := range []string{
		"          - name: universal_id\n            description: 'The profile''s id",
		"            data_tests:\n              - unique\n              - not_null\n",
		"        data_tests:\n          - dbt_utils.unique_combination_of_columns:\n              combination_of_columns:\n                - id_type\n                - id_value\n",
		"              - relationships:\n                  field: universal_id\n                  to: source('idstitch', 'profiles')\n",
		"              - accepted_values:\n                  values:\n                    - running\n                    - success\n                    - failed\n                    - dry_run\n",
		"        loaded_at_field: finished_at\n",
		"              - accepted_values:\n                  values:\n                    - pending\n                    - applied\n                    - refused\n                    - waiting\n                    - invalid\n",
		"          - name: big_spenders\n            description: 'Whether the profile is in the audience big_spenders: lifetime_revenue > 1000.'\n",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the property file lacks\n%s\nin\n%s", want, out)
		}
	}
	// Twice a weekday at 6 and 18: the longest gap is Friday 18:00 to Monday 06:00, 60 hours.
	if fr := tables["runs"].Freshness; fr == nil || fr.WarnAfter != (Period{5, "day"}) || fr.ErrorAfter != (Period{10, "day"}) {
		t.Errorf("freshness %+v, want warn after 5 days and error after 10", fr)
	}
}

func TestFreshnessOfSchedules(t *testing.T) {
	for _, c := range []struct {
		cron, tz   string
		warn, errr Period
	}{
		{"@every 15m", "", Period{30, "minute"}, Period{1, "hour"}},
		{"@every 45s", "", Period{2, "minute"}, Period{3, "minute"}},
		{"0 * * * *", "", Period{2, "hour"}, Period{4, "hour"}},
		{"@daily", "", Period{2, "day"}, Period{4, "day"}},
		{"30 2 1 * *", "", Period{62, "day"}, Period{124, "day"}},
		// 02:30 does not happen on the day clocks go forward in Berlin: that day is skipped, and
		// Saturday 02:30 to Monday 02:30 is 47 hours.
		{"30 2 * * *", "Europe/Berlin", Period{94, "hour"}, Period{188, "hour"}},
		{"0 0 29 2 *", "", Period{2*4*365 + 2, "day"}, Period{4 * (4*365 + 1), "day"}},
	} {
		fr, err := FreshnessOf(config.Schedule{Cron: c.cron, Timezone: c.tz})
		if err != nil {
			t.Fatal(err)
		}
		if fr.WarnAfter != c.warn || fr.ErrorAfter != c.errr {
			t.Errorf("%s %s: warn after %+v, error after %+v; want %+v and %+v", c.cron, c.tz, fr.WarnAfter, fr.ErrorAfter, c.warn, c.errr)
		}
	}
	if fr, err := FreshnessOf(config.Schedule{}); fr != nil || err != nil {
		t.Errorf("no schedule: %+v %v", fr, err)
	}
}

// TestDatabaseOfAProjectSchema: BigQuery's project.dataset output schema gives the source's
// database and schema.
func TestDatabaseOfAProjectSchema(t *testing.T) {
	text := strings.Replace(project, "  type: duckdb\n  path: shop.duckdb\n", "  type: bigquery\n  project: runner-project\n", 1)
	text = strings.Replace(text, "schema: identity", "schema: data-project.identity", 1)
	f, _ := properties(t, text)
	if s := f.Sources[0]; s.Database != "data-project" || s.Schema != "identity" {
		t.Errorf("database %q, schema %q", s.Database, s.Schema)
	}
}
