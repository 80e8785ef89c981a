package check

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
)

// TestAttributeExpressions: validate names the attribute, its key and the source when the
// column or expression an attribute reads is not in one of its sources.
func TestAttributeExpressions(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "w.duckdb")
	ctx := context.Background()
	conn, err := duckdb.Open(ctx, db, false)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{"CREATE TABLE main.crm AS SELECT 'u1' AS user_id, 'Ann' AS name, 'A' AS nick", "CREATE TABLE main.forms AS SELECT 'u1' AS user_id, 'ann' AS name"} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	text := `project: acme
warehouse:
  type: duckdb
  path: ` + db + `
id_types:
  - name: user_id
sources:
  - {name: crm, table: main.crm, ids: {user_id: user_id}}
  - {name: forms, table: main.forms, ids: {user_id: user_id}}
attributes:
  - {name: first_name, expr: "upper(name)", sources: [crm], rule: most_frequent}
  - {name: last_name, expr: name, sources: [crm, forms], rule: source_priority, priority: [crm, forms]}
`
	for _, c := range []struct{ from, to, want string }{
		{"", "", ""},
		{`expr: "upper(name)"`, `expr: "upper(nme)"`, `attributes[0].expr: the expression "upper(nme)" of attribute first_name does not run on main.crm (source crm): `},
		{"expr: name,", "expr: full_name,", `attributes[1].expr: column "full_name" of attribute last_name does not exist in table main.crm of source crm; name a column of every source the attribute reads`},
		{"expr: name,", "expr: nick || name,", `attributes[1].expr: the expression "nick || name" of attribute last_name does not run on main.forms (source forms): `},
	} {
		p, err := config.Parse(filepath.Join(dir, "idstitch.yaml"), []byte(strings.Replace(text, c.from, c.to, 1)))
		if err != nil {
			t.Fatal(err)
		}
		pl, err := plan.New(p, conn.Dialect(), "")
		if err != nil {
			t.Fatal(err)
		}
		err = Sources(ctx, conn, pl)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("the valid project: %v", err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: got %v\nwant %s", c.to, err, c.want)
		}
	}
}
