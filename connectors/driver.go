package connectors

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/idstitch/idstitch/dialects"
)

// Driver is one warehouse type as the engine sees it before it connects. A connector package
// registers its Driver in init(), as database/sql drivers do, so that the engine links no
// warehouse client: the program that ships a connector imports it.
type Driver interface {
	// Dialect is the SQL spelling the warehouse expects; the planner compiles for it.
	Dialect() dialects.Dialect
	// Capabilities declares how the engine must hold the warehouse.
	Capabilities() Capabilities
	// Configure decodes the project file's `warehouse:` block into the driver's own settings and
	// checks them. A mistake comes back as a *BlockError, or as the YAML library's *yaml.TypeError
	// for a value of the wrong kind.
	Configure(b Block) (Settings, error)
}

// Settings is a checked `warehouse:` block: what one project's warehouse is and how to reach it.
type Settings interface {
	// Open connects. Secrets are read from the environment here, not when the file is checked,
	// so that compiling a project needs none.
	Open(ctx context.Context, o OpenOptions) (Conn, error)
}

// OpenOptions are what a connection needs from the project beyond its warehouse block.
type OpenOptions struct {
	// Project is the project's name, which warehouses with query tags or job labels attach to
	// every statement for cost reports.
	Project string
	// Schema is the output schema, the connection's default where the warehouse has one.
	Schema string
	// OutputSchemas are the schemas the run writes (output, work, state) and SourceSchemas those
	// of its source tables, as the project file writes them. A warehouse that must place what it
	// creates next to what it reads (BigQuery's dataset locations) looks them up.
	OutputSchemas, SourceSchemas []string
	// Lookups asks for a connection that serves many small concurrent reads and never writes.
	// A driver with ExclusiveFile opens its file read-only for it, so that other programs can
	// keep reading the file; other drivers may ignore it.
	Lookups bool
	// ReadOnly asks for a connection that only reads and creates nothing (validate): a driver
	// with ExclusiveFile opens its file read-only, and refuses a file that does not exist rather
	// than creating it; other drivers may ignore it.
	ReadOnly bool
}

// Capability is something about how a warehouse is held that the engine adapts to. The engine
// asks for a capability, never for a warehouse's name, so that a new connector needs no change
// outside its own package.
type Capability int

const (
	// ExclusiveFile: the warehouse is an embedded file that one process at a time may open for
	// writing. A long-running process holds it read-only between runs, so that other programs
	// (a SQL shell, a BI tool) can read it, and opens it for writing only while a run lasts.
	ExclusiveFile Capability = iota
)

// Capabilities is the set of capabilities a driver declares.
type Capabilities struct{ bits uint64 }

// CapabilitySet returns the set holding cs.
func CapabilitySet(cs ...Capability) Capabilities {
	var s Capabilities
	for _, c := range cs {
		s.bits |= 1 << uint(c)
	}
	return s
}

// Has reports whether the set holds c.
func (s Capabilities) Has(c Capability) bool { return s.bits&(1<<uint(c)) != 0 }

// WithCapabilities returns d declaring caps instead of its own. Tests use it to run one warehouse
// as if it were held like another (an embedded DuckDB file held as a server would be, say):
// register the result under a new type name, or put it in a loaded project's warehouse.
func WithCapabilities(d Driver, caps Capabilities) Driver { return overridden{d, caps} }

type overridden struct {
	Driver
	caps Capabilities
}

func (o overridden) Capabilities() Capabilities { return o.caps }

// Block is a project file's `warehouse:` section, not yet decoded, with what a driver needs to
// check it and to say where a mistake is.
type Block struct {
	// Type is the warehouse type the block names.
	Type string
	// Node is the mapping under `warehouse:`; nil when the file has no such section.
	Node *yaml.Node
	// Line is the line of the `warehouse:` key, where a missing key is reported.
	Line int
	// File is the project file's path and Dir its directory, against which relative paths in the
	// block are resolved.
	File string
	Dir  string
	// Project is the project's name, for examples in messages.
	Project string
}

// BlockError is a mistake in a warehouse block. The config package adds the file's name, so a
// user reads one sentence naming the file, the line, the key and what to do.
type BlockError struct {
	Line int
	Key  string
	Msg  string
}

func (e *BlockError) Error() string { return fmt.Sprintf("line %d: %s: %s", e.Line, e.Key, e.Msg) }

// Missing reports that the block lacks key (written as warehouse.key), at the block's line.
func (b Block) Missing(key, format string, args ...any) error {
	return &BlockError{Line: b.Line, Key: "warehouse." + key, Msg: fmt.Sprintf(format, args...)}
}

// Decode decodes the block into settings, a pointer to a struct whose fields carry yaml tags. It
// is strict: a key that no field names is an error naming the key, as everywhere else in the
// project file. The type key is the config package's and always allowed.
func (b Block) Decode(settings any) error {
	if b.Node == nil {
		return nil
	}
	if b.Node.Kind != yaml.MappingNode {
		return &BlockError{Line: b.Node.Line, Key: "warehouse", Msg: "must be a mapping of keys such as type and path"}
	}
	known := yamlKeys(reflect.TypeOf(settings).Elem())
	for i := 0; i+1 < len(b.Node.Content); i += 2 {
		k := b.Node.Content[i]
		if k.Value != "type" && !known[k.Value] {
			return &BlockError{Line: k.Line, Key: k.Value, Msg: "unknown key in warehouse; check its spelling against the documented keys"}
		}
	}
	return b.Node.Decode(settings)
}

// yamlKeys lists the keys a struct's yaml tags name.
func yamlKeys(t reflect.Type) map[string]bool {
	keys := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			keys[name] = true
		}
	}
	return keys
}

// WithDialect returns d naming dialect instead of its own, and connections it opens speak it too.
// With dialects.WithCapabilities, tests run one warehouse as if it had another's SQL capabilities
// (a DuckDB file planned and published as Snowflake would be, say). Settings and connections come
// back wrapped: reach the driver's own with Unwrap.
func WithDialect(d Driver, dialect dialects.Dialect) Driver { return redialected{d, dialect} }

type redialected struct {
	Driver
	dialect dialects.Dialect
}

func (r redialected) Dialect() dialects.Dialect { return r.dialect }

func (r redialected) Configure(b Block) (Settings, error) {
	s, err := r.Driver.Configure(b)
	if err != nil {
		return nil, err
	}
	return redialectedSettings{s, r.dialect}, nil
}

type redialectedSettings struct {
	Settings
	dialect dialects.Dialect
}

func (s redialectedSettings) Unwrap() Settings { return s.Settings }

func (s redialectedSettings) Open(ctx context.Context, o OpenOptions) (Conn, error) {
	c, err := s.Settings.Open(ctx, o)
	if err != nil {
		return nil, err
	}
	return redialectedConn{c, s.dialect}, nil
}

type redialectedConn struct {
	Conn
	dialect dialects.Dialect
}

func (c redialectedConn) Dialect() dialects.Dialect { return c.dialect }
func (c redialectedConn) Unwrap() Conn              { return c.Conn }

// Invalid reports that the value of key (written as warehouse.key) is wrong, at the key's line.
func (b Block) Invalid(key, format string, args ...any) error {
	line := b.Line
	if b.Node != nil && b.Node.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(b.Node.Content); i += 2 {
			if b.Node.Content[i].Value == key {
				line = b.Node.Content[i].Line
			}
		}
	}
	return &BlockError{Line: line, Key: "warehouse." + key, Msg: fmt.Sprintf(format, args...)}
}
