// Package manifesttest builds dbt manifests (version 12) for tests: the fields dbt writes for
// models and sources, no more. The manifest package's tests check that what it builds validates
// against dbt's published schema.
package manifesttest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Model is a dbt model of the test project. Database may be empty (an adapter without
// databases); File is its SQL file, relative to the dbt project root.
type Model struct {
	Name, Database, Schema, Alias, Materialized, File string
}

// Source is a table of a dbt source.
type Source struct {
	Source, Table, Database, Schema, Identifier, File string
}

// Project is the name of the dbt project the manifests belong to.
const Project = "shop"

// JSON is the manifest of a dbt project holding the models and sources.
func JSON(models []Model, sources []Source) []byte {
	nodes := map[string]any{}
	for _, m := range models {
		id := "model." + Project + "." + m.Name
		alias := m.Alias
		if alias == "" {
			alias = m.Name
		}
		node := map[string]any{
			"database": nullable(m.Database), "schema": m.Schema, "name": m.Name, "resource_type": "model",
			"package_name": Project, "path": filepath.Base(m.File), "original_file_path": m.File,
			"unique_id": id, "fqn": []string{Project, m.Name}, "alias": alias,
			"checksum": map[string]string{"name": "sha256", "checksum": "0"},
			"config":   map[string]any{"enabled": true, "materialized": m.Materialized},
		}
		if m.Materialized != "ephemeral" {
			node["relation_name"] = relation(m.Database, m.Schema, alias)
		}
		nodes[id] = node
	}
	srcs := map[string]any{}
	for _, s := range sources {
		id := "source." + Project + "." + s.Source + "." + s.Table
		ident := s.Identifier
		if ident == "" {
			ident = s.Table
		}
		srcs[id] = map[string]any{
			"database": nullable(s.Database), "schema": s.Schema, "name": s.Table, "resource_type": "source",
			"package_name": Project, "path": s.File, "original_file_path": s.File, "unique_id": id,
			"fqn": []string{Project, s.Source, s.Table}, "source_name": s.Source, "source_description": "",
			"loader": "", "identifier": ident, "relation_name": relation(s.Database, s.Schema, ident),
		}
	}
	empty := map[string]any{}
	doc := map[string]any{
		"metadata": map[string]any{
			"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
			"dbt_version":        "1.8.0", "generated_at": "2026-12-01T00:00:00Z",
			"invocation_id": "00000000-0000-0000-0000-000000000000", "project_name": Project,
			"adapter_type": "duckdb",
		},
		"nodes": nodes, "sources": srcs, "macros": empty, "docs": empty, "exposures": empty,
		"metrics": empty, "groups": empty, "selectors": empty, "disabled": empty, "parent_map": empty,
		"child_map": empty, "group_map": empty, "saved_queries": empty, "semantic_models": empty,
		"unit_tests": empty,
	}
	b, _ := json.MarshalIndent(doc, "", "  ")
	return b
}

// Write writes a dbt project into dir: dbt_project.yml, each model's and source's file, and the
// manifest at target/manifest.json, written last so that it is the newest file. It returns the
// manifest's path.
func Write(t testing.TB, dir string, models []Model, sources []Source) string {
	t.Helper()
	write := func(rel, text string) {
		path := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("dbt_project.yml", "name: "+Project+"\nversion: '1.0'\nprofile: "+Project+"\n")
	for _, m := range models {
		write(m.File, "-- a model of the test project: only the file's time matters\n")
	}
	for _, s := range sources {
		write(s.File, "version: 2\n")
	}
	write(filepath.Join("target", "manifest.json"), string(JSON(models, sources)))
	return filepath.Join(dir, "target", "manifest.json")
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func relation(db, schema, name string) string {
	r := `"` + schema + `"."` + name + `"`
	if db != "" {
		r = `"` + db + `".` + r
	}
	return r
}
