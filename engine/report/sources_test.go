package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/engine/config"
)

// TestReportShowsTheDBTName: a source given as a dbt model shows its dbt name next to the
// relation it read.
func TestReportShowsTheDBTName(t *testing.T) {
	d := &Data{Project: "shop", Sources: Sources([]config.Source{
		{Name: "events", Model: "stg_events", Table: "dev.analytics.stg_events"},
		{Name: "signups", DBTSource: []string{"web", "signups"}, Table: "raw.signups"},
		{Name: "orders", Table: "raw.orders"},
	})}
	var b bytes.Buffer
	if err := Render(&b, d); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"<td>events</td><td><code>dbt model stg_events (dev.analytics.stg_events)</code></td>",
		"<td>signups</td><td><code>dbt source web.signups (raw.signups)</code></td>",
		"<td>orders</td><td><code>raw.orders</code></td>",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the report lacks %s", want)
		}
	}
}
