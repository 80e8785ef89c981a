package manifest

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/engine/dbt/manifest/manifesttest"
	"github.com/idstitch/idstitch/internal/schemas"
)

var (
	models = []manifesttest.Model{
		{Name: "stg_events", Database: "dev", Schema: "analytics", Materialized: "view", File: "models/staging/stg_events.sql"},
		{Name: "customers", Database: "dev", Schema: "marts", Alias: "dim_customers", Materialized: "table", File: "models/customers.sql"},
		{Name: "int_sessions", Schema: "analytics", Materialized: "ephemeral", File: "models/int_sessions.sql"},
	}
	sources = []manifesttest.Source{{Source: "web", Table: "events", Database: "dev", Schema: "raw_web", Identifier: "web_events", File: "models/sources.yml"}}
)

// TestTestManifestIsAManifest: the manifests the tests build validate against dbt's published
// schema for version 12, so that what the tests read is what dbt writes.
func TestTestManifestIsAManifest(t *testing.T) {
	schemas.Validate(t, "dbt_manifest-v12.json", manifesttest.JSON(models, sources))
}

func TestResolve(t *testing.T) {
	path := manifesttest.Write(t, t.TempDir(), models, sources)
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		node Node
		want string
	}{
		{must(m.Model("stg_events")), "dev.analytics.stg_events"},
		{must(m.Model("customers")), "dev.marts.dim_customers"},
		{must(m.Source("web", "events")), "dev.raw_web.web_events"},
	} {
		db, schema, name, err := c.node.Relation()
		if err != nil {
			t.Fatal(err)
		}
		if got := db + "." + schema + "." + name; got != c.want {
			t.Errorf("%s: relation %s, want %s", c.node.UniqueID, got, c.want)
		}
	}
	if n := must(m.Model("int_sessions")); n.Materialised() {
		t.Error("an ephemeral model counts as materialised")
	}
	if _, err := m.Model("stg_event"); err == nil || !strings.Contains(err.Error(), "did you mean stg_events") {
		t.Errorf("a misspelt model: %v", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "manifest.json")); err != ErrMissing {
		t.Errorf("a missing manifest: %v", err)
	}
}

// TestRelationName: without schema and alias the relation is read from relation_name.
func TestRelationName(t *testing.T) {
	rel := "`my-project`.`dataset`.`orders`"
	n := Node{UniqueID: "model.x.orders", ResourceType: "model", RelationName: &rel}
	db, schema, name, err := n.Relation()
	if err != nil || db != "my-project" || schema != "dataset" || name != "orders" {
		t.Fatalf("%q %q %q %v", db, schema, name, err)
	}
}

func must(n Node, err error) Node {
	if err != nil {
		panic(err)
	}
	return n
}
