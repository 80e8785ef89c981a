package lookup

import (
	"context"
	"errors"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// Link is one piece of evidence: two identifiers that appeared on the same source rows.
type Link struct {
	From        string     `json:"from"`
	To          string     `json:"to"`
	Rows        int64      `json:"rows"`
	Sources     string     `json:"sources"`
	FirstSeenAt *time.Time `json:"first_seen_at"`
	LastSeenAt  *time.Time `json:"last_seen_at"`
}

// Explanation says how two identifiers are linked, or why they are not.
type Explanation struct {
	A, B        string  `json:"-"`
	Linked      bool    `json:"linked"`
	UniversalID string  `json:"universal_id,omitempty"`
	Chain       []Link  `json:"chain,omitempty"`
	Reason      string  `json:"reason,omitempty"`
	Profiles    *[2]any `json:"profiles,omitempty"`
	// Overrides are the rows of the overrides table that name either identifier: a never_link
	// keeps them apart, an always_link is a link of the chain (source override).
	Overrides []Override `json:"overrides,omitempty"`
}

// Override is one row of the overrides table, as explain shows it.
type Override struct {
	ID     string `json:"override_id"`
	Kind   string `json:"kind"`
	Status string `json:"status"`
	Detail string `json:"status_detail,omitempty"`
	Reason string `json:"reason,omitempty"`
	By     string `json:"created_by,omitempty"`
}

// overrides reads the overrides naming either identifier, each given as written and normalized.
// An install older than the overrides table has none.
func (s Service) overrides(ctx context.Context, conn connectors.Conn, typeA, rawA, normA, typeB, rawB, normB string) ([]Override, error) {
	rows, err := conn.Query(ctx, render.SQL(s.Planner.Renderer(), idsql.LookupOverrides, idsql.LookupOverridesData{}), typeA, rawA, normA, typeB, rawB, normB)
	if connectors.KindOf(err) == connectors.MissingObject {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Override
	for rows.Next() {
		var o Override
		if err := rows.Scan(&o.ID, &o.Kind, &o.Status, &o.Detail, &o.Reason, &o.By); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// Explain finds the shortest chain of evidence between two identifiers of one profile, or says
// why there is none: they are in different profiles, or one is quarantined or unknown.
func (s Service) Explain(ctx context.Context, conn connectors.Conn, typeA, valueA, typeB, valueB string) (*Explanation, error) {
	return s.ExplainIn(ctx, conn, typeA, valueA, typeB, valueB, "")
}

// ExplainIn is Explain in a scope of a project with scopes: both identifiers are looked up in it
// (see LookupIn), and an identifier of a local type is named with its scope, as type:value@scope.
func (s Service) ExplainIn(ctx context.Context, conn connectors.Conn, typeA, valueA, typeB, valueB, scope string) (*Explanation, error) {
	// Only the universal ids and the normalized values are used: the first page is enough.
	ra, errA := s.LookupIn(ctx, conn, typeA, valueA, scope, Page{})
	rb, errB := s.LookupIn(ctx, conn, typeB, valueB, scope, Page{})
	ex := &Explanation{A: typeA + ":" + valueA, B: typeB + ":" + valueB}
	for _, e := range []error{errA, errB} {
		var nf *NotFound
		if errors.As(e, &nf) {
			ex.Reason = nf.Error()
			return ex, nil
		}
		if e != nil {
			return nil, e
		}
	}
	var err error
	if ex.Overrides, err = s.overrides(ctx, conn, typeA, valueA, ra.Normalized, typeB, valueB, rb.Normalized); err != nil {
		return nil, err
	}
	if ra.UniversalID != rb.UniversalID {
		ex.Reason = "they are in different profiles"
		ex.Profiles = &[2]any{ra.UniversalID, rb.UniversalID}
		return ex, nil
	}
	ex.UniversalID = ra.UniversalID
	p := s.Planner.Project
	name := func(t, v string, scope *string) string {
		if scope != nil && *scope != "" && p.Local(t) {
			return t + ":" + v + "@" + *scope
		}
		return t + ":" + v
	}
	from, to := name(typeA, ra.Normalized, &ra.Scope), name(typeB, rb.Normalized, &rb.Scope)
	if from == to {
		ex.Linked = true
		return ex, nil
	}
	// A profile's links are few: read them all and search breadth-first, which gives a chain
	// with the fewest links.
	links := render.SQL(s.Planner.Renderer(), idsql.LookupLinks, idsql.LookupLinksData{})
	if p.Scoped() {
		links = render.SQL(s.Planner.Renderer(), idsql.LookupLinksScoped, idsql.LookupLinksScopedData{})
	}
	rows, err := conn.Query(ctx, links, ex.UniversalID)
	if err != nil {
		return nil, published(err)
	}
	adj := map[string][]Link{}
	for rows.Next() {
		var ta, va, tb, vb, sources string
		var sa, sb *string
		var l Link
		dest := []any{&ta, &va, &tb, &vb, &l.Rows, &sources, &l.FirstSeenAt, &l.LastSeenAt}
		if p.Scoped() {
			dest = append(dest, &sa, &sb)
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, err
		}
		l.Sources = sources
		a, b := name(ta, va, sa), name(tb, vb, sb)
		adj[a] = append(adj[a], Link{From: a, To: b, Rows: l.Rows, Sources: sources, FirstSeenAt: l.FirstSeenAt, LastSeenAt: l.LastSeenAt})
		adj[b] = append(adj[b], Link{From: b, To: a, Rows: l.Rows, Sources: sources, FirstSeenAt: l.FirstSeenAt, LastSeenAt: l.LastSeenAt})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	via := map[string]Link{from: {}}
	queue := []string{from}
	for len(queue) > 0 && via[to].From == "" {
		cur := queue[0]
		queue = queue[1:]
		for _, l := range adj[cur] {
			if _, seen := via[l.To]; !seen {
				via[l.To] = l
				queue = append(queue, l.To)
			}
		}
	}
	if via[to].From == "" {
		// Guards can split a component: the profile then holds identifiers whose links to each
		// other were cut (a limit split joins an identifier to its nearest anchor through links
		// kept in id_edges, so this is rare).
		ex.Reason = "they are in one profile, but its published links do not connect them"
		return ex, nil
	}
	for at := to; at != from; at = via[at].From {
		ex.Chain = append([]Link{via[at]}, ex.Chain...)
	}
	ex.Linked = true
	return ex, nil
}
