package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/idstitch/idstitch/engine/dbt/manifest/manifesttest"
)

var (
	dbtModels = []manifesttest.Model{
		{Name: "stg_events", Database: "acme", Schema: "analytics", Materialized: "view", File: "models/staging/stg_events.sql"},
		{Name: "int_sessions", Database: "acme", Schema: "analytics", Materialized: "ephemeral", File: "models/int_sessions.sql"},
	}
	dbtSources = []manifesttest.Source{{Source: "web", Table: "events", Database: "acme", Schema: "raw", Identifier: "web_events", File: "models/sources.yml"}}
)

// dbtProject writes a dbt project into dir/dbt with an up-to-date manifest and returns the
// project file's text with source given as the model or dbt source line.
func dbtProjectFile(t *testing.T, dir, source string) string {
	manifesttest.Write(t, filepath.Join(dir, "dbt"), dbtModels, dbtSources)
	return strings.Replace(valid, "    table: main.events\n", source, 1) + "dbt:\n  manifest: dbt/target/manifest.json\n"
}

func TestDBTModelResolves(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ source, table, dbtName string }{
		{"    model: stg_events\n", "acme.analytics.stg_events", "model stg_events"},
		{"    dbt_source: [web, events]\n", "acme.raw.web_events", "source web.events"},
	} {
		p, err := Parse(filepath.Join(dir, "idstitch.yaml"), []byte(dbtProjectFile(t, dir, c.source)))
		if err != nil {
			t.Fatal(err)
		}
		s := p.Sources[0]
		if s.Table != c.table || s.Schema() != "acme.analytics" && s.Schema() != "acme.raw" || s.DBTName() != c.dbtName {
			t.Errorf("%s: table %q (schema %q), dbt name %q; want %s", strings.TrimSpace(c.source), s.Table, s.Schema(), s.DBTName(), c.table)
		}
		if len(p.Warnings) != 0 {
			t.Errorf("an up-to-date manifest: warnings %v", p.Warnings)
		}
	}
}

func TestDBTErrors(t *testing.T) {
	dir := t.TempDir()
	text := dbtProjectFile(t, dir, "    model: stg_events\n")
	for _, c := range []struct{ name, from, to, want string }{
		{"no dbt key", "dbt:\n  manifest: dbt/target/manifest.json\n", "",
			"idstitch.yaml:10: sources[0].model: names a dbt model, but the file has no dbt.manifest; add `dbt: {manifest: path/to/target/manifest.json}`"},
		{"missing manifest", "manifest: dbt/target/manifest.json", "manifest: dbt/target/nope.json",
			"idstitch.yaml:16: dbt.manifest: dbt/target/nope.json does not exist; run dbt parse (or dbt compile) in the dbt project to write it"},
		{"unknown model", "model: stg_events", "model: stg_event",
			"idstitch.yaml:10: sources[0].model: the manifest has no model stg_event (did you mean stg_events?); check the name, or run dbt parse to write the manifest again"},
		{"ephemeral", "model: stg_events", "model: int_sessions",
			"idstitch.yaml:10: sources[0].model: the dbt model int_sessions is ephemeral and builds no table or view to read; materialise it as a view or table"},
		{"unknown dbt source", "model: stg_events", "dbt_source: [web, clicks]",
			"idstitch.yaml:10: sources[0].dbt_source: the manifest has no source table web.clicks; check the name, or run dbt parse to write the manifest again"},
		{"dbt source of one name", "model: stg_events", "dbt_source: [web]",
			"idstitch.yaml:10: sources[0].dbt_source: must be the dbt source's name and its table, like [web, events]"},
		{"table and model", "    model: stg_events\n", "    model: stg_events\n    table: main.events\n",
			"idstitch.yaml:9: sources[0]: names its rows more than once; keep one of table, model and dbt_source"},
		{"key not a column", "    timestamp: ts\n", "    timestamp: ts\n    key: a+b\n",
			"idstitch.yaml:12: sources[0].key: \"a+b\" must be a column name"},
	} {
		_, err := Parse(filepath.Join(dir, "idstitch.yaml"), []byte(strings.Replace(text, c.from, c.to, 1)))
		if err == nil || err.Error() != c.want {
			t.Errorf("%s:\ngot  %v\nwant %s", c.name, err, c.want)
		}
	}
}

// TestDBTStaleManifest: a manifest older than the dbt project file or the model's file is read,
// with a warning naming the newer file.
func TestDBTStaleManifest(t *testing.T) {
	dir := t.TempDir()
	text := dbtProjectFile(t, dir, "    model: stg_events\n")
	later := time.Now().Add(time.Hour)
	for _, f := range []string{"models/staging/stg_events.sql", "dbt_project.yml"} {
		if err := os.Chtimes(filepath.Join(dir, "dbt", f), later, later); err != nil {
			t.Fatal(err)
		}
		p, err := Parse(filepath.Join(dir, "idstitch.yaml"), []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		want := "idstitch.yaml:10: sources[0].model: the dbt manifest manifest.json is older than " + f + ", changed since dbt last wrote it; run dbt parse to bring it up to date"
		if len(p.Warnings) != 1 || p.Warnings[0].String() != want {
			t.Errorf("warnings %v\nwant %s", p.Warnings, want)
		}
	}
}
