// Package graphpage draws one profile's graph as a self-contained HTML page: its identifiers
// as nodes coloured by id type, its links with their evidence, the quarantined identifiers that
// share rows with it, and the links that an override made. The layout is computed here, so the
// page needs no script library and no network.
package graphpage

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/lookup"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// OverrideSource is the source that id_edges names for a link an always_link override made.
const OverrideSource = "override"

// MaxRead is the most identifiers, links and quarantined neighbours read of one profile: an
// over-merged profile can hold millions, and the page draws a few hundred at most.
const MaxRead = 50000

// Identifier is one identifier of the profile, or a quarantined one that shares its rows.
type Identifier struct {
	Type, Value string
	Scope       string // the scope of an identifier of a local type, in a project with scopes
	FirstSeenAt *time.Time
	LastSeenAt  *time.Time
	Rows        int64
	// Degree is how many of the links read touch it.
	Degree int
}

// Key names an identifier on the page and in the links: type:value, with @scope for a local one.
func (id Identifier) Key() string {
	k := id.Type + ":" + id.Value
	if id.Scope != "" {
		k += "@" + id.Scope
	}
	return k
}

// Link is one row of id_edges: two identifiers of the profile and the evidence that linked them.
type Link struct {
	A, B        string // keys of the identifiers
	Rows        int64
	Sources     []string
	FirstSeenAt *time.Time
	LastSeenAt  *time.Time
}

// Override reports whether an override made the link: one of its sources is the overrides table.
func (l Link) Override() bool {
	for _, s := range l.Sources {
		if s == OverrideSource {
			return true
		}
	}
	return false
}

// Neighbour is a quarantined identifier that shares source rows with identifiers of the profile.
type Neighbour struct {
	Identifier
	Reason   string
	Evidence int64
	// Via maps the key of each identifier of the profile it shares rows with to how many.
	Via map[string]int64
}

// TypeCount is how many identifiers of one type the profile has.
type TypeCount struct {
	Type string
	N    int64
}

// Graph is what the page shows of one profile.
type Graph struct {
	Project     string
	UniversalID string
	Generated   time.Time
	// Types counts the profile's identifiers per type, in the project's priority order;
	// Identifiers and Links are the profile's totals, which may exceed what was read.
	Types       []TypeCount
	Identifiers int64
	Links       int64
	Nodes       []Identifier // the identifiers read, most rows first
	Edges       []Link
	Neighbours  []Neighbour
	// NoNeighbours says why quarantined neighbours could not be read, when they could not.
	NoNeighbours string
	// TypeOrder lists the project's id types, in priority order, for the colours and legend.
	TypeOrder []string
}

// Collect reads the graph of the profile uid from the published tables and the stored rows.
func Collect(ctx context.Context, conn connectors.Conn, pl *plan.Planner, uid string) (*Graph, error) {
	p := pl.Project
	r := pl.Renderer()
	g := &Graph{Project: p.Project, UniversalID: uid, Generated: time.Now().UTC()}
	for _, t := range p.IDTypes {
		g.TypeOrder = append(g.TypeOrder, t.Name)
	}
	counts := map[string]int64{}
	err := each(ctx, conn, render.SQL(r, idsql.ExplainTypes, idsql.ExplainTypesData{}), []any{uid}, func(s scanner) error {
		var t *string
		var n int64
		if err := s.Scan(&t, &n); err != nil {
			return err
		}
		if t == nil {
			g.Links = n
		} else {
			counts[*t] = n
			g.Identifiers += n
		}
		return nil
	})
	if err != nil {
		return nil, published(err)
	}
	if g.Identifiers == 0 {
		return nil, &lookup.NotFound{What: "universal id " + uid}
	}
	for _, t := range orderTypes(counts, g.TypeOrder) {
		g.Types = append(g.Types, TypeCount{Type: t, N: counts[t]})
	}
	scoped := p.Scoped()
	err = each(ctx, conn, render.SQL(r, idsql.ExplainNodes, idsql.ExplainNodesData{Rows: MaxRead, Scoped: scoped}), []any{uid}, func(s scanner) error {
		var id Identifier
		var scope *string
		if err := s.Scan(&id.Type, &id.Value, &id.FirstSeenAt, &id.LastSeenAt, &id.Rows, &scope); err != nil {
			return err
		}
		id.Scope = local(p.Local(id.Type), scope)
		g.Nodes = append(g.Nodes, id)
		return nil
	})
	if err != nil {
		return nil, published(err)
	}
	err = each(ctx, conn, render.SQL(r, idsql.ExplainEdges, idsql.ExplainEdgesData{Rows: MaxRead, Scoped: scoped}), []any{uid}, func(s scanner) error {
		var a, b Identifier
		var l Link
		var sources *string
		var sa, sb *string
		if err := s.Scan(&a.Type, &a.Value, &b.Type, &b.Value, &l.Rows, &sources, &l.FirstSeenAt, &l.LastSeenAt, &sa, &sb); err != nil {
			return err
		}
		a.Scope, b.Scope = local(p.Local(a.Type), sa), local(p.Local(b.Type), sb)
		l.A, l.B = a.Key(), b.Key()
		if sources != nil && *sources != "" {
			l.Sources = strings.Split(*sources, ",")
		}
		g.Edges = append(g.Edges, l)
		return nil
	})
	if err != nil {
		return nil, published(err)
	}
	degree := map[string]int{}
	for _, l := range g.Edges {
		degree[l.A]++
		degree[l.B]++
	}
	for i := range g.Nodes {
		g.Nodes[i].Degree = degree[g.Nodes[i].Key()]
	}
	if err := g.neighbours(ctx, conn, pl); err != nil {
		return nil, err
	}
	return g, nil
}

// neighbours reads the quarantined identifiers that share stored rows with the profile. A
// project whose state was never written (no run yet, or another state schema) has none to show;
// the page says so rather than failing.
func (g *Graph) neighbours(ctx context.Context, conn connectors.Conn, pl *plan.Planner) error {
	byKey := map[string]*Neighbour{}
	var order []string
	for _, q := range pl.NeighbourQueries(MaxRead) {
		err := each(ctx, conn, q, []any{g.UniversalID}, func(s scanner) error {
			var n Neighbour
			var via Identifier
			var viaScope *string
			var rows int64
			if err := s.Scan(&n.Type, &n.Value, &n.Reason, &n.Evidence, &via.Type, &via.Value, &viaScope, &rows); err != nil {
				return err
			}
			via.Scope = local(pl.Project.Local(via.Type), viaScope)
			k := n.Type + ":" + n.Value + "\x00" + n.Reason
			old, ok := byKey[k]
			if !ok {
				n.Via = map[string]int64{}
				byKey[k], old = &n, &n
				order = append(order, k)
			}
			old.Via[via.Key()] += rows
			old.Rows += rows
			return nil
		})
		if connectors.KindOf(err) == connectors.MissingObject {
			g.NoNeighbours = "the stored rows of the last run are missing from the state schema, so quarantined identifiers that share rows with this profile cannot be found"
			return nil
		}
		if err != nil {
			return fmt.Errorf("read the quarantined identifiers that share rows with profile %s: %w", g.UniversalID, err)
		}
	}
	for _, k := range order {
		n := byKey[k]
		n.Degree = len(n.Via)
		g.Neighbours = append(g.Neighbours, *n)
	}
	sort.SliceStable(g.Neighbours, func(i, j int) bool { return g.Neighbours[i].Rows > g.Neighbours[j].Rows })
	return nil
}

// orderTypes lists the types counted, the project's in priority order first, then any other.
func orderTypes(counts map[string]int64, order []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range order {
		if _, ok := counts[t]; ok {
			out = append(out, t)
			seen[t] = true
		}
	}
	var rest []string
	for t := range counts {
		if !seen[t] {
			rest = append(rest, t)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// local is the scope of an identifier: only a local type's identifiers are named with theirs.
func local(isLocal bool, scope *string) string {
	if !isLocal || scope == nil {
		return ""
	}
	return *scope
}

type scanner interface{ Scan(...any) error }

func each(ctx context.Context, conn connectors.Conn, q string, args []any, fn func(scanner) error) error {
	rows, err := conn.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// published turns a missing output table into lookup.ErrNotPublished.
func published(err error) error {
	if connectors.KindOf(err) == connectors.MissingObject {
		return fmt.Errorf("%w (%v)", lookup.ErrNotPublished, err)
	}
	return err
}
