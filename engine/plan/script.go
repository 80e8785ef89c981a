package plan

import (
	"fmt"
	"strings"
)

// DefaultScriptRounds is how many contraction rounds Script unrolls unless told otherwise.
// Contraction finishes a one-million-node chain in about 20 rounds; rounds past the end of the
// graph run on empty tables and cost nothing.
const DefaultScriptRounds = 32

// Script renders the plan as one SQL script that the warehouse can run as it is: statements end
// with ';', stage names and notes are comments. A loop is unrolled to `rounds` rounds and
// followed by a check that it really finished within them; the runner instead stops as soon as
// the loop is done.
func (p *Plan) Script(rounds int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "-- idstitch plan: project %s, warehouse %s, components by %s\n", p.Project, p.Dialect.Name(), p.Algorithm)
	fmt.Fprintf(&b, "-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.\n")
	for _, st := range p.Stages {
		fmt.Fprintf(&b, "\n-- ===== stage %s: %s\n", st.Name, st.Note)
		if st.Atomic {
			fmt.Fprintf(&b, "%s;\n", p.Dialect.Begin())
		}
		writeStatements(&b, st.Statements)
		if l := st.Loop; l != nil {
			fmt.Fprintf(&b, "\n-- rounds 1 to %d; the runner stops when the count below reaches 0 (%s)\n", rounds, l.RemainingUnit)
			for i := 1; i <= rounds; i++ {
				writeStatements(&b, l.Round(i))
			}
			writeStatements(&b, []Statement{{
				Note:  fmt.Sprintf("%d rounds must have been enough", rounds),
				SQL:   l.Remaining(rounds),
				Check: "the loop did not finish in the unrolled rounds; compile with more --rounds",
			}})
			writeStatements(&b, l.Finish(rounds))
		}
		writeStatements(&b, st.After)
		if st.Atomic {
			fmt.Fprintf(&b, "%s;\n", p.Dialect.Commit())
		}
		if len(st.Commit) > 0 {
			fmt.Fprintf(&b, "-- together, once every table is in place (the runner first records this publish in the state's publish_journal, and commits its clearing here)\n%s;\n", p.Dialect.Begin())
			writeStatements(&b, st.Commit)
			fmt.Fprintf(&b, "%s;\n", p.Dialect.Commit())
		}
	}
	return b.String()
}

func writeStatements(b *strings.Builder, stmts []Statement) {
	for _, s := range stmts {
		if s.Note != "" {
			fmt.Fprintf(b, "-- %s\n", s.Note)
		}
		if s.Check != "" {
			fmt.Fprintf(b, "-- check: this count must be 0, else: %s\n", s.Check)
		}
		fmt.Fprintf(b, "%s;\n", s.SQL)
	}
}

// Statements lists every statement of the plan in order, as Script prints them (loops unrolled
// to rounds, checks included, BEGIN and COMMIT around atomic stages). Tests hand them one by one to
// a warehouse's parser.
func (p *Plan) Statements(rounds int) []string {
	var out []string
	add := func(stmts []Statement) {
		for _, s := range stmts {
			out = append(out, s.SQL)
		}
	}
	for _, st := range p.Stages {
		if st.Atomic {
			out = append(out, p.Dialect.Begin())
		}
		add(st.Statements)
		if l := st.Loop; l != nil {
			for i := 1; i <= rounds; i++ {
				add(l.Round(i))
			}
			out = append(out, l.Remaining(rounds))
			add(l.Finish(rounds))
		}
		add(st.After)
		if st.Atomic {
			out = append(out, p.Dialect.Commit())
		}
		if len(st.Commit) > 0 {
			out = append(out, p.Dialect.Begin())
			add(st.Commit)
			out = append(out, p.Dialect.Commit())
		}
	}
	return out
}
