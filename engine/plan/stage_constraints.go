package plan

import (
	"fmt"
	"math"

	"github.com/idstitch/idstitch/engine/config"
	idsql "github.com/idstitch/idstitch/sql"
)

// limited lists the id types with a limit per profile. With policy isolate or evidence, anonymous
// types are left to the policy.
func (b *build) limited() []config.IDType {
	var out []config.IDType
	for _, t := range b.Project.IDTypes {
		if t.Limit != nil && !(b.apart() && t.Anonymous) {
			out = append(out, t)
		}
	}
	return out
}

// limits splits, type by type, the groups that break a limit.
func (b *build) limits() {
	for i, t := range b.limited() {
		next := fmt.Sprintf("groups_%d", i+1)
		b.add(b.limit(t, b.groups, next))
		if b.Project.Policy.LimitTies == "isolate" {
			b.quarantine = append(b.quarantine, stmt(b, idsql.QuarantineNodes, idsql.QuarantineNodesData{Table: "conflicts_" + t.Name, Reason: ReasonLimitConflict, Evidence: "anchors"}).SQL)
		}
		b.groups = next
	}
}

// limit plans the split of the groups that hold more than t.Limit identifiers of type t: its
// identifiers there become anchors, and every other identifier joins the nearest anchor.
func (b *build) limit(t config.IDType, groups, next string) Stage {
	viol := "lim_violating"
	st := Stage{Kind: KindLimit, Name: "limit_" + t.Name, Note: fmt.Sprintf("at most %d %s per profile: split the profiles that hold more", *t.Limit, t.Name)}
	st.Statements = []Statement{
		create(b, viol, idsql.LimViolating, idsql.LimViolatingData{Groups: groups, Type: t.Name, Limit: *t.Limit}, "profiles over the limit"),
	}
	seed := create(b, "lim_seen_0", idsql.LimSeed, idsql.LimSeedData{Groups: groups, Type: t.Name, Violating: viol}, "their identifiers of this type are the anchors")
	isolate := b.Project.Policy.LimitTies == "isolate"
	st = b.nearest(st, groups, next, viol, seed, isolate)
	if isolate {
		finish := st.Loop.Finish
		st.Loop.Finish = func(k int) []Statement {
			out := finish(k)
			conflicts := create(b, "conflicts_"+t.Name, idsql.LimConflicts, idsql.LimConflictsData{Seen: fmt.Sprintf("lim_seen_%d", k%2)}, "identifiers equally near several anchors (policy.limit_ties: isolate)")
			return append(out, conflicts)
		}
	}
	return st
}

// nearest completes a split whose statements made the table of violating groups viol; seed
// makes its anchors, lim_seen_0. Every other identifier of those groups joins its nearest anchor by
// breadth-first search inside its group, one ring per round, and the refined partition is next.
// The tables of ring i replace those of ring i-2 (two names alternate), so that no round drops
// the tables before it: every statement is a round trip on Snowflake and a job on BigQuery.
func (b *build) nearest(st Stage, groups, next, viol string, seed Statement, isolate bool) Stage {
	front := func(i int) string { return fmt.Sprintf("lim_front_%d", i%2) }
	seen := func(i int) string { return fmt.Sprintf("lim_seen_%d", i%2) }
	st.Statements = append(st.Statements,
		create(b, "lim_edges", idsql.LimEdges, idsql.LimEdgesData{Groups: groups, Violating: viol}, "their links, both ways"),
		seed,
		create(b, front(0), idsql.LimFrontStart, idsql.LimFrontStartData{Seen: seen(0)}, ""),
	)
	st.Loop = &Loop{
		RemainingUnit: "identifiers reached",
		Start:         b.count(front(0)),
		// Every round reaches at least one identifier or ends the loop.
		MaxRounds: func(int64) int { return math.MaxInt32 },
		Round: func(i int) []Statement {
			return []Statement{
				create(b, front(i), idsql.LimFront, idsql.LimFrontData{Front: front(i - 1), Seen: seen(i - 1), Isolate: isolate},
					fmt.Sprintf("ring %d: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)", i)),
				create(b, seen(i), idsql.LimSeen, idsql.LimSeenData{Seen: seen(i - 1), Front: front(i)}, ""),
			}
		},
		Remaining: func(i int) string { return b.count(front(i)) },
		Finish: func(k int) []Statement {
			return []Statement{
				create(b, next, idsql.LimGroups, idsql.LimGroupsData{Groups: groups, Seen: seen(k), Violating: viol}, "the refined partition; identifiers no anchor reached stay together"),
			}
		},
	}
	return st
}

// anonymous applies the anonymous policy: isolate, or evidence (stage_evidence.go).
func (b *build) anonymous() {
	if b.evidence() {
		b.evidenceStage()
	}
	if !b.isolate() {
		return
	}
	anon := b.Project.AnonymousTypes()
	st := b.connected(KindAnonymous, "anonymous", "ac", b.graphStart(idsql.GraphStartData{Types: anon}), "anon_labels")
	st.Note = "policy isolate: clusters of anonymous identifiers join the one known profile they touch, or none"
	st.After = append(st.After,
		create(b, "anon_clusters", idsql.AnonClusters, idsql.AnonClustersData{Labels: "anon_labels", Types: anon, Hubs: b.hubs()}, "clusters of linked anonymous identifiers"),
		create(b, "anon_touch", idsql.AnonTouch, idsql.AnonTouchData{Groups: b.groups}, "the known profiles each cluster touches"),
		create(b, "anon_isolated", idsql.AnonIsolated, idsql.AnonIsolatedData{}, "clusters touching more than one known profile join none"),
		create(b, "groups_final", idsql.AnonGroups, idsql.AnonGroupsData{Groups: b.groups}, ""),
	)
	b.quarantine = append(b.quarantine, stmt(b, idsql.QuarantineNodes, idsql.QuarantineNodesData{Table: "anon_isolated", Reason: ReasonAnonymous, Evidence: "profiles"}).SQL)
	b.add(st)
	b.groups = "groups_final"
}
