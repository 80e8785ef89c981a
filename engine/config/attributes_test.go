package config

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/dialects"
)

const withAttributes = `project: acme
warehouse:
  type: duckdb
  path: acme.duckdb
id_types:
  - name: user_id
  - name: email
  - name: phone
sources:
  - name: crm
    table: main.crm
    timestamp: updated_at
    ids:
      user_id: user_id
      email: email
  - name: orders
    table: main.orders
    timestamp: ts
    ids:
      email: [email, billing_email]
  - name: web_forms
    table: main.web_forms
    ids:
      email: email
traits:
  - {name: orders, source: orders, agg: count}
attributes:
  - name: email
    id_type: email
    rule: most_recent
    with_source: true
  - name: full_name
    expr: name
    sources: [web_forms, crm]
    rule: source_priority
    priority: [crm]
  - name: country
    expr: upper(ship_country)
    priority: [orders, crm]
    rule: most_frequent
`

// TestAttributes: the sources of an attribute rank by its priority, then by the order of its
// sources (or of the file, for an id type read from every source that maps it).
func TestAttributes(t *testing.T) {
	p, err := Parse("idstitch.yaml", []byte(withAttributes))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range [][]string{{"crm", "orders", "web_forms"}, {"crm", "web_forms"}, {"orders", "crm"}} {
		if got := p.AttributeSources(p.Attributes[i]); !slices.Equal(got, want) {
			t.Errorf("%s reads %v, want %v", p.Attributes[i].Name, got, want)
		}
	}
	if got := p.Attributes[0].Columns(); !slices.Equal(got, []string{"email", "email_source"}) {
		t.Errorf("email makes the columns %v", got)
	}
	var keys []string
	for _, e := range p.Expressions() {
		keys = append(keys, e.Key)
	}
	if !slices.Contains(keys, "attributes[2].expr") || slices.Contains(keys, "attributes[1].expr") {
		t.Errorf("expressions %v: want the attribute's expression listed and its plain column not", keys)
	}
}

// Each broken attributes entry gives one sentence naming the line and the key.
func TestAttributeErrors(t *testing.T) {
	cases := []struct{ name, from, to, want string }{
		{"rule missing", "    rule: most_recent\n", "",
			`idstitch.yaml:28: attributes[0].rule: missing; use most_recent, most_frequent, first_seen, source_priority`},
		{"unknown rule", "rule: most_frequent", "rule: latest",
			`idstitch.yaml:40: attributes[2].rule: "latest" is not a rule; use most_recent, most_frequent, first_seen, source_priority`},
		{"unknown id type", "id_type: email", "id_type: mail",
			`idstitch.yaml:29: attributes[0].id_type: id type "mail" is not declared under id_types; declare it there or fix the name`},
		{"id type no source maps", "id_type: email", "id_type: phone",
			`idstitch.yaml:29: attributes[0].id_type: no source maps a phone column; map one under a source's ids`},
		{"source without the id type", "    id_type: email\n", "    id_type: user_id\n    sources: [crm, orders]\n",
			`idstitch.yaml:30: attributes[0].sources: source "orders" maps no user_id column; remove it, or map one under its ids`},
		{"unknown source", "sources: [web_forms, crm]", "sources: [web_forms, crn]",
			`idstitch.yaml:34: attributes[1].sources: "crn" is not a declared source`},
		{"priority not among sources", "priority: [crm]", "priority: [orders]",
			`idstitch.yaml:36: attributes[1].priority: "orders" is not among the attribute's sources (web_forms, crm); add it there or remove it here`},
		{"priority unknown", "priority: [orders, crm]", "priority: [orders, events]",
			`idstitch.yaml:39: attributes[2].priority: "events" is not a declared source`},
		{"neither expr nor id type", "    id_type: email\n", "",
			`idstitch.yaml:28: attributes[0]: missing expr or id_type; give expr (a column or SQL expression of the sources' rows) or id_type (the profile's identifiers of that type)`},
		{"both expr and id type", "    id_type: email\n", "    id_type: email\n    expr: email\n",
			`idstitch.yaml:30: attributes[0].expr: given with id_type; an attribute takes its values from one of them, so remove one`},
		{"expr without sources", "    priority: [orders, crm]\n", "",
			`idstitch.yaml:37: attributes[2].sources: missing; name the sources whose rows hold "upper(ship_country)", like sources: [crm, orders]`},
		{"source_priority without priority", "    priority: [crm]\n", "",
			`idstitch.yaml:35: attributes[1].priority: missing; source_priority needs the sources in order, first wins, like priority: [web_forms, crm]`},
		{"name of a trait", "  - name: full_name\n", "  - name: orders\n",
			`idstitch.yaml:32: attributes[1].name: "orders" makes the profile column orders, which traits[0].name "orders" makes too; rename one of them`},
		{"name of a type column", "  - name: full_name\n", "  - name: latest_email\n",
			`idstitch.yaml:32: attributes[1].name: "latest_email" makes the profile column latest_email, which id_types[1].name "email" makes too; rename one of them`},
		{"source column taken", "    rule: most_frequent\n", "    rule: most_frequent\n    with_source: true\n  - name: country_source\n    id_type: email\n    rule: first_seen\n",
			`idstitch.yaml:42: attributes[3].name: "country_source" makes the profile column country_source, which attributes[2].name "country" makes too; rename one of them`},
		{"reserved", "  - name: full_name\n", "  - name: identifiers\n",
			`idstitch.yaml:32: attributes[1].name: "identifiers" makes the profile column identifiers, which is the profile column every profile has already; rename it`},
		{"duplicate", "  - name: full_name\n", "  - name: email\n",
			`idstitch.yaml:32: attributes[1].name: "email" must be a unique lower-case name`},
		{"not one expression", "upper(ship_country)", "upper(ship_country)); DROP TABLE x; SELECT (1",
			`idstitch.yaml:38: attributes[2].expr: "upper(ship_country)); DROP TABLE x; SELECT (1" is not one SQL expression on duckdb: `},
		{"unknown key", "    rule: most_recent\n", "    rule: most_recent\n    rules: x\n",
			`idstitch.yaml:31: rules: unknown key in an attributes entry; check its spelling against the documented keys`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(withAttributes, c.from) {
				t.Fatalf("the case edits text that is not in the project: %q", c.from)
			}
			_, err := Parse("idstitch.yaml", []byte(strings.Replace(withAttributes, c.from, c.to, 1)))
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("got  %v\nwant %s", err, c.want)
			}
		})
	}
}

// TestAttributeNameLength: an attribute's name makes <name>_source, so Postgres keeps it up to 56
// characters, as docs/project-file.md says.
func TestAttributeNameLength(t *testing.T) {
	for n, want := range map[int]string{56: "", 57: `idstitch.yaml:32: attributes[1].name: "` + strings.Repeat("a", 57) + `" is too long for postgres: it names profile columns up to 7 characters longer (<name>_source), and postgres keeps at most 63; shorten it to at most 56 characters`} {
		p, err := Parse("idstitch.yaml", []byte(strings.Replace(withAttributes, "  - name: full_name\n", "  - name: "+strings.Repeat("a", n)+"\n", 1)))
		if err != nil {
			t.Fatal(err)
		}
		err = p.CheckFor(dialects.Postgres{})
		if got := fmt.Sprint(err); want == "" && err != nil || want != "" && got != want {
			t.Errorf("a name of %d characters: got %v\nwant %s", n, err, want)
		}
	}
}

// TestAttributeWithoutTimestamps: most_recent over sources none of which has a timestamp is
// valid, but the file check says that the rows' order cannot decide.
func TestAttributeWithoutTimestamps(t *testing.T) {
	p, err := Parse("idstitch.yaml", []byte(strings.Replace(withAttributes, "    sources: [web_forms, crm]\n    rule: source_priority\n    priority: [crm]\n", "    sources: [web_forms]\n    rule: most_recent\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	want := `idstitch.yaml:35: attributes[1].rule: most_recent compares the rows' timestamps, and none of the sources of full_name has a timestamp column; the value is chosen by source priority, then value`
	if len(p.Warnings) != 1 || p.Warnings[0].String() != want {
		t.Fatalf("warnings %v, want %s", p.Warnings, want)
	}
}
