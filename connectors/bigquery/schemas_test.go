package bigquery

import (
	"context"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/engine/check"
)

// A run creates only the datasets that are missing: CREATE SCHEMA IF NOT EXISTS needs
// bigquery.datasets.create on the project even when the dataset exists, which a service account
// given datasets of its own lacks. Whether a dataset exists is read from its metadata, in the
// project its name gives.
func TestCreatesOnlyMissingDatasets(t *testing.T) {
	f := &fakeService{end: func(int) outcome { return outcome{statement: "CREATE_SCHEMA"} },
		datasets: map[string]bool{"p/identity": true, "other/identity_state": true}}
	c := openFake(t, f, Config{Location: "EU"})
	ctx := context.Background()
	for _, schema := range []string{"identity", "identity_work", "other.identity_state", "other.missing"} {
		if err := check.EnsureSchema(ctx, c, schema, c.Dialect().CreateSchema(schema)); err != nil {
			t.Fatalf("%s: %v", schema, err)
		}
	}
	var created []string
	for _, j := range f.jobs {
		created = append(created, j.Query)
	}
	if len(created) != 2 || !strings.Contains(created[0], "`identity_work`") || !strings.Contains(created[1], "`other`.`missing`") {
		t.Fatalf("created %q; want only identity_work and other.missing", created)
	}
	for _, q := range created {
		if !strings.Contains(q, "location = 'EU'") {
			t.Errorf("%s: not created in the connection's location", q)
		}
	}
}
