package warehouse

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/connectors/connectortest"
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
)

// The fake warehouse type is known to nothing in the engine: only this registration names it.
func init() {
	connectors.Register("fakewarehouse", connectortest.Driver{SQL: dialects.DuckDB{}})
}

const fakeProject = `project: acme
warehouse:
  type: fakewarehouse
  location: somewhere
id_types:
  - name: user_id
  - name: email
sources:
  - name: events
    table: main.events
    timestamp: ts
    ids:
      user_id: user_id
      email: email
`

// TestRegisteredTypeValidatesAndCompiles: a connector registered under a new type is checked,
// planned with its dialect and opened, with no change to the engine.
func TestRegisteredTypeValidatesAndCompiles(t *testing.T) {
	p, err := config.Parse("idstitch.yaml", []byte(fakeProject))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Warehouse.Dialect().Name(); got != "duckdb" {
		t.Errorf("dialect %s, want the fake's, duckdb", got)
	}
	pl, err := plan.New(p, p.Warehouse.Dialect(), "")
	if err != nil {
		t.Fatal(err)
	}
	pn, err := pl.Plan(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(pn.Statements(1)) == 0 {
		t.Error("the plan has no statements")
	}
	_, err = Open(context.Background(), p)
	if !errors.Is(err, connectortest.ErrNoWarehouse) {
		t.Fatalf("Open: %v, want the fake's own error", err)
	}
	s := p.Warehouse.Settings.(*connectortest.Settings)
	if s.Location != "somewhere" || len(s.Opened) != 1 || !reflect.DeepEqual(s.Opened[0], connectors.OpenOptions{Project: "acme", Schema: "identity",
		OutputSchemas: []string{"identity", "identity_work", "identity_state"}, SourceSchemas: []string{"main"}}) {
		t.Errorf("the fake was configured with %+v", s)
	}
}

// TestRegisteredTypeChecksItsBlock: the driver's own checks come back naming the file, the line
// and the key, as the rest of the project file's do.
func TestRegisteredTypeChecksItsBlock(t *testing.T) {
	for _, c := range []struct{ name, from, to, want string }{
		{"missing key", "  location: somewhere\n", "",
			"idstitch.yaml:2: warehouse.location: missing; name where the fake warehouse is"},
		{"unknown key", "  location: somewhere\n", "  location: somewhere\n  path: acme.duckdb\n",
			"idstitch.yaml:5: path: unknown key in warehouse; check its spelling against the documented keys"},
		{"wrong kind", "  location: somewhere\n", "  location: [a, b]\n",
			"idstitch.yaml:4: wrong kind of value"},
		{"unknown type", "type: fakewarehouse", "type: oracle",
			`idstitch.yaml:3: warehouse.type: "oracle" is not a supported warehouse; use one of `},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := config.Parse("idstitch.yaml", []byte(strings.Replace(fakeProject, c.from, c.to, 1)))
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("got %v\nwant %s…", err, c.want)
			}
			if c.name == "unknown type" && !strings.Contains(err.Error(), "fakewarehouse") {
				t.Errorf("%v does not list the registered types", err)
			}
		})
	}
}
