package plan

import (
	"fmt"
	"math"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// components finds the connected components of the graph (with policy isolate or evidence, of the
// known identifiers only) into labels. When limits or policies refine them, it ends by writing the
// partition they start from.
func (b *build) components() {
	st := b.connected(KindComponents, "components", "cc", b.graphStart(b.graph), "labels")
	if len(b.limited()) > 0 || b.apart() || b.overrides() {
		b.groups = "groups_0"
		st.After = append(st.After, create(b, b.groups, idsql.Groups, idsql.GroupsData{Labels: "labels", Hubs: b.hubs(), Types: b.graph.Types, Not: b.graph.Not},
			"the partition that the limits and policies below refine"))
	}
	b.add(st)
}

func (b *build) graphStart(g idsql.GraphStartData) string {
	return render.SQL(b.r, idsql.GraphStart, g)
}

// connected plans connected components of the edges a start query selects, written to the
// labels table as (node_id, component). Tables of the rounds are named with prefix.
//
// On Snowflake and BigQuery every statement is a round trip or a job, so a round is as few as it
// can be: the map, the edges rewritten onto it, and the count the runner reads. The edges of
// round i replace those of round i-2 (two names alternate), so no round drops the edges before
// it; the maps are kept for the end of the loop, which composes them and labels the components
// in one statement. The tables stay in the work schema, as every work table does, and the next
// run replaces them: a run leaves as many maps as the most rounds a run took.
func (b *build) connected(kind Kind, name, prefix, start, labels string) Stage {
	if b.Algorithm == LabelPropagation {
		return b.labelPropagation(kind, name, prefix, start, labels)
	}
	edges := func(i int) string { return fmt.Sprintf("%s_edges_%d", prefix, i%2) }
	maps := func(i int) string { return fmt.Sprintf("%s_map_%d", prefix, i) }
	st := Stage{Kind: kind, Name: name, Note: "connected components by randomised contraction"}
	st.Statements = []Statement{{Note: "round 0: the graph's edges", SQL: b.Dialect.CreateTableAs(b.workTable(edges(0)), start, true)}}
	st.Loop = &Loop{
		RemainingUnit: "edges left",
		Start:         b.count(edges(0)),
		Monotone:      true,
		// Contraction removes a constant fraction of the nodes per round in expectation; a run
		// past this many rounds means something is wrong, not that the graph is hard.
		MaxRounds: func(n int64) int { return 4*int(math.Ceil(math.Log2(float64(n+2)))) + 20 },
		Round: func(i int) []Statement {
			note := fmt.Sprintf("round %d: rewrite edges onto representatives; drop self-loops", i)
			if i >= 2 {
				note += fmt.Sprintf(" (in place of the edges of round %d)", i-2)
			}
			return []Statement{
				create(b, maps(i), idsql.CCMap, idsql.CCMapData{Edges: edges(i - 1), Salt: i},
					fmt.Sprintf("round %d: every node picks the neighbour (or itself) with the smallest hash", i)),
				create(b, edges(i), idsql.CCEdges, idsql.CCEdgesData{Edges: edges(i - 1), Map: maps(i)}, note),
			}
		},
		Remaining: func(i int) string { return b.count(edges(i)) },
		Finish: func(k int) []Statement {
			if k == 0 {
				return []Statement{create(b, labels, idsql.CCNone, idsql.CCNoneData{Edges: edges(0)}, "no links: every identifier is its own component")}
			}
			rounds := make([]idsql.CCRound, 0, k)
			for i := k; i >= 1; i-- {
				r := idsql.CCRound{N: i, Map: maps(i)}
				if i < k {
					r.Later = i + 1
				}
				rounds = append(rounds, r)
			}
			out := []Statement{create(b, labels, idsql.CCLabels, idsql.CCLabelsData{Rounds: rounds},
				fmt.Sprintf("compose the %d round maps, last to first, and label each component with its smallest node id, whatever the random choices", k))}
			if !b.Dialect.Supports(dialects.DropEarly) {
				return out
			}
			// The round tables are read by nothing after the labels; at ten million persons they
			// hold gigabytes of the machine's disk that would otherwise stay until the next run.
			out = append(out, b.drop(edges(0)), b.drop(edges(1)))
			for i := 1; i <= k; i++ {
				out = append(out, b.drop(maps(i)))
			}
			return out
		},
	}
	return st
}

// labelPropagation plans the baseline: every node takes the smallest label among itself and its
// neighbours until nothing changes.
func (b *build) labelPropagation(kind Kind, name, prefix, start, labels string) Stage {
	lp := func(i int) string { return fmt.Sprintf("%s_lp_%d", prefix, i) }
	edges := prefix + "_lp_edges"
	st := Stage{Kind: kind, Name: name, Note: "connected components by label propagation (benchmark baseline)"}
	st.Statements = []Statement{
		{Note: "the graph's edges", SQL: b.Dialect.CreateTableAs(b.workTable(edges), start, true)},
		create(b, lp(0), idsql.LPStart, idsql.LPStartData{Edges: edges}, "every node starts with its own label"),
	}
	st.Loop = &Loop{
		RemainingUnit: "labels changed",
		Start:         b.count(lp(0)),
		// Label propagation needs diameter rounds; the cap only stops runaway baselines.
		MaxRounds: func(n int64) int { return int(n) + 1 },
		Round: func(i int) []Statement {
			s := []Statement{create(b, lp(i), idsql.LPRound, idsql.LPRoundData{Prev: lp(i - 1), Edges: edges}, fmt.Sprintf("round %d", i))}
			if i >= 2 {
				s = append(s, b.drop(lp(i-2)))
			}
			return s
		},
		Remaining: func(i int) string {
			return render.SQL(b.r, idsql.LPChanged, idsql.LPChangedData{Cur: lp(i), Prev: lp(i - 1)})
		},
		Finish: func(k int) []Statement {
			out := []Statement{create(b, labels, idsql.LPLabels, idsql.LPLabelsData{Cur: lp(k)}, ""), b.drop(edges)}
			for i := max(0, k-1); i <= k; i++ {
				out = append(out, b.drop(lp(i)))
			}
			return out
		},
	}
	return st
}
