// Package manifest reads the relations a dbt project builds from its target/manifest.json (dbt
// 1.8 and later write version 12), so that a source of the project file may name a dbt model or
// a dbt source instead of a table.
package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MinVersion is the oldest manifest version read: the one dbt 1.8 writes.
const MinVersion = 12

// Manifest is the part of a dbt manifest that names relations.
type Manifest struct {
	Path    string
	ModTime time.Time
	Version int
	Project string
	Nodes   map[string]Node
	Sources map[string]Node
}

// Node is a model, seed, snapshot or source of the manifest.
type Node struct {
	UniqueID         string  `json:"unique_id"`
	ResourceType     string  `json:"resource_type"`
	Name             string  `json:"name"`
	PackageName      string  `json:"package_name"`
	Database         *string `json:"database"`
	Schema           string  `json:"schema"`
	Alias            string  `json:"alias"`
	Identifier       string  `json:"identifier"`
	SourceName       string  `json:"source_name"`
	RelationName     *string `json:"relation_name"`
	OriginalFilePath string  `json:"original_file_path"`
	PatchPath        *string `json:"patch_path"`
	Config           struct {
		Materialized string `json:"materialized"`
	} `json:"config"`
}

// ErrMissing is returned when the manifest file does not exist.
var ErrMissing = errors.New("the dbt manifest does not exist")

var versionPattern = regexp.MustCompile(`/manifest/v(\d+)\.json$`)

// Load reads the manifest at path.
func Load(path string) (*Manifest, error) {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrMissing
	}
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw struct {
		Metadata struct {
			SchemaVersion string `json:"dbt_schema_version"`
			ProjectName   string `json:"project_name"`
		} `json:"metadata"`
		Nodes   map[string]Node `json:"nodes"`
		Sources map[string]Node `json:"sources"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("it is not a dbt manifest (%v)", err)
	}
	m := versionPattern.FindStringSubmatch(raw.Metadata.SchemaVersion)
	if m == nil {
		return nil, fmt.Errorf("it is not a dbt manifest: metadata.dbt_schema_version is %q", raw.Metadata.SchemaVersion)
	}
	v, _ := strconv.Atoi(m[1])
	if v < MinVersion {
		return nil, fmt.Errorf("it is a version %d manifest, written by dbt older than 1.8; run dbt 1.8 or later", v)
	}
	return &Manifest{Path: path, ModTime: st.ModTime(), Version: v, Project: raw.Metadata.ProjectName, Nodes: raw.Nodes, Sources: raw.Sources}, nil
}

// Model finds the model named name. A model of the dbt project itself wins over one of the same
// name in an installed package; a name found in several packages only is ambiguous.
func (m *Manifest) Model(name string) (Node, error) {
	var found []Node
	var names []string
	for _, n := range m.Nodes {
		if n.ResourceType != "model" {
			continue
		}
		names = append(names, n.Name)
		if n.Name == name {
			found = append(found, n)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		for _, n := range found {
			if n.PackageName == m.Project {
				return n, nil
			}
		}
		return Node{}, fmt.Errorf("several packages have a model %s (%s)", name, uniqueIDs(found))
	}
	return Node{}, fmt.Errorf("the manifest has no model %s%s", name, suggest(name, names))
}

// Source finds the table of the dbt source named source.
func (m *Manifest) Source(source, table string) (Node, error) {
	var names []string
	for _, n := range m.Sources {
		if n.SourceName == source && n.Name == table {
			return n, nil
		}
		names = append(names, n.SourceName+"."+n.Name)
	}
	return Node{}, fmt.Errorf("the manifest has no source table %s.%s%s", source, table, suggest(source+"."+table, names))
}

// Materialised reports whether the node builds a relation that can be read: an ephemeral model
// is only pasted into the models that use it.
func (n Node) Materialised() bool { return n.Config.Materialized != "ephemeral" }

// Relation is where the node's rows are: database (empty where the adapter has none), schema and
// name. It is read from database, schema and alias (identifier for a source), or else from
// relation_name.
func (n Node) Relation() (database, schema, name string, err error) {
	name = n.Alias
	if n.ResourceType == "source" {
		name = n.Identifier
	}
	if n.Database != nil {
		database = *n.Database
	}
	if n.Schema != "" && name != "" {
		return database, n.Schema, name, nil
	}
	if n.RelationName != nil && *n.RelationName != "" {
		parts := splitRelation(*n.RelationName)
		switch len(parts) {
		case 2:
			return "", parts[0], parts[1], nil
		case 3:
			return parts[0], parts[1], parts[2], nil
		}
	}
	return "", "", "", fmt.Errorf("the manifest gives %s no schema and name, and no relation_name of two or three parts", n.UniqueID)
}

// Files are the files of the dbt project, relative to its root, that define the node: its SQL or
// source file and the property file that patches it.
func (n Node) Files() []string {
	var out []string
	if n.OriginalFilePath != "" {
		out = append(out, filepath.FromSlash(n.OriginalFilePath))
	}
	if n.PatchPath != nil {
		// dbt writes package://path.
		if _, p, ok := strings.Cut(*n.PatchPath, "://"); ok && p != "" {
			out = append(out, filepath.FromSlash(p))
		}
	}
	return out
}

// splitRelation splits a rendered relation name such as "db"."schema"."table" or
// `project`.`dataset`.`table` into its unquoted parts.
func splitRelation(s string) []string {
	var parts []string
	var cur strings.Builder
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '`':
			quote = r
		case r == '.':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	return append(parts, cur.String())
}

func uniqueIDs(nodes []Node) string {
	var ids []string
	for _, n := range nodes {
		ids = append(ids, n.UniqueID)
	}
	sort.Strings(ids)
	return strings.Join(ids, ", ")
}

// suggest names the candidates closest to name: those that contain it or that it contains, at
// most five.
func suggest(name string, candidates []string) string {
	sort.Strings(candidates)
	var close []string
	for _, c := range candidates {
		if (strings.Contains(c, name) || strings.Contains(name, c)) && len(close) < 5 {
			close = append(close, c)
		}
	}
	if len(close) == 0 {
		return ""
	}
	return " (did you mean " + strings.Join(close, ", ") + "?)"
}
