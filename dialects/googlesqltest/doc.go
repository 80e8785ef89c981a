// Package googlesqltest checks the BigQuery plans with GoogleSQL's analyzer, the compiler front end
// of BigQuery itself: every statement of every golden project's runs is resolved against a catalog
// of the tables the statements before it made, so that a wrong name or type fails as it would on
// BigQuery. What `idstitch serve` sends besides a run (its run lease, the in-memory copy of the
// published tables) is checked the same way (serve_test.go). It is a Go module of its own so that users of the engine never download the analyzer,
// which is large and slow to build; CI runs it (see .ci/run).
package googlesqltest
