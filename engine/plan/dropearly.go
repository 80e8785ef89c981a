package plan

import (
	"regexp"
	"slices"
	"strings"

	"github.com/idstitch/idstitch/dialects"
)

// place is where a statement runs: a stage, and a position in it. Statements[i] is i, the loop
// len(Statements), After[i] len(Statements)+1+i.
type place struct{ stage, at int }

// dropEarly drops each work table right after the last statement that reads it, where the dialect
// says that pays (DropEarly: DuckDB, Postgres). DuckDB keeps its work tables in memory and spills
// them to the temporary directory past its memory limit, so a table nothing reads any more holds
// memory, and at ten million persons disk, until the next run replaces it.
func (b *build) dropEarly() {
	if !b.Dialect.Supports(dialects.DropEarly) {
		return
	}
	drops := map[place][]string{}
	for t, at := range b.lastReads() {
		drops[at] = append(drops[at], t)
	}
	for s := range b.plan.Stages {
		st := &b.plan.Stages[s]
		after := func(at int) []Statement {
			tables := drops[place{s, at}]
			slices.Sort(tables)
			var out []Statement
			for _, t := range tables {
				out = append(out, b.drop(t))
			}
			return out
		}
		var stmts, rest []Statement
		for i, x := range st.Statements {
			stmts = append(append(stmts, x), after(i)...)
		}
		n := len(st.Statements)
		if st.Loop != nil {
			rest = after(n)
		}
		for i, x := range st.After {
			rest = append(append(rest, x), after(n+1+i)...)
		}
		st.Statements, st.After = stmts, rest
	}
}

// lastReads finds the last place each work table is named, for the tables that may be dropped
// there. A table stays when a measure the runner reads after the outputs names it, when the
// publish (or anything after it) reads it, or when its last reader runs in one transaction: on
// DuckDB the work tables are in a database of their own, which a transaction writing the outputs
// may not also write. The loops' statements are generated per round, so each loop is read at a
// few rounds and counts as one place; a table the plan drops itself is left to that drop.
func (b *build) lastReads() map[string]place {
	p := b.plan
	pinned := append(append([]string{p.Stats, p.QuarantineCounts, p.ComponentsChanged}, p.Controls...), append(mapValues(p.SourceRows, p.read), b.keep...)...)
	for _, rc := range p.Rechecks {
		pinned = append(pinned, rc.Query)
	}
	// A work table's name, as every statement writes it.
	ends := strings.SplitN(b.Dialect.WorkTable(b.work, "\x00"), "\x00", 2)
	name := regexp.MustCompile(regexp.QuoteMeta(ends[0]) + `([a-z0-9_]+)` + regexp.QuoteMeta(ends[1]))
	last, never := map[string]place{}, map[string]bool{}
	see := func(sql string, at place, final bool) {
		for _, m := range name.FindAllStringSubmatch(sql, -1) {
			switch {
			case final:
				never[m[1]] = true
			case strings.TrimSpace(sql) == b.Dialect.DropTable(b.workTable(m[1])):
				delete(last, m[1])
				continue
			}
			last[m[1]] = at
		}
	}
	see(strings.Join(pinned, "\n"), place{}, true)
	for s, st := range p.Stages {
		final := st.Atomic || st.Kind >= KindPublish && st.Kind != KindControls
		for i, x := range st.Statements {
			see(x.SQL, place{s, i}, final)
		}
		if l := st.Loop; l != nil {
			at := place{s, len(st.Statements)}
			see(l.Start, at, final)
			for i := 1; i <= 3; i++ {
				for _, x := range l.Round(i) {
					see(x.SQL, at, final)
				}
				see(l.Remaining(i), at, final)
			}
			for k := 0; k <= 3; k++ {
				for _, x := range l.Finish(k) {
					see(x.SQL, at, final)
				}
			}
		}
		for i, x := range st.After {
			see(x.SQL, place{s, len(st.Statements) + 1 + i}, final)
		}
		for _, x := range st.Commit {
			see(x.SQL, place{s, -1}, true)
		}
	}
	for t := range never {
		delete(last, t)
	}
	return last
}

// mapValues lists the values of maps, in no particular order.
func mapValues(ms ...map[string]string) []string {
	var out []string
	for _, m := range ms {
		for _, v := range m {
			out = append(out, v)
		}
	}
	return out
}
