// Package warehousetest is the end-to-end suite that every warehouse must pass. Each connector's test calls
// Run with a description of the warehouse: a factory that opens a fresh, empty database on a real
// server or file, its dialect, and what its connector can do. The suite loads data through the
// connector, runs the pipeline and checks the published tables against an in-memory union-find
// and against the anchor rule computed in Go. A case that needs something the warehouse does not
// have is skipped, with a sentence that names what is missing.
//
// Each topic is a file: components.go (the partition on random and real graphs), publish.go
// (what failed, stopped and concurrent runs leave behind), script.go (the compiled script),
// guards.go, incremental.go; graphs.go draws the data, load.go and oracle.go are the helpers
// that put it into a warehouse and say what the answer must be.
package warehousetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
)

// Factory opens an empty warehouse for one test. The suite closes it.
type Factory func(t *testing.T) connectors.Conn

// Warehouse describes the warehouse under test.
type Warehouse struct {
	// Open opens an empty warehouse for one test.
	Open Factory
	// Dialect is the dialect that Open's connections speak. Its Supports flags say what the
	// warehouse's SQL can do, so the suite reads them there rather than from a second list.
	Dialect dialects.Dialect
	// Client lists what the connector can do beyond what connectors.Conn promises.
	Client []Capability
}

// Capability is something a case needs that not every warehouse has.
type Capability int

const (
	// TransactionalDDL is the dialect's flag of that name: the outputs of a run are swapped in
	// together in one transaction, so no one sees a half-published run.
	TransactionalDDL Capability = iota + 1
	// ConcurrentQueries: a Conn answers a query from another goroutine while a run is executing
	// statements on it.
	ConcurrentQueries
	// Cancel: a statement stops when its context ends, and the connector reports a
	// connectors.Error of kind Canceled.
	Cancel
	// Scripts: Exec runs a script of many statements, as `idstitch compile` prints it.
	Scripts
)

// dialectFlags are the capabilities that a dialect declares itself.
var dialectFlags = map[Capability]dialects.Capability{
	TransactionalDDL: dialects.TransactionalDDL,
}

// described names each capability and says what it is, for the sentence of a skipped case.
var described = map[Capability][2]string{
	TransactionalDDL:  {"TransactionalDDL", "the dialect publishes a run's outputs in one transaction"},
	ConcurrentQueries: {"ConcurrentQueries", "the connector answers a query while a run executes on the same connection"},
	Cancel:            {"Cancel", "the connector stops a statement when its context ends"},
	Scripts:           {"Scripts", "the connector's Exec runs a script of many statements"},
}

// Has reports whether the warehouse has c: from the dialect for what the dialect declares, and
// from Client for the rest.
func (w Warehouse) Has(c Capability) bool {
	if f, ok := dialectFlags[c]; ok {
		return w.Dialect.Supports(f)
	}
	return slices.Contains(w.Client, c)
}

// suiteCase is one end-to-end test and what it needs of the warehouse.
type suiteCase struct {
	name  string
	needs []Capability
	run   func(t *testing.T, open Factory)
}

// cases lists every end-to-end test, in the order they run.
var cases = []suiteCase{
	{"RandomGraphs", nil, testRandomGraphs},
	{"LongChain", nil, testLongChain},
	{"AstroPh", nil, testAstroPh},
	{"FailedRunKeepsOutputs", nil, testFailedRunKeepsOutputs},
	// A reader can only see one complete set of outputs or the other if they are swapped in
	// together, and it can only read during a run if the connection lets it.
	{"ReaderDuringPublish", []Capability{TransactionalDDL, ConcurrentQueries}, testReaderDuringPublish},
	{"LabelPropagationAgrees", nil, testLabelPropagation},
	{"CompiledScriptRuns", []Capability{Scripts}, testCompiledScript},
	{"Guards", nil, testGuards},
	{"GuardProperties", nil, testGuardProperties},
	{"IncrementalEqualsFull", nil, testIncremental},
	{"AppendOnlyGuarded", nil, testAppendGuarded},
	{"Scopes", nil, testScopes},
	{"Overrides", nil, testOverrides},
	{"OverridesScoped", nil, testOverridesScoped},
	{"BlockedHubLeaves", nil, testBlockedHubLeaves},
	{"Forget", nil, testForget},
	{"ForgetScoped", nil, testForgetScoped},
	{"EvidenceMatchesOracle", nil, testEvidence},
	// Stopping a run between any two statements leaves everything as it was only where the run
	// can be stopped at all and where its publish is one transaction.
	{"KilledRuns", []Capability{Cancel, TransactionalDDL}, testKilledRuns},
	{"RuleChangeMakesHubs", nil, testRuleChangeMakesHubs},
	{"ExplainGraph", nil, testExplainGraph},
	{"Controls", nil, testControls},
	{"AttributesMatchOracle", nil, testAttributes},
	{"StatementCounts", nil, testStatementCounts},
	{"IdentifyAgreesWithRuns", nil, testIdentify},
	{"IdentifyForget", nil, testIdentifyForget},
	{"NormalizeInProcess", nil, testNormalizeInProcess},
}

// Run runs every end-to-end case against the warehouse w, skipping those it cannot run.
func Run(t *testing.T, w Warehouse) {
	if w.Open == nil || w.Dialect == nil {
		t.Fatal("the Warehouse given to warehousetest.Run needs Open and Dialect")
	}
	open := w.checkedOpen()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, need := range c.needs {
				if !w.Has(need) {
					t.Skipf("%s needs %s (%s), which this %s warehouse lacks", c.name, need, described[need][1], w.Dialect.Name())
				}
			}
			c.run(t, open)
		})
	}
}

// checkedOpen wraps Open so that a connection whose dialect is not the declared one fails the
// test: the capabilities read from the declared dialect would not be the warehouse's own.
func (w Warehouse) checkedOpen() Factory {
	return func(t *testing.T) connectors.Conn {
		conn := w.Open(t)
		if got := conn.Dialect().Name(); got != w.Dialect.Name() {
			conn.Close()
			t.Fatalf("Open gave a %s connection, the Warehouse declares dialect %s", got, w.Dialect.Name())
		}
		return conn
	}
}

func (c Capability) String() string {
	if d, ok := described[c]; ok {
		return d[0]
	}
	return fmt.Sprintf("Capability(%d)", int(c))
}
