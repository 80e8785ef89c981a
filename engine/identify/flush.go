package identify

import (
	"context"
	"fmt"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/plan"
)

// Flush loads the journaled calls into the landing table, making it where it is missing, before a
// run reads it; it returns the sequence number of the last call loaded and how many there were.
// The calls are loaded into a table beside the landing table first, then appended in one statement
// that skips the event ids it holds already: a flush that stopped half-way and is done again, or a
// retried call recorded twice, lands once.
func Flush(ctx context.Context, conn connectors.Conn, pl *plan.Planner, j *Journal) (last int64, n int, err error) {
	for _, st := range pl.LandingTables() {
		if err := conn.Exec(ctx, st.SQL); err != nil {
			return 0, 0, fmt.Errorf("making the identify landing table: %w", err)
		}
	}
	// Calls set aside by a load that failed go first; then the journal itself, so that a failed
	// load does not keep the calls since out of the next run.
	for {
		l, k, earlier, err := flushOnce(ctx, conn, pl, j)
		last, n = max(last, l), n+k
		if err != nil || !earlier {
			return last, n, err
		}
	}
}

// flushOnce loads the calls Rotate sets aside; earlier says they were set aside by an earlier load.
func flushOnce(ctx context.Context, conn connectors.Conn, pl *plan.Planner, j *Journal) (last int64, n int, earlier bool, err error) {
	p := pl.Project
	recs, done, earlier, err := j.Rotate()
	if err != nil {
		return 0, 0, false, err
	}
	if len(recs) == 0 {
		return 0, 0, earlier, done()
	}
	d := conn.Dialect()
	stage := plan.LandingLoad(p.Identify.Table)
	table := d.Table(p.Output.Schema, stage)
	steps := append([]string{d.DropTable(table)}, pl.LandingCopy(table)...)
	for _, q := range steps {
		if err := conn.Exec(ctx, q); err != nil {
			return 0, 0, false, fmt.Errorf("loading identify calls: %w", err)
		}
	}
	cols := append([]string{"event_id", "received_at", "answered_id", "answered_type", "answered_value", "confirmed_run"}, pl.LandingColumns()...)
	index := map[string]int{}
	for i, t := range p.IDTypes {
		index[t.Name] = 6 + i
	}
	i := 0
	err = conn.Load(ctx, p.Output.Schema, stage, cols, func(row []any) bool {
		if i == len(recs) {
			return false
		}
		r := recs[i]
		i++
		last = max(last, r.Seq)
		row[0], row[1], row[2], row[3], row[4], row[5] = r.EventID, time.UnixMicro(r.ReceivedAt).UTC(), r.AnsweredID, r.Answer.Type, r.Answer.Value, nil
		for j := 6; j < len(row); j++ {
			row[j] = nil
		}
		for _, v := range r.Values {
			if k, ok := index[v.Type]; ok {
				row[k] = v.Value
			}
		}
		return true
	})
	if err != nil {
		return 0, 0, false, fmt.Errorf("loading identify calls: %w", err)
	}
	if err := conn.Exec(ctx, pl.LandingFlush(table)); err != nil {
		return 0, 0, false, fmt.Errorf("appending identify calls to %s: %w", pl.LandingTable(), err)
	}
	if err := conn.Exec(ctx, d.DropTable(table)); err != nil {
		return 0, 0, false, fmt.Errorf("loading identify calls: %w", err)
	}
	return last, len(recs), earlier, done()
}

// WarehouseNormalizer normalizes the identifiers of a call by the project's normalization
// queries, in one query on the connection that read gives, unless all of them can be normalized
// in process.
func WarehouseNormalizer(pl *plan.Planner, read func(ctx context.Context, fn func(connectors.Conn) error) error) Normalizer {
	return func(ctx context.Context, ids []ID) ([]Normalized, error) {
		if out, ok := inProcess(pl, ids); ok {
			return out, nil
		}
		types := make([]string, len(ids))
		args := make([]any, len(ids))
		for i, id := range ids {
			types[i], args[i] = id.Type, id.Value
		}
		q, ok := pl.NormalizeCallQuery(types)
		if !ok {
			return nil, &BadRequest{Msg: fmt.Sprintf("an id type of %v is not the project's", types)}
		}
		out := make([]Normalized, len(ids))
		err := read(ctx, func(conn connectors.Conn) error {
			rows, err := conn.Query(ctx, q, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var pos int64
				var n Normalized
				if err := rows.Scan(&pos, &n.Value, &n.Refused); err != nil {
					return err
				}
				if pos >= 0 && int(pos) < len(out) {
					out[pos] = n
				}
			}
			return rows.Err()
		})
		return out, err
	}
}

// inProcess normalizes every identifier of a call without the warehouse, or reports that one of
// them needs it (plan.Planner.NormalizeInProcess).
func inProcess(pl *plan.Planner, ids []ID) ([]Normalized, bool) {
	out := make([]Normalized, len(ids))
	for i, id := range ids {
		v, reason, ok := pl.NormalizeInProcess(id.Type, id.Value)
		if !ok {
			return nil, false
		}
		out[i] = Normalized{Value: v, Refused: reason}
	}
	return out, true
}

// RecordedAnswer is the answer the landing table holds for an event id, marked replayed.
func RecordedAnswer(ctx context.Context, conn connectors.Conn, pl *plan.Planner, eventID string) (Answer, bool, error) {
	rows, err := conn.Query(ctx, pl.LandingEvent(), eventID)
	if err != nil {
		return Answer{}, false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return Answer{}, false, rows.Err()
	}
	var a Answer
	var at *time.Time
	// Erasure may have wiped the answer's identifier or id: what is left is answered.
	var uid, typ, value *string
	if err := rows.Scan(&uid, &typ, &value, &at); err != nil {
		return Answer{}, false, err
	}
	for _, f := range []struct {
		dst *string
		v   *string
	}{{&a.UniversalID, uid}, {&a.AnsweredFor.Type, typ}, {&a.AnsweredFor.Value, value}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	a.EventID, a.Replayed, a.Outcome = eventID, true, "recorded"
	if at != nil {
		a.ReceivedAt = *at
	}
	return a, true, nil
}
