package connectors

import (
	"context"
	"time"
)

// traceKey is the context key of a statement trace.
type traceKey struct{}

// WithTrace returns a context under which a connector's ExecTx reports each statement of the
// transaction to trace, with its duration, as it finishes: a transaction is sent as one call, and
// only the connector sees its statements one by one. BigQuery runs a transaction as one script job,
// so it reports the script as one statement.
func WithTrace(ctx context.Context, trace func(sql string, took time.Duration)) context.Context {
	return context.WithValue(ctx, traceKey{}, trace)
}

// Traced reports to ctx's trace, if any, that sql ran from began until now.
func Traced(ctx context.Context, sql string, began time.Time) {
	if trace, ok := ctx.Value(traceKey{}).(func(string, time.Duration)); ok && trace != nil {
		trace(sql, time.Since(began))
	}
}
