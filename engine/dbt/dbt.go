// Package dbt writes a dbt property file that declares idstitch's published tables as the dbt
// source idstitch, so that dbt models build on {{ source('idstitch', 'profiles') }}, dbt docs
// shows the lineage, and dbt test checks what a run published.
package dbt

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/outputs"
)

// SourceName is the name of the dbt source declaring the published tables.
const SourceName = "idstitch"

// PropertyFile is a dbt property file (schema version 2) holding one source.
type PropertyFile struct {
	Version int      `yaml:"version" json:"version"`
	Sources []Source `yaml:"sources" json:"sources"`
}

// Source is a dbt source.
type Source struct {
	Name        string  `yaml:"name" json:"name"`
	Description string  `yaml:"description" json:"description"`
	Database    string  `yaml:"database,omitempty" json:"database,omitempty"`
	Schema      string  `yaml:"schema" json:"schema"`
	Loader      string  `yaml:"loader" json:"loader"`
	Tables      []Table `yaml:"tables" json:"tables"`
}

// Table is a table of a dbt source.
type Table struct {
	Name          string     `yaml:"name" json:"name"`
	Description   string     `yaml:"description" json:"description"`
	LoadedAtField string     `yaml:"loaded_at_field,omitempty" json:"loaded_at_field,omitempty"`
	Freshness     *Freshness `yaml:"freshness,omitempty" json:"freshness,omitempty"`
	DataTests     []any      `yaml:"data_tests,omitempty" json:"data_tests,omitempty"`
	Columns       []Column   `yaml:"columns" json:"columns"`
}

// Column is a described column with its data tests.
type Column struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description" json:"description"`
	DataTests   []any  `yaml:"data_tests,omitempty" json:"data_tests,omitempty"`
}

// Freshness is a dbt freshness rule.
type Freshness struct {
	WarnAfter  Period `yaml:"warn_after" json:"warn_after"`
	ErrorAfter Period `yaml:"error_after" json:"error_after"`
}

// Period is a count of days, hours or minutes.
type Period struct {
	Count  int    `yaml:"count" json:"count"`
	Period string `yaml:"period" json:"period"`
}

// CombinationTest is the data test that a set of columns is unique together. dbt has no such
// test of its own; dbt_utils, the package nearly every dbt project installs, has it.
const CombinationTest = "dbt_utils.unique_combination_of_columns"

// Properties builds the property file for the project. database, when not empty, is written as
// the source's database; else the output schema's project part (BigQuery's project.dataset) is,
// and without either dbt uses its target's database.
func Properties(p *config.Project, database string) (*PropertyFile, error) {
	schema := p.Output.Schema
	if db, s, ok := strings.Cut(schema, "."); ok {
		schema = s
		if database == "" {
			database = db
		}
	}
	src := Source{Name: SourceName, Database: database, Schema: schema, Loader: "idstitch",
		Description: "The tables idstitch publishes for the project " + p.Project + ": the identity graph, one profile per customer, audiences, the evidence behind every link, the run history, the overrides people write and the audit of erasures."}
	fresh, err := FreshnessOf(p.Schedule)
	if err != nil {
		return nil, err
	}
	for _, t := range outputs.Tables(p) {
		// forget_requests holds the very values people asked to have erased, until the next run
		// deletes them: a model built on it would keep copies that no run can reach. overrides
		// and forget_audit are declared: the first so that its statuses can be watched (its
		// rows naming a forgotten identifier are deleted by the run that forgets it), the second
		// holds hashes only.
		if t.ErasureQueue {
			continue
		}
		tab := Table{Name: t.Name, Description: t.Description + " One row per " + t.Row + "."}
		for _, c := range t.Columns {
			tab.Columns = append(tab.Columns, Column{Name: c.Name, Description: c.Description})
		}
		switch t.Name {
		case "profiles":
			tab.column("universal_id").DataTests = []any{"unique", "not_null"}
		case "id_graph":
			key := []string{"id_type", "id_value"}
			if p.Scoped() {
				// With scopes a value repeats across scopes and pools: a local identifier is one per
				// scope, a shared one (whose scope is NULL) one per pool.
				key = append(key, "pool", "scope")
			}
			tab.DataTests = []any{map[string]any{CombinationTest: map[string]any{"combination_of_columns": key}}}
			tab.column("id_type").DataTests = []any{"not_null"}
			tab.column("id_value").DataTests = []any{"not_null"}
			tab.column("universal_id").DataTests = []any{"not_null", map[string]any{"relationships": map[string]any{
				"to": fmt.Sprintf("source('%s', 'profiles')", SourceName), "field": "universal_id"}}}
		case "overrides":
			tab.column("override_id").DataTests = []any{"unique", "not_null"}
			tab.column("status").DataTests = []any{map[string]any{"accepted_values": map[string]any{"values": outputs.OverrideStatuses}}}
		case "forget_audit":
			tab.column("value_hash").DataTests = []any{"unique", "not_null"}
		case "runs":
			tab.column("status").DataTests = []any{"not_null", map[string]any{"accepted_values": map[string]any{"values": outputs.RunStatuses}}}
			if fresh != nil {
				tab.LoadedAtField, tab.Freshness = "finished_at", fresh
			}
		}
		src.Tables = append(src.Tables, tab)
	}
	return &PropertyFile{Version: 2, Sources: []Source{src}}, nil
}

func (t *Table) column(name string) *Column {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	panic("dbt: no column " + name + " in " + t.Name)
}

// YAML renders the property file.
func (f *PropertyFile) YAML(p *config.Project) ([]byte, error) {
	var body bytes.Buffer
	enc := yaml.NewEncoder(&body)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	head := "# Written by `idstitch dbt` from " + p.File + ": the tables idstitch publishes, as the dbt source\n" +
		"# " + SourceName + ". Write it again after changing the project file. The id_graph test needs dbt_utils.\n"
	return append([]byte(head), body.Bytes()...), nil
}

// sampleStart is where the schedule is sampled: a fixed time, so that the file is the same
// every time it is written.
var sampleStart = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// FreshnessOf derives the freshness rule of runs.finished_at from the schedule: warn after twice
// and error after four times the longest gap between two scheduled runs, found over a year of
// the schedule (eight years for schedules that run less than twice a year). Without a schedule
// there is none.
func FreshnessOf(s config.Schedule) (*Freshness, error) {
	if s.Cron == "" {
		return nil, nil
	}
	loc := time.UTC
	if s.Timezone != "" {
		l, err := time.LoadLocation(s.Timezone)
		if err != nil {
			return nil, fmt.Errorf("schedule.timezone %q: %w", s.Timezone, err)
		}
		loc = l
	}
	sched, err := cron.ParseStandard(s.Cron)
	if err != nil {
		return nil, fmt.Errorf("schedule.cron %q: %w", s.Cron, err)
	}
	// @every runs at a constant interval, which may be seconds: no need to walk a year of it.
	if every, ok := sched.(cron.ConstantDelaySchedule); ok {
		return &Freshness{WarnAfter: period(2 * every.Delay), ErrorAfter: period(4 * every.Delay)}, nil
	}
	gap := longestGap(sched, sampleStart.In(loc), 1)
	if gap == 0 {
		gap = longestGap(sched, sampleStart.In(loc), 8)
	}
	if gap == 0 {
		return nil, fmt.Errorf("schedule.cron %q runs less than twice in eight years; no freshness rule can be derived from it", s.Cron)
	}
	return &Freshness{WarnAfter: period(2 * gap), ErrorAfter: period(4 * gap)}, nil
}

// longestGap is the longest time between consecutive runs of the schedule over years years from
// start; 0 when it runs less than twice.
func longestGap(s cron.Schedule, start time.Time, years int) time.Duration {
	end := start.AddDate(years, 0, 0)
	var longest time.Duration
	prev := s.Next(start)
	for !prev.IsZero() && prev.Before(end) {
		next := s.Next(prev)
		if next.IsZero() {
			break
		}
		if g := next.Sub(prev); g > longest {
			longest = g
		}
		prev = next
	}
	return longest
}

// period renders d in the largest of days, hours and minutes that measures it exactly, else in
// minutes rounded up.
func period(d time.Duration) Period {
	switch {
	case d%(24*time.Hour) == 0:
		return Period{Count: int(d / (24 * time.Hour)), Period: "day"}
	case d%time.Hour == 0:
		return Period{Count: int(d / time.Hour), Period: "hour"}
	}
	return Period{Count: int((d + time.Minute - 1) / time.Minute), Period: "minute"}
}
