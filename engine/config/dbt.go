package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/idstitch/idstitch/engine/dbt/manifest"
)

// dbtProject is the dbt manifest the project file names, read once.
type dbtProject struct {
	m   *manifest.Manifest
	dir string // the dbt project's root
	err bool   // reading it failed, and that was reported
}

// sourceTable checks that sources[i] names exactly one of table, model and dbt_source, resolves
// a dbt name to the relation dbt builds, and returns the key the source was named by.
func (c *checker) sourceTable(p *Project, i int) string {
	s := &p.Sources[i]
	key := fmt.Sprintf("sources[%d]", i)
	given := 0
	for _, set := range []bool{s.Table != "", s.Model != "", s.DBTSource != nil} {
		if set {
			given++
		}
	}
	switch {
	case given == 0:
		c.fail(c.line("sources", i), key+".table", "missing; give the warehouse table as schema.table, or a dbt model as model: or a dbt source as dbt_source: [source, table]")
		return "table"
	case given > 1:
		c.fail(c.line("sources", i), key, "names its rows more than once; keep one of table, model and dbt_source")
		return "table"
	case s.Table != "":
		return "table"
	}
	dbtKey := "model"
	if s.DBTSource != nil {
		dbtKey = "dbt_source"
		if len(s.DBTSource) != 2 || s.DBTSource[0] == "" || s.DBTSource[1] == "" {
			c.fail(c.line("sources", i, dbtKey), key+".dbt_source", "must be the dbt source's name and its table, like [web, events]")
			return dbtKey
		}
	}
	line := c.line("sources", i, dbtKey)
	d := c.dbtManifest(p, line, key+"."+dbtKey)
	if d == nil {
		return dbtKey
	}
	var n manifest.Node
	var err error
	if s.Model != "" {
		n, err = d.m.Model(s.Model)
	} else {
		n, err = d.m.Source(s.DBTSource[0], s.DBTSource[1])
	}
	if err != nil {
		c.fail(line, key+"."+dbtKey, "%v; check the name, or run dbt parse to write the manifest again", err)
		return dbtKey
	}
	if !n.Materialised() {
		c.fail(line, key+"."+dbtKey, "the dbt model %s is ephemeral and builds no table or view to read; materialise it as a view or table", s.Model)
		return dbtKey
	}
	db, schema, name, err := n.Relation()
	if err != nil {
		c.fail(line, key+"."+dbtKey, "%v; run dbt parse to write the manifest again", err)
		return dbtKey
	}
	s.Table = schema + "." + name
	if db != "" {
		s.Table = db + "." + s.Table
	}
	c.warnStale(d, n, line, key+"."+dbtKey)
	return dbtKey
}

// dbtManifest reads the manifest named by dbt.manifest, reporting a missing key or file at the
// source that needs it.
func (c *checker) dbtManifest(p *Project, line int, key string) *dbtProject {
	if c.dbt != nil {
		if c.dbt.err {
			return nil
		}
		return c.dbt
	}
	c.dbt = &dbtProject{err: true}
	if p.DBT.Manifest == "" {
		c.fail(line, key, "names a dbt %s, but the file has no dbt.manifest; add `dbt: {manifest: path/to/target/manifest.json}`", strings.TrimPrefix(key[strings.LastIndexByte(key, '.')+1:], "dbt_"))
		return nil
	}
	path := p.DBT.Manifest
	if !filepath.IsAbs(path) {
		path = filepath.Join(p.Dir, path)
	}
	m, err := manifest.Load(path)
	mline := c.line("dbt", "manifest")
	switch {
	case errors.Is(err, manifest.ErrMissing):
		c.fail(mline, "dbt.manifest", "%s does not exist; run dbt parse (or dbt compile) in the dbt project to write it", p.DBT.Manifest)
		return nil
	case err != nil:
		c.fail(mline, "dbt.manifest", "cannot read %s: %v", p.DBT.Manifest, err)
		return nil
	}
	dir := p.DBT.ProjectDir
	switch {
	case dir == "":
		dir = filepath.Dir(filepath.Dir(path))
	case !filepath.IsAbs(dir):
		dir = filepath.Join(p.Dir, dir)
	}
	c.dbt = &dbtProject{m: m, dir: dir}
	return c.dbt
}

// warnStale warns when the manifest is older than the dbt project file or a file defining the
// node: the relation it names may have moved since (a new alias or schema).
func (c *checker) warnStale(d *dbtProject, n manifest.Node, line int, key string) {
	for _, f := range append([]string{"dbt_project.yml"}, n.Files()...) {
		st, err := os.Stat(filepath.Join(d.dir, f))
		if err != nil || !st.ModTime().After(d.m.ModTime) {
			continue
		}
		c.warn(line, key, "the dbt manifest %s is older than %s, changed since dbt last wrote it; run dbt parse to bring it up to date", filepath.Base(d.m.Path), filepath.ToSlash(f))
		return
	}
}
