// Package config loads and checks the project file, idstitch.yaml. Every mistake a user can make
// in it comes back as one sentence that names the file, the line where it can be found, the key
// and what to do.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/expr"
)

// DefaultFile is the project file looked for in the current directory.
const DefaultFile = "idstitch.yaml"

// Project is a parsed and checked project file.
type Project struct {
	Project   string     `yaml:"project"`
	Warehouse Warehouse  `yaml:"warehouse"`
	Output    Output     `yaml:"output"`
	IDTypes   []IDType   `yaml:"id_types"`
	Sources   []Source   `yaml:"sources"`
	Policy    Policy     `yaml:"policy"`
	Traits    []Trait    `yaml:"traits"`
	Audiences []Audience `yaml:"audiences"`
	Schedule  Schedule   `yaml:"schedule"`
	// Scopes declares the scopes and pools of scopes; none means one global graph.
	Scopes Scopes `yaml:"scopes"`
	// Incremental tunes incremental runs.
	Incremental Incremental `yaml:"incremental"`
	// DBT locates the dbt project whose models and sources a source may name.
	DBT DBT `yaml:"dbt"`
	// Lineage, when set, sends OpenLineage events of every run.
	Lineage *Lineage `yaml:"lineage"`
	// Attributes are profile columns chosen by survivorship rules (attributes.go).
	Attributes []Attribute `yaml:"attributes"`
	// Identify turns on identify calls and their landing table (realtime.go).
	Identify *Identify `yaml:"identify"`
	// Destinations receive what each run changed, pushed by serve.
	Destinations []Destination `yaml:"destinations"`

	// File is the path the project was read from; Dir is its directory, against which relative
	// paths in the file are resolved.
	File string `yaml:"-"`
	Dir  string `yaml:"-"`
	// Warnings are the settings of the file that are valid but probably not what was meant, in
	// the order they were checked.
	Warnings []Warning `yaml:"-"`

	// root is the parsed file, kept to find the line of a key when a check that depends on the
	// dialect (CheckFor) runs after Parse.
	root *yaml.Node
}

// Warehouse says where the data lives. The config package reads only its type; the connector
// registered under that type decodes and checks the rest of the block, so that each warehouse's
// keys live with the code that uses them. Secrets never appear here: only the names of the
// environment variables that hold them.
type Warehouse struct {
	Type string
	// Node is the block as written; Line is the line of its `warehouse:` key, where a missing key
	// is reported.
	Node *yaml.Node
	Line int
	// Driver is the connector registered under Type, and Settings the block as it decoded and
	// checked it. Both are set by Parse.
	Driver   connectors.Driver
	Settings connectors.Settings
}

// DefaultWarehouse is the warehouse type of a project file that names none.
const DefaultWarehouse = "duckdb"

// UnmarshalYAML keeps the block for the warehouse's driver and reads only its type.
func (w *Warehouse) UnmarshalYAML(n *yaml.Node) error {
	w.Node = n
	if n.Kind != yaml.MappingNode {
		return nil // the driver's decoding says what is wrong with it
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "type" {
			return n.Content[i+1].Decode(&w.Type)
		}
	}
	return nil
}

// Dialect is the SQL dialect of the project's warehouse, named by its driver.
func (w *Warehouse) Dialect() dialects.Dialect { return w.Driver.Dialect() }

// Output says where the published tables go.
type Output struct {
	Schema string `yaml:"schema"`
	// WorkSchema holds intermediate tables between runs; default <schema>_work.
	WorkSchema string `yaml:"work_schema"`
	// IDSalt is mixed into every universal id; default the project name. Changing it changes
	// every universal id.
	IDSalt string `yaml:"id_salt"`
	// IDSaltEnv names the environment variable holding the salt instead (docs/privacy.md): the
	// commands that run the project read it with ReadSalt, the others write SaltPlaceholder.
	IDSaltEnv string `yaml:"id_salt_env" json:"-"`
	// StateSchema holds what incremental runs build on (the rows read so far, hubs, each
	// identifier's region); default <schema>_state. It must survive between runs.
	StateSchema string `yaml:"state_schema"`
}

// Incremental says how incremental runs read new rows.
type Incremental struct {
	// Lookback is how far before a source's watermark (its latest timestamp read) each run reads
	// again, to catch rows that arrive late; default 3d.
	Lookback string `yaml:"lookback"`
	// LookbackDuration is Lookback parsed.
	LookbackDuration time.Duration `yaml:"-"`
	// FutureTolerance is how far past the run's clock a row may be dated and still count toward
	// its source's watermark; default 1d. A later row (a typo, a placeholder date such as
	// 2099-01-01) would otherwise make every later run read from its time and miss every new row.
	FutureTolerance string `yaml:"future_tolerance"`
	// FutureToleranceDuration is FutureTolerance parsed.
	FutureToleranceDuration time.Duration `yaml:"-"`
	// AppendOnly says when a batch that only adds rows may take the append-only path: auto (default:
	// unless an id type has a limit, which on data with shared devices sends most batches back to
	// the regions), always, or never.
	AppendOnly string `yaml:"append_only"`
}

// IDType is one kind of identifier. Its position in id_types is its priority.
type IDType struct {
	Name string `yaml:"name"`
	// Limit is the most values of this type one profile may hold; nil means no limit.
	Limit *int `yaml:"limit"`
	// Normalize lists the normalizers applied, in order, before anything else.
	Normalize []Normalizer `yaml:"normalize"`
	// CountryCode is the calling code (digits) that e164 gives numbers written without one.
	CountryCode string `yaml:"country_code"`
	// Pattern is a regular expression a value must match, else it is quarantined as invalid.
	Pattern string `yaml:"pattern"`
	// Block and BlockPattern name values that are never identifiers of this type.
	Block        []string `yaml:"block"`
	BlockPattern string   `yaml:"block_pattern"`
	// MaxDegree quarantines an identifier that co-occurs with more distinct identifiers.
	MaxDegree *int `yaml:"max_degree"`
	// Anonymous types (cookies, anonymous ids) are what policy.anonymous acts on.
	Anonymous bool `yaml:"anonymous"`
	// Scope is shared (default: one identifier across the scopes of a pool) or local (equal
	// values in two scopes are two identifiers).
	Scope string `yaml:"scope"`
}

// Normalizer is one normalization step: a named one (trim, lower, …) or a SQL expression over
// `value`, written as {expr: "…"}.
type Normalizer struct {
	Name string
	Expr string
	Line int
}

func (n *Normalizer) UnmarshalYAML(node *yaml.Node) error {
	n.Line = node.Line
	switch node.Kind {
	case yaml.ScalarNode:
		n.Name = node.Value
		return nil
	case yaml.MappingNode:
		if len(node.Content) == 2 && node.Content[0].Value == "expr" && node.Content[1].Kind == yaml.ScalarNode {
			n.Name = "expr"
			n.Expr = node.Content[1].Value
			return nil
		}
	}
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: a normalizer is a name (trim, lower, upper, digits, e164) or {expr: \"SQL over value\"}", node.Line)}}
}

// DBT says where a dbt project's manifest is.
type DBT struct {
	// Manifest is the dbt project's target/manifest.json, relative to the project file.
	Manifest string `yaml:"manifest"`
	// ProjectDir is the dbt project's root, against which the manifest's file paths are read;
	// default the folder above the manifest's folder.
	ProjectDir string `yaml:"project_dir"`
}

// Source is a warehouse table or view whose rows carry identifiers. It is named by exactly one
// of Table, Model (a dbt model) and DBTSource (a dbt source and its table); Parse resolves the
// latter two through the dbt manifest and sets Table to the relation dbt builds.
//
// The fields marked json:"-" do not change what a run computes (a dbt name resolves to Table;
// the key and the description are LookML's), so they stay out of the fingerprint of the sources
// that decides whether the stored state still holds.
type Source struct {
	Name      string    `yaml:"name"`
	Table     string    `yaml:"table"`
	Model     string    `yaml:"model" json:"-"`
	DBTSource []string  `yaml:"dbt_source" json:"-"`
	Timestamp string    `yaml:"timestamp"`
	Filter    string    `yaml:"filter"`
	IDs       IDColumns `yaml:"ids"`
	// Key is the column that identifies a row of the source, the primary key of its stitched
	// LookML view; optional.
	Key string `yaml:"key" json:"-"`
	// Description says what the source holds, for LookML.
	Description string `yaml:"description" json:"-"`
	// Scope is the source's scope; ScopeColumn instead names the column that holds each row's.
	Scope       string `yaml:"scope" json:",omitempty"`
	ScopeColumn string `yaml:"scope_column" json:",omitempty"`
	// Landing marks the source that identify calls land in: a table idstitch makes in the output
	// schema, not the user's.
	Landing bool `yaml:"-" json:"-"`
}

// DBTName is the dbt name the source was given by, such as "model stg_events" or "source
// web.events"; empty for a source given as a table.
func (s Source) DBTName() string {
	switch {
	case s.Model != "":
		return "model " + s.Model
	case len(s.DBTSource) == 2:
		return "source " + s.DBTSource[0] + "." + s.DBTSource[1]
	}
	return ""
}

// Schema and TableName split Table ("schema.table" or "table").
func (s Source) Schema() string {
	if i := strings.LastIndexByte(s.Table, '.'); i >= 0 {
		return s.Table[:i]
	}
	return ""
}

func (s Source) TableName() string {
	return s.Table[strings.LastIndexByte(s.Table, '.')+1:]
}

// IDColumn maps one id type to the columns (or SQL expressions) of a source that hold it.
type IDColumn struct {
	Type    string
	Columns []string
	Line    int
}

// IDColumns keeps the mapping in file order, which a Go map would lose.
type IDColumns []IDColumn

func (c *IDColumns) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: ids must map id types to columns", n.Line)}}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		cols, err := scalarOrList(v, "ids."+k.Value+" must be a column or a list of columns")
		if err != nil {
			return err
		}
		*c = append(*c, IDColumn{Type: k.Value, Columns: cols, Line: k.Line})
	}
	return nil
}

// scalarOrList reads one name or a list of names; must says what the key must be, in the
// message of a node that is neither.
func scalarOrList(v *yaml.Node, must string) ([]string, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		return []string{v.Value}, nil
	case yaml.SequenceNode:
		var out []string
		for _, item := range v.Content {
			if item.Kind != yaml.ScalarNode {
				return nil, &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s", item.Line, must)}}
			}
			out = append(out, item.Value)
		}
		return out, nil
	}
	return nil, &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s", v.Line, must)}}
}

// Policy holds project-wide identity policies.
type Policy struct {
	// Anonymous is link (default: anonymous identifiers join the known profile they touch),
	// evidence (each anonymous identifier joins the one known profile its own rows, and their
	// time, point to; an ambiguous one joins none) or isolate (a cluster of linked anonymous
	// identifiers touching more than one known profile joins none).
	Anonymous string `yaml:"anonymous"`
	// SignInWindow, with policy evidence, is how long before a sign-in the activity of an
	// anonymous identifier seen with several known profiles still belongs to whoever signed in
	// next on it, written as a duration like 30m; default 30m.
	SignInWindow string `yaml:"sign_in_window"`
	// LimitTies is nearest (default: an identifier equally near several anchors joins the best by
	// evidence) or isolate (it joins none and is quarantined as a limit conflict).
	LimitTies string `yaml:"limit_ties"`
	// Block lists values that are never identifiers of any type, compared case-insensitively.
	Block []string `yaml:"block"`
}

// DefaultBlock is the null-ish list that init and demo write into new project files.
var DefaultBlock = []string{"", "null", "none", "undefined", "nan", "n/a", "0", "-1", "unknown", "anonymous",
	"00000000-0000-0000-0000-000000000000"}

// Isolate reports whether anonymous identifiers touching several known profiles are isolated.
func (p *Project) Isolate() bool { return p.Policy.Anonymous == "isolate" }

// Evidence reports whether each anonymous identifier joins a known profile only on its own
// evidence.
func (p *Project) Evidence() bool { return p.Policy.Anonymous == "evidence" }

// DefaultSignInWindow is policy.sign_in_window when the project file gives none.
const DefaultSignInWindow = 30 * time.Minute

// SignInSeconds is policy.sign_in_window in whole seconds (the default when unset or invalid).
func (p *Project) SignInSeconds() int {
	d, err := time.ParseDuration(p.Policy.SignInWindow)
	if p.Policy.SignInWindow == "" || err != nil || d < time.Second {
		d = DefaultSignInWindow
	}
	return int(d / time.Second)
}

// AnonymousTypes lists the names of anonymous id types.
func (p *Project) AnonymousTypes() []string {
	var out []string
	for _, t := range p.IDTypes {
		if t.Anonymous {
			out = append(out, t.Name)
		}
	}
	return out
}

// Trait is a profile column computed by the warehouse from one source's rows.
type Trait struct {
	Name   string `yaml:"name"`
	Source string `yaml:"source"`
	Agg    string `yaml:"agg"`
	Expr   string `yaml:"expr"`
	Filter string `yaml:"filter"`
	// Window keeps rows of the last N days before the run, written as "90d".
	Window string `yaml:"window"`
	// WindowDays is Window in days; 0 is no window.
	WindowDays int `yaml:"-"`
	// Description says what the trait means, for LookML; it changes nothing a run computes.
	Description string `yaml:"description" json:"-"`
}

// Audience is a named condition over profile columns.
type Audience struct {
	Name  string `yaml:"name"`
	Where string `yaml:"where"`
}

// Lineage says where every run sends its OpenLineage events: to an HTTP endpoint (URL) or a file,
// one event per line. A failure to send is a warning of the run, never its failure.
type Lineage struct {
	// URL is the receiver's base address; events are POSTed to URL/Endpoint.
	URL string `yaml:"url"`
	// Endpoint is the path under URL; default api/v1/lineage (Marquez and most receivers).
	Endpoint string `yaml:"endpoint"`
	// File is a file that events are appended to, one JSON object per line; relative to the
	// project file.
	File string `yaml:"file"`
	// Timeout bounds what sending may add to a run, every event and retry together; default 5s.
	Timeout string `yaml:"timeout"`
	// TimeoutDuration is Timeout parsed.
	TimeoutDuration time.Duration `yaml:"-"`
	// APIKeyEnv names the environment variable holding the receiver's API key, sent as a bearer
	// token.
	APIKeyEnv string `yaml:"api_key_env"`
	// Namespace is the job namespace; default idstitch. The job's name is the project's.
	Namespace string `yaml:"namespace"`
	// DatasetNamespace replaces the namespace the warehouse's settings give its tables.
	DatasetNamespace string `yaml:"dataset_namespace"`
}

// DefaultLineageTimeout is what sending lineage may add to a run when lineage.timeout is not set.
const DefaultLineageTimeout = 5 * time.Second

// Schedule says when `idstitch serve` runs the project.
type Schedule struct {
	Cron     string `yaml:"cron"`
	Timezone string `yaml:"timezone"`
}

// Error is a mistake in the project file.
type Error struct {
	File string
	Line int
	Key  string
	Msg  string
}

func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	if e.Key != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Key, e.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, e.Msg)
}

// ErrSaltUnread marks a plan asked of a project whose salt is in the environment before the salt
// was read (ReadSalt) or a placeholder put in its place (SaltPlaceholder).
var ErrSaltUnread = errors.New("the id salt was not read from the environment")

// ReadSalt reads the salt from the environment variable output.id_salt_env names; a project
// without one keeps output.id_salt. The commands that run the project call it.
func (p *Project) ReadSalt() error {
	o := &p.Output
	if o.IDSaltEnv == "" {
		return nil
	}
	v, ok := os.LookupEnv(o.IDSaltEnv)
	if !ok || v == "" {
		return &Error{File: p.File, Key: "output.id_salt_env", Msg: fmt.Sprintf("the environment variable %s holds no salt (it is unset or empty); set it to the project's salt before running", o.IDSaltEnv)}
	}
	o.IDSalt = v
	return nil
}

// SaltPlaceholder puts the text ${NAME} in place of a salt kept in the environment variable
// NAME, for the commands that print or check statements without running them (compile,
// validate, doctor), so that the secret never appears in what they print or send; it reports
// whether it did. Without output.id_salt_env it does nothing.
func (p *Project) SaltPlaceholder() bool {
	if p.Output.IDSaltEnv == "" {
		return false
	}
	p.Output.IDSalt = "${" + p.Output.IDSaltEnv + "}"
	return true
}

// SaltWarning says, for a project whose salt is not kept in the environment, that its ids can
// be tested against guesses and how to fix it; "" for one whose salt is. validate and run print
// it. It is not one of Warnings, which say that a setting is probably not what was meant.
func (p *Project) SaltWarning() string {
	if p.Output.IDSaltEnv != "" {
		return ""
	}
	salt := "output.id_salt"
	if p.Output.IDSalt == p.Project {
		salt = "the project name (output.id_salt's default)"
	}
	return fmt.Sprintf("%s: output.id_salt_env is not set: universal ids are salted with %s, so anyone who has the project file can test a guess (an email) against an id; put a long random salt in an environment variable and name it in output.id_salt_env (docs/privacy.md)", p.File, salt)
}

// SaltReady is nil when the project's salt is known: written in the file, read from the
// environment, or a placeholder put in its place.
func (p *Project) SaltReady() error {
	if p.Output.IDSalt == "" {
		return fmt.Errorf("%w: %s: output.id_salt_env names %s; read it first", ErrSaltUnread, p.File, p.Output.IDSaltEnv)
	}
	return nil
}

// Warning is a setting that is valid but probably not what was meant, located as an Error is.
// It never stops a command: validate and serve print it, so that it is seen where the file is
// checked and where it takes effect.
type Warning Error

func (w Warning) String() string {
	e := Error(w)
	return e.Error()
}

// ErrNotFound is returned when there is no project file.
var ErrNotFound = errors.New("project file not found")

// Load reads and checks a project file.
func Load(path string) (*Project, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s does not exist; run `idstitch init` to write one, or pass -c FILE", ErrNotFound, path)
	}
	if err != nil {
		return nil, fmt.Errorf("read project file %s: %w", path, err)
	}
	return Parse(path, data)
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
var unknownField = regexp.MustCompile(`^field (\S+) not found in type config\.(\w+)$`)

// sectionOf names, for error messages, where a config struct sits in the file.
var sectionOf = map[string]string{
	"Project": "top level", "Output": "output", "IDType": "an id_types entry",
	"Source": "a sources entry", "Policy": "policy", "Trait": "a traits entry", "Audience": "an audiences entry",
	"Schedule": "schedule", "Incremental": "incremental", "DBT": "dbt", "Lineage": "lineage", "Scopes": "scopes",
	"Attribute": "an attributes entry",
}

// Parse checks the project file's text; path is used in messages and to resolve relative paths.
func Parse(path string, data []byte) (*Project, error) {
	name := filepath.Base(path)
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		if e := tabError(name, data, err); e != nil {
			return nil, e
		}
		return nil, yamlError(name, err)
	}
	if len(root.Content) == 0 {
		return nil, &Error{File: name, Msg: "the file is empty; run `idstitch init` for a commented starting point"}
	}
	var p Project
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return nil, yamlError(name, err)
	}
	// The decoder reads one document; a second one (after ---) would be ignored without a word.
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &Error{File: name, Line: extra.Line, Msg: "a second YAML document starts here (---), which idstitch does not read; keep the whole project in one document"}
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlError(name, err)
	}
	p.File = path
	p.Dir = filepath.Dir(path)
	p.root = root.Content[0]
	c := checker{file: name, root: p.root}
	c.check(&p)
	if c.err != nil {
		return nil, c.err
	}
	p.Warnings = c.warnings
	if err := p.CheckFor(p.Warehouse.Dialect()); err != nil {
		return nil, err
	}
	return &p, nil
}

// CheckFor checks what depends on the warehouse's SQL: that every user expression is one
// expression by the dialect's lexical rules, and that every name the planner derives from the
// file's names fits the dialect's limits. Parse runs it for the project's own warehouse; compile runs it again for the
// dialect it is asked to write.
func (p *Project) CheckFor(d dialects.Dialect) error {
	c := checker{file: filepath.Base(p.File), root: p.root}
	c.checkExpressions(p, d)
	c.checkNameLengths(p, d)
	return c.err
}

// Expression is a SQL expression written by the user, which the planner pastes into its
// statements as written.
type Expression struct {
	// Key is where it sits in the project file, e.g. audiences[2].where; Line its line.
	Key  string
	Line int
	Text string
}

// Expressions lists every SQL expression of the project that the planner pastes into a
// statement: source filters and id expressions, normalizers, trait expressions and filters, and
// audience conditions. A mapped value that is a plain column name is quoted, not pasted, and is
// not listed.
func (p *Project) Expressions() []Expression {
	c := checker{root: p.root}
	var out []Expression
	for i, t := range p.IDTypes {
		for j, n := range t.Normalize {
			if n.Name == "expr" {
				out = append(out, Expression{Key: fmt.Sprintf("id_types[%d].normalize[%d].expr", i, j), Line: n.Line, Text: n.Expr})
			}
		}
	}
	for i, s := range p.Sources {
		if s.Filter != "" {
			out = append(out, Expression{Key: fmt.Sprintf("sources[%d].filter", i), Line: c.line("sources", i, "filter"), Text: s.Filter})
		}
		for _, m := range s.IDs {
			for _, col := range m.Columns {
				if !IsColumn(col) {
					out = append(out, Expression{Key: fmt.Sprintf("sources[%d].ids.%s", i, m.Type), Line: m.Line, Text: col})
				}
			}
		}
	}
	for i, t := range p.Traits {
		if t.Expr != "" && !IsColumn(t.Expr) {
			out = append(out, Expression{Key: fmt.Sprintf("traits[%d].expr", i), Line: c.line("traits", i, "expr"), Text: t.Expr})
		}
		if t.Filter != "" {
			out = append(out, Expression{Key: fmt.Sprintf("traits[%d].filter", i), Line: c.line("traits", i, "filter"), Text: t.Filter})
		}
	}
	for i, a := range p.Audiences {
		out = append(out, Expression{Key: fmt.Sprintf("audiences[%d].where", i), Line: c.line("audiences", i, "where"), Text: a.Where})
	}
	return append(out, p.attributeExpressions(c)...)
}

// checkExpressions refuses, before any SQL is sent, an expression that is not one expression
// by the dialect's lexical rules: one that could end the statement it is pasted into and start
// another.
func (c *checker) checkExpressions(p *Project, d dialects.Dialect) {
	for _, e := range p.Expressions() {
		if err := expr.Check(e.Text, d.Lexicon()); err != nil {
			c.fail(e.Line, e.Key, "%s is not one SQL expression on %s: %v", Excerpt(e.Text), d.Name(), err)
		}
	}
}

// Excerpt quotes an expression for a message, shortened when it is long.
func Excerpt(s string) string {
	const max = 80
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return strconv.Quote(s)
}

// yamlError turns the first of the YAML library's messages into one sentence of ours.
func yamlError(file string, err error) error {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	if m := unknownField.FindStringSubmatch(msg); m != nil {
		return &Error{File: file, Line: line, Key: m[1], Msg: fmt.Sprintf("unknown key in %s; check its spelling against the documented keys", sectionOf[m[2]])}
	}
	if strings.HasPrefix(msg, "cannot unmarshal") {
		msg = "wrong kind of value (" + msg + ")"
	}
	return &Error{File: file, Line: line, Msg: msg}
}

// tabError explains a file that does not parse because a line is indented with a tab. The YAML
// library says "found character that cannot start any token" without a line when the tab is on
// the first line, and blames the line before a tab that breaks the indentation; its errors carry
// no type to tell the cases apart. A tab-indented line at or just after the line it blames (or
// anywhere, when it names none) is the cause.
func tabError(file string, data []byte, err error) error {
	blamed := 0
	if m := yamlLine.FindStringSubmatch(strings.TrimPrefix(err.Error(), "yaml: ")); m != nil {
		blamed, _ = strconv.Atoi(m[1])
	}
	for i, line := range strings.Split(string(data), "\n") {
		indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		if !strings.Contains(indent, "\t") || strings.TrimSpace(line) == "" {
			continue
		}
		if n := i + 1; blamed == 0 || n <= blamed+1 {
			return &Error{File: file, Line: n, Msg: "the line is indented with a tab; YAML indents with spaces only, so replace the tab with spaces"}
		}
		return nil
	}
	return nil
}

var windowPattern = regexp.MustCompile(`^([1-9][0-9]{0,4})d$`)

// reserved are the profile columns every project has.
var reserved = map[string]bool{"universal_id": true, "first_seen_at": true, "last_seen_at": true, "identifiers": true}

var digitsOnly = regexp.MustCompile(`^[0-9]{1,4}$`)

// namePattern says what a name may hold; how long it may be depends on the warehouse (CheckFor).
var namePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// maxProjectName bounds the project name, which names files (the LookML model) rather than
// warehouse objects.
const maxProjectName = 63

var columnPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]*$`)

// IsColumn reports whether a mapped value is a plain column name rather than a SQL expression.
func IsColumn(s string) bool { return columnPattern.MatchString(s) }

// Normalizers that a type may list under normalize.
var Normalizers = []string{"trim", "lower", "upper", "digits", "e164"}

var aggs = []string{"count", "sum", "min", "max", "avg", "count_distinct", "first", "latest"}

type checker struct {
	file     string
	root     *yaml.Node
	err      error
	warnings []Warning
	// dbt is the dbt manifest, read once for the first source that names a dbt model or source.
	dbt *dbtProject
}

// warn records a warning; unlike errors, every one is kept, since none stops the command.
func (c *checker) warn(line int, key, format string, args ...any) {
	c.warnings = append(c.warnings, Warning{File: c.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// fail records the first error only: one clear sentence beats a list.
func (c *checker) fail(line int, key, format string, args ...any) {
	if c.err == nil {
		c.err = &Error{File: c.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)}
	}
}

// line finds the line of a key path such as ("sources", 1, "table"); 0 when absent.
func (c *checker) line(path ...any) int {
	n := c.root
	if n == nil {
		return 0
	}
	line := n.Line
	for _, p := range path {
		switch k := p.(type) {
		case string:
			if n.Kind != yaml.MappingNode {
				return line
			}
			found := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == k {
					line = n.Content[i].Line
					n = n.Content[i+1]
					found = true
					break
				}
			}
			if !found {
				return line
			}
		case int:
			if n.Kind != yaml.SequenceNode || k >= len(n.Content) {
				return line
			}
			n = n.Content[k]
			line = n.Line
		}
	}
	return line
}

func (c *checker) check(p *Project) {
	if p.Project == "" {
		c.fail(1, "project", "missing; name the project, e.g. `project: acme`")
	} else if !namePattern.MatchString(p.Project) {
		c.fail(c.line("project"), "project", "%q must be lower case letters, digits and underscores, starting with a letter", p.Project)
	} else if len(p.Project) > maxProjectName {
		c.fail(c.line("project"), "project", "%q is too long: %d characters, at most %d; shorten it", p.Project, len(p.Project), maxProjectName)
	}
	c.checkWarehouse(p)
	c.checkOutput(p)
	types := c.checkIDTypes(p)
	sources := c.checkSources(p, types)
	c.checkTraits(p, sources)
	c.checkAttributes(p, types, sources)
	c.checkScopes(p)
	c.checkColumnClashes(p)
	switch p.Policy.Anonymous {
	case "", "link", "isolate", "evidence":
	default:
		c.fail(c.line("policy", "anonymous"), "policy.anonymous", "%q is not a policy; use link, evidence or isolate", p.Policy.Anonymous)
	}
	if w := p.Policy.SignInWindow; w != "" {
		d, err := time.ParseDuration(w)
		switch {
		case err != nil || d < time.Second || d > 30*24*time.Hour:
			c.fail(c.line("policy", "sign_in_window"), "policy.sign_in_window", "%q is not a window; write a duration between 1s and 720h, like 30m", w)
		case !p.Evidence():
			c.fail(c.line("policy", "sign_in_window"), "policy.sign_in_window", "is only read with policy.anonymous: evidence; remove it or set that policy")
		}
	}
	if p.Schedule.Cron != "" {
		if _, err := cron.ParseStandard(p.Schedule.Cron); err != nil {
			c.fail(c.line("schedule", "cron"), "schedule.cron", "%q is not a schedule (%v); use five fields like \"0 */2 * * *\" or @every 15m, @hourly", p.Schedule.Cron, err)
		} else if every, ok := strings.CutPrefix(strings.TrimSpace(p.Schedule.Cron), "@every "); ok {
			// The cron library takes a zero or negative interval, and anything under a second, as
			// one second: serve would then start a run every second.
			d, err := time.ParseDuration(strings.TrimSpace(every))
			switch {
			case err != nil:
			case d < time.Second:
				c.fail(c.line("schedule", "cron"), "schedule.cron", "%q is not a positive interval; write one of a second or more, like @every 15m", p.Schedule.Cron)
			case d < time.Minute:
				// Five-field schedules run at most once a minute; only @every goes below. A run
				// reads every source and rewrites the outputs, so seconds apart is rarely meant.
				c.warn(c.line("schedule", "cron"), "schedule.cron", "%q starts a run every %v; runs this close together use the warehouse all the time (a minute or more, like @every 15m, is usual)", p.Schedule.Cron, d)
			}
		}
	}
	if p.Schedule.Timezone != "" {
		if _, err := time.LoadLocation(p.Schedule.Timezone); err != nil {
			c.fail(c.line("schedule", "timezone"), "schedule.timezone", "%q is not a time zone name; use an IANA name such as UTC or Europe/Berlin", p.Schedule.Timezone)
		}
	}
	c.checkLineage(p)
	c.checkRealtime(p)
	switch p.Policy.LimitTies {
	case "", "nearest", "isolate":
	default:
		c.fail(c.line("policy", "limit_ties"), "policy.limit_ties", "%q is not a policy; use nearest or isolate", p.Policy.LimitTies)
	}
}

// checkWarehouse finds the driver of the warehouse type and lets it decode and check the block.
func (c *checker) checkWarehouse(p *Project) {
	w := &p.Warehouse
	if w.Type == "" {
		w.Type = DefaultWarehouse
	}
	d, err := connectors.Lookup(w.Type)
	if err != nil {
		if names := connectors.Names(); len(names) > 0 {
			c.fail(c.line("warehouse", "type"), "warehouse.type", "%q is not a supported warehouse; use one of %s", w.Type, strings.Join(names, ", "))
		} else {
			c.fail(c.line("warehouse", "type"), "warehouse.type", "%q is not a supported warehouse: this program links no warehouse connector; import one (a package under connectors/) into the program", w.Type)
		}
		return
	}
	w.Driver, w.Line = d, c.line("warehouse")
	w.Settings, err = d.Configure(connectors.Block{Type: w.Type, Node: w.Node, Line: w.Line,
		File: p.File, Dir: p.Dir, Project: p.Project})
	if err != nil {
		c.failWarehouse(err)
	}
}

// failWarehouse turns a driver's complaint about the warehouse block into a sentence that names
// the file, as every other mistake in it does.
func (c *checker) failWarehouse(err error) {
	var be *connectors.BlockError
	var te *yaml.TypeError
	switch {
	case errors.As(err, &be):
		c.fail(be.Line, be.Key, "%s", be.Msg)
	case errors.As(err, &te):
		if c.err == nil {
			c.err = yamlError(c.file, err)
		}
	default:
		c.fail(c.line("warehouse"), "warehouse", "%v", err)
	}
}

// projectPattern is a Google Cloud project id: 6 to 30 lower case letters, digits and hyphens,
// starting with a letter and not ending with a hyphen.
var projectPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{4,28}[a-z0-9]$`)

// schemaName reports whether s names an output schema: a lower-case name or, where the warehouse
// has ProjectSchemas, project.name.
func schemaName(s string, projects bool) bool {
	if project, name, ok := strings.Cut(s, "."); ok && projects {
		return projectPattern.MatchString(project) && namePattern.MatchString(name)
	}
	return namePattern.MatchString(s)
}

func (c *checker) checkOutput(p *Project) {
	o := &p.Output
	projects := p.Warehouse.Driver != nil && p.Warehouse.Dialect().Supports(dialects.ProjectSchemas)
	form := "lower case letters, digits and underscores"
	if projects {
		form += ", optionally after a project id and a dot (my-project.identity)"
	}
	if o.Schema == "" {
		o.Schema = "identity"
	}
	if !schemaName(o.Schema, projects) {
		c.fail(c.line("output", "schema"), "output.schema", "%q must be %s", o.Schema, form)
	}
	if o.WorkSchema == "" {
		o.WorkSchema = o.Schema + "_work"
	}
	if !schemaName(o.WorkSchema, projects) || o.WorkSchema == o.Schema {
		c.fail(c.line("output", "work_schema"), "output.work_schema", "%q must be %s, and differ from output.schema", o.WorkSchema, form)
	}
	switch {
	case o.IDSaltEnv != "" && o.IDSalt != "":
		c.fail(c.line("output", "id_salt_env"), "output.id_salt_env", "set either output.id_salt or output.id_salt_env, not both")
	case o.IDSaltEnv != "" && !envName.MatchString(o.IDSaltEnv):
		c.fail(c.line("output", "id_salt_env"), "output.id_salt_env", "%q is not an environment variable name (letters, digits and underscores)", o.IDSaltEnv)
	case o.IDSaltEnv == "":
		if o.IDSalt == "" {
			o.IDSalt = p.Project
		}
	}
	if o.StateSchema == "" {
		o.StateSchema = o.Schema + "_state"
	}
	if !schemaName(o.StateSchema, projects) || o.StateSchema == o.Schema || o.StateSchema == o.WorkSchema {
		c.fail(c.line("output", "state_schema"), "output.state_schema", "%q must be %s, and differ from output.schema and output.work_schema", o.StateSchema, form)
	}
	in := &p.Incremental
	if in.Lookback == "" {
		in.Lookback = "3d"
	}
	in.LookbackDuration = c.duration(in.Lookback, "lookback")
	if in.FutureTolerance == "" {
		in.FutureTolerance = "1d"
	}
	in.FutureToleranceDuration = c.duration(in.FutureTolerance, "future_tolerance")
	switch in.AppendOnly {
	case "":
		in.AppendOnly = "auto"
	case "auto", "always", "never":
	default:
		c.fail(c.line("incremental", "append_only"), "incremental.append_only", "%q is not a choice; use auto, always or never", in.AppendOnly)
	}
}

// duration parses the value of a duration key of the incremental section.
func (c *checker) duration(v, key string) time.Duration {
	m := lookbackPattern.FindStringSubmatch(v)
	if m == nil {
		c.fail(c.line("incremental", key), "incremental."+key, "%q is not a duration; write days, hours or minutes like 3d, 12h or 30m", v)
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return time.Duration(n) * map[string]time.Duration{"d": 24 * time.Hour, "h": time.Hour, "m": time.Minute}[m[2]]
}

var lookbackPattern = regexp.MustCompile(`^([0-9]{1,6})(d|h|m)$`)

func (c *checker) checkIDTypes(p *Project) map[string]bool {
	seen := map[string]bool{}
	if len(p.IDTypes) == 0 {
		c.fail(c.line("id_types"), "id_types", "no id types declared; list at least one, e.g. `- name: email`")
	}
	for i, t := range p.IDTypes {
		key := fmt.Sprintf("id_types[%d]", i)
		switch {
		case t.Name == "":
			c.fail(c.line("id_types", i), key+".name", "missing; every id type needs a name")
		case !namePattern.MatchString(t.Name):
			c.fail(c.line("id_types", i, "name"), key+".name", "%q must be lower case letters, digits and underscores, starting with a letter", t.Name)
		case seen[t.Name]:
			c.fail(c.line("id_types", i, "name"), key+".name", "id type %q is declared twice; keep one entry", t.Name)
		}
		seen[t.Name] = true
		if t.Limit != nil && *t.Limit < 1 {
			c.fail(c.line("id_types", i, "limit"), key+".limit", "must be at least 1 (1 means unique per profile); remove it for no limit")
		}
		if t.MaxDegree != nil && *t.MaxDegree < 1 {
			c.fail(c.line("id_types", i, "max_degree"), key+".max_degree", "must be at least 1; remove it to turn the hub guard off")
		}
		for _, n := range t.Normalize {
			switch {
			case n.Name == "expr":
				if strings.TrimSpace(n.Expr) == "" || !strings.Contains(n.Expr, "value") {
					c.fail(n.Line, key+".normalize", "expr %q must be a SQL expression over value, e.g. {expr: \"replace(value, '.', '')\"}", n.Expr)
				}
			case !contains(Normalizers, n.Name):
				c.fail(n.Line, key+".normalize", "%q is not a normalizer; use %s, or {expr: \"SQL over value\"}", n.Name, strings.Join(Normalizers, ", "))
			case n.Name == "e164" && t.CountryCode == "":
				c.fail(n.Line, key+".country_code", "missing; e164 needs the calling code to give numbers written without one, e.g. `country_code: \"1\"`")
			}
		}
		if t.CountryCode != "" && !digitsOnly.MatchString(t.CountryCode) {
			c.fail(c.line("id_types", i, "country_code"), key+".country_code", "%q must be the calling code in digits, e.g. \"44\"", t.CountryCode)
		}
		if t.Anonymous && t.Limit != nil && (p.Isolate() || p.Evidence()) {
			c.fail(c.line("id_types", i, "limit"), key+".limit", "limits on anonymous types are not enforced with policy.anonymous: %s; remove the limit or use link", p.Policy.Anonymous)
		}
		for _, k := range []struct{ key, re string }{{"pattern", t.Pattern}, {"block_pattern", t.BlockPattern}} {
			if k.re == "" {
				continue
			}
			if _, err := regexp.Compile(k.re); err != nil {
				c.fail(c.line("id_types", i, k.key), key+"."+k.key, "%q is not a valid regular expression (%s)", k.re, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
			} else if d := p.Warehouse.Driver; d != nil {
				// The warehouse's regular expressions may lack constructs RE2 has (Snowflake's
				// POSIX syntax has no non-greedy quantifiers).
				if _, err := d.Dialect().Pattern(k.re); err != nil {
					c.fail(c.line("id_types", i, k.key), key+"."+k.key, "%q cannot be used on %s: %v", k.re, d.Dialect().Name(), err)
				}
			}
		}
	}
	return seen
}

func (c *checker) checkSources(p *Project, types map[string]bool) map[string]bool {
	seen := map[string]bool{}
	if len(p.Sources) == 0 {
		c.fail(c.line("sources"), "sources", "no sources declared; list the tables that hold identifiers")
	}
	for i, s := range p.Sources {
		key := fmt.Sprintf("sources[%d]", i)
		switch {
		case s.Name == "":
			c.fail(c.line("sources", i), key+".name", "missing; every source needs a name")
		case !namePattern.MatchString(s.Name):
			c.fail(c.line("sources", i, "name"), key+".name", "%q must be lower case letters, digits and underscores, starting with a letter", s.Name)
		case seen[s.Name]:
			c.fail(c.line("sources", i, "name"), key+".name", "source %q is declared twice; give each source its own name", s.Name)
		}
		seen[s.Name] = true
		tableKey := c.sourceTable(p, i)
		if p.Sources[i].Table != "" {
			for _, part := range strings.Split(p.Sources[i].Table, ".") {
				if part == "" || strings.ContainsAny(part, "\"`;' \t") {
					c.fail(c.line("sources", i, tableKey), key+"."+tableKey, "%q is not a table name; write schema.table", p.Sources[i].Table)
					break
				}
			}
		}
		if s.Key != "" && !IsColumn(s.Key) {
			c.fail(c.line("sources", i, "key"), key+".key", "%q must be a column name", s.Key)
		}
		if s.Timestamp != "" && !IsColumn(s.Timestamp) {
			c.fail(c.line("sources", i, "timestamp"), key+".timestamp", "%q must be a column name", s.Timestamp)
		}
		if len(s.IDs) == 0 {
			c.fail(c.line("sources", i, "ids"), key+".ids", "no identifiers mapped; map at least one id type to a column")
		}
		mapped := map[string]bool{}
		for _, col := range s.IDs {
			if !types[col.Type] {
				c.fail(col.Line, key+".ids."+col.Type, "id type %q is not declared under id_types; declare it there or fix the name", col.Type)
			}
			if mapped[col.Type] {
				c.fail(col.Line, key+".ids."+col.Type, "mapped twice; list several columns of one type as [a, b]")
			}
			mapped[col.Type] = true
			for _, expr := range col.Columns {
				if strings.TrimSpace(expr) == "" {
					c.fail(col.Line, key+".ids."+col.Type, "empty column; name a column or write a SQL expression")
				}
			}
		}
	}
	return seen
}

func (c *checker) checkTraits(p *Project, sources map[string]bool) {
	names := map[string]bool{}
	for i, t := range p.Traits {
		key := fmt.Sprintf("traits[%d]", i)
		if !namePattern.MatchString(t.Name) || names[t.Name] {
			c.fail(c.line("traits", i, "name"), key+".name", "%q must be a unique lower-case name", t.Name)
		}
		names[t.Name] = true
		if !sources[t.Source] {
			c.fail(c.line("traits", i, "source"), key+".source", "%q is not a declared source", t.Source)
		}
		if !contains(aggs, t.Agg) {
			c.fail(c.line("traits", i, "agg"), key+".agg", "%q is not an aggregation; use %s", t.Agg, strings.Join(aggs, ", "))
		}
		if t.Agg != "count" && strings.TrimSpace(t.Expr) == "" {
			c.fail(c.line("traits", i), key+".expr", "missing; %s needs a column or SQL expression to aggregate", t.Agg)
		}
		if reserved[t.Name] || strings.HasSuffix(t.Name, "_count") || strings.HasPrefix(t.Name, "latest_") {
			c.fail(c.line("traits", i, "name"), key+".name", "%q is taken by a profile column; choose another name", t.Name)
		}
		src := p.source(t.Source)
		if (t.Agg == "first" || t.Agg == "latest" || t.Window != "") && src != nil && src.Timestamp == "" {
			c.fail(c.line("traits", i), key, "%s needs source %q to have a timestamp column", map[bool]string{true: "a window", false: t.Agg}[t.Window != ""], t.Source)
		}
		if t.Window != "" {
			m := windowPattern.FindStringSubmatch(t.Window)
			if m == nil {
				c.fail(c.line("traits", i, "window"), key+".window", "%q is not a window; write days like 90d", t.Window)
			} else {
				p.Traits[i].WindowDays, _ = strconv.Atoi(m[1])
			}
		}
	}
	for i, a := range p.Audiences {
		key := fmt.Sprintf("audiences[%d]", i)
		if !namePattern.MatchString(a.Name) || names[a.Name] || reserved[a.Name] {
			c.fail(c.line("audiences", i, "name"), key+".name", "%q must be a lower-case name that no trait, other audience or profile column has", a.Name)
		}
		names[a.Name] = true
		if strings.TrimSpace(a.Where) == "" {
			c.fail(c.line("audiences", i), key+".where", "missing; write a SQL condition over profile columns")
		}
	}
}

func (p *Project) source(name string) *Source {
	for i := range p.Sources {
		if p.Sources[i].Name == name {
			return &p.Sources[i]
		}
	}
	return nil
}

// TypeRank is the priority of an id type: 0 is the highest.
func (p *Project) TypeRank(name string) int {
	for i, t := range p.IDTypes {
		if t.Name == name {
			return i
		}
	}
	return len(p.IDTypes)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// The planner (engine/plan) names tables and columns after names of the project file: these are
// the longest of each kind, with %s for the name. A name fits when its longest derived name does.
// TestDerivedNamesFit in engine/plan fails when the planner derives a longer name than these say.
var (
	// sourceTables: the stored rows of a source in the state schema while a run replaces them,
	// and its trait rows in the work schema; its stitched view is shorter.
	sourceTables = []string{"rows_%s__next", "trait_rows_%s", "%s_stitched"}
	// typeTables: the work table of a limited type's conflicts.
	typeTables = []string{"conflicts_%s", "limit_%s"}
	// typeColumns: the profile columns of each id type.
	typeColumns = []string{"latest_%s", "%s_count"}
)

// longest is the longest of the names derived from name by the patterns.
func longest(patterns []string, name string) string {
	var out string
	for _, p := range patterns {
		if n := fmt.Sprintf(p, name); len(n) > len(out) {
			out = n
		}
	}
	return out
}

// checkNameLengths refuses a name that makes a schema, table or column name longer than the
// warehouse keeps: Postgres would cut it at 63 bytes without a word, so that a run fails at
// publish or two columns become one. Names are ASCII (namePattern), so bytes are characters.
func (c *checker) checkNameLengths(p *Project, d dialects.Dialect) {
	lim := d.NameLimits()
	w := d.Name()
	if max := lim.Schema; max > 0 {
		o := p.Output
		for _, s := range []struct{ key, name, suffix string }{
			{"output.schema", o.Schema, ""}, {"output.work_schema", o.WorkSchema, "_work"}, {"output.state_schema", o.StateSchema, "_state"},
		} {
			switch {
			case len(s.name) <= max:
			case s.suffix != "" && s.name == o.Schema+s.suffix:
				// The schema was named after output.schema (by default): the name to shorten is
				// that one, not a key the user may never have written.
				c.fail(c.line("output", "schema"), "output.schema", "%q is too long for %s: the schema named after it, %s, has %d characters and %s keeps at most %d; shorten output.schema to at most %d characters, or set %s",
					o.Schema, w, s.name, len(s.name), w, max, max-len(s.suffix), s.key)
			default:
				k := strings.Split(s.key, ".")
				c.fail(c.line(k[0], k[1]), s.key, "%q is too long for %s: %d characters, and %s keeps at most %d; shorten it", s.name, w, len(s.name), w, max)
			}
		}
	}
	// derived checks one name of the file against the names made from it.
	derived := func(line int, key, name string, patterns []string, max int, what string) {
		if max == 0 {
			return
		}
		if n := longest(patterns, name); len(n) > max {
			extra := len(n) - len(name)
			c.fail(line, key, "%q is too long for %s: it names %s up to %d characters longer (%s), and %s keeps at most %d; shorten it to at most %d characters",
				name, w, what, extra, strings.ReplaceAll(longest(patterns, "<name>"), "%s", "<name>"), w, max, max-extra)
		}
	}
	for i, t := range p.IDTypes {
		line, key := c.line("id_types", i, "name"), fmt.Sprintf("id_types[%d].name", i)
		derived(line, key, t.Name, typeColumns, lim.Column, "profile columns")
		derived(line, key, t.Name, typeTables, lim.Table, "tables")
	}
	for i, s := range p.Sources {
		derived(c.line("sources", i, "name"), fmt.Sprintf("sources[%d].name", i), s.Name, sourceTables, lim.Table, "tables")
	}
	for i, t := range p.Traits {
		derived(c.line("traits", i, "name"), fmt.Sprintf("traits[%d].name", i), t.Name, []string{"%s"}, lim.Column, "a profile column")
	}
	for i, a := range p.Audiences {
		derived(c.line("audiences", i, "name"), fmt.Sprintf("audiences[%d].name", i), a.Name, []string{"%s"}, lim.Column, "a profile column")
	}
	for i, a := range p.Attributes {
		line, key := c.line("attributes", i, "name"), fmt.Sprintf("attributes[%d].name", i)
		derived(line, key, a.Name, attributeColumns, lim.Column, "profile columns")
		derived(line, key, a.Name, attributeTables, lim.Table, "a table")
	}
}

// stitchedID is the column that each source's stitched view adds to the source's own columns.
const stitchedID = "universal_id"

// lookmlTimeframes are the fields a LookML dimension group of type time makes, after its name.
var lookmlTimeframes = []string{"raw", "time", "date", "week", "month", "year"}

// checkColumnClashes refuses two entries of the file that would give one name to two columns of
// profiles or two fields of its LookML view: DuckDB renames one of the columns without a word,
// Postgres refuses the table at the end of a run, and LookML declares the field twice. Id types
// named latest and count, for one, would both make latest_count.
func (c *checker) checkColumnClashes(p *Project) {
	type owner struct{ key, what string }
	taken := map[string]owner{}
	for _, col := range []string{"universal_id", "first_seen_at", "last_seen_at", "identifiers"} {
		taken[col] = owner{what: "the profile column every profile has"}
	}
	for _, g := range []string{"first_seen", "last_seen"} {
		for _, tf := range lookmlTimeframes {
			taken[g+"_"+tf] = owner{what: "a field of the LookML dimension group " + g}
		}
	}
	taken["count"] = owner{what: "the LookML measure count"}
	if p.Scoped() {
		taken["pool"] = owner{what: "the profile column of a project with scopes"}
	}
	add := func(line int, key, name, col, what string) {
		if prev, ok := taken[col]; ok {
			if prev.key != "" {
				c.fail(line, key, "%q makes %s %s, which %s %s makes too; rename one of them", name, what, col, prev.key, prev.what)
			} else {
				c.fail(line, key, "%q makes %s %s, which is %s already; rename it", name, what, col, prev.what)
			}
			return
		}
		taken[col] = owner{key: key, what: strconv.Quote(name)}
	}
	for i, t := range p.IDTypes {
		key, line := fmt.Sprintf("id_types[%d].name", i), c.line("id_types", i, "name")
		add(line, key, t.Name, t.Name+"_count", "the profile column")
		add(line, key, t.Name, "latest_"+t.Name, "the profile column")
	}
	for i, t := range p.Traits {
		key, line := fmt.Sprintf("traits[%d].name", i), c.line("traits", i, "name")
		add(line, key, t.Name, t.Name, "the profile column")
		switch t.Agg {
		case "count", "count_distinct", "sum":
			add(line, key, t.Name, "total_"+t.Name, "the LookML measure")
		}
	}
	for i, a := range p.Audiences {
		add(c.line("audiences", i, "name"), fmt.Sprintf("audiences[%d].name", i), a.Name, a.Name, "the profile column")
	}
	for i, a := range p.Attributes {
		for _, col := range a.Columns() {
			add(c.line("attributes", i, "name"), fmt.Sprintf("attributes[%d].name", i), a.Name, col, "the profile column")
		}
	}
	// A source's stitched view is the source's row with universal_id added; a mapped column of
	// that name would make it twice. check.Sources refuses an unmapped one, which only the
	// warehouse knows of.
	for i, s := range p.Sources {
		key := fmt.Sprintf("sources[%d]", i)
		if p.Scoped() {
			// The view adds each row's scope and pool too.
			for _, m := range s.IDs {
				for _, col := range append(append([]string(nil), m.Columns...), s.ScopeColumn, s.Timestamp) {
					if strings.EqualFold(col, "row_scope") || strings.EqualFold(col, "row_pool") {
						c.fail(c.line("sources", i), key, "the column %s has the name of a column that the view %s_stitched adds to the source's columns; map a view of %s that renames it", col, s.Name, s.Table)
					}
				}
			}
		}
		if strings.EqualFold(s.Timestamp, stitchedID) {
			c.fail(c.line("sources", i, "timestamp"), key+".timestamp", "the column %s has the name of the column that the view %s_stitched adds to the source's columns; map a view of %s that renames it", s.Timestamp, s.Name, s.Table)
		}
		for _, m := range s.IDs {
			for _, col := range m.Columns {
				if strings.EqualFold(col, stitchedID) {
					c.fail(m.Line, key+".ids."+m.Type, "the column %s has the name of the column that the view %s_stitched adds to the source's columns; map a view of %s that renames it", col, s.Name, s.Table)
				}
			}
		}
	}
}
