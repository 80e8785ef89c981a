package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
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

// IDChanges is the output table that records every change of universal ids between runs.
const IDChanges = "id_changes"

// Modes of a run.
const (
	ModeFull        = "full"
	ModeIncremental = "incremental"
)

// formatVersion changes when the state or output tables change shape; a change forces a full
// rebuild.
const formatVersion = "4"

// Prior is what the state schema holds from the last published run: an incremental plan needs it.
type Prior struct {
	// Watermarks has, per source with a timestamp, the latest timestamp among its stored rows.
	// A source without one is read whole, and only what differs from its stored rows counts as
	// new.
	Watermarks map[string]time.Time
	// Rules that changed since the last run.
	Rules Rules
}

// Fingerprints returns a digest of each section of the project file that the stored state and
// the published tables depend on. When one differs from the last run's, the run either rebuilds
// or, for the guard rules (checks, degrees, limits), decides again where they can matter. The
// limits section is kept as JSON, since the old limits say which regions a new one affects.
func (pl *Planner) Fingerprints() map[string]string {
	p := pl.Project
	type identity struct {
		Name        string
		Normalize   []config.Normalizer
		CountryCode string
		Anonymous   bool
	}
	type checks struct {
		Name, Pattern, BlockPattern string
		Block                       []string
	}
	var ids []identity
	var chk []checks
	degrees := map[string]*int{}
	limits := map[string]int{}
	for _, t := range p.IDTypes {
		ids = append(ids, identity{t.Name, t.Normalize, t.CountryCode, t.Anonymous})
		chk = append(chk, checks{t.Name, t.Pattern, t.BlockPattern, t.Block})
		degrees[t.Name] = t.MaxDegree
		if t.Limit != nil {
			limits[t.Name] = *t.Limit
		}
	}
	out := map[string]string{}
	for name, v := range map[string]any{
		"id_types":  ids,
		"sources":   p.Sources,
		"policy":    []string{p.Policy.Anonymous, p.Policy.LimitTies},
		"id_salt":   p.Output.IDSalt,
		"traits":    p.Traits,
		"audiences": p.Audiences,
		"format":    formatVersion,
		"checks":    []any{chk, p.Policy.Block},
		"degrees":   degrees,
	} {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err) // plain data: cannot fail
		}
		sum := sha256.Sum256(lineNumbers.ReplaceAll(b, nil))
		out[name] = hex.EncodeToString(sum[:8])
	}
	b, _ := json.Marshal(limits) // map keys are sorted: the same limits give the same text
	out[sectionLimits] = string(b)
	return out
}

// lineNumbers are where in the file a key was written: moving a key changes nothing.
var lineNumbers = regexp.MustCompile(`"Line":[0-9]+,?`)

// Sections of the fingerprints that an incremental run can follow: the guard rules.
const (
	sectionChecks  = "checks"
	sectionDegrees = "degrees"
	sectionLimits  = "limits"
)

// Changed names the sections whose fingerprints differ from stored ones, sorted.
func Changed(stored, current map[string]string) []string {
	var out []string
	for k, v := range current {
		if stored[k] != v {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Rules says which guard rules changed since the last run. An incremental run decides them
// again where they can matter instead of rebuilding.
type Rules struct {
	// Checks: a pattern or block list changed; every stored value is checked again.
	Checks bool
	// Degrees: a max_degree changed; every identifier's hub decision is taken again.
	Degrees bool
	// OldLimits are the limits of the last run when they changed (id type → limit), else nil.
	OldLimits map[string]int
}

// SplitChanges sorts changed sections into those an incremental run follows and those that
// need a full rebuild.
func SplitChanges(changed []string, stored map[string]string) (rules Rules, rebuild []string) {
	for _, c := range changed {
		switch c {
		case sectionChecks:
			rules.Checks = true
		case sectionDegrees:
			rules.Degrees = true
		case sectionLimits:
			rules.OldLimits = map[string]int{}
			if err := json.Unmarshal([]byte(stored[sectionLimits]), &rules.OldLimits); err != nil {
				rebuild = append(rebuild, c)
			}
		default:
			rebuild = append(rebuild, c)
		}
	}
	return rules, rebuild
}

// Any reports whether a rule changed.
func (r Rules) Any() bool { return r.Checks || r.Degrees || r.OldLimits != nil }

// HasHubGuard reports whether any id type has a max_degree.
func (pl *Planner) HasHubGuard() bool {
	for _, t := range pl.Project.IDTypes {
		if t.MaxDegree != nil {
			return true
		}
	}
	return false
}

// MetaQuery returns the stored fingerprints as (section, fingerprint) rows.
func (pl *Planner) MetaQuery() string {
	return "SELECT section, fingerprint FROM " + pl.state(stateMeta)
}

// WatermarkQuery returns the query giving a source's watermark (NULL when it has none), or ""
// for a source without a timestamp.
func (pl *Planner) WatermarkQuery(s config.Source) string {
	if s.Timestamp == "" {
		return ""
	}
	return "SELECT MAX(ts) FROM " + pl.state(stateRows+s.Name)
}

func (pl *Planner) state(name string) string {
	return pl.Dialect.Table(pl.Project.Output.StateSchema, name)
}

func (pl *Planner) stateNext(name string) string {
	return pl.Dialect.Table(pl.Project.Output.StateSchema, name+nextSuffix)
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
	cutoff := wm.UTC().Add(-pl.Project.Incremental.LookbackDuration).Format("2006-01-02 15:04:05.999999")
	return fmt.Sprintf("(%s IS NULL OR %s >= %s)", ts, ts, pl.Dialect.Cast(pl.Dialect.String(cutoff), dialects.Timestamp))
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
func (pl *Planner) hashedExtract(s config.Source, prior *Prior) string {
	window := ""
	if s.Timestamp != "" {
		window = pl.windowOn(s, prior, pl.Dialect.Cast(pl.Dialect.QuoteIdent(s.Timestamp), dialects.Timestamp))
	}
	q := pl.render("hashed", map[string]any{"Extract": pl.extract(s, window), "Hash": pl.rowHash(s)})
	if prior == nil || !prior.Rules.Checks {
		return q
	}
	// The checks changed: the stored rows before the window are checked again from their
	// normalized values, and take part as if read anew.
	where := "1 = 0"
	if w := pl.window(s, prior); w != "" {
		where = "NOT " + w
	}
	again := pl.render("extract", map[string]any{"Slots": pl.slots(s), "Traits": pl.traitInputs(s), "Stored": pl.state(stateRows + s.Name), "StoredWhere": where})
	return q + "\nUNION ALL\n" + pl.render("hashed", map[string]any{"Extract": again, "Hash": pl.rowHash(s)})
}

// newRows is the rows of a source after this run, as a FROM item: the stored rows, less those
// this run replaces, plus the new and changed rows read now.
func (pl *Planner) newRows(s config.Source, window string) string {
	w := window
	if w == "" {
		w = "1 = 1"
	}
	return fmt.Sprintf("(SELECT * FROM %s WHERE NOT (%s AND row_hash IN (SELECT row_hash FROM %s)) UNION ALL SELECT * FROM %s)",
		pl.state(stateRows+s.Name), w, pl.work("gone_"+s.Name), pl.work("ins_"+s.Name))
}

// stateColumns are the columns of the state tables that do not copy an extraction.
var stateColumns = map[string][][2]string{
	stateHubs:    {{"node_id", "int64"}, {"degree", "int64"}, {"id_type", "text"}, {"id_value", "text"}},
	stateQValues: {{"id_type", "text"}, {"id_value", "text"}, {"reason", "text"}, {"evidence", "int64"}},
	stateRegions: {{"node_id", "int64"}, {"region", "int64"}, {"id_type", "text"}},
	stateMeta:    {{"section", "text"}, {"fingerprint", "text"}},
}

// empty is a query with the columns of a state table and no rows.
func (pl *Planner) empty(table string) string {
	var cols []string
	types := map[string]dialects.Type{"text": dialects.Text, "int64": dialects.Int64}
	for _, c := range stateColumns[table] {
		cols = append(cols, pl.Dialect.Cast("NULL", types[c[1]])+" AS "+c[0])
	}
	return "SELECT " + strings.Join(cols, ", ") + " WHERE 1 = 0"
}

// metaStatements replace the stored fingerprints with the project's.
func (pl *Planner) metaStatements() []Statement {
	fp := pl.Fingerprints()
	keys := make([]string, 0, len(fp))
	for k := range fp {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var rows []string
	for _, k := range keys {
		rows = append(rows, fmt.Sprintf("(%s, %s)", pl.Dialect.String(k), pl.Dialect.String(fp[k])))
	}
	return []Statement{
		{SQL: "DELETE FROM " + pl.state(stateMeta) + " WHERE 1 = 1"},
		{SQL: fmt.Sprintf("INSERT INTO %s (section, fingerprint) VALUES %s", pl.state(stateMeta), strings.Join(rows, ", "))},
	}
}

// idChangesInsert appends the changes of this run to id_changes.
func (pl *Planner) idChangesInsert(runID int64) Statement {
	d := pl.Dialect
	return Statement{SQL: fmt.Sprintf("INSERT INTO %s (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT %d, %s, kind, old_universal_id, new_universal_id, identifiers FROM %s",
		pl.out(IDChanges), runID, d.Cast(d.Now(), dialects.Timestamp), pl.work("changes"))}
}

// ChangesQuery counts this run's changes by kind, as (kind, profiles, identifiers) rows. It
// reads the work table a run leaves behind, so that a dry run can print what would change.
func (pl *Planner) ChangesQuery() string {
	return "SELECT kind, COUNT(*), " + pl.Dialect.Cast("COALESCE(SUM(identifiers), 0)", dialects.Int64) + " FROM " + pl.work("changes") + " GROUP BY kind"
}

// stateTables lists the state tables a full run replaces, each source's rows first.
func (pl *Planner) stateTables() []string {
	var out []string
	for _, s := range pl.Project.Sources {
		out = append(out, stateRows+s.Name)
	}
	return append(out, stateHubs, stateQValues, stateRegions)
}

// region plans the stage that decides what an incremental run recomputes: the identifiers on
// rows that are new, changed or gone (touched); hub decisions over all rows for those
// identifiers, since only their degree can have changed; and the regions holding a touched
// identifier or a neighbour of one whose hub decision flipped. The rows holding any identifier of
// those regions become the run's sources, so that every later stage runs as in a full run.
func (pl *Planner) region(bySource map[string][]slot, pairs []pair, windows map[string]string, rules Rules) Stage {
	d := pl.Dialect
	st := Stage{Name: "region", Note: "the identifiers the changed rows touch, the hub decisions they change, and the regions to recompute"}
	var changedSlots, insSlots, delSlots, checkedIns, checkedDel []slot
	for _, s := range pl.Project.Sources {
		for _, sl := range bySource[s.Name] {
			in, del := sl, sl
			in.Table, del.Table = "ins_"+s.Name, "del_"+s.Name
			insSlots, delSlots = append(insSlots, in), append(delSlots, del)
			if len(sl.Checks) > 0 {
				checkedIns, checkedDel = append(checkedIns, in), append(checkedDel, del)
			}
		}
	}
	changedSlots = append(append(changedSlots, insSlots...), delSlots...)
	st.Statements = append(st.Statements, pl.create(pl.work("touched"), "inc_touched", map[string]any{"Slots": changedSlots}, "identifiers on rows that are new, changed or gone"))

	qv := pl.empty(stateQValues)
	if len(checkedIns) > 0 {
		qv = pl.render("inc_qvalues", map[string]any{"Stored": pl.state(stateQValues), "Parts": []map[string]any{
			{"N": 1, "Sign": "", "SQL": pl.render("quarantine_values", map[string]any{"Slots": checkedIns})},
			{"N": 2, "Sign": "-", "SQL": pl.render("quarantine_values", map[string]any{"Slots": checkedDel})},
		}})
	}
	st.Statements = append(st.Statements, Statement{Note: "invalid and blocked values, counted over all rows", SQL: d.CreateTableAs(pl.work("qvalues_new"), qv, true)})

	seedSlots := []slot(nil)
	// Where the seeds' values come from when they are in no stored region.
	named := "touched"
	if len(pairs) > 0 && rules.Degrees {
		named = "decided"
	}
	if len(pairs) > 0 {
		near := map[string]bool{}
		var nearPairs []pair
		for _, p := range pairs {
			src := strings.TrimPrefix(p.Table, "src_")
			p.Table = "near_" + src
			nearPairs = append(nearPairs, p)
			near[src] = true
		}
		for _, s := range pl.Project.Sources {
			if !near[s.Name] {
				continue
			}
			if rules.Degrees {
				// A max_degree changed: every identifier's hub decision is taken again.
				st.Statements = append(st.Statements, Statement{Note: "all rows of " + s.Name + ", since a max_degree changed",
					SQL: d.CreateTableAs(pl.work("near_"+s.Name), "SELECT "+nodeColumns(bySource[s.Name], true)+" FROM "+pl.newRows(s, windows[s.Name])+" s", true)})
				continue
			}
			st.Statements = append(st.Statements, pl.create(pl.work("near_"+s.Name), "inc_rows_with",
				pl.rowsWith(s, bySource[s.Name], windows[s.Name], "touched", nodeColumns(bySource[s.Name], false)), "the identifiers of the rows of "+s.Name+" that hold a touched identifier"))
		}
		decided := "touched"
		if rules.Degrees {
			decided = "decided"
			var all []slot
			for _, s := range pl.Project.Sources {
				if near[s.Name] {
					for _, sl := range bySource[s.Name] {
						sl.Table = "near_" + s.Name
						all = append(all, sl)
					}
				}
			}
			st.Statements = append(st.Statements, pl.create(pl.work(decided), "inc_touched", map[string]any{"Slots": all}, "every identifier on a row with partners"))
		}
		st.Statements = append(st.Statements,
			pl.create(pl.work("hubs_named"), "inc_hubs", map[string]any{"Stored": pl.state(stateHubs), "Touched": decided, "Degrees": pl.render("hubs", map[string]any{"Pairs": nearPairs})},
				"hubs: the stored ones, with the touched identifiers decided again over all their rows"),
			Statement{SQL: d.CreateTableAs(pl.work("hubs"), "SELECT node_id, degree FROM "+pl.work("hubs_named"), true)},
			pl.create(pl.work("flips"), "inc_flips", map[string]any{"Stored": pl.state(stateHubs), "Touched": decided}, "identifiers that became hubs or stopped being ones"),
		)
		for _, s := range pl.Project.Sources {
			if !near[s.Name] {
				continue
			}
			st.Statements = append(st.Statements, pl.create(pl.work("fliprows_"+s.Name), "inc_rows_with",
				map[string]any{"Stored": "", "From": pl.work("near_" + s.Name), "Slots": bySource[s.Name], "Nodes": "flips", "Cols": nodeColumns(bySource[s.Name], false)}, ""))
			for _, sl := range bySource[s.Name] {
				sl.Table = "fliprows_" + s.Name
				seedSlots = append(seedSlots, sl)
			}
		}
	}
	// A changed limit of a type can only change regions holding more identifiers of that type
	// than the lower of its old and new limit.
	var over []string
	if rules.OldLimits != nil {
		for _, t := range pl.Project.IDTypes {
			old, had := rules.OldLimits[t.Name]
			switch {
			case t.Limit == nil && !had, t.Limit != nil && had && *t.Limit == old:
				continue
			case t.Limit != nil && (!had || *t.Limit < old):
				old = *t.Limit
			}
			over = append(over, fmt.Sprintf("SELECT region FROM %s WHERE id_type = %s GROUP BY region HAVING COUNT(*) > %d", pl.state(stateRegions), d.String(t.Name), old))
		}
	}
	st.Statements = append(st.Statements,
		pl.create(pl.work("seeds"), "inc_seeds", map[string]any{"Slots": seedSlots, "Over": over, "Regions": pl.state(stateRegions)}, "touched identifiers, the partners of those whose hub decision flipped, and the regions a changed limit can split"),
		pl.create(pl.work("rnodes"), "inc_region", map[string]any{"Regions": pl.state(stateRegions), "Hubs": len(pairs) > 0}, "every identifier of the regions the seeds are in"),
		// The rows below are read without their values, which costs a third of reading them
		// with; the values come from the published identifiers, the structural quarantine, the
		// changed rows and the hubs.
		pl.create(pl.work("names"), "inc_names", map[string]any{"Named": named, "Hubs": len(pairs) > 0, "Reasons": []string{ReasonLimitConflict, ReasonAnonymous}},
			"the value of every identifier on the rows of those regions"),
	)
	for _, s := range pl.Project.Sources {
		st.Statements = append(st.Statements, pl.create(pl.work("src_"+s.Name), "inc_rows_with",
			pl.rowsWith(s, bySource[s.Name], windows[s.Name], "rnodes", pl.regionColumns(s, bySource[s.Name])), "rows of "+s.Name+" in those regions"))
	}
	return st
}

// incrementalPublish replaces the recomputed regions' rows of the outputs and brings the state
// up to date.
func (pl *Planner) incrementalPublish(bySource map[string][]slot, windows map[string]string, hubs bool, runID int64) []Statement {
	d := pl.Dialect
	w := pl.work
	next := func(name string) string { return d.Table(pl.Project.Output.Schema, name+nextSuffix) }
	in := func(col, table string) string { return col + " IN (SELECT " + col + " FROM " + w(table) + ")" }
	out := []Statement{
		{SQL: "DELETE FROM " + pl.out(IDGraph) + " WHERE " + in("node_id", "redo")},
		{SQL: "INSERT INTO " + pl.out(IDGraph) + " " + pl.render("id_graph", nil)},
		{SQL: "DELETE FROM " + pl.out(Profiles) + " WHERE " + in("universal_id", "redo_ids")},
		{SQL: "INSERT INTO " + pl.out(Profiles) + " SELECT * FROM " + w("profiles_region")},
		{SQL: "DELETE FROM " + pl.out(IDEdges) + " WHERE " + in("universal_id", "redo_ids")},
		{SQL: "INSERT INTO " + pl.out(IDEdges) + " SELECT * FROM " + w("edges_region")},
		{SQL: pl.render("audience_exits", nil)},
		{SQL: pl.render("audience_entries", map[string]any{"RunID": runID})},
	}
	for _, t := range []string{IDQuarantine, AudienceMembers} {
		for _, q := range d.Publish(next(t), pl.out(t), t) {
			out = append(out, Statement{SQL: q})
		}
	}
	for _, s := range pl.Project.Sources {
		win := windows[s.Name]
		if win == "" {
			win = "1 = 1"
		}
		out = append(out,
			Statement{Note: "the rows of " + s.Name, SQL: "DELETE FROM " + pl.state(stateRows+s.Name) + " WHERE " + win + " AND " + in("row_hash", "gone_"+s.Name)},
			Statement{SQL: "INSERT INTO " + pl.state(stateRows+s.Name) + " SELECT * FROM " + w("ins_"+s.Name)},
		)
	}
	if hubs {
		out = append(out,
			Statement{SQL: "DELETE FROM " + pl.state(stateHubs) + " WHERE 1 = 1"},
			Statement{SQL: "INSERT INTO " + pl.state(stateHubs) + " SELECT node_id, degree, id_type, id_value FROM " + w("hubs_named")})
	}
	out = append(out,
		Statement{SQL: "DELETE FROM " + pl.state(stateQValues) + " WHERE 1 = 1"},
		Statement{SQL: "INSERT INTO " + pl.state(stateQValues) + " SELECT id_type, id_value, reason, evidence FROM " + w("qvalues_new")},
		Statement{SQL: "DELETE FROM " + pl.state(stateRegions) + " WHERE " + in("node_id", "redo")},
		Statement{SQL: "INSERT INTO " + pl.state(stateRegions) + " SELECT node_id, region, id_type FROM " + w("regions_new")},
	)
	out = append(out, pl.metaStatements()...)
	return append(out, pl.idChangesInsert(runID))
}

// nodeColumns lists the node id columns of a source's slots, with their values when asked.
func nodeColumns(slots []slot, values bool) string {
	var cols []string
	for _, sl := range slots {
		cols = append(cols, fmt.Sprintf("n%d", sl.N))
		if values {
			cols = append(cols, fmt.Sprintf("v%d", sl.N))
		}
	}
	return strings.Join(cols, ", ")
}

// rowsWith is the data of inc_rows_with: the columns cols of the rows of a source after this
// run that hold an identifier of the work table nodes.
func (pl *Planner) rowsWith(s config.Source, slots []slot, window, nodes, cols string) map[string]any {
	if window == "" {
		window = "1 = 1"
	}
	return map[string]any{"Stored": pl.state(stateRows + s.Name), "Window": window, "Changed": "gone_" + s.Name, "Ins": "ins_" + s.Name,
		"Slots": slots, "Nodes": nodes, "Cols": cols}
}

// checkColumns lists the check result columns of a source's slots.
func checkColumns(slots []slot) string {
	var cols []string
	for _, sl := range slots {
		cols = append(cols, fmt.Sprintf("q%d", sl.N))
	}
	return strings.Join(cols, ", ")
}

// regionColumns are the columns of a source's rows that the stages after the region stage read:
// the timestamp, the trait inputs and the node ids.
func (pl *Planner) regionColumns(s config.Source, slots []slot) string {
	cols := []string{"ts", "row_hash"}
	for _, t := range pl.traitInputs(s) {
		cols = append(cols, fmt.Sprintf("t%d", t.N), fmt.Sprintf("f%d", t.N))
	}
	return strings.Join(cols, ", ") + ", " + nodeColumns(slots, false)
}
