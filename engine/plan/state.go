package plan

import (
	"fmt"
	"time"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// Tables of the state schema: what an incremental run builds on. Each is replaced by a full run
// and updated in place by an incremental one, inside the publish transaction, so that the state
// always matches the published outputs.
const (
	// stateRows is the prefix of each source's rows read so far, as extraction left them.
	stateRows = "rows_"
	// stateHubs holds every hub with its degree.
	stateHubs = "hubs"
	// stateQValues holds every invalid or blocked value with the number of rows holding it.
	stateQValues = "qvalues"
	// stateRegions gives each identifier in the graph its region: the connected component of
	// all its links after the guards, which no limit or policy splits. A region is the unit an
	// incremental run recomputes.
	stateRegions = "regions"
	// stateMeta holds the fingerprints of the project file's sections that the state depends on.
	stateMeta = "meta"
)

// stateColumns are the columns of the state tables that do not copy an extraction.
var stateColumns = map[string][]idsql.Column{
	stateHubs:      {{Name: "node_id", Type: "int64"}, {Name: "degree", Type: "int64"}, {Name: "id_type", Type: "text"}, {Name: "id_value", Type: "text"}},
	stateQValues:   {{Name: "id_type", Type: "text"}, {Name: "id_value", Type: "text"}, {Name: "reason", Type: "text"}, {Name: "evidence", Type: "int64"}},
	stateRegions:   {{Name: "node_id", Type: "int64"}, {Name: "region", Type: "int64"}, {Name: "id_type", Type: "text"}},
	stateMeta:      {{Name: "section", Type: "text"}, {Name: "fingerprint", Type: "text"}},
	stateOverrides: {{Name: "kind", Type: "text"}, {Name: "na", Type: "int64"}, {Name: "nb", Type: "int64"}},
}

// Prior is what the state schema holds from the last published run: an incremental plan needs it.
type Prior struct {
	// Watermarks has, per source with a timestamp, the latest timestamp among its stored rows.
	// A source without one is read whole, and only what differs from its stored rows counts as
	// new.
	Watermarks map[string]time.Time
	// Rules that changed since the last run.
	Rules Rules
}

// stateTables lists the state tables a full run replaces, each source's rows first.
func (pl *Planner) stateTables() []string {
	var out []string
	for _, s := range pl.Project.Sources {
		out = append(out, stateRows+s.Name)
	}
	return append(out, stateHubs, stateQValues, stateRegions)
}

// empty is a query with the columns of a state table and no rows.
func (b *build) empty(table string) string {
	return render.SQL(b.r, idsql.StateEmpty, idsql.StateEmptyData{Columns: stateColumns[table]})
}

// window is the condition on a source's extracted rows (column ts) that selects what an
// incremental run reads again: rows from the watermark less the lookback on, and rows without a
// timestamp. "" means every row.
func (pl *Planner) window(s config.Source, prior *Prior) string {
	return pl.windowOn(s, prior, "ts")
}

// windowOn is window over the timestamp expression ts.
func (pl *Planner) windowOn(s config.Source, prior *Prior, ts string) string {
	if prior == nil || s.Timestamp == "" {
		return ""
	}
	wm, ok := prior.Watermarks[s.Name]
	if !ok {
		return ""
	}
	// The window has no upper bound: rows dated after the run's horizon, which the watermark
	// leaves out, are read again by every run, and compared with their stored copies like the
	// other rows of the window, until their time comes.
	cutoff := timestampLiteral(pl.Dialect, wm.Add(-pl.Project.Incremental.LookbackDuration))
	return fmt.Sprintf("(%s IS NULL OR %s >= %s)", ts, ts, cutoff)
}

// timestampLiteral is a timestamp literal of t in UTC, the time zone of the times that runs
// compare with stored rows.
func timestampLiteral(d dialects.Dialect, t time.Time) string {
	return d.Cast(d.String(t.UTC().Format("2006-01-02 15:04:05.999999")), dialects.Timestamp)
}

// Horizon is the latest time a row read by a run at now may be dated and still count toward its
// source's watermark: now plus incremental.future_tolerance.
func (pl *Planner) Horizon(now time.Time) time.Time {
	return now.UTC().Add(pl.Project.Incremental.FutureToleranceDuration)
}

// FutureRows returns, per source with a timestamp, the query counting the rows that the run of
// plan p read and that are dated after horizon. They are every such row of the source: a full run
// reads all rows, and an incremental one reads everything after the watermark less the lookback,
// and the watermark is never after the horizon.
func (pl *Planner) FutureRows(p *Plan, horizon time.Time) map[string]string {
	out := map[string]string{}
	for name, table := range p.read {
		out[name] = render.SQL(pl.names.r, idsql.FutureRows, idsql.FutureRowsData{Table: table, Horizon: timestampLiteral(pl.Dialect, horizon)})
	}
	return out
}

// rowHash identifies a row by everything extraction took from it, so that a row read again is
// recognised and a changed one is not.
func (pl *Planner) rowHash(s config.Source) string {
	d := pl.Dialect
	col := func(c string) string {
		if d.Supports(dialects.TypedHash) {
			return c
		}
		return "COALESCE(" + d.Cast(c, dialects.Text) + ", " + d.String("∅") + ")"
	}
	parts := []string{col("ts")}
	if pl.Project.Scoped() {
		// A row whose scope changed is a changed row: its identifiers are other identifiers.
		parts = append(parts, col("sc"))
	}
	for _, t := range pl.traitInputs(s) {
		parts = append(parts, col(fmt.Sprintf("t%d", t.N)), col(fmt.Sprintf("f%d", t.N)))
	}
	for _, sl := range pl.slots(s) {
		parts = append(parts, col(fmt.Sprintf("v%d", sl.N)), col(fmt.Sprintf("q%d", sl.N)))
	}
	return d.Hash64(parts...)
}

// hashedExtract is the extraction query of a source with each row's hash. With prior, it reads
// only the rows of the source's window; the condition goes on the source table itself, so that
// the rows before it are never normalized.
func (pl *Planner) hashedExtract(s config.Source, prior *Prior, x extras) string {
	r := pl.names.r
	window := ""
	if s.Timestamp != "" {
		window = pl.windowOn(s, prior, pl.Dialect.Cast(pl.Dialect.QuoteIdent(s.Timestamp), dialects.Timestamp))
	}
	q := render.SQL(r, idsql.Hashed, idsql.HashedData{Extract: pl.extract(s, window, x), Hash: pl.rowHash(s)})
	if prior == nil || !prior.Rules.Checks {
		return q
	}
	// The checks changed: the stored rows before the window are checked again from their
	// normalized values, and take part as if read anew.
	where := "1 = 0"
	if w := pl.window(s, prior); w != "" {
		where = "NOT " + w
	}
	again := render.SQL(r, idsql.Extract, idsql.ExtractData{Slots: pl.withBlocks(pl.slots(s), x.blocks), Traits: pl.traitInputs(s), Stored: pl.names.state(stateRows + s.Name), StoredWhere: where,
		Scope: pl.scoping(&s), Forget: x.forget})
	return q + "\nUNION ALL\n" + render.SQL(r, idsql.Hashed, idsql.HashedData{Extract: again, Hash: pl.rowHash(s)})
}
