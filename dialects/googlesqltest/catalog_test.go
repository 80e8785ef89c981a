package googlesqltest

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	googlesql "github.com/goccy/go-googlesql"
)

// project is the BigQuery project the catalog answers for, so that a path written
// project.dataset.table resolves like dataset.table.
const project = "idstitch-test"

// engine is the GoogleSQL analyzer set up as BigQuery sets it up: the external product mode (INT64
// and FLOAT64, no INT32 or DOUBLE), every released language feature, and the features of the
// statements BigQuery has that GoogleSQL leaves off by default.
type engine struct {
	lang *googlesql.LanguageOptions
	// types is shared by every analysis, so that the types of the columns a statement creates
	// outlive its analysis and can type the table in the catalog.
	types *googlesql.TypeFactory
}

var (
	engineOnce sync.Once
	theEngine  *engine
	engineErr  error
)

// newEngine initialises GoogleSQL once per test binary; the options it returns are read only.
func newEngine(t *testing.T) *engine {
	t.Helper()
	engineOnce.Do(func() { theEngine, engineErr = setUpEngine() })
	if engineErr != nil {
		t.Fatal(engineErr)
	}
	return theEngine
}

func setUpEngine() (*engine, error) {
	if err := googlesql.Init(); err != nil {
		return nil, err
	}
	lang, err := googlesql.NewLanguageOptions()
	if err != nil {
		return nil, err
	}
	// Released features only: those still in development are in no product.
	if err := lang.EnableMaximumLanguageFeatures(); err != nil {
		return nil, err
	}
	// BigQuery has CREATE TABLE … CLONE, which is not among the features enabled above.
	for _, f := range []googlesql.LanguageFeature{googlesql.LanguageFeatureFeatureCreateTableCopy, googlesql.LanguageFeatureFeatureCreateTableClone} {
		if err := lang.EnableLanguageFeature(f); err != nil {
			return nil, err
		}
	}
	// BigQuery has no RETURNING clause on DML (GoogleSQL's THEN RETURN is Spanner's), and no
	// INSERT … ON CONFLICT (Spanner's too): its DML reference has neither.
	for _, f := range []googlesql.LanguageFeature{googlesql.LanguageFeatureFeatureDmlReturning, googlesql.LanguageFeatureFeatureInsertOnConflictClause} {
		if err := lang.DisableLanguageFeature(f); err != nil {
			return nil, err
		}
	}
	if err := lang.SetSupportsAllStatementKinds(); err != nil {
		return nil, err
	}
	if err := lang.SetProductMode(googlesql.ProductModeProductExternal); err != nil {
		return nil, err
	}
	tf, err := googlesql.NewTypeFactory()
	if err != nil {
		return nil, err
	}
	return &engine{lang: lang, types: tf}, nil
}

// column is a column of a table in the catalog.
type column struct {
	name string
	typ  googlesql.Googlesql_TypeNode
}

// table is a table or view of the catalog. A table never changes once made: a statement that
// alters one makes a new one, so that a snapshot of the catalog is a copy of its maps.
type table struct {
	columns []column
	view    bool
	node    *googlesql.SimpleTable
}

// warehouse is a BigQuery project as the statements run so far have left it: datasets of tables
// and views with typed columns. GoogleSQL resolves names against it through one catalog per
// dataset, whose lookups are answered from Go, so that a statement that drops, renames or
// replaces a table changes what the next one sees (GoogleSQL's SimpleCatalog cannot remove a
// table).
type warehouse struct {
	t    *testing.T
	e    *engine
	root *googlesql.SimpleCatalog
	// datasets maps a dataset to its tables by name. The dataset "" holds the tables written
	// without one, as a query job with a default dataset reads them.
	datasets map[string]map[string]*table
	// attached lists the names under which a dataset catalog hangs from the root; the root can
	// gain catalogs but never lose one, so a dataset dropped and made again keeps its catalog.
	attached map[string]bool
	// inTransaction is set between BEGIN TRANSACTION and COMMIT TRANSACTION.
	inTransaction bool
	// keep holds what GoogleSQL refers to but Go must keep alive: the Go catalogs.
	keep []any
}

// newWarehouse returns an empty project with GoogleSQL's functions and types. sources are the
// tables that exist before any statement runs, by their path as a query writes it
// (dataset.table, or a bare table name read from the default dataset).
func newWarehouse(t *testing.T, sources map[string]map[string]string) *warehouse {
	t.Helper()
	e := newEngine(t)
	root, err := googlesql.NewSimpleCatalog(project, e.types)
	if err != nil {
		t.Fatal(err)
	}
	if err := root.AddBuiltinFunctionsAndTypes(&googlesql.BuiltinFunctionOptions{LanguageOptions: e.lang}); err != nil {
		t.Fatal(err)
	}
	w := &warehouse{t: t, e: e, root: root, datasets: map[string]map[string]*table{"": {}}, attached: map[string]bool{}}
	// project.dataset.table starts at a catalog named after the project.
	w.attach(project)
	names := make([]string, 0, len(sources))
	for name := range sources {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := splitPath([]string{name})
		var cols []column
		colNames := make([]string, 0, len(sources[name]))
		for c := range sources[name] {
			colNames = append(colNames, c)
		}
		sort.Strings(colNames)
		for _, c := range colNames {
			cols = append(cols, column{name: c, typ: w.typeOf(sources[name][c])})
		}
		ds, tbl, err := w.locate(path)
		if err != nil {
			t.Fatalf("source %s: %v", name, err)
		}
		if _, ok := w.datasets[ds]; !ok {
			w.createDataset(ds)
		}
		if len(path) == 3 && path[0] != project {
			// GoogleSQL looks another project's tables up from a catalog named after it.
			w.attach(path[0])
		}
		w.put(ds, tbl, &table{columns: cols})
		if ds == "" {
			// The root answers for bare names itself; its tables cannot be removed, which is
			// right for sources: a plan never drops them.
			if err := root.AddTable(w.datasets[""][tbl].node); err != nil {
				t.Fatal(err)
			}
		}
	}
	return w
}

// typeOf parses a BigQuery type name such as STRING, NUMERIC or ARRAY<STRING>.
func (w *warehouse) typeOf(name string) googlesql.Googlesql_TypeNode {
	w.t.Helper()
	opts := w.options(nil)
	typ, err := googlesql.AnalyzeType(name, opts, w.root, w.e.types)
	if err != nil {
		w.t.Fatalf("BigQuery type %q: %v", name, err)
	}
	return typ
}

// options returns analyzer options with the query parameters a statement binds, by name.
func (w *warehouse) options(params map[string]string) *googlesql.AnalyzerOptions {
	w.t.Helper()
	opts, err := googlesql.NewAnalyzerOptions2()
	if err != nil {
		w.t.Fatal(err)
	}
	if err := opts.SetLanguage(w.e.lang); err != nil {
		w.t.Fatal(err)
	}
	if err := opts.SetParameterMode(googlesql.ParameterModeParameterNamed); err != nil {
		w.t.Fatal(err)
	}
	for name, typ := range params {
		if err := opts.AddQueryParameter(name, w.typeOf(typ)); err != nil {
			w.t.Fatal(err)
		}
	}
	return opts
}

// snapshot returns a copy of the warehouse's contents, to restore after running statements
// that another run would not see.
func (w *warehouse) snapshot() map[string]map[string]*table {
	out := make(map[string]map[string]*table, len(w.datasets))
	for ds, tables := range w.datasets {
		out[ds] = make(map[string]*table, len(tables))
		for name, tbl := range tables {
			out[ds][name] = tbl
		}
	}
	return out
}

func (w *warehouse) restore(s map[string]map[string]*table) {
	w.datasets = make(map[string]map[string]*table, len(s))
	for ds, tables := range s {
		w.datasets[ds] = make(map[string]*table, len(tables))
		for name, tbl := range tables {
			w.datasets[ds][name] = tbl
		}
	}
	w.inTransaction = false
}

// analyze analyses one statement against the warehouse and, when GoogleSQL accepts it, applies
// what it does to the catalog. params declares the statement's query parameters by name with
// their BigQuery types.
func (w *warehouse) analyze(sql string, params map[string]string) error {
	out, err := googlesql.AnalyzeStatement(sql, w.options(params), w.root, w.e.types)
	if err != nil {
		return err
	}
	stmt, err := out.ResolvedStatement()
	if err != nil {
		return err
	}
	return w.apply(stmt)
}

// analyzeScript analyses a script of statements separated by semicolons one after the other, as
// BigQuery runs a multi-statement query, applying each to the catalog; it stops at the first that
// GoogleSQL rejects.
func (w *warehouse) analyzeScript(script string) error {
	script = strings.TrimSpace(script)
	loc, err := googlesql.NewParseResumeLocationFromString(script)
	if err != nil {
		return err
	}
	opts := w.options(nil)
	for {
		pos, err := loc.BytePosition()
		if err != nil {
			return err
		}
		// The position stops after a statement's semicolon; what follows it may be only blanks.
		if strings.TrimSpace(script[pos:]) == "" {
			return nil
		}
		out, err := googlesql.AnalyzeNextStatement(loc, opts, w.root, w.e.types)
		if err != nil {
			return err
		}
		stmt, err := out.ResolvedStatement()
		if err != nil {
			return err
		}
		if err := w.apply(stmt); err != nil {
			return err
		}
	}
}

// apply changes the catalog as the analysed statement would change the warehouse, and refuses
// what GoogleSQL accepts but BigQuery does not: creating a table that exists without OR REPLACE
// or IF NOT EXISTS, dropping or altering what does not exist, and DDL on permanent tables inside
// a transaction.
func (w *warehouse) apply(stmt googlesql.ResolvedStatementNode) error {
	switch s := stmt.(type) {
	case *googlesql.ResolvedBeginStmt:
		if w.inTransaction {
			return fmt.Errorf("BEGIN TRANSACTION inside a transaction: BigQuery does not nest them")
		}
		w.inTransaction = true
		return nil
	case *googlesql.ResolvedCommitStmt:
		if !w.inTransaction {
			return fmt.Errorf("COMMIT TRANSACTION without a transaction")
		}
		w.inTransaction = false
		return nil
	case *googlesql.ResolvedRollbackStmt:
		if !w.inTransaction {
			return fmt.Errorf("ROLLBACK TRANSACTION without a transaction")
		}
		w.inTransaction = false
		return nil
	case *googlesql.ResolvedCreateSchemaStmt:
		if err := w.noDDLInTransaction("CREATE SCHEMA"); err != nil {
			return err
		}
		path, err := s.NamePath()
		if err != nil {
			return err
		}
		path = splitPath(path)
		if len(path) == 2 && path[0] == project {
			path = path[1:]
		}
		if len(path) != 1 {
			return fmt.Errorf("CREATE SCHEMA %s: a dataset is one name, or project.dataset", strings.Join(path, "."))
		}
		mode, err := s.CreateMode()
		if err != nil {
			return err
		}
		if _, ok := w.datasets[path[0]]; ok {
			if mode == googlesql.ResolvedCreateStatementEnums_CreateModeCreateDefault {
				return fmt.Errorf("dataset %s already exists", path[0])
			}
			return nil
		}
		w.createDataset(path[0])
		return nil
	case *googlesql.ResolvedCreateTableAsSelectStmt:
		defs, err := s.ColumnDefinitionList()
		if err != nil {
			return err
		}
		cols, err := definitions(defs)
		if err != nil {
			return err
		}
		return w.create(s.ResolvedCreateStatement, &table{columns: cols})
	case *googlesql.ResolvedCreateTableStmt:
		if err := enforcedKey(s.ResolvedCreateTableStmtBase); err != nil {
			return err
		}
		source, err := s.CopyFrom()
		if err != nil {
			return err
		}
		if source == nil {
			if source, err = s.CloneFrom(); err != nil {
				return err
			}
		}
		if source != nil {
			// COPY and CLONE make a table with the columns of the one they read.
			from, err := w.scanned(source)
			if err != nil {
				return err
			}
			return w.create(s.ResolvedCreateStatement, &table{columns: from.columns})
		}
		defs, err := s.ColumnDefinitionList()
		if err != nil {
			return err
		}
		cols, err := definitions(defs)
		if err != nil {
			return err
		}
		return w.create(s.ResolvedCreateStatement, &table{columns: cols})
	case *googlesql.ResolvedCreateViewStmt:
		outs, err := s.OutputColumnList()
		if err != nil {
			return err
		}
		var cols []column
		for _, oc := range outs {
			name, err := oc.Name()
			if err != nil {
				return err
			}
			rc, err := oc.Column()
			if err != nil {
				return err
			}
			typ, err := rc.Type()
			if err != nil {
				return err
			}
			cols = append(cols, column{name: name, typ: typ})
		}
		return w.create(s.ResolvedCreateStatement, &table{columns: cols, view: true})
	case *googlesql.ResolvedDropStmt:
		kind, err := s.ObjectType()
		if err != nil {
			return err
		}
		if err := w.noDDLInTransaction("DROP " + kind); err != nil {
			return err
		}
		path, err := s.NamePath()
		if err != nil {
			return err
		}
		ifExists, err := s.IsIfExists()
		if err != nil {
			return err
		}
		return w.drop(path, strings.EqualFold(kind, "view"), ifExists)
	case *googlesql.ResolvedAlterTableStmt:
		if err := w.noDDLInTransaction("ALTER TABLE"); err != nil {
			return err
		}
		return w.alter(s)
	case *googlesql.ResolvedRenameStmt:
		if err := w.noDDLInTransaction("RENAME"); err != nil {
			return err
		}
		from, err := s.OldNamePath()
		if err != nil {
			return err
		}
		to, err := s.NewNamePath()
		if err != nil {
			return err
		}
		return w.rename(from, to)
	}
	// Queries and DML change rows, not the catalog.
	return nil
}

// enforcedKey refuses a primary key that is not declared NOT ENFORCED: BigQuery's CREATE TABLE
// has a primary key only as PRIMARY KEY (…) NOT ENFORCED, since it enforces none ("Use primary
// and foreign keys"), where GoogleSQL also accepts an enforced one.
func enforcedKey(s *googlesql.ResolvedCreateTableStmtBase) error {
	key, err := s.PrimaryKey()
	if err != nil || key == nil {
		return err
	}
	unenforced, err := key.Unenforced()
	if err != nil {
		return err
	}
	if !unenforced {
		return fmt.Errorf("PRIMARY KEY without NOT ENFORCED: BigQuery enforces no key and takes one only declared NOT ENFORCED")
	}
	return nil
}

// noDDLInTransaction refuses DDL on permanent objects inside a transaction, which BigQuery does
// not allow (only temporary tables and functions may be made or dropped there).
func (w *warehouse) noDDLInTransaction(what string) error {
	if w.inTransaction {
		return fmt.Errorf("%s inside a transaction: BigQuery allows no DDL on permanent tables there", what)
	}
	return nil
}

func definitions(defs []*googlesql.ResolvedColumnDefinition) ([]column, error) {
	var cols []column
	for _, d := range defs {
		name, err := d.Name()
		if err != nil {
			return nil, err
		}
		typ, err := d.Type()
		if err != nil {
			return nil, err
		}
		cols = append(cols, column{name: name, typ: typ})
	}
	return cols, nil
}

// scanned returns the table of the catalog a COPY or CLONE reads.
func (w *warehouse) scanned(scan googlesql.ResolvedScanNode) (*table, error) {
	ts, ok := scan.(*googlesql.ResolvedTableScan)
	if !ok {
		return nil, fmt.Errorf("COPY or CLONE reads a %T, not a table", scan)
	}
	node, err := ts.Table()
	if err != nil {
		return nil, err
	}
	name, err := node.FullName()
	if err != nil {
		return nil, err
	}
	ds, tbl, err := w.locate(splitPath([]string{name}))
	if err != nil {
		return nil, err
	}
	from := w.datasets[ds][tbl]
	if from == nil {
		return nil, fmt.Errorf("%s is not in the catalog", name)
	}
	if from.view {
		return nil, fmt.Errorf("%s is a view; COPY and CLONE read tables", name)
	}
	return from, nil
}

func (w *warehouse) create(s *googlesql.ResolvedCreateStatement, tbl *table) error {
	path, err := s.NamePath()
	if err != nil {
		return err
	}
	mode, err := s.CreateMode()
	if err != nil {
		return err
	}
	scope, err := s.CreateScope()
	if err != nil {
		return err
	}
	if scope != googlesql.ResolvedCreateStatementEnums_CreateScopeCreateTemp {
		if err := w.noDDLInTransaction("CREATE"); err != nil {
			return err
		}
	}
	ds, name, err := w.locate(splitPath(path))
	if err != nil {
		return err
	}
	if _, ok := w.datasets[ds]; !ok {
		return fmt.Errorf("cannot create %s: dataset %s does not exist", strings.Join(path, "."), ds)
	}
	if old := w.datasets[ds][name]; old != nil {
		switch {
		case mode == googlesql.ResolvedCreateStatementEnums_CreateModeCreateIfNotExists:
			return nil
		case mode == googlesql.ResolvedCreateStatementEnums_CreateModeCreateDefault:
			return fmt.Errorf("%s already exists", strings.Join(path, "."))
		case old.view != tbl.view:
			// BigQuery replaces a table with a table and a view with a view only.
			return fmt.Errorf("%s exists as a %s", strings.Join(path, "."), kindName(old.view))
		}
	}
	w.put(ds, name, tbl)
	return nil
}

func kindName(view bool) string {
	if view {
		return "view"
	}
	return "table"
}

func (w *warehouse) drop(path []string, view, ifExists bool) error {
	ds, name, err := w.locate(splitPath(path))
	if err != nil {
		return err
	}
	old := w.datasets[ds][name]
	switch {
	case old == nil && ifExists:
		return nil
	case old == nil:
		return fmt.Errorf("cannot drop %s: it does not exist", strings.Join(path, "."))
	case old.view != view:
		return fmt.Errorf("cannot drop %s as a %s: it is a %s", strings.Join(path, "."), kindName(view), kindName(old.view))
	}
	delete(w.datasets[ds], name)
	return nil
}

func (w *warehouse) alter(s *googlesql.ResolvedAlterTableStmt) error {
	path, err := s.NamePath()
	if err != nil {
		return err
	}
	ifExists, err := s.IsIfExists()
	if err != nil {
		return err
	}
	ds, name, err := w.locate(splitPath(path))
	if err != nil {
		return err
	}
	tbl := w.datasets[ds][name]
	if tbl == nil {
		if ifExists {
			return nil
		}
		return fmt.Errorf("cannot alter %s: it does not exist", strings.Join(path, "."))
	}
	actions, err := s.AlterActionList()
	if err != nil {
		return err
	}
	for _, action := range actions {
		switch a := action.(type) {
		case *googlesql.ResolvedAddColumnAction:
			def, err := a.ColumnDefinition()
			if err != nil {
				return err
			}
			cols, err := definitions([]*googlesql.ResolvedColumnDefinition{def})
			if err != nil {
				return err
			}
			ifNotExists, err := a.IsIfNotExists()
			if err != nil {
				return err
			}
			if tbl.has(cols[0].name) {
				if ifNotExists {
					continue
				}
				return fmt.Errorf("%s already has a column %s", strings.Join(path, "."), cols[0].name)
			}
			tbl = &table{columns: append(append([]column{}, tbl.columns...), cols[0]), view: tbl.view}
			w.put(ds, name, tbl)
		case *googlesql.ResolvedRenameToAction:
			to, err := a.NewPath()
			if err != nil {
				return err
			}
			// BigQuery renames within the dataset: the new name is the table's name only.
			if len(to) != 1 {
				return fmt.Errorf("ALTER TABLE %s RENAME TO %s: BigQuery takes a table name, not a path", strings.Join(path, "."), strings.Join(to, "."))
			}
			if err := w.rename(path, append(splitPath(path)[:len(splitPath(path))-1], to[0])); err != nil {
				return err
			}
			name = to[0]
		default:
			return fmt.Errorf("ALTER TABLE %s: the catalog does not model %T", strings.Join(path, "."), action)
		}
	}
	return nil
}

func (w *warehouse) rename(from, to []string) error {
	ds, name, err := w.locate(splitPath(from))
	if err != nil {
		return err
	}
	toDS, toName, err := w.locate(splitPath(to))
	if err != nil {
		return err
	}
	tbl := w.datasets[ds][name]
	switch {
	case tbl == nil:
		return fmt.Errorf("cannot rename %s: it does not exist", strings.Join(from, "."))
	case toDS != ds:
		return fmt.Errorf("cannot rename %s to %s: a table stays in its dataset", strings.Join(from, "."), strings.Join(to, "."))
	case w.datasets[ds][toName] != nil:
		return fmt.Errorf("cannot rename %s to %s: that name is taken", strings.Join(from, "."), strings.Join(to, "."))
	}
	delete(w.datasets[ds], name)
	w.put(ds, toName, &table{columns: tbl.columns, view: tbl.view})
	return nil
}

func (t *table) has(name string) bool {
	for _, c := range t.columns {
		// BigQuery's column names are case-insensitive.
		if strings.EqualFold(c.name, name) {
			return true
		}
	}
	return false
}

// put stores a table under dataset.name with the GoogleSQL table that resolves to it.
func (w *warehouse) put(ds, name string, tbl *table) {
	w.t.Helper()
	full := name
	if ds != "" {
		full = ds + "." + name
	}
	node, err := googlesql.NewSimpleTable(name, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := node.SetFullName(full); err != nil {
		w.t.Fatal(err)
	}
	for _, c := range tbl.columns {
		col, err := googlesql.NewSimpleColumn(name, c.name, c.typ, false, true)
		if err != nil {
			w.t.Fatal(err)
		}
		if err := node.AddColumn2(col, true); err != nil {
			w.t.Fatalf("%s: %v", full, err)
		}
	}
	tbl.node = node
	w.datasets[ds][name] = tbl
}

func (w *warehouse) createDataset(ds string) {
	w.datasets[ds] = map[string]*table{}
	w.attach(ds)
	// A schema written project.dataset is quoted as one name, `project.dataset`.`table`, which
	// BigQuery splits at the dot; GoogleSQL looks up a catalog of that name.
	w.attach(project + "." + ds)
}

// attach hangs a Go catalog named name from the root, once.
func (w *warehouse) attach(name string) {
	w.t.Helper()
	if name == "" || w.attached[name] {
		return
	}
	impl := &pathCatalog{w: w, prefix: name}
	cat, err := googlesql.NewCatalogFromImpl(impl)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := w.root.AddCatalog2(name, cat); err != nil {
		w.t.Fatal(err)
	}
	w.attached[name] = true
	w.keep = append(w.keep, impl, cat)
}

// splitPath splits the parts of a path at dots: BigQuery reads `a.b`.c as a.b.c.
func splitPath(path []string) []string {
	var out []string
	for _, p := range path {
		out = append(out, strings.Split(p, ".")...)
	}
	return out
}

// locate returns the dataset and table name of a table path: table (the default dataset),
// dataset.table or project.dataset.table.
func (w *warehouse) locate(path []string) (dataset, name string, err error) {
	if len(path) == 3 && path[0] == project {
		path = path[1:]
	}
	if len(path) == 3 {
		// A table of another project (a source read across projects): its dataset is kept
		// under project.dataset.
		return path[0] + "." + path[1], path[2], nil
	}
	switch len(path) {
	case 1:
		return "", path[0], nil
	case 2:
		return path[0], path[1], nil
	}
	return "", "", fmt.Errorf("%s is not a table path of project %s", strings.Join(path, "."), project)
}

// find returns the table GoogleSQL looks for, or an error that names it as BigQuery would.
func (w *warehouse) find(path []string) (googlesql.TableNode, error) {
	path = splitPath(path)
	if len(path) == 3 && path[0] == project {
		path = path[1:]
	}
	if len(path) == 4 && strings.EqualFold(path[2], "INFORMATION_SCHEMA") {
		// project.dataset.INFORMATION_SCHEMA.VIEW of another project's dataset.
		if _, ok := w.datasets[path[0]+"."+path[1]]; ok {
			if node := w.informationSchema(path[0]+"."+path[1], strings.ToUpper(path[3])); node != nil {
				return node, nil
			}
		}
	}
	if len(path) == 3 && strings.EqualFold(path[1], "INFORMATION_SCHEMA") {
		if _, ok := w.datasets[path[0]]; ok {
			if node := w.informationSchema(path[0], strings.ToUpper(path[2])); node != nil {
				return node, nil
			}
		}
	}
	if len(path) == 2 {
		if tbl := w.datasets[path[0]][path[1]]; tbl != nil && path[0] != "" {
			return tbl.node, nil
		}
	}
	if len(path) == 3 {
		if tbl := w.datasets[path[0]+"."+path[1]][path[2]]; tbl != nil {
			return tbl.node, nil
		}
	}
	return nil, fmt.Errorf("Table not found: %s", strings.Join(path, "."))
}

// informationSchema returns the views of a dataset's INFORMATION_SCHEMA the runner reads, with
// the columns BigQuery documents for them.
func (w *warehouse) informationSchema(ds, view string) *googlesql.SimpleTable {
	w.t.Helper()
	var cols []string
	switch view {
	case "COLUMNS":
		cols = []string{"table_catalog STRING", "table_schema STRING", "table_name STRING", "column_name STRING",
			"ordinal_position INT64", "is_nullable STRING", "data_type STRING", "is_generated STRING",
			"is_hidden STRING", "is_partitioning_column STRING", "collation_name STRING", "column_default STRING"}
	case "TABLES":
		cols = []string{"table_catalog STRING", "table_schema STRING", "table_name STRING", "table_type STRING",
			"is_insertable_into STRING", "is_typed STRING", "creation_time TIMESTAMP", "ddl STRING", "default_collation_name STRING"}
	case "VIEWS":
		cols = []string{"table_catalog STRING", "table_schema STRING", "table_name STRING",
			"view_definition STRING", "check_option STRING", "use_standard_sql STRING"}
	default:
		return nil
	}
	node, err := googlesql.NewSimpleTable(view, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := node.SetFullName(ds + ".INFORMATION_SCHEMA." + view); err != nil {
		w.t.Fatal(err)
	}
	for _, c := range cols {
		name, typ, _ := strings.Cut(c, " ")
		col, err := googlesql.NewSimpleColumn(view, name, w.typeOf(typ), false, false)
		if err != nil {
			w.t.Fatal(err)
		}
		if err := node.AddColumn2(col, true); err != nil {
			w.t.Fatal(err)
		}
	}
	w.keep = append(w.keep, node)
	return node
}

// pathCatalog answers GoogleSQL's lookups of the paths that start with its name (a dataset, or
// the project) from the warehouse.
type pathCatalog struct {
	googlesql.CatalogCallbackDefaults
	w      *warehouse
	prefix string
}

func (c *pathCatalog) FullName() (string, error) { return c.prefix, nil }

func (c *pathCatalog) FindTable(path []string, _ *googlesql.FindOptions) (googlesql.TableNode, error) {
	return c.w.find(append([]string{c.prefix}, path...))
}
