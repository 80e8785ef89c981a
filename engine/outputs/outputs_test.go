package outputs

import (
	"os"
	"regexp"
	"strings"
	"testing"

	_ "github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/engine/config"
)

var (
	readmeRow = regexp.MustCompile("^\\| `([a-z_<>]+)`(?: \\(view\\))? \\| ([^|]+) \\| (.+) \\|$")
	backticks = regexp.MustCompile("`([a-z_<>]+)`")
	notes     = regexp.MustCompile(`\([^)]*\)`)
)

// TestREADMEDescribesTheSameColumns: the README's table of what a run publishes names, for each
// table, the row and the columns documented here, so that the dbt property file and LookML say
// what the README says.
func TestREADMEDescribesTheSameColumns(t *testing.T) {
	text, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	// With identify calls and a destination, so that their tables are listed too.
	p, err := config.Parse("idstitch.yaml", []byte("project: x\nwarehouse:\n  path: x.duckdb\nid_types:\n  - name: email\nsources:\n  - name: s\n    table: a.b\n    ids:\n      email: e\n"+
		"identify: {}\ndestinations:\n  - name: lake\n    files:\n      dir: out\n"))
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]Table{}
	for _, tab := range Tables(p) {
		if strings.HasSuffix(tab.Name, "_stitched") {
			tab.Name = "<source>_stitched" // one row for every source's view, the landing source's too
		}
		documented[tab.Name] = tab
	}
	seen := 0
	for _, line := range strings.Split(string(text), "\n") {
		m := readmeRow.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		tab, ok := documented[m[1]]
		if !ok {
			t.Errorf("README: table %s is not documented in engine/outputs", m[1])
			continue
		}
		seen++
		if strings.TrimSpace(m[2]) != tab.Row {
			t.Errorf("%s: README says one row per %q, engine/outputs %q", m[1], m[2], tab.Row)
		}
		if m[1] == "profiles" || m[1] == "<source>_stitched" || m[1] == "identify_events" {
			continue // their columns depend on the project
		}
		var readme, ours []string
		// Notes in parentheses (the values of a column, how a table is kept) name no columns.
		for _, b := range backticks.FindAllStringSubmatch(notes.ReplaceAllString(m[3], ""), -1) {
			readme = append(readme, b[1])
		}
		for _, c := range tab.Columns {
			ours = append(ours, c.Name)
		}
		if strings.Join(readme, ",") != strings.Join(ours, ",") {
			t.Errorf("%s: README columns %v, engine/outputs %v", m[1], readme, ours)
		}
	}
	if seen != len(documented) {
		t.Errorf("README's table lists %d of the %d documented tables", seen, len(documented))
	}
}
