package connectors

import "context"

type runKey struct{}

// WithRun returns ctx carrying the id of the run its statements belong to. The runner sets it once
// it has recorded the run; warehouses that tag statements for cost reports (Snowflake's query
// tag, BigQuery's job labels) put it on every statement sent with ctx.
func WithRun(ctx context.Context, runID int64) context.Context {
	return context.WithValue(ctx, runKey{}, runID)
}

// RunOf returns the run id WithRun put in ctx; ok is false outside a run (validate, compile,
// reading the runs table to number a new run).
func RunOf(ctx context.Context) (runID int64, ok bool) {
	runID, ok = ctx.Value(runKey{}).(int64)
	return runID, ok
}
