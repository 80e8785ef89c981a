// Package bigquery connects to Google BigQuery with the official Go client.
package bigquery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"strings"
	"time"

	bq "cloud.google.com/go/bigquery"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
)

// Config is what a connection needs. Credentials come from Application Default Credentials, or
// from the key file named by CredentialsFile (whose path comes from an environment variable).
type Config struct {
	Project, Location string
	CredentialsFile   string
	// MaxBytesBilled caps every query: a statement that would scan more fails instead of billing.
	MaxBytesBilled int64
	// Labels are set on every job, for cost reports.
	Labels map[string]string
}

// Conn is an open BigQuery client.
type Conn struct {
	client *bq.Client
	cfg    Config
	// location is where jobs run and datasets are created; the dialect carries it.
	location string
}

// Open creates a client. BigQuery is reached over HTTP per job, so this checks only the
// configuration; the first statement tells whether the service answers.
func Open(ctx context.Context, c Config) (*Conn, error) {
	var opts []option.ClientOption
	if c.CredentialsFile != "" {
		opts = append(opts, option.WithCredentialsFile(c.CredentialsFile))
	}
	client, err := bq.NewClient(ctx, c.Project, opts...)
	if err != nil {
		return nil, mapError(err, "")
	}
	conn := &Conn{client: client, cfg: c}
	conn.setLocation(c.Location)
	return conn, nil
}

// setLocation runs every job in loc and creates datasets there.
func (c *Conn) setLocation(loc string) {
	c.location = loc
	c.client.Location = loc
}

// Dialect carries the connection's location, so that the datasets a run creates go there.
func (c *Conn) Dialect() dialects.Dialect { return dialects.BigQuery{Location: c.location} }

func (c *Conn) query(q string, args []any) *bq.Query {
	query := c.client.Query(q)
	query.MaxBytesBilled = c.cfg.MaxBytesBilled
	query.Labels = c.cfg.Labels
	// The dialect names parameters @p1, @p2, … in order.
	for i, a := range args {
		query.Parameters = append(query.Parameters, bq.QueryParameter{Name: fmt.Sprintf("p%d", i+1), Value: a})
	}
	return query
}

func (c *Conn) Exec(ctx context.Context, q string, args ...any) error {
	job, err := c.query(q, args).Run(ctx)
	if err != nil {
		return mapError(err, q)
	}
	status, err := job.Wait(ctx)
	if err == nil {
		err = status.Err()
	}
	return mapError(err, q)
}

func (c *Conn) Query(ctx context.Context, q string, args ...any) (connectors.Rows, error) {
	it, err := c.query(q, args).Read(ctx)
	if err != nil {
		return nil, mapError(err, q)
	}
	return &rows{next: func(dst *[]bq.Value) error { return it.Next(dst) }, schema: func() bq.Schema { return it.Schema }, query: q}, nil
}

// ExecTx runs the statements as one multi-statement transaction. BigQuery allows only DML in it;
// the planner knows (the dialect does not claim TransactionalDDL).
func (c *Conn) ExecTx(ctx context.Context, queries []string) error {
	script := "BEGIN TRANSACTION;\n" + strings.Join(queries, ";\n") + ";\nCOMMIT TRANSACTION"
	return c.Exec(ctx, script)
}

// DryRun reports the bytes a statement would scan, without running it.
func (c *Conn) DryRun(ctx context.Context, q string) (int64, error) {
	query := c.query(q, nil)
	query.DryRun = true
	job, err := query.Run(ctx)
	if err != nil {
		return 0, mapError(err, q)
	}
	st := job.LastStatus()
	if st == nil || st.Statistics == nil {
		return 0, nil
	}
	return st.Statistics.TotalBytesProcessed, nil
}

// Load streams rows into an existing table.
func (c *Conn) Load(ctx context.Context, schema, table string, columns []string, next func(row []any) bool) error {
	ds := c.client.Dataset(schema)
	if project, dataset, ok := strings.Cut(schema, "."); ok {
		ds = c.client.DatasetInProject(project, dataset) // a dataset written project.dataset
	}
	ins := ds.Table(table).Inserter()
	var batch []*bq.ValuesSaver
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := ins.Put(ctx, batch)
		batch = batch[:0]
		return mapError(err, "insert into "+schema+"."+table)
	}
	schemaOf := make(bq.Schema, len(columns))
	for i, col := range columns {
		schemaOf[i] = &bq.FieldSchema{Name: col}
	}
	row := make([]any, len(columns))
	for next(row) {
		vals := make([]bq.Value, len(row))
		for i, v := range row {
			vals[i] = v
		}
		batch = append(batch, &bq.ValuesSaver{Schema: schemaOf, Row: vals})
		if len(batch) == 500 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

func (c *Conn) Close() error { return c.client.Close() }

// rows adapts a RowIterator to connectors.Rows.
// rows reads a query's result. The client knows a result's columns only once it has fetched
// the first page, which it does on the first call to Next; Columns fetches it early when asked
// first, and Next then hands over the row read ahead.
type rows struct {
	next   func(dst *[]bq.Value) error
	schema func() bq.Schema
	query  string
	cur    []bq.Value
	err    error

	started, ahead bool
	aheadRow       []bq.Value
	aheadErr       error
}

func (r *rows) Next() bool {
	r.cur = nil
	var err error
	if r.ahead {
		r.cur, err, r.ahead = r.aheadRow, r.aheadErr, false
	} else {
		err = r.next(&r.cur)
	}
	r.started = true
	if errors.Is(err, iterator.Done) {
		return false
	}
	if err != nil {
		r.err = mapError(err, r.query)
		return false
	}
	return true
}

// Columns names the result's columns, before the first row as after it, and for a result of no
// rows too (the engine reads a profile's columns that way).
func (r *rows) Columns() ([]string, error) {
	if len(r.schema()) == 0 && !r.started && !r.ahead {
		r.aheadErr = r.next(&r.aheadRow)
		r.ahead = true
		if r.aheadErr != nil && !errors.Is(r.aheadErr, iterator.Done) {
			return nil, mapError(r.aheadErr, r.query)
		}
	}
	sch := r.schema()
	names := make([]string, len(sch))
	for i, f := range sch {
		names[i] = f.Name
	}
	return names, nil
}

// Scan assigns each value to the pointer given for it, as database/sql does for the types the
// engine reads (strings, integers, floats, times, and pointers to them for NULLs, or any).
func (r *rows) Scan(dest ...any) error {
	if len(dest) != len(r.cur) {
		return fmt.Errorf("scan: %d destinations for %d columns", len(dest), len(r.cur))
	}
	for i, d := range dest {
		if err := assign(d, r.cur[i]); err != nil {
			return fmt.Errorf("scan column %d: %w", i, err)
		}
	}
	return nil
}

func assign(dest any, v bq.Value) error {
	dv := reflect.ValueOf(dest)
	if dv.Kind() != reflect.Pointer || dv.IsNil() {
		return errors.New("destination is not a pointer")
	}
	target := dv.Elem()
	if target.Kind() == reflect.Interface {
		if v == nil {
			target.Set(reflect.Zero(target.Type()))
		} else {
			target.Set(reflect.ValueOf(v))
		}
		return nil
	}
	if target.Kind() == reflect.Pointer {
		if v == nil {
			target.Set(reflect.Zero(target.Type()))
			return nil
		}
		p := reflect.New(target.Type().Elem())
		if err := assign(p.Interface(), v); err != nil {
			return err
		}
		target.Set(p)
		return nil
	}
	if v == nil {
		return errors.New("NULL into a non-pointer")
	}
	if t, ok := v.(time.Time); ok && target.Type() == reflect.TypeOf(time.Time{}) {
		target.Set(reflect.ValueOf(t))
		return nil
	}
	src := reflect.ValueOf(v)
	if !src.Type().ConvertibleTo(target.Type()) {
		return fmt.Errorf("cannot put a %T into a %s", v, target.Type())
	}
	target.Set(src.Convert(target.Type()))
	return nil
}

func (r *rows) Err() error   { return r.err }
func (r *rows) Close() error { return nil }

// mapError classifies by HTTP status and reason, and by the kind of network failure.
func mapError(err error, query string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &connectors.Error{Kind: connectors.Canceled, Statement: query, Err: err}
	}
	kind := connectors.Other
	var ge *googleapi.Error
	var netErr net.Error
	switch {
	case errors.As(err, &ge):
		switch {
		case ge.Code == 404:
			kind = connectors.MissingObject
		case ge.Code == 400:
			kind = connectors.BadSQL
		case ge.Code == 403:
			// Access denied, and quotas and limits (rateLimitExceeded, quotaExceeded,
			// billingTierLimitExceeded) alike: the project or the role must change.
			kind = connectors.Denied
		case ge.Code == 401 || ge.Code >= 500:
			kind = connectors.Unreachable
		}
	case errors.As(err, &netErr):
		kind = connectors.Unreachable
	}
	return &connectors.Error{Kind: kind, Statement: query, Err: err}
}
