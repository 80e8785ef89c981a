package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// Layout is the version of the layout of the output and state tables that this version writes.
// It changes whenever a table changes shape or meaning. A run that finds the state of an older
// layout migrates it when a migration is listed below, and otherwise rebuilds in full and says
// why; a run never mixes two layouts.
//
//	4  the layout up to December 2026, recorded only inside the fingerprint section "format"
//	5  the layout recorded as a number in the state's meta table (section "layout")
const Layout = 5

// migrations say how to bring the state of a layout to the next one: the statements to run
// before planning (none where only the meta table changes, which every publish rewrites).
var migrations = map[int]func(StateMeta) []Statement{
	4: func(StateMeta) []Statement { return nil },
}

// layoutSection is the meta row that holds the layout version; formatSection the fingerprint
// that stood for it up to layout 4.
const (
	layoutSection = "layout"
	formatSection = "format"
)

// Sections of the fingerprints that an incremental run can follow: the guard rules.
const (
	sectionChecks  = "checks"
	sectionDegrees = "degrees"
	sectionLimits  = "limits"
)

// StateMeta reads and writes what the state schema says about the run that left it: the
// fingerprints of the project file it was built from, and each source's watermark.
type StateMeta struct {
	project *config.Project
	names   names
}

// StateMeta returns the state metadata of the planner's project.
func (pl *Planner) StateMeta() StateMeta { return StateMeta{project: pl.Project, names: pl.names} }

// Query returns the stored fingerprints as (section, fingerprint) rows.
func (m StateMeta) Query() string {
	return render.SQL(m.names.r, idsql.MetaRead, idsql.MetaReadData{Table: m.names.state(stateMeta)})
}

// WatermarkQuery returns the query giving a source's watermark (NULL when it has none), or ""
// for a source without a timestamp. Stored rows dated after horizon (see Planner.Horizon) do not
// count.
func (m StateMeta) WatermarkQuery(s config.Source, horizon time.Time) string {
	if s.Timestamp == "" {
		return ""
	}
	return render.SQL(m.names.r, idsql.Watermark, idsql.WatermarkData{Table: m.names.state(stateRows + s.Name),
		Horizon: timestampLiteral(m.names.d, horizon)})
}

// HasHubGuard reports whether any id type has a max_degree.
func (m StateMeta) HasHubGuard() bool {
	for _, t := range m.project.IDTypes {
		if t.MaxDegree != nil {
			return true
		}
	}
	return false
}

// write replaces the stored fingerprints with the project's.
func (m StateMeta) write() []Statement {
	fp := m.Fingerprints()
	keys := make([]string, 0, len(fp))
	for k := range fp {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	rows := []idsql.MetaRow{{Section: layoutSection, Fingerprint: strconv.Itoa(Layout)}}
	for _, k := range keys {
		rows = append(rows, idsql.MetaRow{Section: k, Fingerprint: fp[k]})
	}
	table := m.names.state(stateMeta)
	return []Statement{
		{SQL: render.SQL(m.names.r, idsql.DeleteAll, idsql.DeleteAllData{Table: table})},
		{SQL: render.SQL(m.names.r, idsql.MetaInsert, idsql.MetaInsertData{Table: table, Rows: rows})},
	}
}

// Fingerprints returns a digest of each section of the project file that the stored state and
// the published tables depend on. When one differs from the last run's, the run either rebuilds
// or, for the guard rules (checks, degrees, limits), decides again where they can matter. The
// limits section is kept as JSON, since the old limits say which regions a new one affects.
func (m StateMeta) Fingerprints() map[string]string {
	p := m.project
	type identity struct {
		Name        string
		Normalize   []config.Normalizer
		CountryCode string
		Anonymous   bool
		Scope       string `json:",omitempty"`
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
		ids = append(ids, identity{t.Name, t.Normalize, t.CountryCode, t.Anonymous, t.Scope})
		chk = append(chk, checks{t.Name, t.Pattern, t.BlockPattern, t.Block})
		degrees[t.Name] = t.MaxDegree
		if t.Limit != nil {
			limits[t.Name] = *t.Limit
		}
	}
	var sources any = p.Sources
	if p.Scoped() {
		// The scopes decide which identifiers the sources' rows hold.
		sources = []any{p.Sources, p.Scopes}
	}
	policy := []string{p.Policy.Anonymous, p.Policy.LimitTies}
	if p.Evidence() {
		// Only this policy reads the window; other projects keep the digest they had.
		policy = append(policy, fmt.Sprint(p.SignInSeconds()))
	}
	var traits any = p.Traits
	if len(p.Attributes) > 0 {
		// The attributes' values are stored with the rows, as the traits' inputs are; a project
		// without attributes keeps the digest it had.
		traits = []any{p.Traits, p.Attributes}
	}
	out := map[string]string{}
	for name, v := range map[string]any{
		"id_types":  ids,
		"sources":   sources,
		"policy":    policy,
		"id_salt":   p.Output.IDSalt,
		"traits":    traits,
		"audiences": p.Audiences,
		"checks":    []any{chk, p.Policy.Block},
		"degrees":   degrees,
	} {
		out[name] = fingerprint(v)
	}
	b, _ := json.Marshal(limits) // map keys are sorted: the same limits give the same text
	out[sectionLimits] = string(b)
	return out
}

func fingerprint(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain data: cannot fail
	}
	sum := sha256.Sum256(lineNumbers.ReplaceAll(b, nil))
	return hex.EncodeToString(sum[:8])
}

// lineNumbers are where in the file a key was written: moving a key changes nothing.
var lineNumbers = regexp.MustCompile(`"Line":[0-9]+,?`)

// Changed names the sections of the project file whose fingerprints differ from stored ones,
// sorted. Only the sections of current count: the layout is not one (Upgrade decides on it).
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

// StoredLayout reads the layout of the stored state from its meta rows; ok is false when the
// state is older than layout 4, whose version no row says.
func StoredLayout(stored map[string]string) (layout int, ok bool) {
	if v, found := stored[layoutSection]; found {
		n, err := strconv.Atoi(v)
		return n, err == nil
	}
	if stored[formatSection] == fingerprint("4") {
		return 4, true
	}
	return 0, false
}

// Upgrade decides what a run does with stored state of another layout. With the same layout it
// returns nothing. With an older one that migrations reach, it returns the statements that bring
// the state to this layout and a notice saying so. Otherwise it returns the reason the run must
// rebuild in full.
func (m StateMeta) Upgrade(stored map[string]string) (migrate []Statement, notice, rebuild string) {
	from, ok := StoredLayout(stored)
	switch {
	case ok && from == Layout:
		return nil, "", ""
	case !ok:
		return nil, "", "the stored state was left by an older version of idstitch, whose layout this version cannot read; rebuilding it in full"
	case from > Layout:
		return nil, "", fmt.Sprintf("the stored state was left by a newer version of idstitch (layout %d; this version writes layout %d); rebuilding it in full with this version", from, Layout)
	}
	for v := from; v < Layout; v++ {
		step, found := migrations[v]
		if !found {
			return nil, "", fmt.Sprintf("the stored state has layout %d, which this version (layout %d) cannot migrate; rebuilding it in full", from, Layout)
		}
		migrate = append(migrate, step(m)...)
	}
	return migrate, fmt.Sprintf("the stored state had layout %d; migrated to layout %d", from, Layout), ""
}
