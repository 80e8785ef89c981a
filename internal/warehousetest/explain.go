package warehousetest

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/graphpage"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/unionfind"
)

const explainYAML = `project: explain
warehouse:
  type: duckdb
  path: unused.duckdb
output:
  schema: identity
id_types:
  - name: user_id
  - name: email
    block: ['test@test.com']
  - name: device_id
    max_degree: 3
sources:
  - name: events
    table: TABLE
    timestamp: ts
    ids:
      user_id: user_id
      email: email
      device_id: device_id
`

// testExplainGraph: the graph of one profile that the page draws, read on the warehouse: its
// identifiers, its links with their evidence (and the one an override made, added to id_edges
// as an always_link will be), and the quarantined identifiers sharing its rows, each with its
// reason and the identifier it was seen with. The profile of u1 holds u1, a@x.com, d1, d2, d3;
// test@test.com is blocked and the device shared is a hub (five users, max_degree 3), and each
// shares one row with u1.
func testExplainGraph(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	tb := Table{Name: "explain_events", Columns: []string{"user_id", "email", "device_id"}, Types: []string{"user_id", "email", "device_id"}}
	for i, r := range [][3]string{
		{"u1", "a@x.com", "d1"}, {"u1", "", "d2"}, {"", "a@x.com", "d3"}, {"u1", "test@test.com", ""},
		{"u1", "", "shared"}, {"u2", "", "shared"}, {"u3", "", "shared"}, {"u4", "", "shared"}, {"u5", "", "shared"},
		{"u2", "test@test.com", ""},
	} {
		vals := make([]any, 3)
		for k, v := range r {
			if v != "" {
				vals[k] = v
			}
		}
		tb.Rows = append(tb.Rows, Row{TS: base.Add(time.Duration(i) * time.Hour), Values: vals})
	}
	Load(t, conn, []Table{tb})
	d := conn.Dialect()
	p := mustParse(t, strings.Replace(explainYAML, "TABLE", d.DefaultSchema()+"."+tb.Name, 1))
	Stitch(t, conn, p, plan.Contraction)
	uid := Published(t, conn, p.Output.Schema)[unionfind.ID{Type: "user_id", Value: "u1"}]
	ts := d.Cast(d.String("2025-03-01 00:00:00"), dialects.Timestamp)
	mustExec(t, conn, fmt.Sprintf("INSERT INTO %s (universal_id, id_type_a, id_value_a, id_type_b, id_value_b, row_count, first_seen_at, last_seen_at, sources) VALUES (%s, 'device_id', 'd1', 'device_id', 'd3', 1, %s, %s, %s)",
		d.Table(p.Output.Schema, plan.IDEdges), d.String(uid), ts, ts, d.String(graphpage.OverrideSource)))

	pl, err := plan.New(p, d, plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	g, err := graphpage.Collect(context.Background(), conn, pl, uid)
	if err != nil {
		t.Fatal(err)
	}
	var nodes []string
	for _, n := range g.Nodes {
		nodes = append(nodes, n.Key())
	}
	sort.Strings(nodes)
	if got, want := strings.Join(nodes, " "), "device_id:d1 device_id:d2 device_id:d3 email:a@x.com user_id:u1"; got != want || g.Identifiers != 5 {
		t.Errorf("identifiers of the profile: %s (%d counted), want %s", got, g.Identifiers, want)
	}
	var links []string
	for _, l := range g.Edges {
		links = append(links, fmt.Sprintf("%s %s %d %s %v", l.A, l.B, l.Rows, strings.Join(l.Sources, ","), l.Override()))
	}
	sort.Strings(links)
	want := []string{
		"device_id:d1 device_id:d3 1 override true",
		"device_id:d1 user_id:u1 1 events false",
		"device_id:d2 user_id:u1 1 events false",
		"device_id:d3 email:a@x.com 1 events false",
		"email:a@x.com user_id:u1 1 events false",
	}
	// id_edges orders each pair by node id, which this test does not compute: compare the pairs
	// with their ends in order.
	for i, l := range links {
		f := strings.Fields(l)
		if f[0] > f[1] {
			f[0], f[1] = f[1], f[0]
		}
		links[i] = strings.Join(f, " ")
	}
	sort.Strings(links)
	if strings.Join(links, "\n") != strings.Join(want, "\n") || g.Links != 5 {
		t.Errorf("links (%d counted):\n%s\nwant:\n%s", g.Links, strings.Join(links, "\n"), strings.Join(want, "\n"))
	}
	var neighbours []string
	for _, n := range g.Neighbours {
		neighbours = append(neighbours, fmt.Sprintf("%s %s %v", n.Key(), n.Reason, n.Via))
	}
	sort.Strings(neighbours)
	if got, want := strings.Join(neighbours, "; "), "device_id:shared hub map[user_id:u1:1]; email:test@test.com blocked map[user_id:u1:1]"; got != want || g.NoNeighbours != "" {
		t.Errorf("quarantined neighbours: %s (%s)\nwant %s", got, g.NoNeighbours, want)
	}
	var page bytes.Buffer
	if err := graphpage.Render(&page, g); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(page.String(), `<g class="node"`); n != 5 {
		t.Errorf("the page draws %d identifiers, want 5", n)
	}
}
