package lookml

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/outputs"
)

// shop has timestamp and money-like traits, a source with a key and one without, and
// descriptions with quotes.
const shop = `project: shop
warehouse:
  type: duckdb
  path: shop.duckdb
id_types:
  - name: user_id
  - name: email
sources:
  - name: orders
    table: raw.orders
    key: order_id
    timestamp: ts
    description: 'Orders from the "web" shop.'
    ids:
      user_id: user_id
  - name: events
    table: raw.events
    timestamp: event_at
    ids:
      user_id: user_id
      email: email
traits:
  - {name: last_order_at, source: orders, agg: max, expr: ts}
  - {name: first_event, source: events, agg: min, expr: event_at}
  - {name: signed_up_at, source: events, agg: first, expr: signup_at}
  - {name: lifetime_revenue, source: orders, agg: sum, expr: revenue, description: 'Revenue of every order, in "EUR".'}
  - {name: last_order_amount, source: orders, agg: latest, expr: amount}
  - {name: orders, source: orders, agg: count}
  - {name: first_channel, source: orders, agg: first, expr: channel}
`

type parsedView struct {
	Dimension      map[string]map[string]any `json:"dimension"`
	DimensionGroup map[string]map[string]any `json:"dimension_group"`
	Measure        map[string]map[string]any `json:"measure"`
}

// parsedViews parses the project's LookML with lookml-parser and returns its views by name.
func parsedViews(t *testing.T, dir string, p *config.Project) map[string]parsedView {
	out := t.TempDir()
	names, err := Write(p, out)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, n := range names {
		paths = append(paths, filepath.Join(out, n))
	}
	script, _ := filepath.Abs("parse.js")
	dump := filepath.Join(out, "parsed.json")
	cmd := exec.Command("node", append([]string{script}, paths...)...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules"), "LOOKML_DUMP="+dump)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: LookML does not parse: %v\n%s", p.Project, err, msg)
	}
	var files map[string]struct {
		View map[string]parsedView `json:"view"`
	}
	if err := json.Unmarshal([]byte(readFile(t, dump)), &files); err != nil {
		t.Fatal(err)
	}
	views := map[string]parsedView{}
	for _, f := range files {
		for name, v := range f.View {
			views[name] = v
		}
	}
	if len(views) != len(p.Sources)+3 {
		t.Fatalf("%s: %d views parsed, want %d", p.Project, len(views), len(p.Sources)+3)
	}
	return views
}

func readFile(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestEveryViewHasAPrimaryKey parses the LookML of every golden project and of shop: every view
// has exactly one primary key, and every timestamp trait is a dimension group of type time.
func TestEveryViewHasAPrimaryKey(t *testing.T) {
	dir := parserDir(t)
	projects, _ := filepath.Glob("../plan/testdata/cases/*/idstitch.yaml")
	shopProject, err := config.Parse("idstitch.yaml", []byte(shop))
	if err != nil {
		t.Fatal(err)
	}
	all := []*config.Project{shopProject}
	for _, file := range projects {
		p, err := config.Load(file)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p)
	}
	timeTraits := 0
	for _, p := range all {
		views := parsedViews(t, dir, p)
		for name, v := range views {
			var keys []string
			for dim, fields := range v.Dimension {
				if fields["primary_key"] == true {
					keys = append(keys, dim)
				}
			}
			if len(keys) != 1 {
				t.Errorf("%s: view %s has primary keys %v, want one", p.Project, name, keys)
			}
		}
		for _, tr := range p.Traits {
			if !outputs.TraitIsTime(p, tr) {
				continue
			}
			timeTraits++
			found := false
			for _, g := range views["profiles"].DimensionGroup {
				if g["type"] == "time" && strings.Contains(g["sql"].(string), `"`+tr.Name+`"`) {
					found = true
				}
			}
			if _, dim := views["profiles"].Dimension[tr.Name]; !found || dim {
				t.Errorf("%s: the timestamp trait %s is not a time dimension group", p.Project, tr.Name)
			}
		}
	}
	if timeTraits != 3 {
		t.Fatalf("%d timestamp traits checked, want shop's three", timeTraits)
	}
	views := parsedViews(t, dir, shopProject)
	prof := views["profiles"]
	for _, money := range []string{"lifetime_revenue", "last_order_amount"} {
		if d := prof.Dimension[money]; d["type"] != "number" || d["value_format_name"] != MoneyFormat {
			t.Errorf("money-like trait %s: %v", money, d)
		}
	}
	if d := prof.Dimension["orders"]; d["value_format_name"] != nil {
		t.Errorf("a count has a money format: %v", d)
	}
	if got := prof.Dimension["lifetime_revenue"]["description"]; got != `Revenue of every order, in "EUR".` {
		t.Errorf("the trait's description is %q", got)
	}
	if d := views["orders_stitched"].Dimension["order_id"]; d["primary_key"] != true {
		t.Errorf("orders_stitched: the source's key order_id is not the primary key: %v", d)
	}
	for _, name := range []string{"id_graph", "audience_members", "events_stitched", "orders_stitched"} {
		if m := views[name].Measure["profiles"]; m["type"] != "count_distinct" || !strings.Contains(m["sql"].(string), "${universal_id}") {
			t.Errorf("%s: profiles are not counted distinct by universal_id: %v", name, m)
		}
	}
}

// TestKeysRunOnDuckDB: the compound keys and the row hash are SQL DuckDB runs, unique over rows
// that differ.
func TestKeysRunOnDuckDB(t *testing.T) {
	p, err := config.Parse("idstitch.yaml", []byte(shop))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := duckdb.Open(ctx, "", false)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{
		"CREATE SCHEMA identity",
		"CREATE TABLE identity.id_graph (id_type VARCHAR, id_value VARCHAR)",
		"INSERT INTO identity.id_graph VALUES ('email', 'a'), ('user_id', 'a'), ('email', 'user_id:a')",
		"CREATE TABLE identity.events_stitched (user_id VARCHAR, email VARCHAR, event_at TIMESTAMP, universal_id VARCHAR)",
		"INSERT INTO identity.events_stitched VALUES ('u1', NULL, TIMESTAMP '2026-01-01', 'x'), ('u1', 'e', TIMESTAMP '2026-01-01', 'x'), (NULL, 'e', TIMESTAMP '2026-01-02', 'x')",
	} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	files := Files(p)
	for view, key := range map[string]string{"id_graph": "type_and_value", "events_stitched": "row_hash"} {
		text := files[view+".view.lkml"]
		i := strings.Index(text, "dimension: "+key+" {")
		sql := text[i:]
		sql = sql[strings.Index(sql, "sql: ")+5 : strings.Index(sql, " ;;")]
		table := tableName.FindStringSubmatch(text)[1]
		q := "SELECT COUNT(DISTINCT " + strings.ReplaceAll(sql, "${TABLE}", "t") + "), COUNT(*) FROM " + table + " AS t"
		rows, err := conn.Query(ctx, q)
		if err != nil {
			t.Fatalf("%s: %s: %v", view, q, err)
		}
		var distinct, n int
		rows.Next()
		rows.Scan(&distinct, &n)
		rows.Close()
		if distinct != n || n != 3 {
			t.Errorf("%s: %s: %d distinct keys over %d rows", view, q, distinct, n)
		}
	}
}

// TestLookMLShowsTheDBTName: the stitched view of a source given as a dbt model says so.
func TestLookMLShowsTheDBTName(t *testing.T) {
	p, err := config.Parse("idstitch.yaml", []byte(shop))
	if err != nil {
		t.Fatal(err)
	}
	p.Sources[1].Model, p.Sources[1].Table = "stg_events", "dev.analytics.stg_events"
	want := "# The rows of the source events (dev.analytics.stg_events, the dbt model stg_events) with the universal_id of each row's first identifier."
	if text := Files(p)["events_stitched.view.lkml"]; !strings.HasPrefix(text, want) {
		t.Errorf("the view does not name the dbt model:\n%s", text)
	}
}
