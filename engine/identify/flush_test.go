package identify

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
)

// TestFlushAfterAFailedLoad: calls set aside by a load that failed are loaded by the next flush,
// and so are the calls journaled since, in that same flush.
func TestFlushAfterAFailedLoad(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p, err := config.Parse(filepath.Join(dir, "idstitch.yaml"), []byte("project: fl\nwarehouse:\n  path: fl.duckdb\nid_types:\n  - name: email\nsources:\n  - name: s\n    table: main.s\n    ids:\n      email: e\nidentify: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := duckdb.Open(ctx, filepath.Join(dir, "fl.duckdb"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pl, err := plan.New(p, conn.Dialect(), plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Exec(ctx, conn.Dialect().CreateSchema(p.Output.Schema)); err != nil {
		t.Fatal(err)
	}
	j, _, err := OpenJournal(filepath.Join(dir, "calls.journal"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	call := func(id string) {
		rec := Record{EventID: id, ReceivedAt: 1, AnsweredID: "u-" + id, Answer: ID{Type: "email", Value: id + "@x.com"}, Values: []ID{{Type: "email", Value: id + "@x.com"}}}
		if err := j.Append(&rec)(); err != nil {
			t.Fatal(err)
		}
	}
	call("before")
	// A load that set the calls aside and failed before loading them.
	if _, _, _, err := j.Rotate(); err != nil {
		t.Fatal(err)
	}
	call("after")
	if _, n, err := Flush(ctx, conn, pl, j); err != nil || n != 2 {
		t.Fatalf("flush: %d calls, %v; want both", n, err)
	}
	rows, err := conn.Query(ctx, "SELECT COUNT(*) FROM "+pl.LandingTable())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var landed int64
	rows.Next()
	if err := rows.Scan(&landed); err != nil || landed != 2 {
		t.Fatalf("%d calls in the landing table, %v; want 2", landed, err)
	}
}
