// Package bigquery connects to Google BigQuery with the official Go client.
package bigquery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	bq "cloud.google.com/go/bigquery"
	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/impersonate"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
)

// Config is what a connection needs. Credentials come from Application Default Credentials, or
// from the key file named by CredentialsFile (whose path comes from an environment variable);
// with Impersonate, those credentials only obtain short-lived tokens of that service account,
// which then runs the jobs.
type Config struct {
	Project, Location string
	CredentialsFile   string
	// Impersonate is the email of a service account to act as (the caller needs
	// roles/iam.serviceAccountTokenCreator on it).
	Impersonate string
	// MaxBytesBilled caps every query: a statement that would scan more fails instead of billing.
	MaxBytesBilled int64
	// Labels are set on every job, for cost reports; a job of a run also carries the run's id
	// as run_id (see connectors.WithRun).
	Labels map[string]string

	// transport, in tests, carries every request (to BigQuery, and for impersonation to the IAM
	// Credentials service) to a fake service, without credentials of this machine.
	transport http.RoundTripper
}

// Conn is an open BigQuery client.
type Conn struct {
	client *bq.Client
	cfg    Config
	// location is where jobs run and datasets are created; the dialect carries it.
	location string
	// retry says how a job that failed without effect is run again.
	retry connectors.Retry
	// poll is the longest wait between two looks at a running job.
	poll time.Duration
}

// Open creates a client. BigQuery is reached over HTTP per job, so this checks only the
// configuration; the first statement tells whether the service answers.
func Open(ctx context.Context, c Config) (*Conn, error) {
	opts, err := c.clientOptions(ctx)
	if err != nil {
		return nil, err
	}
	client, err := bq.NewClient(ctx, c.Project, opts...)
	if err != nil {
		return nil, mapError(err, "")
	}
	conn := &Conn{client: client, cfg: c, retry: connectors.DefaultRetry, poll: 5 * time.Second}
	conn.setLocation(c.Location)
	return conn, nil
}

// clientOptions are the client's credentials: Application Default Credentials or the key file,
// and, to impersonate a service account, a source of that account's tokens which those
// credentials obtain from the IAM Credentials API (google.golang.org/api/impersonate).
func (c Config) clientOptions(ctx context.Context) ([]option.ClientOption, error) {
	var base []option.ClientOption
	if c.CredentialsFile != "" {
		base = append(base, option.WithCredentialsFile(c.CredentialsFile))
	}
	if c.transport != nil {
		base = []option.ClientOption{option.WithHTTPClient(&http.Client{Transport: c.transport})}
	}
	if c.Impersonate == "" {
		return base, nil
	}
	ts, err := impersonate.CredentialsTokenSource(ctx, impersonate.CredentialsConfig{TargetPrincipal: c.Impersonate,
		Scopes: []string{bq.Scope, "https://www.googleapis.com/auth/cloud-platform"}}, base...)
	if err != nil {
		return nil, err
	}
	if c.transport != nil {
		return []option.ClientOption{option.WithHTTPClient(&http.Client{Transport: &oauth2.Transport{Source: ts, Base: c.transport}})}, nil
	}
	return []option.ClientOption{option.WithTokenSource(ts)}, nil
}

// setLocation runs every job in loc and creates datasets there.
func (c *Conn) setLocation(loc string) {
	c.location = loc
	c.client.Location = loc
}

// Dialect carries the connection's location, so that the datasets a run creates go there.
func (c *Conn) Dialect() dialects.Dialect { return dialects.BigQuery{Location: c.location} }

// Location is where jobs run and datasets are created: the block's, or the sources'.
func (c *Conn) Location() string { return c.location }

// Project is the Google Cloud project that runs the jobs, where datasets are created unless
// their names give another.
func (c *Conn) Project() string { return c.cfg.Project }

// labels are the labels of a job: the connection's, and the run's id when ctx carries a run.
func (c *Conn) labels(ctx context.Context) map[string]string {
	id, ok := connectors.RunOf(ctx)
	if !ok {
		return c.cfg.Labels
	}
	labels := maps.Clone(c.cfg.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[runLabel] = strconv.FormatInt(id, 10)
	return labels
}

func (c *Conn) query(ctx context.Context, q string, args []any) *bq.Query {
	query := c.client.Query(q)
	query.MaxBytesBilled = c.cfg.MaxBytesBilled
	query.Labels = c.labels(ctx)
	// The dialect names parameters @p1, @p2, … in order.
	for i, a := range args {
		query.Parameters = append(query.Parameters, bq.QueryParameter{Name: fmt.Sprintf("p%d", i+1), Value: a})
	}
	return query
}

// Exec runs one statement as a query job and waits for it to finish.
func (c *Conn) Exec(ctx context.Context, q string, args ...any) error {
	return c.exec(ctx, q, args, false)
}

func (c *Conn) Query(ctx context.Context, q string, args ...any) (connectors.Rows, error) {
	it, err := c.query(ctx, q, args).Read(ctx)
	if err != nil {
		return nil, mapError(err, q)
	}
	return &rows{next: func(dst *[]bq.Value) error { return it.Next(dst) }, schema: func() bq.Schema { return it.Schema }, query: q}, nil
}

// ExecTx runs the statements as one multi-statement transaction. BigQuery allows only DML in it;
// the planner knows (the dialect does not claim TransactionalDDL).
func (c *Conn) ExecTx(ctx context.Context, queries []string) error {
	script := "BEGIN TRANSACTION;\n" + strings.Join(queries, ";\n") + ";\nCOMMIT TRANSACTION"
	began := time.Now()
	err := c.exec(ctx, script, nil, true)
	if err == nil {
		connectors.Traced(ctx, script, began)
	}
	return err
}

// exec runs q as a query job, waits until BigQuery reports it done, and runs it again as a new
// job while it failed for a passing reason and nothing of it remains (see again).
//
// The client already retries what happens before a job exists: it inserts a job under an id it
// chooses itself, so that an insert sent again after a lost answer cannot start a second job,
// and it retries the insert on rate limits, server errors and network faults. What it does not retry is
// a job that BigQuery accepted and that then failed; that is done here.
func (c *Conn) exec(ctx context.Context, q string, args []any, transaction bool) error {
	return c.retry.Do(ctx, func() (bool, error) {
		job, err := c.query(ctx, q, args).Run(ctx)
		if err != nil {
			return false, mapError(err, q)
		}
		status, err := c.wait(ctx, job)
		if err != nil {
			// How the job ended is unknown: it may still run, or have run.
			return false, mapError(err, q)
		}
		if err := status.Err(); err != nil {
			return again(err) && (transaction || !script(status)), mapError(err, q)
		}
		return false, nil
	})
}

// wait looks at the job (jobs.get) until BigQuery reports it done, and returns its final status.
// It does not use the client's Job.Wait, which waits through jobs.getQueryResults: that call
// answers a job that failed for a passing reason with the same reason, which the client takes
// for a failure of the call and retries until the context ends.
func (c *Conn) wait(ctx context.Context, job *bq.Job) (*bq.JobStatus, error) {
	pause := 50 * time.Millisecond
	for {
		status, err := job.Status(ctx)
		if err != nil {
			return nil, err
		}
		if status.Done() {
			return status, nil
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		if pause = pause * 2; pause > c.poll {
			pause = c.poll
		}
	}
}

// transientReasons are the reasons of a job's failure that a new job may not meet: BigQuery's
// own failures and short-term rate limits. BigQuery's documentation ("Error messages") says of a
// job that completes with backendError that it failed and can be retried without concern for
// data consistency, and of jobBackendError and jobInternalError to retry the job with a new job
// id; "Troubleshoot quota errors" asks to retry rateLimitExceeded with exponential back-off, and
// to wait ten minutes or more for quotaExceeded, which is therefore not retried.
var transientReasons = []string{"backendError", "internalError", "rateLimitExceeded",
	"jobBackendError", "jobInternalError", "jobRateLimitExceeded"}

// again reports whether a done job failed for a passing reason. Its statement then took no
// effect: a single statement is atomic, and a transaction rolls back whole when a statement in it
// fails. A script that is not one transaction (see script) may have kept what its earlier
// statements did, and is not run again.
func again(err error) bool {
	var je *bq.Error
	return errors.As(err, &je) && slices.Contains(transientReasons, je.Reason)
}

// script reports whether the job ran several statements (BigQuery's statement type SCRIPT).
func script(status *bq.JobStatus) bool {
	if status.Statistics == nil {
		return false
	}
	qs, ok := status.Statistics.Details.(*bq.QueryStatistics)
	return ok && qs.StatementType == "SCRIPT"
}

// DryRun reports the bytes a statement would scan, without running it.
func (c *Conn) DryRun(ctx context.Context, q string) (int64, error) {
	query := c.query(ctx, q, nil)
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

// dataset is a schema's dataset: project.dataset, or a dataset of the project running the jobs.
func (c *Conn) dataset(schema string) *bq.Dataset {
	if project, dataset, ok := strings.Cut(schema, "."); ok {
		return c.client.DatasetInProject(project, dataset)
	}
	return c.client.Dataset(schema)
}

// SchemaExists reads the dataset's metadata: a run creates only the datasets that are missing,
// and CREATE SCHEMA IF NOT EXISTS needs bigquery.datasets.create on the project even when the
// dataset exists, which a service account given datasets of its own lacks.
func (c *Conn) SchemaExists(ctx context.Context, schema string) (bool, error) {
	_, err := c.dataset(schema).Metadata(ctx)
	var ge *googleapi.Error
	if errors.As(err, &ge) && ge.Code == http.StatusNotFound {
		return false, nil
	}
	if err != nil {
		return false, mapError(err, "")
	}
	return true, nil
}

// Load appends rows to an existing table with a load job, not by streaming (insertAll): the
// engine loads into a table it has just dropped and created again, which BigQuery documents may
// lose streamed rows, and streamed rows wait in a streaming buffer that DML cannot modify for up
// to 90 minutes. A load job's rows are in the table once the job is done.
//
// The rows are encoded as newline-delimited JSON in memory: what is loaded here is small (at most
// a few hundred thousand short rows), and a failed job is run again from the same bytes.
func (c *Conn) Load(ctx context.Context, schema, table string, columns []string, next func(row []any) bool) error {
	what := "load into " + schema + "." + table
	data, err := encodeRows(columns, next)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if len(data) == 0 {
		return nil
	}
	dst := c.dataset(schema).Table(table)
	labels := c.labels(ctx)
	return c.retry.Do(ctx, func() (bool, error) {
		src := bq.NewReaderSource(bytes.NewReader(data))
		src.SourceFormat = bq.JSON
		loader := dst.LoaderFrom(src)
		loader.WriteDisposition = bq.WriteAppend
		loader.CreateDisposition = bq.CreateNever
		loader.Labels = labels
		job, err := loader.Run(ctx)
		if err != nil {
			// The client does not send again an insert that carries data, and whether it
			// created the job is unknown: it is not run again.
			return false, mapError(err, what)
		}
		// wait, as for queries, looks at least every c.poll; Job.Wait's pauses grow to 30 s.
		status, err := c.wait(ctx, job)
		if err != nil {
			return false, mapError(err, what)
		}
		// A load job appends its rows in one atomic update when it completes: one that failed
		// added nothing, and runs again as a new job while the reason passes.
		if err := status.Err(); err != nil {
			return again(err), mapError(err, what)
		}
		return false, nil
	})
}

// maxJSONInt is the largest integer a JSON number carries exactly; BigQuery asks for larger
// ones as strings.
const maxJSONInt = 1<<53 - 1

// encodeRows writes each row as one JSON object of column name to value, a line each. NULL is
// null; a time is written in UTC without a zone, as BigQuery reads a TIMESTAMP (or a DATETIME)
// from JSON.
func encodeRows(columns []string, next func(row []any) bool) ([]byte, error) {
	keys := make([][]byte, len(columns))
	for i, col := range columns {
		k, err := json.Marshal(col)
		if err != nil {
			return nil, err
		}
		keys[i] = k
	}
	var b bytes.Buffer
	row := make([]any, len(columns))
	for next(row) {
		b.WriteByte('{')
		for i, v := range row {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(keys[i])
			b.WriteByte(':')
			if err := encodeValue(&b, v); err != nil {
				return nil, fmt.Errorf("column %s: %w", columns[i], err)
			}
		}
		b.WriteString("}\n")
	}
	return b.Bytes(), nil
}

func encodeValue(b *bytes.Buffer, v any) error {
	var n int64
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
		return nil
	case time.Time:
		b.WriteByte('"')
		b.WriteString(x.UTC().Format("2006-01-02 15:04:05.999999"))
		b.WriteByte('"')
		return nil
	case int:
		n = int64(x)
	case int32:
		n = int64(x)
	case int64:
		n = x
	default:
		j, err := json.Marshal(v)
		if err != nil {
			return err
		}
		b.Write(j)
		return nil
	}
	if n > maxJSONInt || n < -maxJSONInt {
		b.WriteByte('"')
		b.WriteString(strconv.FormatInt(n, 10))
		b.WriteByte('"')
	} else {
		b.WriteString(strconv.FormatInt(n, 10))
	}
	return nil
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

// mapError classifies by HTTP status and reason, by a failed job's reason, and by the kind of
// network failure.
func mapError(err error, query string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &connectors.Error{Kind: connectors.Canceled, Statement: query, Err: err}
	}
	kind := connectors.Other
	var ge *googleapi.Error
	var je *bq.Error
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
	case errors.As(err, &je):
		kind = jobErrorKind(je.Reason)
	case errors.As(err, &netErr):
		kind = connectors.Unreachable
	}
	return &connectors.Error{Kind: kind, Statement: query, Err: err}
}

// jobErrorKind classifies the reason of a job that failed ("Error messages" in BigQuery's
// documentation lists them).
func jobErrorKind(reason string) connectors.Kind {
	switch reason {
	case "notFound":
		return connectors.MissingObject
	case "invalidQuery", "invalid":
		return connectors.BadSQL
	case "accessDenied", "quotaExceeded", "rateLimitExceeded", "jobRateLimitExceeded", "billingNotEnabled",
		"billingTierLimitExceeded", "bytesBilledLimitExceeded":
		// A grant, a quota or a setting (maximum_bytes_billed) must change; rate limits come
		// here once the retries are spent.
		return connectors.Denied
	case "backendError", "internalError", "jobBackendError", "jobInternalError":
		return connectors.Unreachable
	}
	return connectors.Other
}
