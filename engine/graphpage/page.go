package graphpage

import (
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"
)

// Threshold is the most identifiers a profile may have to be drawn whole; a bigger one is
// summarised: its Top identifiers with the most links are drawn and the rest are counted.
const (
	Threshold = 300
	Top       = 150
	// MaxNeighboursDrawn is the most quarantined neighbours drawn; the table lists them all.
	MaxNeighboursDrawn = 40
)

const width, height = 960.0, 720.0

var palette = []string{"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7", "#bab0ac", "#86bcb6"}

// node is an identifier as drawn.
type node struct {
	Identifier
	X, Y       float64
	Color      string
	Neighbour  *Neighbour // set for a quarantined neighbour
	Label      bool       // its value is written beside it
	Quarantine string     // the reason, for a neighbour
}

// view is what the page draws of a graph, and what it only counts.
type view struct {
	*Graph
	Summarised bool
	Nodes      []node
	Edges      []Link      // the links between drawn identifiers
	QLinks     [][2]string // neighbour key, profile identifier key
	Drawn      map[string]int
	Legend     []legendEntry
	Overrides  int
	Hidden     []TypeCount // per type, the identifiers not drawn
	Capped     bool        // not every identifier or link could be read
	NeighShown int
	// DrawnIDs is how many of the profile's identifiers are drawn; Threshold is Threshold.
	DrawnIDs, Threshold int
}

type legendEntry struct{ Type, Color string }

// colors gives each type a colour by its priority, so that a type keeps its colour across pages.
func (g *Graph) colors() map[string]string {
	out := map[string]string{}
	for i, t := range g.TypeOrder {
		out[t] = palette[i%len(palette)]
	}
	for _, t := range g.Types {
		if _, ok := out[t.Type]; !ok {
			out[t.Type] = palette[len(out)%len(palette)]
		}
	}
	return out
}

// newView picks what to draw: every identifier of a profile up to Threshold, otherwise the Top
// ones with the most links (then rows); the links between the drawn ones; and the quarantined
// neighbours of drawn identifiers, the MaxNeighboursDrawn with the most shared rows.
func newView(g *Graph) *view {
	v := &view{Graph: g, Drawn: map[string]int{}, Threshold: Threshold}
	colors := g.colors()
	for _, t := range g.Types {
		v.Legend = append(v.Legend, legendEntry{t.Type, colors[t.Type]})
	}
	v.Capped = int64(len(g.Nodes)) < g.Identifiers || int64(len(g.Edges)) < g.Links
	picked := append([]Identifier(nil), g.Nodes...)
	if g.Identifiers > Threshold {
		v.Summarised = true
		sort.SliceStable(picked, func(i, j int) bool {
			a, b := picked[i], picked[j]
			if a.Degree != b.Degree {
				return a.Degree > b.Degree
			}
			if a.Rows != b.Rows {
				return a.Rows > b.Rows
			}
			return a.Key() < b.Key()
		})
		if len(picked) > Top {
			picked = picked[:Top]
		}
	}
	// Drawn in type order, then by key: the layout starts from that order on a circle.
	rank := map[string]int{}
	for i, t := range g.TypeOrder {
		rank[t] = i
	}
	sort.SliceStable(picked, func(i, j int) bool {
		a, b := picked[i], picked[j]
		if rank[a.Type] != rank[b.Type] {
			return rank[a.Type] < rank[b.Type]
		}
		return a.Key() < b.Key()
	})
	drawnOfType := map[string]int64{}
	for _, id := range picked {
		v.Drawn[id.Key()] = len(v.Nodes)
		v.Nodes = append(v.Nodes, node{Identifier: id, Color: colors[id.Type]})
		drawnOfType[id.Type]++
	}
	v.DrawnIDs = len(v.Nodes)
	for _, t := range g.Types {
		if n := t.N - drawnOfType[t.Type]; n > 0 {
			v.Hidden = append(v.Hidden, TypeCount{t.Type, n})
		}
	}
	for _, l := range g.Edges {
		_, a := v.Drawn[l.A]
		_, b := v.Drawn[l.B]
		if a && b {
			v.Edges = append(v.Edges, l)
			if l.Override() {
				v.Overrides++
			}
		}
	}
	for i := range g.Neighbours {
		n := &g.Neighbours[i]
		if v.NeighShown == MaxNeighboursDrawn {
			break
		}
		var via []string
		for k := range n.Via {
			if _, ok := v.Drawn[k]; ok {
				via = append(via, k)
			}
		}
		if len(via) == 0 {
			continue
		}
		sort.Strings(via)
		key := "quarantined:" + n.Key()
		v.Drawn[key] = len(v.Nodes)
		v.Nodes = append(v.Nodes, node{Identifier: n.Identifier, Color: colors[n.Type], Neighbour: n, Quarantine: n.Reason})
		for _, k := range via {
			v.QLinks = append(v.QLinks, [2]string{key, k})
		}
		v.NeighShown++
	}
	var pairs [][2]int
	for _, l := range v.Edges {
		pairs = append(pairs, [2]int{v.Drawn[l.A], v.Drawn[l.B]})
	}
	for _, q := range v.QLinks {
		pairs = append(pairs, [2]int{v.Drawn[q[0]], v.Drawn[q[1]]})
	}
	// Labels are written to the right of their dots: the layout keeps room for them.
	labels := len(v.Nodes) <= 60
	w := width
	if labels {
		w -= 140
	}
	pos := layout(len(v.Nodes), pairs, w, height)
	for i := range v.Nodes {
		v.Nodes[i].X, v.Nodes[i].Y = pos[i].X, pos[i].Y
		v.Nodes[i].Label = labels
	}
	return v
}

// Render writes the page of the graph.
func Render(w io.Writer, g *Graph) error { return page.Execute(w, newView(g)) }

func when(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// svg draws the view: links under nodes, each with its evidence in a tooltip and in data
// attributes that the side panel shows.
func (v *view) SVG() template.HTML {
	var b strings.Builder
	esc := template.HTMLEscapeString
	fmt.Fprintf(&b, `<svg id="graph" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img" aria-label="graph of profile %s">`,
		width, height, width, height, esc(v.UniversalID))
	b.WriteString(`<g id="links">`)
	for _, q := range v.QLinks {
		a, c := v.Nodes[v.Drawn[q[0]]], v.Nodes[v.Drawn[q[1]]]
		fmt.Fprintf(&b, `<line class="qlink" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" data-a="%s" data-b="%s" data-rows="%d"><title>%s shares %d rows with %s</title></line>`,
			a.X, a.Y, c.X, c.Y, esc(a.Key()), esc(c.Key()), a.Neighbour.Via[c.Key()], esc(a.Key()), a.Neighbour.Via[c.Key()], esc(c.Key()))
	}
	for _, l := range v.Edges {
		a, c := v.Nodes[v.Drawn[l.A]], v.Nodes[v.Drawn[l.B]]
		class := "edge"
		if l.Override() {
			class = "edge override"
		}
		sources := strings.Join(l.Sources, ", ")
		fmt.Fprintf(&b, `<line class="%s" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke-width="%.1f" data-a="%s" data-b="%s" data-rows="%d" data-sources="%s" data-first="%s" data-last="%s"><title>%s — %s: %d rows from %s, first seen %s, last seen %s</title></line>`,
			class, a.X, a.Y, c.X, c.Y, strokeWidth(l.Rows), esc(l.A), esc(l.B), l.Rows, esc(sources), when(l.FirstSeenAt), when(l.LastSeenAt),
			esc(l.A), esc(l.B), l.Rows, esc(sources), when(l.FirstSeenAt), when(l.LastSeenAt))
	}
	b.WriteString(`</g><g id="nodes">`)
	for _, n := range v.Nodes {
		if n.Neighbour != nil {
			fmt.Fprintf(&b, `<g class="neighbour" data-key="%s" data-type="%s" data-reason="%s" data-evidence="%d" data-rows="%d" tabindex="0"><title>%s — quarantined (%s), evidence %d</title>`+
				`<rect x="%.1f" y="%.1f" width="14" height="14" fill="#fff" stroke="%s" stroke-width="2.5" stroke-dasharray="3 2"/>`+
				`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e15759" stroke-width="2"/>`,
				esc(n.Key()), esc(n.Type), esc(n.Quarantine), n.Neighbour.Evidence, n.Neighbour.Rows, esc(n.Key()), esc(n.Quarantine), n.Neighbour.Evidence,
				n.X-7, n.Y-7, n.Color, n.X-7, n.Y+7, n.X+7, n.Y-7)
		} else {
			fmt.Fprintf(&b, `<g class="node" data-key="%s" data-type="%s" data-rows="%d" data-degree="%d" data-first="%s" data-last="%s" tabindex="0"><title>%s — %d rows, %d links, first seen %s, last seen %s</title>`+
				`<circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s" stroke="#fff" stroke-width="1.5"/>`,
				esc(n.Key()), esc(n.Type), n.Rows, n.Degree, when(n.FirstSeenAt), when(n.LastSeenAt), esc(n.Key()), n.Rows, n.Degree, when(n.FirstSeenAt), when(n.LastSeenAt),
				n.X, n.Y, radius(n.Degree), n.Color)
		}
		if n.Label {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10">%s</text>`, n.X+9, n.Y+3, esc(short(n.Value)))
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</g></svg>`)
	return template.HTML(b.String())
}

func strokeWidth(rows int64) float64 {
	switch {
	case rows >= 100:
		return 4
	case rows >= 10:
		return 2.5
	}
	return 1.2
}

func radius(degree int) float64 {
	r := 5 + float64(degree)
	if r > 14 {
		r = 14
	}
	return r
}

func short(s string) string {
	if r := []rune(s); len(r) > 28 {
		return string(r[:27]) + "…"
	}
	return s
}

var page = template.Must(template.New("profile").Funcs(template.FuncMap{
	"when": when,
	"join": func(s []string) string { return strings.Join(s, ", ") },
	"via": func(n Neighbour) string {
		var out []string
		for k, rows := range n.Via {
			out = append(out, fmt.Sprintf("%s (%d)", k, rows))
		}
		sort.Strings(out)
		return strings.Join(out, ", ")
	},
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>idstitch profile {{.UniversalID}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; } h2 { font-size: 1.05em; margin-top: 1.6em; }
table { border-collapse: collapse; font-size: 0.85em; } td, th { padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
#wrap { display: flex; gap: 1em; align-items: flex-start; }
#graph { background: #fafafa; border: 1px solid #eee; flex: none; }
#panel { width: 300px; font-size: 0.85em; border: 1px solid #ddd; padding: 0.6em; min-height: 8em; word-break: break-all; }
.edge { stroke: #999; stroke-opacity: 0.7; }
.edge.override { stroke: #8e44ad; stroke-dasharray: 7 4; stroke-opacity: 1; }
.qlink { stroke: #e15759; stroke-width: 1.2; stroke-dasharray: 2 3; }
.node, .neighbour, .edge { cursor: pointer; }
.selected circle, .selected rect, line.selected { stroke: #000 !important; stroke-width: 3 !important; }
.legend span { display: inline-block; margin-right: 1.2em; font-size: 0.85em; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 50%; margin-right: 4px; vertical-align: -1px; }
.note { background: #fff7e0; border: 1px solid #f0d890; padding: 0.5em 0.8em; }
code { font-size: 0.95em; }
</style></head><body>
<h1>Profile <code>{{.UniversalID}}</code></h1>
<p>Project {{.Project}}: {{.Identifiers}} identifiers, {{.Links}} links{{if .Neighbours}}, {{len .Neighbours}} quarantined identifiers sharing its rows{{end}}; generated {{.Generated.Format "2006-01-02 15:04 UTC"}}.</p>
{{if .Summarised}}<p class="note" id="summarised">This profile has {{.Identifiers}} identifiers, more than the {{.Threshold}} drawn whole: the {{.DrawnIDs}} with the most links are drawn, with the {{len .Edges}} links between them; the others are counted below.{{if .Capped}} Only the {{len .Graph.Nodes}} identifiers seen on the most rows and the {{len .Graph.Edges}} links of the most rows were read.{{end}}</p>{{end}}
<p class="legend">{{range .Legend}}<span><i class="swatch" style="background:{{.Color}}"></i>{{.Type}}</span>{{end}}<span><svg width="30" height="10"><line x1="0" y1="5" x2="30" y2="5" stroke="#999" stroke-width="2"/></svg> link (thicker: more rows)</span><span><svg width="30" height="10"><line x1="0" y1="5" x2="30" y2="5" stroke="#8e44ad" stroke-width="2" stroke-dasharray="7 4"/></svg> override (always_link)</span><span><svg width="14" height="14"><rect x="1" y="1" width="12" height="12" fill="#fff" stroke="#777" stroke-width="2" stroke-dasharray="3 2"/><line x1="1" y1="13" x2="13" y2="1" stroke="#e15759" stroke-width="2"/></svg> quarantined identifier sharing rows (dotted red: shared rows)</span></p>
<div id="wrap">{{.SVG}}<aside id="panel"><b>Click an identifier or a link</b> to see its evidence here.</aside></div>
{{if .NoNeighbours}}<p class="note">Quarantined neighbours are not shown: {{.NoNeighbours}}.</p>{{end}}
{{if .Hidden}}<h2>Identifiers not drawn</h2>
<table id="hidden"><tr><th>type</th><th>identifiers not drawn</th></tr>{{range .Hidden}}<tr><td>{{.Type}}</td><td>{{.N}}</td></tr>{{end}}</table>{{end}}
<h2>Identifiers per type</h2>
<table id="types"><tr><th>type</th><th>identifiers</th></tr>{{range .Types}}<tr><td>{{.Type}}</td><td>{{.N}}</td></tr>{{end}}</table>
<h2>Links and their evidence{{if .Summarised}} (drawn links){{end}}</h2>
<table id="links-table"><tr><th>identifier</th><th>identifier</th><th>rows</th><th>sources</th><th>first seen</th><th>last seen</th></tr>
{{range .Edges}}<tr{{if .Override}} class="override"{{end}}><td><code>{{.A}}</code></td><td><code>{{.B}}</code></td><td>{{.Rows}}</td><td>{{join .Sources}}{{if .Override}} <b>(override)</b>{{end}}</td><td>{{when .FirstSeenAt}}</td><td>{{when .LastSeenAt}}</td></tr>
{{end}}</table>
{{if .Graph.Neighbours}}<h2>Quarantined identifiers sharing rows with this profile</h2>
<table id="neighbours"><tr><th>identifier</th><th>reason</th><th>evidence</th><th>shares rows with (rows)</th></tr>
{{range .Graph.Neighbours}}<tr><td><code>{{.Key}}</code></td><td>{{.Reason}}</td><td>{{.Evidence}}</td><td>{{via .}}</td></tr>
{{end}}</table>{{end}}
<script>
(function () {
  var panel = document.getElementById('panel');
  function row(k, v) { return v ? '<tr><th>' + k + '</th><td>' + v.replace(/&/g, '&amp;').replace(/</g, '&lt;') + '</td></tr>' : ''; }
  function show(el) {
    var d = el.dataset, h = '';
    document.querySelectorAll('.selected').forEach(function (s) { s.classList.remove('selected'); });
    el.classList.add('selected');
    if (el.classList.contains('node')) {
      h = '<b>identifier</b><table>' + row('id', d.key) + row('type', d.type) + row('rows', d.rows) + row('links', d.degree) + row('first seen', d.first) + row('last seen', d.last) + '</table>';
    } else if (el.classList.contains('neighbour')) {
      h = '<b>quarantined identifier</b><table>' + row('id', d.key) + row('reason', d.reason) + row('evidence', d.evidence) + row('rows shared with the profile', d.rows) + '</table>';
    } else if (el.classList.contains('qlink')) {
      h = '<b>shared rows</b><table>' + row('quarantined', d.a) + row('identifier', d.b) + row('rows', d.rows) + '</table>';
    } else {
      h = '<b>' + (el.classList.contains('override') ? 'link made by an override' : 'link') + '</b><table>' + row('from', d.a) + row('to', d.b) + row('rows', d.rows) + row('sources', d.sources) + row('first seen', d.first) + row('last seen', d.last) + '</table>';
    }
    panel.innerHTML = h;
  }
  document.querySelectorAll('#graph .node, #graph .neighbour, #graph .edge, #graph .qlink').forEach(function (el) {
    el.addEventListener('click', function () { show(el); });
  });
})();
</script>
</body></html>
`))
