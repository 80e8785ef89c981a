package runner_test

import (
	"context"
	"testing"

	"github.com/idstitch/idstitch/connectors"
)

// runRecorder is a connection that notes, for each statement, the run id its context carries
// (0 for none).
type runRecorder struct {
	connectors.Conn
	runs []int64
}

func (c *runRecorder) note(ctx context.Context) {
	id, _ := connectors.RunOf(ctx)
	c.runs = append(c.runs, id)
}

func (c *runRecorder) Exec(ctx context.Context, q string, args ...any) error {
	c.note(ctx)
	return c.Conn.Exec(ctx, q, args...)
}

func (c *runRecorder) Query(ctx context.Context, q string, args ...any) (connectors.Rows, error) {
	c.note(ctx)
	return c.Conn.Query(ctx, q, args...)
}

func (c *runRecorder) ExecTx(ctx context.Context, qs []string) error {
	c.note(ctx)
	return c.Conn.ExecTx(ctx, qs)
}

// TestStatementsCarryTheRunID: once a run is numbered, every statement it sends carries its id in
// the context, which Snowflake's query tag and BigQuery's job labels take up; the run's
// statements before it (which find the number) carry none.
func TestStatementsCarryTheRunID(t *testing.T) {
	conn, p := openLayoutDB(t, [][5]string{{"2024-01-01 00:00:00", "u1", "a@example.org", "d1", "a1"}})
	for want := int64(1); want <= 2; want++ {
		rec := &runRecorder{Conn: conn}
		sum := run(t, rec, p, false)
		if sum.RunID != want {
			t.Fatalf("run id %d; want %d", sum.RunID, want)
		}
		first := -1
		for i, id := range rec.runs {
			if id != 0 && first < 0 {
				first = i
			}
			if first >= 0 && id != sum.RunID {
				t.Fatalf("run %d: statement %d of %d carries run id %d; want %d on every statement from the %dth on",
					sum.RunID, i+1, len(rec.runs), id, sum.RunID, first+1)
			}
		}
		if first < 0 {
			t.Fatalf("run %d: none of its %d statements carries the run id", sum.RunID, len(rec.runs))
		}
		if first < 1 || len(rec.runs)-first < 10 {
			t.Fatalf("run %d: %d of %d statements carry the run id, from the %dth; want all after the numbering",
				sum.RunID, len(rec.runs)-first, len(rec.runs), first+1)
		}
	}
}
