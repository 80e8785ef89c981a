package duckdb

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
)

func init() { connectors.Register("duckdb", Driver{}) }

// Driver is DuckDB as the engine sees it: an embedded file, held the way ExclusiveFile says.
type Driver struct{}

func (Driver) Dialect() dialects.Dialect { return dialects.DuckDB{} }

func (Driver) Capabilities() connectors.Capabilities {
	return connectors.CapabilitySet(connectors.ExclusiveFile)
}

// block is the `warehouse:` section of a DuckDB project. The resource keys are DuckDB's own
// settings; unset, DuckDB's defaults hold (80% of the RAM, every core, a directory beside the file).
type block struct {
	Path          string `yaml:"path"`
	MemoryLimit   string `yaml:"memory_limit"`
	Threads       int    `yaml:"threads"`
	TempDirectory string `yaml:"temp_directory"`
}

// Configure checks that the block names the database file.
func (Driver) Configure(b connectors.Block) (connectors.Settings, error) {
	var w block
	if err := b.Decode(&w); err != nil {
		return nil, err
	}
	if w.Path == "" {
		return nil, b.Missing("path", "missing; name the DuckDB file, e.g. `path: %s.duckdb`", b.Project)
	}
	s := &Settings{Path: resolve(b.Dir, w.Path), File: b.File, Threads: w.Threads}
	if w.MemoryLimit != "" {
		m := memorySize.FindStringSubmatch(w.MemoryLimit)
		if m == nil {
			return nil, b.Invalid("memory_limit", "%q is not a size; write a number and a unit, e.g. `memory_limit: 12GB`", w.MemoryLimit)
		}
		// DuckDB reads GB as 1000³ bytes and GiB as 1024³; both are passed on as written.
		s.MemoryLimit = m[1] + strings.ToUpper(m[2][:1]) + m[2][1:]
	}
	if w.Threads < 0 {
		return nil, b.Invalid("threads", "%d is not a number of threads; write 1 or more, or leave it out for every core", w.Threads)
	}
	if w.TempDirectory != "" {
		s.TempDirectory = resolve(b.Dir, w.TempDirectory)
	}
	return s, nil
}

// memorySize is a size as DuckDB's memory_limit reads it, e.g. 12GB, 512MiB.
var memorySize = regexp.MustCompile(`^\s*([0-9]+(?:\.[0-9]+)?)\s*((?i:[kmgt]i?b))\s*$`)

// resolve makes a relative path relative to the project file's directory, so that a project runs
// the same from any working directory.
func resolve(dir, path string) string {
	if filepath.IsAbs(path) || dir == "" {
		return path
	}
	return filepath.Join(dir, path)
}

// Settings is a checked DuckDB warehouse block.
type Settings struct {
	// Path is the database file, resolved against the project file's directory.
	Path string
	// File is the project file, named in messages.
	File string
	// MemoryLimit, Threads and TempDirectory are DuckDB's settings of the same names; zero values
	// leave DuckDB's defaults.
	MemoryLimit   string
	Threads       int
	TempDirectory string
}

// Open opens the file for writing, or read-only for lookups.
func (s *Settings) Open(ctx context.Context, o connectors.OpenOptions) (connectors.Conn, error) {
	var c *Conn
	var err error
	if o.ReadOnly {
		if _, statErr := os.Stat(s.Path); errors.Is(statErr, fs.ErrNotExist) {
			return nil, fmt.Errorf("the DuckDB file %s named by warehouse.path in %s does not exist; fix the path, or let `idstitch run` create it", s.Path, s.File)
		}
	}
	r := Resources{MemoryLimit: s.MemoryLimit, Threads: s.Threads, TempDirectory: s.TempDirectory, File: s.File}
	switch {
	case o.Lookups:
		c, err = OpenForLookups(ctx, s.Path, r)
	case o.ReadOnly:
		// Read-write all the same: validate rehearses the run in a transaction that it rolls
		// back, which a read-only file refuses. Nothing is committed, and the file exists.
		c, err = OpenWith(ctx, s.Path, false, r)
	default:
		c, err = OpenWith(ctx, s.Path, false, r)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot open the DuckDB file %s named by warehouse.path in %s; check the path and that no other program holds it open for writing (%w)", s.Path, s.File, err)
	}
	return c, nil
}

// PathOf is the database file of a project's checked warehouse block, and false when the block is
// not DuckDB's. Tools that read a DuckDB project's file directly use it.
func PathOf(s connectors.Settings) (string, bool) {
	// A test may have wrapped the settings to replace the dialect.
	for {
		w, ok := s.(interface{ Unwrap() connectors.Settings })
		if !ok {
			break
		}
		s = w.Unwrap()
	}
	d, ok := s.(*Settings)
	if !ok {
		return "", false
	}
	return d.Path, true
}

// LineageNamespace is duckdb:// and the database file's absolute path, as OpenLineage's dbt
// integration names a DuckDB profile's tables.
func (s *Settings) LineageNamespace() (string, error) {
	abs, err := filepath.Abs(s.Path)
	if err != nil {
		return "", err
	}
	return "duckdb://" + filepath.ToSlash(abs), nil
}

// LineageName is catalog.schema.table; DuckDB names the catalog of a database file after the
// file, without its extension.
func (s *Settings) LineageName(schema, table string) (string, error) {
	base := filepath.Base(s.Path)
	return connectors.QualifiedName(strings.TrimSuffix(base, filepath.Ext(base)), schema, table), nil
}
