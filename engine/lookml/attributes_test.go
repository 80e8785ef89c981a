package lookml

import (
	"strings"
	"testing"

	"github.com/idstitch/idstitch/engine/config"
)

// TestAttributeDimensions: each attribute is a string dimension of profiles, and so is its
// source when the attribute has one, each with what it holds as its description.
func TestAttributeDimensions(t *testing.T) {
	p, err := config.Parse("idstitch.yaml", []byte(shop+`attributes:
  - {name: best_email, id_type: email, rule: most_recent, with_source: true}
  - {name: channel, expr: channel, sources: [orders], rule: most_frequent, description: 'The usual "channel".'}
`))
	if err != nil {
		t.Fatal(err)
	}
	view := Files(p)["profiles.view.lkml"]
	for _, want := range []string{
		"  dimension: best_email {\n    description: \"Attribute: the value seen last among the profile's email identifiers of events (most_recent).\"\n    type: string\n    sql: ${TABLE}.\"best_email\" ;;\n  }\n",
		"  dimension: best_email_source {\n    description: \"The source of best_email: the source of the row its value was chosen from.\"\n    type: string\n    sql: ${TABLE}.\"best_email_source\" ;;\n  }\n",
		"  dimension: channel {\n    description: \"The usual \\\"channel\\\".\"\n    type: string\n    sql: ${TABLE}.\"channel\" ;;\n  }\n",
	} {
		if !strings.Contains(view, want) {
			t.Errorf("profiles.view.lkml lacks\n%s\nit is:\n%s", want, view)
		}
	}
	if strings.Contains(view, "channel_source") {
		t.Errorf("profiles.view.lkml has a source dimension for channel, which has no with_source")
	}
}
