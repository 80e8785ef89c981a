// Package report renders a self-contained HTML page about a project's identity graph and its
// runs: charts are inline SVG, so the file opens anywhere without a network.
package report

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// Bar is one bar of a chart.
type Bar struct {
	Label string
	Value float64
}

// Run is one row of the runs table, for the history charts.
type Run struct {
	ID         int64
	StartedAt  time.Time
	Status     string
	Seconds    float64
	Profiles   int64
	Stages     map[string]float64
	Quarantine int64
	// Merged and Split count the profiles merged away and split off by the run (id_changes).
	Merged, Split int64
	// Overrides and Forgotten say what the run did with overrides and forget requests
	// (ControlsText of runs.controls); empty for runs that had none, or ran before them.
	Overrides, Forgotten string
}

// Data is what the page shows.
type Data struct {
	Project      string
	Generated    time.Time
	Sizes        []Bar // profiles by number of identifiers
	Types        []Bar // identifiers per id type
	Pools        []Bar // profiles per pool of scopes; none without scopes
	Largest      [][2]string
	Quarantined  [][4]string
	Runs         []Run
	StageNames   []string
	Profiles     int64
	Identifiers  int64
	QuarantineBy []Bar
	// Sources are the project's sources and what each reads: a table, or a dbt model or source
	// with the relation it resolved to.
	Sources [][2]string
	// Links maps a universal id of Largest to the page of its graph, relative to the report
	// (docs/explain.md); an id without one is shown without a link.
	Links map[string]string
}

// Collect reads what the report needs from the published tables.
func Collect(ctx context.Context, conn connectors.Conn, pl *plan.Planner) (*Data, error) {
	d := &Data{Project: pl.Project.Project, Generated: time.Now().UTC(), Sources: Sources(pl.Project.Sources)}
	r := pl.Renderer()
	var sizes []Bar
	err := each(ctx, conn, render.SQL(r, idsql.ReportSizes, idsql.ReportSizesData{}), func(s scanner) error {
		var size, n int64
		if err := s.Scan(&size, &n); err != nil {
			return err
		}
		sizes = append(sizes, Bar{Label: fmt.Sprint(size), Value: float64(n)})
		d.Profiles += n
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.Sizes = bucket(sizes)
	if err := each(ctx, conn, render.SQL(r, idsql.ReportTypes, idsql.ReportTypesData{}), func(s scanner) error {
		var t string
		var n int64
		if err := s.Scan(&t, &n); err != nil {
			return err
		}
		d.Types = append(d.Types, Bar{Label: t, Value: float64(n)})
		d.Identifiers += n
		return nil
	}); err != nil {
		return nil, err
	}
	if pl.Project.Scoped() {
		if err := each(ctx, conn, render.SQL(r, idsql.ReportPools, idsql.ReportPoolsData{}), func(s scanner) error {
			var pool *string
			var n int64
			if err := s.Scan(&pool, &n); err != nil {
				return err
			}
			d.Pools = append(d.Pools, Bar{Label: deref(pool), Value: float64(n)})
			return nil
		}); err != nil {
			return nil, err
		}
	}
	if err := each(ctx, conn, render.SQL(r, idsql.ReportLargest, idsql.ReportLargestData{}), func(s scanner) error {
		var u string
		var n int64
		if err := s.Scan(&u, &n); err != nil {
			return err
		}
		d.Largest = append(d.Largest, [2]string{u, fmt.Sprint(n)})
		return nil
	}); err != nil {
		return nil, err
	}
	if err := each(ctx, conn, render.SQL(r, idsql.ReportReasons, idsql.ReportReasonsData{}), func(s scanner) error {
		var reason string
		var n int64
		if err := s.Scan(&reason, &n); err != nil {
			return err
		}
		d.QuarantineBy = append(d.QuarantineBy, Bar{Label: reason, Value: float64(n)})
		return nil
	}); err != nil {
		return nil, err
	}
	if err := each(ctx, conn, render.SQL(r, idsql.ReportQuarantined, idsql.ReportQuarantinedData{}), func(s scanner) error {
		var reason, t, v string
		var n int64
		if err := s.Scan(&reason, &t, &v, &n); err != nil {
			return err
		}
		d.Quarantined = append(d.Quarantined, [4]string{reason, t, v, fmt.Sprint(n)})
		return nil
	}); err != nil {
		return nil, err
	}
	stages := map[string]bool{}
	if err := each(ctx, conn, render.SQL(r, idsql.ReportRuns, idsql.ReportRunsData{}), func(s scanner) error {
		var run Run
		var profiles *int64
		var st, qj *string
		if err := s.Scan(&run.ID, &run.StartedAt, &run.Status, &profiles, &st, &qj); err != nil {
			return err
		}
		if profiles != nil {
			run.Profiles = *profiles
		}
		run.Stages = map[string]float64{}
		if st != nil {
			json.Unmarshal([]byte(*st), &run.Stages)
		}
		for k, v := range run.Stages {
			stages[k] = true
			run.Seconds += v
		}
		if qj != nil {
			var byReason map[string]int64
			json.Unmarshal([]byte(*qj), &byReason)
			for _, n := range byReason {
				run.Quarantine += n
			}
		}
		d.Runs = append([]Run{run}, d.Runs...)
		return nil
	}); err != nil {
		return nil, err
	}
	// Merges and splits per run, from id_changes.
	byRun := map[int64]*Run{}
	for i := range d.Runs {
		byRun[d.Runs[i].ID] = &d.Runs[i]
	}
	if len(d.Runs) > 0 {
		err := each(ctx, conn, render.SQL(r, idsql.ReportChanges, idsql.ReportChangesData{Since: d.Runs[0].ID}), func(s scanner) error {
			var id, n int64
			var kind string
			if err := s.Scan(&id, &kind, &n); err != nil {
				return err
			}
			if run := byRun[id]; run != nil && kind == "merge" {
				run.Merged = n
			} else if run != nil {
				run.Split = n
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if err := controls(ctx, conn, pl, byRun); err != nil {
		return nil, err
	}
	// Stages in the order a run goes through them.
	order := []string{"extract", "region", "nodes", "guards", "edges", "components", "anonymous", "regions", "ids", "traits", "outputs", "publish"}
	for _, s := range order {
		if stages[s] {
			d.StageNames = append(d.StageNames, s)
			delete(stages, s)
		}
	}
	var rest []string
	for s := range stages {
		rest = append(rest, s)
	}
	sort.Strings(rest)
	d.StageNames = append(d.StageNames, rest...)
	return d, nil
}

// bucket groups profile sizes into powers of two, so that a long tail stays readable.
// controls reads what each run did with overrides and forget requests. A runs table that no run
// of this version has set up has no controls column: its runs had none.
func controls(ctx context.Context, conn connectors.Conn, pl *plan.Planner, byRun map[int64]*Run) error {
	if len(byRun) == 0 {
		return nil
	}
	err := each(ctx, conn, render.SQL(pl.Renderer(), idsql.ReportControls, idsql.ReportControlsData{}), func(s scanner) error {
		var id int64
		var js *string
		if err := s.Scan(&id, &js); err != nil {
			return err
		}
		run := byRun[id]
		if run == nil || js == nil {
			return nil
		}
		var c map[string]int64
		if err := json.Unmarshal([]byte(*js), &c); err != nil {
			return fmt.Errorf("runs.controls of run %d is not a JSON object of counts: %w", id, err)
		}
		run.Overrides, run.Forgotten = ControlsText(c)
		return nil
	})
	if connectors.KindOf(err) == connectors.MissingObject {
		return nil
	}
	return err
}

func bucket(sizes []Bar) []Bar {
	var out []Bar
	index := map[string]int{}
	for _, b := range sizes {
		var n int
		fmt.Sscan(b.Label, &n)
		lo := 1
		for lo*2 <= n {
			lo *= 2
		}
		label := fmt.Sprint(lo)
		if lo > 1 {
			label = fmt.Sprintf("%d–%d", lo, lo*2-1)
		}
		if i, ok := index[label]; ok {
			out[i].Value += b.Value
			continue
		}
		index[label] = len(out)
		out = append(out, Bar{Label: label, Value: b.Value})
	}
	return out
}

type scanner interface{ Scan(...any) error }

func each(ctx context.Context, conn connectors.Conn, q string, fn func(scanner) error) error {
	rows, err := conn.Query(ctx, q)
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

var palette = []string{"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"}

// BarChart draws bars as SVG, with a log scale when values span several orders of magnitude.
func BarChart(bars []Bar, width, height int) template.HTML {
	if len(bars) == 0 {
		return template.HTML(`<p class="empty">nothing to show</p>`)
	}
	maxV := 0.0
	for _, b := range bars {
		maxV = math.Max(maxV, b.Value)
	}
	scale := func(v float64) float64 { return v / maxV }
	if maxV > 1000 {
		scale = func(v float64) float64 { return math.Log10(1+v) / math.Log10(1+maxV) }
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" width="%d" height="%d" viewBox="0 0 %d %d" role="img">`, width, height, width, height)
	bw := float64(width-20) / float64(len(bars))
	plot := float64(height - 40)
	for i, bar := range bars {
		h := scale(bar.Value) * plot
		x := 10 + float64(i)*bw
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s</title></rect>`,
			x+2, 10+plot-h, bw-4, h, palette[0], template.HTMLEscapeString(bar.Label), thousands(bar.Value))
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" font-size="10">%s</text>`, x+bw/2, height-16, template.HTMLEscapeString(bar.Label))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="9">%s</text>`, x+bw/2, 8+plot-h, thousands(bar.Value))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// StageChart draws each run's stage timings as stacked bars.
func StageChart(runs []Run, stages []string, width, height int) template.HTML {
	if len(runs) == 0 {
		return template.HTML(`<p class="empty">no runs yet</p>`)
	}
	maxV := 0.0
	for _, r := range runs {
		maxV = math.Max(maxV, r.Seconds)
	}
	if maxV == 0 {
		maxV = 1
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" width="%d" height="%d" viewBox="0 0 %d %d" role="img">`, width, height, width, height)
	bw := float64(width-20) / float64(len(runs))
	plot := float64(height - 70)
	for i, r := range runs {
		x := 10 + float64(i)*bw
		y := 10 + plot
		for j, s := range stages {
			h := r.Stages[s] / maxV * plot
			y -= h
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>run %d, %s: %.2f s</title></rect>`,
				x+2, y, bw-4, h, palette[j%len(palette)], r.ID, s, r.Stages[s])
		}
		color := "#333"
		if r.Status != "success" {
			color = "#e15759"
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="10" fill="%s">%d</text>`, x+bw/2, 24+plot, color, r.ID)
	}
	// The legend, six stages to a line.
	for j, s := range stages {
		x, y := 10+(j%6)*115, height-30+(j/6)*14
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d" font-size="10">%s</text>`,
			x, y, palette[j%len(palette)], x+14, y+9, s)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// LineChart draws one value per run.
func LineChart(runs []Run, value func(Run) float64, width, height int) template.HTML {
	if len(runs) == 0 {
		return template.HTML(`<p class="empty">no runs yet</p>`)
	}
	maxV := 0.0
	for _, r := range runs {
		maxV = math.Max(maxV, value(r))
	}
	if maxV == 0 {
		maxV = 1
	}
	var pts []string
	step := float64(width-40) / math.Max(1, float64(len(runs)-1))
	plot := float64(height - 40)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" width="%d" height="%d" viewBox="0 0 %d %d" role="img">`, width, height, width, height)
	for i, r := range runs {
		x, y := 20+float64(i)*step, 10+plot-value(r)/maxV*plot
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>run %d: %s</title></circle>`, x, y, palette[0], r.ID, thousands(value(r)))
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" font-size="10">%d</text>`, x, height-12, r.ID)
	}
	fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`, strings.Join(pts, " "), palette[0])
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"bars":   BarChart,
	"stages": StageChart,
	"profiles": func(rs []Run) template.HTML {
		return LineChart(rs, func(r Run) float64 { return float64(r.Profiles) }, 720, 200)
	},
	"quarantine": func(rs []Run) template.HTML {
		return LineChart(rs, func(r Run) float64 { return float64(r.Quarantine) }, 720, 200)
	},
	"merged": func(rs []Run) template.HTML {
		return LineChart(rs, func(r Run) float64 { return float64(r.Merged) }, 720, 200)
	},
	"split": func(rs []Run) template.HTML {
		return LineChart(rs, func(r Run) float64 { return float64(r.Split) }, 720, 200)
	},
	"n": func(v int64) string { return thousands(float64(v)) },
	// newest lists the runs newest first, for the history table; the charts read them oldest first.
	"newest": func(rs []Run) []Run {
		out := make([]Run, len(rs))
		for i, r := range rs {
			out[len(rs)-1-i] = r
		}
		return out
	},
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>idstitch report: {{.Project}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 980px; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.9em; } td, th { padding: 2px 10px; border-bottom: 1px solid #ddd; text-align: left; }
.chart { background: #fafafa; border: 1px solid #eee; } .empty { color: #888; }
</style></head><body>
<h1>idstitch report: {{.Project}}</h1>
<p>{{n .Profiles}} profiles, {{n .Identifiers}} identifiers; generated {{.Generated.Format "2006-01-02 15:04 UTC"}}.</p>
{{if .Sources}}<h2>Sources</h2>
<table><tr><th>source</th><th>reads</th></tr>{{range .Sources}}<tr><td>{{index . 0}}</td><td><code>{{index . 1}}</code></td></tr>{{end}}</table>{{end}}
<h2>Profile sizes (identifiers per profile)</h2>
{{bars .Sizes 720 220}}
<h2>Identifiers per type</h2>
{{bars .Types 720 220}}
{{- if .Pools}}
<h2>Profiles per pool of scopes</h2>
{{bars .Pools 720 200}}
{{- end}}
<h2>Largest profiles</h2>
<table><tr><th>universal_id</th><th>identifiers</th></tr>{{range .Largest}}{{$uid := index . 0}}<tr><td>{{with index $.Links $uid}}<a href="{{.}}"><code>{{$uid}}</code></a>{{else}}<code>{{$uid}}</code>{{end}}</td><td>{{index . 1}}</td></tr>{{end}}</table>
<h2>Quarantined identifiers by reason</h2>
{{bars .QuarantineBy 720 200}}
<table><tr><th>reason</th><th>type</th><th>value</th><th>evidence</th></tr>{{range .Quarantined}}<tr><td>{{index . 0}}</td><td>{{index . 1}}</td><td><code>{{index . 2}}</code></td><td>{{index . 3}}</td></tr>{{end}}</table>
<h2>Run history</h2>
<table><tr><th>run</th><th>started (UTC)</th><th>status</th><th>profiles</th><th>seconds</th><th>overrides</th><th>forgotten</th></tr>{{range (newest .Runs)}}<tr><td>{{.ID}}</td><td>{{.StartedAt.UTC.Format "2006-01-02 15:04"}}</td><td>{{.Status}}</td><td>{{n .Profiles}}</td><td>{{printf "%.1f" .Seconds}}</td><td>{{.Overrides}}</td><td>{{.Forgotten}}</td></tr>{{end}}</table>
<h2>Runs: seconds per stage</h2>
{{stages .Runs .StageNames 720 260}}
<h2>Profiles after each run</h2>
{{profiles .Runs}}
<h2>Identifiers quarantined in each run</h2>
{{quarantine .Runs}}
<h2>Profiles merged away in each run</h2>
{{merged .Runs}}
<h2>Profiles split in each run</h2>
{{split .Runs}}
</body></html>
`))

// Sources lists, per source, what it reads: its table, or its dbt name and the relation dbt builds.
func Sources(sources []config.Source) [][2]string {
	var out [][2]string
	for _, s := range sources {
		reads := s.Table
		if n := s.DBTName(); n != "" {
			reads = "dbt " + n + " (" + s.Table + ")"
		}
		out = append(out, [2]string{s.Name, reads})
	}
	return out
}

// Render writes the page.
func Render(w io.Writer, d *Data) error { return page.Execute(w, d) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
