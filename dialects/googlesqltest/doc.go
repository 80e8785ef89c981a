// Package googlesqltest checks the BigQuery plans with GoogleSQL's analyzer, the compiler front end
// of BigQuery itself: every statement of every golden project's runs is resolved against a catalog
// of the tables the statements before it made, so that a wrong name or type fails as it would on
// BigQuery. It is a Go module of its own so that users of the engine never download the analyzer,
// which is large and slow to build; CI runs it (see .ci/run).
package googlesqltest
