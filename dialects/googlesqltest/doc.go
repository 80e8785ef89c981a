// Package googlesqltest checks the BigQuery plans with a real GoogleSQL parser. It is a Go module
// of its own so that users of the engine never download the parser, which is large and slow to
// build; CI runs it (see .ci/run).
package googlesqltest
