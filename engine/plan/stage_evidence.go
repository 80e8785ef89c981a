package plan

import (
	"fmt"
	"math"

	idsql "github.com/idstitch/idstitch/sql"
)

// evidenceStage applies policy evidence: each anonymous identifier on its own joins the known
// profile its evidence decides, or none. Ring 0 is direct evidence: the rows it shares with the
// identifiers of known profiles, and their time (of several profiles, the one that signed in
// last on it, when the others' rows all lie within policy.sign_in_window before that sign-in).
// Each later ring reaches the undecided anonymous identifiers linked to those the ring before
// placed, which join that profile when all such neighbours agree. What no ring reaches stays
// apart: alone when its region holds a decided identifier (it is behind an ambiguous one), else
// with its whole region (an anonymous visitor who never signed in). Ambiguous identifiers are
// quarantined. Decisions never look outside a region, so an incremental run that recomputes
// whole regions decides as a full run does.
func (b *build) evidenceStage() {
	b.regions()
	anon, groups := b.Project.AnonymousTypes(), b.groups
	// The tables of ring i replace those of ring i-2, as in nearest.
	front := func(i int) string { return fmt.Sprintf("ev_front_%d", i%2) }
	seen := func(i int) string { return fmt.Sprintf("ev_seen_%d", i%2) }
	st := Stage{Kind: KindAnonymous, Name: "anonymous", Note: "policy evidence: each anonymous identifier joins the one known profile its own rows and their time point to, or none"}
	st.Statements = []Statement{
		create(b, "ev_direct", idsql.EvDirect, idsql.EvDirectData{Groups: groups, Types: anon}, "direct evidence: the rows each anonymous identifier shares with each known profile, and when"),
		create(b, "ev_ranked", idsql.EvRanked, idsql.EvRankedData{}, "the profiles of each, the last to sign in on it first"),
		create(b, seen(0), idsql.EvDecide, idsql.EvDecideData{Window: b.Project.SignInSeconds()},
			fmt.Sprintf("ring 0: one profile, or the last to sign in when the others' rows lie within %ds before; else ambiguous", b.Project.SignInSeconds())),
		create(b, front(0), idsql.SelectAll, idsql.SelectAllData{Table: b.workTable(seen(0))}, "ring 0 decided them all"),
		create(b, "ev_links", idsql.EvLinks, idsql.EvLinksData{Types: anon}, "links between two anonymous identifiers, both ways"),
	}
	st.Loop = &Loop{
		RemainingUnit: "anonymous identifiers reached",
		Start:         b.count(front(0)),
		// Every round decides at least one identifier or ends the loop.
		MaxRounds: func(int64) int { return math.MaxInt32 },
		Round: func(i int) []Statement {
			return []Statement{
				create(b, front(i), idsql.EvFront, idsql.EvFrontData{Front: front(i - 1), Seen: seen(i - 1), Ring: i},
					fmt.Sprintf("ring %d: the undecided anonymous identifiers linked to those ring %d placed join their profile when all agree", i, i-1)),
				create(b, seen(i), idsql.EvSeen, idsql.EvSeenData{Seen: seen(i - 1), Front: front(i)}, ""),
			}
		},
		Remaining: func(i int) string { return b.count(front(i)) },
		Finish: func(k int) []Statement {
			return []Statement{
				create(b, "groups_final", idsql.EvGroups, idsql.EvGroupsData{Groups: groups, Seen: seen(k), Regions: b.regionLabels, Types: anon, Hubs: b.hubs()},
					"the final partition: anonymous identifiers no evidence reached stay alone, or with their region when nobody signed in there"),
				create(b, "ev_ambiguous", idsql.EvAmbiguous, idsql.EvAmbiguousData{Seen: seen(k)}, "anonymous identifiers whose evidence points to several profiles join none"),
				b.drop("ev_ranked"),
			}
		},
	}
	b.quarantine = append(b.quarantine, stmt(b, idsql.QuarantineNodes, idsql.QuarantineNodesData{Table: "ev_ambiguous", Reason: ReasonAmbiguous, Evidence: "profiles"}).SQL)
	b.add(st)
	b.groups = "groups_final"
}
