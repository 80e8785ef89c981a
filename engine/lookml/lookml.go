// Package lookml writes LookML for a project's published tables, so that Looker users explore
// profiles, identifiers, audiences and their events without writing joins.
//
// Every view has a primary key, so that Looker applies symmetric aggregates in the explore that
// joins them all on universal_id; counts of profiles in views that repeat a profile are distinct
// counts of universal_id; timestamps are dimension groups; descriptions come from the project
// file and the published tables' documentation (engine/outputs).
package lookml

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/outputs"
)

// moneyWords mark a trait as an amount of money when a part of its name (split at underscores)
// is one of them: lifetime_revenue, order_amount, ltv. Such a trait, when an aggregation keeps
// its number (sum, avg, min, max, first, latest), is a number with two decimals.
var moneyWords = []string{"revenue", "amount", "value", "spend", "ltv", "price", "cost", "sales"}

// MoneyFormat is the value format of a money-like trait: two decimals, no currency symbol, since
// the project file does not say the currency.
const MoneyFormat = "decimal_2"

// view writes one view.
type view struct {
	b    strings.Builder
	d    dialects.Dialect
	docs map[string]outputs.Column
}

// Files returns the LookML files for a project: file name → content.
//
// Looker pastes sql_table_name and each sql parameter into its queries as written, so schema,
// table and column names are quoted as the warehouse's dialect quotes them: an output schema named
// from, or a source column named order, would otherwise not parse. They are always quoted, since
// which names need it depends on each warehouse's reserved words; quoted as the planner quotes
// them, they name the very tables and columns it made (Snowflake's upper-case folding included).
func Files(p *config.Project) map[string]string {
	d := p.Warehouse.Dialect()
	tables := map[string]outputs.Table{}
	for _, t := range outputs.Tables(p) {
		tables[t.Name] = t
	}
	open := func(name string) *view {
		v := &view{d: d, docs: map[string]outputs.Column{}}
		t := tables[name]
		for _, c := range t.Columns {
			v.docs[c.Name] = c
		}
		fmt.Fprintf(&v.b, "# %s One row per %s.\nview: %s {\n  sql_table_name: %s ;;\n\n", t.Description, t.Row, name, d.Table(p.Output.Schema, name))
		return v
	}
	files := map[string]string{}

	v := open("profiles")
	v.dim("universal_id", "string", "universal_id", "primary_key: yes")
	if p.Scoped() {
		v.dim("pool", "string", "pool")
	}
	v.time("first_seen", "first_seen_at")
	v.time("last_seen", "last_seen_at")
	v.dim("identifiers", "number", "identifiers")
	for _, t := range p.IDTypes {
		v.dim(t.Name+"_count", "number", t.Name+"_count")
		v.dim("latest_"+t.Name, "string", "latest_"+t.Name)
	}
	for _, t := range p.Traits {
		v.trait(p, t)
	}
	for _, a := range p.Attributes {
		for _, col := range a.Columns() {
			v.dim(col, "string", col)
		}
	}
	for _, a := range p.Audiences {
		v.dim(a.Name, "yesno", a.Name)
	}
	v.measure("count", "count", "", "Profiles.")
	files["profiles.view.lkml"] = v.close()

	v = open("id_graph")
	if p.Scoped() {
		// An identifier of a local type is one per scope, a shared one one per pool: the value
		// alone repeats across scopes.
		v.key("type_value_and_scope", "The identifier: its type, value, pool and scope (empty for a shared type), which together are unique.", "id_type", "id_value", "pool", "scope")
	} else {
		v.key("type_and_value", "The identifier: its type and value, which together are unique.", "id_type", "id_value")
	}
	v.dim("universal_id", "string", "universal_id")
	v.dim("id_type", "string", "id_type")
	v.dim("id_value", "string", "id_value")
	if p.Scoped() {
		v.dim("scope", "string", "scope")
		v.dim("pool", "string", "pool")
	}
	v.time("first_seen", "first_seen_at")
	v.time("last_seen", "last_seen_at")
	v.dim("row_count", "number", "row_count")
	v.measure("count", "count", "", "Identifiers.")
	v.measure("profiles", "count_distinct", "${universal_id}", "Distinct profiles.")
	files["id_graph.view.lkml"] = v.close()

	v = open("audience_members")
	v.key("audience_and_profile", "The membership: the audience and the profile, which together are unique.", "audience", "universal_id")
	v.dim("audience", "string", "audience")
	v.dim("universal_id", "string", "universal_id")
	v.time("entered", "entered_at")
	v.measure("count", "count", "", "Memberships: a profile counts once per audience it is in.")
	v.measure("profiles", "count_distinct", "${universal_id}", "Distinct profiles.")
	files["audience_members.view.lkml"] = v.close()

	for _, s := range p.Sources {
		name := s.Name + "_stitched"
		files[name+".view.lkml"] = stitched(open(name), s, p.Scoped())
	}

	// the model: an explore from profiles
	var b strings.Builder
	fmt.Fprintf(&b, "connection: \"%s\"  # the name of your Looker connection to the warehouse\n\ninclude: \"*.view.lkml\"\n\n", p.Project)
	b.WriteString("explore: profiles {\n  label: \"Customer profiles\"\n")
	joins := []string{"id_graph", "audience_members"}
	for _, s := range p.Sources {
		joins = append(joins, s.Name+"_stitched")
	}
	for _, j := range joins {
		fmt.Fprintf(&b, "\n  join: %s {\n    type: left_outer\n    relationship: one_to_many\n    sql_on: ${profiles.universal_id} = ${%s.universal_id} ;;\n  }\n", j, j)
	}
	b.WriteString("}\n")
	files[p.Project+".model.lkml"] = b.String()
	return files
}

// stitched writes the view of a source's stitched rows. Its primary key is the source's key
// column when the project file names one, else a hash of the whole row.
func stitched(v *view, s config.Source, scoped bool) string {
	v.dim("universal_id", "string", "universal_id")
	if scoped {
		v.dim("row_scope", "string", "row_scope")
		v.dim("row_pool", "string", "row_pool")
	}
	if s.Timestamp != "" {
		v.docs[s.Timestamp] = outputs.Column{Description: "When the row happened: the source's timestamp column " + s.Timestamp + "."}
		v.time("event", s.Timestamp)
	}
	var cols []string
	for _, m := range s.IDs {
		for _, c := range m.Columns {
			if config.IsColumn(c) {
				cols = append(cols, c)
				v.docs[c] = outputs.Column{Description: "The source's column " + c + ", read as " + m.Type + "."}
			}
		}
	}
	if s.Key != "" {
		cols = append(cols, s.Key)
	} else {
		fmt.Fprintf(&v.b, "  dimension: row_hash {\n    primary_key: yes\n    hidden: yes\n    description: %s\n    type: string\n    sql: %s ;;\n  }\n\n",
			quote("A hash of the whole row, the view's key: the source "+s.Name+" names no key column (sources[].key)."), v.d.RowHash("${TABLE}"))
	}
	sort.Strings(cols)
	for i, c := range cols {
		if i > 0 && cols[i-1] == c {
			continue
		}
		if c == s.Key {
			if _, ok := v.docs[c]; !ok {
				v.docs[c] = outputs.Column{Description: "The source's key column " + c + "."}
			}
			v.dim(strings.ToLower(c), "string", c, "primary_key: yes")
		} else {
			v.dim(strings.ToLower(c), "string", c)
		}
	}
	v.measure("count", "count", "", "Rows of the source.")
	v.measure("profiles", "count_distinct", "${universal_id}", "Distinct profiles.")
	return v.close()
}

// trait declares a trait of profiles: a dimension group for a timestamp, a number for a count,
// sum or average or a money-like trait, and a string otherwise.
func (v *view) trait(p *config.Project, t config.Trait) {
	v.docs[t.Name] = outputs.Column{Description: outputs.TraitDescription(t)}
	switch {
	case outputs.TraitIsTime(p, t):
		v.time(strings.TrimSuffix(t.Name, "_at"), t.Name)
	case IsMoney(t):
		v.dim(t.Name, "number", t.Name, "value_format_name: "+MoneyFormat)
		if t.Agg == "sum" {
			v.measure("total_"+t.Name, "sum", "${"+t.Name+"}", "The sum of "+t.Name+" over profiles.", "value_format_name: "+MoneyFormat)
		}
	case t.Agg == "count" || t.Agg == "count_distinct" || t.Agg == "sum" || t.Agg == "avg":
		v.dim(t.Name, "number", t.Name)
		if t.Agg != "avg" {
			v.measure("total_"+t.Name, "sum", "${"+t.Name+"}", "The sum of "+t.Name+" over profiles.")
		}
	default:
		v.dim(t.Name, "string", t.Name)
	}
}

// IsMoney reports whether a trait holds an amount of money (see moneyWords).
func IsMoney(t config.Trait) bool {
	switch t.Agg {
	case "sum", "avg", "min", "max", "first", "latest":
	default:
		return false
	}
	for _, part := range strings.Split(t.Name, "_") {
		for _, w := range moneyWords {
			if part == w {
				return true
			}
		}
	}
	return false
}

// dim declares a dimension over column, described by the view's docs.
func (v *view) dim(name, typ, column string, extra ...string) {
	fmt.Fprintf(&v.b, "  dimension: %s {\n", name)
	for _, e := range extra {
		fmt.Fprintf(&v.b, "    %s\n", e)
	}
	v.describe(column)
	fmt.Fprintf(&v.b, "    type: %s\n    sql: ${TABLE}.%s ;;\n  }\n\n", typ, v.d.QuoteIdent(column))
}

// key declares a hidden compound primary key: the columns joined with a colon, which no id type
// or audience name holds, so that two different pairs never give one key.
func (v *view) key(name, description string, columns ...string) {
	parts := make([]string, 0, 2*len(columns))
	for i, c := range columns {
		if i > 0 {
			parts = append(parts, v.d.String(":"))
		}
		// A NULL part (the scope of a shared identifier) would make the whole key NULL.
		parts = append(parts, "COALESCE(${TABLE}."+v.d.QuoteIdent(c)+", "+v.d.String("")+")")
	}
	fmt.Fprintf(&v.b, "  dimension: %s {\n    primary_key: yes\n    hidden: yes\n    description: %s\n    type: string\n    sql: %s ;;\n  }\n\n",
		name, quote(description), v.d.Concat(parts...))
}

// time declares a dimension group of type time over column.
func (v *view) time(name, column string) {
	fmt.Fprintf(&v.b, "  dimension_group: %s {\n    type: time\n    timeframes: [raw, time, date, week, month, year]\n", name)
	v.describe(column)
	fmt.Fprintf(&v.b, "    sql: ${TABLE}.%s ;;\n  }\n\n", v.d.QuoteIdent(column))
}

func (v *view) measure(name, typ, sql, description string, extra ...string) {
	fmt.Fprintf(&v.b, "  measure: %s {\n    type: %s\n    description: %s\n", name, typ, quote(description))
	for _, e := range extra {
		fmt.Fprintf(&v.b, "    %s\n", e)
	}
	if sql != "" {
		fmt.Fprintf(&v.b, "    sql: %s ;;\n", sql)
	}
	v.b.WriteString("  }\n\n")
}

func (v *view) describe(column string) {
	if c, ok := v.docs[column]; ok && c.Description != "" {
		fmt.Fprintf(&v.b, "    description: %s\n", quote(c.Description))
	}
}

func (v *view) close() string {
	v.b.WriteString("}\n")
	return v.b.String()
}

// quote renders a LookML string: double quotes, with quotes and backslashes escaped and line
// breaks as spaces.
func quote(s string) string {
	s = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	return `"` + s + `"`
}

// Write writes the files into dir, creating it.
func Write(p *config.Project, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	files := Files(p)
	var names []string
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(files[name]), 0o644); err != nil {
			return nil, err
		}
	}
	return names, nil
}
