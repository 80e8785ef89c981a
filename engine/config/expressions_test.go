package config

import (
	"strconv"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/dialects"
)

// withExpressions is a valid project with one expression in every place the planner pastes one.
const withExpressions = `project: acme
warehouse:
  type: duckdb
  path: acme.duckdb
id_types:
  - name: user_id
  - name: email
    normalize: [{expr: "replace(value, '.', '')"}]
sources:
  - name: events
    table: main.events
    timestamp: ts
    filter: "event_type <> 'test'"
    ids:
      user_id: user_id
      email: [email, "lower(billing_email)"]
traits:
  - name: revenue
    source: events
    agg: sum
    expr: "amount * 2"
    filter: "event_type = 'order'"
audiences:
  - name: big
    where: "revenue > 500"
`

// TestExpressionsListed: every place that takes SQL is listed, with its key and line; a plain
// column is not.
func TestExpressionsListed(t *testing.T) {
	p, err := Parse("idstitch.yaml", []byte(withExpressions))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range p.Expressions() {
		got = append(got, e.Key+"@"+strconv.Itoa(e.Line)+"="+e.Text)
	}
	want := []string{
		"id_types[1].normalize[0].expr@8=replace(value, '.', '')",
		"sources[0].filter@13=event_type <> 'test'",
		"sources[0].ids.email@16=lower(billing_email)",
		"traits[0].expr@21=amount * 2",
		"traits[0].filter@22=event_type = 'order'",
		"audiences[0].where@25=revenue > 500",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestExpressionsAreOneExpression: an expression that would end its statement is refused when
// the file is read, before anything is sent to a warehouse, with the file, line and key.
func TestExpressionsAreOneExpression(t *testing.T) {
	cases := []struct{ from, to, want string }{
		{`where: "revenue > 500"`, `where: '1=1) AS big FROM x; CREATE TABLE main.pwned AS SELECT 1 AS x; SELECT (1'`,
			`idstitch.yaml:25: audiences[0].where: "1=1) AS big FROM x; CREATE TABLE main.pwned AS SELECT 1 AS x; SELECT (1" is not one SQL expression on duckdb: a ) closes a parenthesis that the expression did not open; balance its parentheses`},
		{`filter: "event_type <> 'test'"`, `filter: "1=1) LIMIT 0; CREATE TABLE main.pwned2 AS SELECT 1 AS x; SELECT 1 FROM main.t WHERE (1=1"`,
			`idstitch.yaml:13: sources[0].filter: "1=1) LIMIT 0; CREATE TABLE main.pwned2 AS SELECT 1 AS x; SELECT 1 FROM main.t WH…" is not one SQL expression on duckdb: a ) closes a parenthesis that the expression did not open; balance its parentheses`},
		{`"lower(billing_email)"`, `"lower(billing_email); DROP TABLE main.events"`,
			`idstitch.yaml:16: sources[0].ids.email: "lower(billing_email); DROP TABLE main.events" is not one SQL expression on duckdb: it has a ; outside a string, which would end the statement and start another; write one expression without ;`},
		{`expr: "amount * 2"`, `expr: "amount -- doubled"`,
			`idstitch.yaml:21: traits[0].expr: "amount -- doubled" is not one SQL expression on duckdb: it has a comment (--), which could hide the rest of the statement it is pasted into; remove it (put comments in the YAML, after #, outside the quoted value)`},
		{`filter: "event_type = 'order'"`, `filter: "event_type = 'order"`,
			`idstitch.yaml:22: traits[0].filter: "event_type = 'order" is not one SQL expression on duckdb: a string literal starts here and is never closed; close it, doubling or escaping the quotes inside`},
		{`{expr: "replace(value, '.', '')"}`, `{expr: "replace(value, '.', '')) /* x"}`,
			`idstitch.yaml:8: id_types[1].normalize[0].expr: "replace(value, '.', '')) /* x" is not one SQL expression on duckdb: a ) closes a parenthesis that the expression did not open; balance its parentheses`},
	}
	for _, c := range cases {
		if !strings.Contains(withExpressions, c.from) {
			t.Fatalf("the case edits text that is not in the project: %q", c.from)
		}
		_, err := Parse("dir/idstitch.yaml", []byte(strings.Replace(withExpressions, c.from, c.to, 1)))
		if err == nil || err.Error() != c.want {
			t.Errorf("%s:\n got %v\nwant %s", c.to, err, c.want)
		}
	}
}

// TestCheckForAnotherDialect: an expression can be one expression on one warehouse and not on
// another; compile --dialect checks the project again for the warehouse it writes.
func TestCheckForAnotherDialect(t *testing.T) {
	text := strings.Replace(withExpressions, `filter: "event_type <> 'test'"`, `filter: "a = '\\' OR b = ')'"`, 1)
	p, err := Parse("idstitch.yaml", []byte(text))
	if err != nil {
		t.Fatalf("on DuckDB a backslash is an ordinary character in a string: %v", err)
	}
	err = p.CheckFor(dialects.BigQuery{})
	want := `idstitch.yaml:13: sources[0].filter: "a = '\\' OR b = ')'" is not one SQL expression on bigquery: a ) closes a parenthesis that the expression did not open; balance its parentheses`
	if err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
}
