package emulatortest

import (
	"context"
	"testing"
	"time"

	"github.com/idstitch/idstitch/engine/plan"
)

// TestIdentifyLanding runs on the emulator what a server sends to land identify calls, as far as
// it binds no values: the landing table and a column per id type (again, as when the server
// starts on a table that exists), the load table beside it, the rows loaded through the
// connector (one event id twice), the append that keeps one row per event id and skips those
// already landed (twice: a flush done again lands nothing twice), and the dead-letter table of
// the destinations.
func TestIdentifyLanding(t *testing.T) {
	p, conn := open(t, false, "identify: {}\ndestinations:\n  - name: lake\n    files:\n      dir: changes\n")
	pl, err := plan.New(p, conn.Dialect(), plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	d := pl.Dialect
	exec := func(q string) {
		t.Helper()
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s\n%v", q, err)
		}
	}
	exec(d.CreateSchema(p.Output.Schema))
	for range 2 {
		for _, st := range pl.LandingTables() {
			exec(st.SQL)
		}
	}
	load := d.Table(p.Output.Schema, plan.LandingLoad(p.Identify.Table))
	exec(d.DropTable(load))
	for _, q := range pl.LandingCopy(load) {
		exec(q)
	}
	cols := append([]string{"event_id", "received_at", "answered_id", "answered_type", "answered_value", "confirmed_run"}, pl.LandingColumns()...)
	at := time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)
	// e-1 twice: a call recorded twice (two copies answered at once) lands once.
	calls := [][2]string{{"e-1", "ann@example.com"}, {"e-2", "bob@example.com"}, {"e-1", "ann@example.com"}}
	i := 0
	err = conn.Load(ctx, p.Output.Schema, plan.LandingLoad(p.Identify.Table), cols, func(row []any) bool {
		if i == len(calls) {
			return false
		}
		for k := range row {
			row[k] = nil
		}
		row[0], row[1], row[2], row[3], row[4] = calls[i][0], at, "uid-"+calls[i][0], "email", calls[i][1]
		for k, c := range cols {
			if c == "id_email" {
				row[k] = calls[i][1]
			}
		}
		i++
		return true
	})
	if err != nil {
		t.Fatalf("load the calls: %v", err)
	}
	for range 2 {
		exec(pl.LandingFlush(load))
	}
	exec(d.DropTable(load))
	rows, err := conn.Query(ctx, "SELECT COUNT(*), COUNT(DISTINCT event_id) FROM "+pl.LandingTable())
	if err != nil {
		t.Fatal(err)
	}
	var n, distinct int64
	rows.Next()
	if err := rows.Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if n != 2 || distinct != 2 {
		t.Fatalf("the landing table holds %d rows (%d event ids) after two flushes of three calls, two event ids; want 2", n, distinct)
	}
	exec(pl.Activation().Create())
}
