package cli

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/check"
	"github.com/idstitch/idstitch/engine/lease"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/runner"
)

// runSends counts what `idstitch run` sends to the warehouse for the plan pn, as stitch runs it:
// the checks of the sources, the run lease where several processes may write, and the run, when
// the loop of each stage takes rounds(stage) rounds. The lease's renewals, which depend on how
// long the run lasts, are not in it.
func runSends(pl *plan.Planner, pn *plan.Plan, rounds func(stage string) int) ([]runner.Sent, error) {
	d := pl.Dialect
	out := []runner.Sent{{Stage: "checks", What: "each source's columns and expressions, then the schemas' tables and the registry", Bookkeeping: true, Statements: check.SourcesSends(pl)}}
	if d.Supports(dialects.TransactionalDDL) {
		// check.Rehearse runs only there, on connectors that rehearse, as DuckDB's and
		// Postgres' do; they also parse each expression (check.Expressions).
		n, err := check.RehearsalSends(pl)
		if err != nil {
			return nil, err
		}
		if parsed := check.ParseSends(pl); parsed > 0 {
			out = append(out, runner.Sent{Stage: "checks", What: "parse each user expression (connectors with a parser: DuckDB, Postgres)", Bookkeeping: true, Statements: parsed})
		}
		out = append(out, runner.Sent{Stage: "checks", What: "rehearse the plan on copies of the sources' first rows, rolled back", Bookkeeping: true, Statements: n, Transactions: 1})
	}
	r := &runner.Runner{Planner: pl, Full: pn.Mode == plan.ModeFull}
	if !d.Supports(dialects.SingleWriter) {
		r.Claimed = &check.Owned{}
		out = append(out, runner.Sent{Stage: "lease", What: "claim the schemas, take the run lease", Bookkeeping: true, Statements: lease.HoldSends(pl)})
	}
	out = append(out, r.Sends(pn, rounds)...)
	if r.Claimed != nil {
		out = append(out, runner.Sent{Stage: "lease", What: "give the run lease back", Bookkeeping: true, Statements: lease.ReleaseSends})
	}
	return out, nil
}

// stageRounds reads --stage-rounds: stage=N pairs, comma-separated.
func stageRounds(s string) (map[string]int, error) {
	out := map[string]int{}
	if s == "" {
		return out, nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 0 || k == "" {
			return nil, usageError{msg: fmt.Sprintf("compile --stage-rounds: %q is not stage=rounds, e.g. limit_user_id=4", kv)}
		}
		out[strings.TrimSpace(k)] = n
	}
	return out, nil
}

// printSends prints what a run of pn sends, line by line and then summed up: what is sent once
// before the first loop, per round, at the end of the loop as a function of its rounds, after it,
// and in all, with bookkeeping apart.
func printSends(w io.Writer, pl *plan.Planner, pn *plan.Plan, k int, other map[string]int) error {
	rounds := func(extra int) func(string) int {
		return func(stage string) int {
			if n, ok := other[stage]; ok {
				return n + extra
			}
			return k + extra
		}
	}
	at, err := runSends(pl, pn, rounds(0))
	if err != nil {
		return err
	}
	next, err := runSends(pl, pn, rounds(1))
	if err != nil {
		return err
	}
	if len(at) != len(next) {
		return fmt.Errorf("the count of a run's statements has %d lines at %d rounds and %d at %d", len(at), k, len(next), k+1)
	}
	article := "a"
	if pn.Mode == plan.ModeIncremental {
		article = "an"
	}
	fmt.Fprintf(w, "Statements that %s %s run of project %s sends to %s, each loop taking %d rounds", article, pn.Mode, pn.Project, pn.Dialect.Name(), k)
	if len(other) > 0 {
		fmt.Fprintf(w, " (but %s)", formatRounds(other))
	}
	fmt.Fprintf(w, ".\nCounted from the plan and the runner's code, for a project that has run before; * marks bookkeeping.\n")
	fmt.Fprintf(w, "A statement is one SQL text sent to the warehouse: a round trip on Snowflake (a transaction adds BEGIN and COMMIT),\na job on BigQuery (a transaction is one script job whose statements run as child jobs).\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "statements\tper round\tloop end\t  stage: what\n")
	var s summary
	for i, a := range at {
		slope := next[i].Statements - a.Statements
		star := ""
		if a.Bookkeeping {
			star = "*"
		}
		per, end := "", ""
		switch a.Part {
		case runner.Rounds:
			per = strconv.Itoa(slope)
		case runner.Finish:
			end = linear(a.Statements-slope*rounds(0)(a.Stage), slope)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t  %s%s: %s\n", a.Statements, per, end, star, a.Stage, a.What)
		s.add(a, slope)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	s.print(w, k, pn.Dialect)
	return nil
}

// summary adds up the lines of a count around the first loop: what is sent before its first
// round, its rounds, its end, and what is sent after it (other loops included).
type summary struct {
	loop                   string
	beforePlan, beforeBook int
	perRound               int
	end, endSlope          int
	afterPlan, afterBook   int
	transactions           int
	others                 []string
	after                  bool
}

func (s *summary) add(a runner.Sent, slope int) {
	s.transactions += a.Transactions
	if s.loop == "" && a.Part == runner.Rounds {
		s.loop = a.Stage
	}
	switch {
	case a.Stage == s.loop && a.Part == runner.Rounds:
		s.perRound += slope
		return
	case a.Stage == s.loop && a.Part == runner.Finish:
		s.end, s.endSlope = a.Statements, slope
		s.after = true
		return
	case a.Part == runner.Rounds:
		s.others = append(s.others, fmt.Sprintf("%s: %d per round", a.Stage, slope))
	}
	switch {
	case !s.after && a.Bookkeeping:
		s.beforeBook += a.Statements
	case !s.after:
		s.beforePlan += a.Statements
	case a.Bookkeeping:
		s.afterBook += a.Statements
	default:
		s.afterPlan += a.Statements
	}
}

func (s *summary) print(w io.Writer, k int, d dialects.Dialect) {
	plan := s.beforePlan + s.perRound*k + s.end + s.afterPlan
	book := s.beforeBook + s.afterBook
	fmt.Fprintf(w, "\nIn all, with k rounds of %s:\n", s.loop)
	fmt.Fprintf(w, "  before the loop   %d (%d of the plan, %d bookkeeping)\n", s.beforePlan+s.beforeBook, s.beforePlan, s.beforeBook)
	fmt.Fprintf(w, "  per round         %d (the round's statements and the count after it)\n", s.perRound)
	fmt.Fprintf(w, "  end of the loop   %s\n", linear(s.end-s.endSlope*k, s.endSlope))
	fmt.Fprintf(w, "  after the loop    %d (%d of the plan, %d bookkeeping)", s.afterPlan+s.afterBook, s.afterPlan, s.afterBook)
	if len(s.others) > 0 {
		fmt.Fprintf(w, ", other loops included (%s)", strings.Join(s.others, "; "))
	}
	fmt.Fprintf(w, "\n  total at k = %d   %d (%d of the plan, %d bookkeeping), %s among them\n", k, plan+book, plan, book, plural(s.transactions, "transaction"))
	if !d.Supports(dialects.SingleWriter) {
		fmt.Fprintf(w, "While the run lasts, the run lease is renewed with %d statements every 20 s; they are not counted above.\n", lease.RenewSends)
	}
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// linear writes a + b·k.
func linear(a, b int) string {
	switch {
	case b == 0:
		return strconv.Itoa(a)
	case a == 0:
		return fmt.Sprintf("%dk", b)
	case a < 0:
		return fmt.Sprintf("%dk - %d", b, -a)
	}
	return fmt.Sprintf("%dk + %d", b, a)
}

func formatRounds(m map[string]int) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s %d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
