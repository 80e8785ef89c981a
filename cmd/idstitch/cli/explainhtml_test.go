package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/engine/graphpage"
)

// explainProject is a small project whose profile of u1 holds u1, a@x.com, d1, d2 and d3, with
// two quarantined identifiers sharing its rows: test@test.com, blocked, and the device shared,
// a hub (seen with five users, more than max_degree). The profile of big holds one user and
// 400 devices, more than the page draws whole.
const explainProject = `project: explain
warehouse:
  type: duckdb
  path: explain.duckdb
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
    table: main.events
    timestamp: ts
    ids:
      user_id: user_id
      email: email
      device_id: device_id
`

const bigDevices = 400

// explainSetup writes and runs the project, adds a link as an always_link override will, and
// returns the project file and the connection-free path of its database.
func explainSetup(t *testing.T) (project, db string) {
	t.Helper()
	dir := t.TempDir()
	project, db = filepath.Join(dir, "idstitch.yaml"), filepath.Join(dir, "explain.duckdb")
	if err := os.WriteFile(project, []byte(explainProject), 0o644); err != nil {
		t.Fatal(err)
	}
	conn, err := duckdb.Open(context.Background(), db, false)
	if err != nil {
		t.Fatal(err)
	}
	rows := []string{
		"('u1', 'a@x.com', 'd1')", "('u1', NULL, 'd2')", "(NULL, 'a@x.com', 'd3')", "('u1', 'test@test.com', NULL)",
		"('u1', NULL, 'shared')", "('u2', NULL, 'shared')", "('u3', NULL, 'shared')", "('u4', NULL, 'shared')", "('u5', NULL, 'shared')",
		"('u2', 'test@test.com', NULL)",
	}
	for i := 0; i < bigDevices; i++ {
		rows = append(rows, fmt.Sprintf("('big', NULL, 'bd%03d')", i))
	}
	// A few devices of big are seen with a second email too, so that degrees differ.
	for i := 0; i < 5; i++ {
		rows = append(rows, fmt.Sprintf("(NULL, 'big%d@x.com', 'bd%03d')", i, i))
	}
	for _, q := range []string{
		"CREATE TABLE events (ts TIMESTAMP, user_id TEXT, email TEXT, device_id TEXT)",
		"INSERT INTO events SELECT TIMESTAMP '2025-01-01' + INTERVAL (i) HOUR, u, e, d FROM (SELECT row_number() OVER () AS i, * FROM (VALUES " + strings.Join(rows, ", ") + ") v(u, e, d))",
	} {
		if _, err := conn.DB().Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	conn.Close()
	if code, out, errs := do(t, "run", "-c", project); code != 0 {
		t.Fatalf("run: %s%s", out, errs)
	}
	// An always_link override is a link whose sources name the overrides table.
	conn, err = duckdb.Open(context.Background(), db, false)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.DB().Exec(`INSERT INTO identity.id_edges (universal_id, id_type_a, id_value_a, id_type_b, id_value_b, row_count, first_seen_at, last_seen_at, sources)
		SELECT universal_id, 'device_id', 'd1', 'device_id', 'd3', 1, TIMESTAMP '2025-03-01', TIMESTAMP '2025-03-01', 'override'
		FROM identity.id_graph WHERE id_type = 'user_id' AND id_value = 'u1'`); err != nil {
		t.Fatal(err)
	}
	return project, db
}

// profileOf reads, independently of the page's code, the universal id of an identifier, its
// profile's identifiers as type:value and its links as "a b" pairs.
func profileOf(t *testing.T, db, idType, value string) (uid string, ids []string, links [][2]string) {
	t.Helper()
	conn, err := duckdb.Open(context.Background(), db, true)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.DB().QueryRow("SELECT universal_id FROM identity.id_graph WHERE id_type = ? AND id_value = ?", idType, value).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.DB().Query("SELECT id_type || ':' || id_value FROM identity.id_graph WHERE universal_id = ?", uid)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		rows.Scan(&k)
		ids = append(ids, k)
	}
	rows.Close()
	rows, err = conn.DB().Query("SELECT id_type_a || ':' || id_value_a, id_type_b || ':' || id_value_b FROM identity.id_edges WHERE universal_id = ?", uid)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var l [2]string
		rows.Scan(&l[0], &l[1])
		links = append(links, l)
	}
	rows.Close()
	sort.Strings(ids)
	return uid, ids, links
}

var (
	nodeRE      = regexp.MustCompile(`<g class="node" data-key="([^"]*)"`)
	edgeRE      = regexp.MustCompile(`<line class="(edge[^"]*)"[^>]* data-a="([^"]*)" data-b="([^"]*)" data-rows="(\d+)" data-sources="([^"]*)"`)
	neighbourRE = regexp.MustCompile(`<g class="neighbour" data-key="([^"]*)" data-type="[^"]*" data-reason="([^"]*)"`)
	qlinkRE     = regexp.MustCompile(`<line class="qlink"[^>]* data-a="([^"]*)" data-b="([^"]*)"`)
)

func keysOf(re *regexp.Regexp, dom string) []string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(dom, -1) {
		out = append(out, m[1])
	}
	sort.Strings(out)
	return out
}

// TestExplainHTMLInChromium: the page of a profile, as headless Chromium renders it, draws
// every identifier of the profile as a node and every row of id_edges as a link with its
// evidence, marks the link an override made, and draws the two quarantined identifiers that
// share its rows with their reasons, linked to the identifier they were seen with.
func TestExplainHTMLInChromium(t *testing.T) {
	project, db := explainSetup(t)
	uid, ids, links := profileOf(t, db, "user_id", "u1")
	if want := []string{"device_id:d1", "device_id:d2", "device_id:d3", "email:a@x.com", "user_id:u1"}; strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Fatalf("the profile of u1 holds %v, want %v", ids, want)
	}
	page := filepath.Join(filepath.Dir(db), "u1.html")
	code, out, errs := do(t, "explain", "--html", "-c", project, "-o", page, uid)
	if code != 0 || out != "wrote "+page+"\n" {
		t.Fatalf("explain --html: exit %d, %s%s", code, out, errs)
	}
	dom := renderedDOM(t, page)
	if got := keysOf(nodeRE, dom); strings.Join(got, " ") != strings.Join(ids, " ") {
		t.Errorf("nodes drawn: %v\nidentifiers of the profile: %v", got, ids)
	}
	edges := edgeRE.FindAllStringSubmatch(dom, -1)
	if len(edges) != len(links) || len(links) != 5 {
		t.Errorf("%d links drawn, id_edges has %d rows for the profile (want 5: four from the rows, one override)", len(edges), len(links))
	}
	want := map[string]bool{}
	for _, l := range links {
		want[l[0]+" "+l[1]] = true
	}
	overrides := 0
	for _, e := range edges {
		if !want[e[2]+" "+e[3]] {
			t.Errorf("link %s — %s is drawn but not in id_edges", e[2], e[3])
		}
		if e[1] == "edge override" {
			overrides++
			if e[2] != "device_id:d1" || e[3] != "device_id:d3" || e[5] != "override" {
				t.Errorf("the link %s — %s from %q is marked as an override", e[2], e[3], e[5])
			}
		}
		if e[2] == "user_id:u1" && e[3] == "email:a@x.com" && (e[4] != "1" || e[5] != "events") {
			t.Errorf("the link of u1 and a@x.com shows %s rows from %q, want 1 from events", e[4], e[5])
		}
	}
	if overrides != 1 {
		t.Errorf("%d links are marked as overrides, want 1", overrides)
	}
	gotN := map[string]string{}
	for _, m := range neighbourRE.FindAllStringSubmatch(dom, -1) {
		gotN[m[1]] = m[2]
	}
	if len(gotN) != 2 || gotN["email:test@test.com"] != "blocked" || gotN["device_id:shared"] != "hub" {
		t.Errorf("quarantined neighbours drawn: %v, want test@test.com (blocked) and shared (hub)", gotN)
	}
	for _, m := range qlinkRE.FindAllStringSubmatch(dom, -1) {
		if m[2] != "user_id:u1" {
			t.Errorf("quarantined %s is drawn sharing rows with %s; only u1 shares rows with them", m[1], m[2])
		}
	}
	if n := len(qlinkRE.FindAllStringSubmatch(dom, -1)); n != 2 {
		t.Errorf("%d shared-rows lines drawn, want 2", n)
	}
	for _, s := range []string{"Links and their evidence", "Quarantined identifiers sharing rows with this profile", "override (always_link)"} {
		if !strings.Contains(dom, s) {
			t.Errorf("the page lacks %q", s)
		}
	}
	if strings.Contains(dom, `id="summarised"`) {
		t.Error("a profile of 5 identifiers is said to be summarised")
	}

	// Asked for a profile that does not exist, explain --html says so.
	if code, _, errs := do(t, "explain", "--html", "-c", project, "-o", page, "nope"); code == 0 || !strings.Contains(errs, "universal id nope is not in any profile") {
		t.Errorf("explain --html of an unknown id: exit %d, stderr %q", code, errs)
	}
}

// TestExplainHTMLSummarised: a profile of more identifiers than graphpage.Threshold is drawn in
// part: the graphpage.Top identifiers with the most links, and exactly the links of id_edges
// between them; the page says so and counts the identifiers not drawn per type.
func TestExplainHTMLSummarised(t *testing.T) {
	project, db := explainSetup(t)
	uid, ids, links := profileOf(t, db, "user_id", "big")
	if len(ids) != 1+bigDevices+5 || len(ids) <= graphpage.Threshold {
		t.Fatalf("the profile of big holds %d identifiers", len(ids))
	}
	page := filepath.Join(filepath.Dir(db), "big.html")
	if code, out, errs := do(t, "explain", "--html", "-c", project, "-o", page, uid); code != 0 {
		t.Fatalf("explain --html: exit %d, %s%s", code, out, errs)
	}
	dom := renderedDOM(t, page)
	if !strings.Contains(dom, `id="summarised"`) {
		t.Fatal("the page of a profile over the threshold does not say that it is summarised")
	}
	drawn := keysOf(nodeRE, dom)
	if len(drawn) != graphpage.Top {
		t.Fatalf("%d identifiers drawn, want %d", len(drawn), graphpage.Top)
	}
	isDrawn := map[string]bool{}
	for _, k := range drawn {
		isDrawn[k] = true
	}
	// The identifiers with the most links: big (405), then the five devices seen with an
	// email (2 each); every email has one link, like the other devices.
	for _, k := range []string{"user_id:big", "device_id:bd000", "device_id:bd004"} {
		if !isDrawn[k] {
			t.Errorf("%s, among those with the most links, is not drawn", k)
		}
	}
	wantLinks := 0
	for _, l := range links {
		if isDrawn[l[0]] && isDrawn[l[1]] {
			wantLinks++
		}
	}
	if got := len(edgeRE.FindAllStringSubmatch(dom, -1)); got != wantLinks {
		t.Errorf("%d links drawn, id_edges has %d between the drawn identifiers", got, wantLinks)
	}
	hidden := map[string]int{}
	for _, k := range ids {
		if !isDrawn[k] {
			typ, _, _ := strings.Cut(k, ":")
			hidden[typ]++
		}
	}
	for typ, n := range hidden {
		if row := fmt.Sprintf("<tr><td>%s</td><td>%d</td></tr>", typ, n); !strings.Contains(dom[strings.Index(dom, `id="hidden"`):], row) {
			t.Errorf("the table of identifiers not drawn lacks %s", row)
		}
	}
}
