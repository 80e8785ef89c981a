// Package lookml writes LookML for a project's published tables, so that Looker users explore
// profiles, identifiers, audiences and their events without writing joins.
package lookml

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/idstitch/idstitch/engine/config"
)

// Files returns the LookML files for a project: file name → content.
//
// Looker pastes sql_table_name and each sql parameter into its queries as written, so schema,
// table and column names are quoted as the warehouse's dialect quotes them: an output schema named
// from, or a source column named order, would otherwise not parse. They are always quoted, since
// which names need it depends on each warehouse's reserved words; quoted as the planner quotes
// them, they name the very tables and columns it made (Snowflake's upper-case folding included).
func Files(p *config.Project) map[string]string {
	d := p.Warehouse.Dialect()
	table := func(name string) string { return d.Table(p.Output.Schema, name) }
	col := d.QuoteIdent
	files := map[string]string{}
	var b strings.Builder

	// profiles
	fmt.Fprintf(&b, "view: profiles {\n  sql_table_name: %s ;;\n\n", table("profiles"))
	dim(&b, "universal_id", "string", col("universal_id"), "primary_key: yes")
	if p.Scoped() {
		dim(&b, "pool", "string", col("pool"), "")
	}
	timeDim(&b, "first_seen", col("first_seen_at"))
	timeDim(&b, "last_seen", col("last_seen_at"))
	dim(&b, "identifiers", "number", col("identifiers"), "")
	for _, t := range p.IDTypes {
		dim(&b, t.Name+"_count", "number", col(t.Name+"_count"), "")
		dim(&b, "latest_"+t.Name, "string", col("latest_"+t.Name), "")
	}
	for _, t := range p.Traits {
		switch t.Agg {
		case "count", "count_distinct", "sum", "avg":
			dim(&b, t.Name, "number", col(t.Name), "")
			if t.Agg != "avg" {
				measure(&b, "total_"+t.Name, "sum", "${"+t.Name+"}")
			}
		default:
			dim(&b, t.Name, "string", col(t.Name), "")
		}
	}
	for _, a := range p.Audiences {
		dim(&b, a.Name, "yesno", col(a.Name), "")
	}
	measure(&b, "count", "count", "")
	b.WriteString("}\n")
	files["profiles.view.lkml"] = b.String()
	b.Reset()

	// id_graph
	fmt.Fprintf(&b, "view: id_graph {\n  sql_table_name: %s ;;\n\n", table("id_graph"))
	dim(&b, "universal_id", "string", col("universal_id"), "")
	dim(&b, "id_type", "string", col("id_type"), "")
	dim(&b, "id_value", "string", col("id_value"), "")
	if p.Scoped() {
		// An identifier of a local type is one per scope; a shared one is one per pool.
		dim(&b, "scope", "string", col("scope"), "")
		dim(&b, "pool", "string", col("pool"), "")
	}
	timeDim(&b, "first_seen", col("first_seen_at"))
	timeDim(&b, "last_seen", col("last_seen_at"))
	dim(&b, "row_count", "number", col("row_count"), "")
	measure(&b, "count", "count", "")
	b.WriteString("}\n")
	files["id_graph.view.lkml"] = b.String()
	b.Reset()

	// audience_members
	fmt.Fprintf(&b, "view: audience_members {\n  sql_table_name: %s ;;\n\n", table("audience_members"))
	dim(&b, "audience", "string", col("audience"), "")
	dim(&b, "universal_id", "string", col("universal_id"), "")
	timeDim(&b, "entered", col("entered_at"))
	measure(&b, "count", "count", "")
	b.WriteString("}\n")
	files["audience_members.view.lkml"] = b.String()
	b.Reset()

	// one stitched view per source
	for _, s := range p.Sources {
		view := s.Name + "_stitched"
		fmt.Fprintf(&b, "view: %s {\n  sql_table_name: %s ;;\n\n", view, table(view))
		dim(&b, "universal_id", "string", col("universal_id"), "")
		if p.Scoped() {
			dim(&b, "row_scope", "string", col("row_scope"), "")
			dim(&b, "row_pool", "string", col("row_pool"), "")
		}
		if s.Timestamp != "" {
			timeDim(&b, "event", col(s.Timestamp))
		}
		var cols []string
		for _, m := range s.IDs {
			for _, c := range m.Columns {
				if config.IsColumn(c) {
					cols = append(cols, c)
				}
			}
		}
		sort.Strings(cols)
		for i, c := range cols {
			if i > 0 && cols[i-1] == c {
				continue
			}
			dim(&b, strings.ToLower(c), "string", col(c), "")
		}
		measure(&b, "count", "count", "")
		measure(&b, "profiles", "count_distinct", "${universal_id}")
		b.WriteString("}\n")
		files[view+".view.lkml"] = b.String()
		b.Reset()
	}

	// the model: an explore from profiles
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

// dim declares a dimension over column, a quoted name.
func dim(b *strings.Builder, name, typ, column, extra string) {
	fmt.Fprintf(b, "  dimension: %s {\n", name)
	if extra != "" {
		fmt.Fprintf(b, "    %s\n", extra)
	}
	fmt.Fprintf(b, "    type: %s\n    sql: ${TABLE}.%s ;;\n  }\n\n", typ, column)
}

// timeDim declares a dimension group of type time over column, a quoted name.
func timeDim(b *strings.Builder, name, column string) {
	fmt.Fprintf(b, "  dimension_group: %s {\n    type: time\n    timeframes: [raw, time, date, week, month, year]\n    sql: ${TABLE}.%s ;;\n  }\n\n", name, column)
}

func measure(b *strings.Builder, name, typ, sql string) {
	fmt.Fprintf(b, "  measure: %s {\n    type: %s\n", name, typ)
	if sql != "" {
		fmt.Fprintf(b, "    sql: %s ;;\n", sql)
	}
	b.WriteString("  }\n\n")
}
