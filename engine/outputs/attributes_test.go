package outputs

import (
	"slices"
	"testing"

	"github.com/idstitch/idstitch/engine/config"
)

// TestAttributeColumns: profiles lists each attribute after the traits, with its source column
// when asked for, described by its rule and sources unless the file describes it.
func TestAttributeColumns(t *testing.T) {
	p, err := config.Parse("idstitch.yaml", []byte(`project: acme
warehouse: {type: duckdb, path: a.duckdb}
id_types: [{name: email}]
sources:
  - {name: crm, table: main.crm, ids: {email: email}}
  - {name: orders, table: main.orders, timestamp: ts, ids: {email: email}}
traits:
  - {name: orders, source: orders, agg: count}
attributes:
  - {name: best_email, id_type: email, rule: most_recent, priority: [orders], with_source: true}
  - {name: name, expr: name, sources: [crm], rule: first_seen, description: The name.}
`))
	if err != nil {
		t.Fatal(err)
	}
	var cols []Column
	for _, tb := range Tables(p) {
		if tb.Name == "profiles" {
			cols = tb.Columns
		}
	}
	var names []string
	for _, c := range cols {
		names = append(names, c.Name)
	}
	if want := []string{"orders", "best_email", "best_email_source", "name"}; !slices.Equal(names[len(names)-4:], want) {
		t.Fatalf("profiles' columns end with %v, want %v", names, want)
	}
	for name, want := range map[string]string{
		"best_email":        "Attribute: the value seen last among the profile's email identifiers of orders, crm (most_recent).",
		"best_email_source": "The source of best_email: the source of the row its value was chosen from.",
		"name":              "The name.",
	} {
		i := slices.IndexFunc(cols, func(c Column) bool { return c.Name == name })
		if cols[i].Description != want {
			t.Errorf("%s is described as %q, want %q", name, cols[i].Description, want)
		}
	}
}
