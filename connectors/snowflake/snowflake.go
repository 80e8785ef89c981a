// Package snowflake connects to Snowflake with its official Go driver, gosnowflake.
package snowflake

import (
	"context"
	"crypto/rsa"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	sf "github.com/snowflakedb/gosnowflake"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
)

// Config is what a connection needs. Secrets (Password, PrivateKey, Token) come from the
// environment or from files the project file names, never from the project file itself.
type Config struct {
	Account, User, Password string
	PrivateKey              *rsa.PrivateKey
	// Auth is how to log in: with the password, or the private key (key-pair) when one is given,
	// unless Auth says to log in with Token, an OAuth access token or a programmatic access token.
	Auth  Auth
	Token string
	// Warehouse, Role and Database are the session's defaults. There is no default schema: every
	// name the plan writes is qualified, and the output schemas do not exist before the setup
	// stage creates them (see driverConfig).
	Warehouse, Role, Database string
	// QueryTag is set on the session, so that every statement carries it (Snowflake's
	// QUERY_HISTORY shows it; cost reports group by it). A statement of a run carries it followed
	// by ":run:" and the run's id instead (see connectors.WithRun).
	QueryTag string
	// Host, Port and Protocol override the account's endpoint (a private-connectivity host name,
	// or an emulator in tests).
	Host     string
	Port     int
	Protocol string
}

// Auth is a way of logging in with a token instead of a password or a key.
type Auth int

const (
	// PasswordOrKey logs in with the private key if there is one, else with the password.
	PasswordOrKey Auth = iota
	// OAuth logs in with an OAuth access token (Snowflake's authenticator OAUTH).
	OAuth
	// PAT logs in with a programmatic access token (PROGRAMMATIC_ACCESS_TOKEN).
	PAT
)

// Conn is an open Snowflake connection pool.
type Conn struct {
	db *sql.DB
	// tag is the session's query tag, which a run's statements extend with the run's id.
	tag string
	// retry says how a statement that certainly did not take effect is tried again.
	retry connectors.Retry
}

// Open connects and checks that Snowflake answers.
func Open(ctx context.Context, c Config) (*Conn, error) {
	db := sql.OpenDB(sf.NewConnector(sf.SnowflakeDriver{}, driverConfig(c)))
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, mapError(err, "")
	}
	return &Conn{db: db, tag: c.QueryTag, retry: connectors.DefaultRetry}, nil
}

// driverConfig is gosnowflake's Config for c.
//
// gosnowflake asks Snowflake at login to validate the session's default database, schema,
// warehouse and role (the login request's CLIENT_VALIDATE_DEFAULT_PARAMETERS session parameter,
// on unless Config.ValidateDefaultParameters is ConfigBoolFalse), and Snowflake refuses the login
// when one of them does not exist. The output schema is created by the run's setup stage, so on
// a fresh account it cannot be the session's default: no schema is sent. The validation stays on,
// so that a misspelled database, warehouse or role fails at login with Snowflake's own message
// rather than at the first statement.
func driverConfig(c Config) sf.Config {
	cfg := sf.Config{Account: c.Account, User: c.User, Password: c.Password, Warehouse: c.Warehouse, Role: c.Role,
		Database: c.Database, Host: c.Host, Port: c.Port, Protocol: c.Protocol, DisableTelemetry: true,
		ValidateDefaultParameters: sf.ConfigBoolTrue, Params: map[string]*string{}}
	switch {
	case c.Auth == OAuth:
		cfg.Authenticator, cfg.Token = sf.AuthTypeOAuth, c.Token
	case c.Auth == PAT:
		cfg.Authenticator, cfg.Token = sf.AuthTypePat, c.Token
	case c.PrivateKey != nil:
		cfg.Authenticator = sf.AuthTypeJwt
		cfg.PrivateKey = c.PrivateKey
	}
	if c.QueryTag != "" {
		tag := c.QueryTag
		cfg.Params["query_tag"] = &tag
	}
	return cfg
}

func (c *Conn) Dialect() dialects.Dialect { return dialects.Snowflake{} }

// Exec runs one statement, and tries it again while it fails in a way that shows Snowflake did
// not run it (see again).
func (c *Conn) Exec(ctx context.Context, query string, args ...any) error {
	ctx = c.tagged(ctx)
	return c.retry.Do(ctx, func() (bool, error) {
		_, err := c.db.ExecContext(ctx, query, args...)
		return again(err), mapError(err, query)
	})
}

// Query runs one statement that returns rows; it is tried again as Exec is, before any row is read.
func (c *Conn) Query(ctx context.Context, query string, args ...any) (connectors.Rows, error) {
	ctx = c.tagged(ctx)
	var rows *sql.Rows
	err := c.retry.Do(ctx, func() (bool, error) {
		var err error
		rows, err = c.db.QueryContext(ctx, query, args...)
		return again(err), mapError(err, query)
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// tagged returns ctx with the query tag of the run it carries, if any, which Snowflake records
// for each statement in place of the session's.
func (c *Conn) tagged(ctx context.Context) context.Context {
	if id, ok := connectors.RunOf(ctx); ok && c.tag != "" {
		return sf.WithQueryTag(ctx, c.tag+":run:"+strconv.FormatInt(id, 10))
	}
	return ctx
}

// ExecTx runs statements in one transaction. Snowflake commits DDL at once, so only DML is
// transactional; the planner knows (the dialect does not claim TransactionalDDL). A transaction
// whose statement fails in a way that shows Snowflake did not run it is rolled back and tried
// again whole; one whose COMMIT fails is not, as it may have committed.
func (c *Conn) ExecTx(ctx context.Context, queries []string) error {
	ctx = c.tagged(ctx)
	return c.retry.Do(ctx, func() (bool, error) { return c.execTx(ctx, queries) })
}

// execTx is one try of ExecTx; again is set when nothing of it took effect and it may be tried again.
func (c *Conn) execTx(ctx context.Context, queries []string) (retry bool, err error) {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return again(err), mapError(err, "BEGIN")
	}
	for _, q := range queries {
		began := time.Now()
		if _, err := tx.ExecContext(ctx, q); err != nil {
			// Only a rollback that Snowflake confirms leaves nothing behind.
			rolledBack := tx.Rollback() == nil
			return rolledBack && again(err), mapError(err, q)
		}
		connectors.Traced(ctx, q, began)
	}
	began := time.Now()
	if err := tx.Commit(); err != nil {
		return false, mapError(err, "COMMIT")
	}
	connectors.Traced(ctx, "COMMIT", began)
	return false, nil
}

// Load inserts rows in batches of multi-row INSERTs, the values written as escaped literals:
// that form runs the same on Snowflake and on the emulator the tests use, which does not take
// bind parameters in INSERT.
func (c *Conn) Load(ctx context.Context, schema, table string, columns []string, next func(row []any) bool) error {
	ctx = c.tagged(ctx)
	d := dialects.Snowflake{}
	quoted := make([]string, len(columns))
	for i, col := range columns {
		quoted[i] = d.QuoteIdent(col)
	}
	head := fmt.Sprintf("INSERT INTO %s (%s) VALUES ", d.Table(schema, table), strings.Join(quoted, ", "))
	const batch = 1000
	row := make([]any, len(columns))
	var b strings.Builder
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		text := b.String()
		b.Reset()
		n = 0
		return c.retry.Do(ctx, func() (bool, error) {
			_, err := c.db.ExecContext(ctx, text)
			return again(err), mapError(err, "INSERT INTO "+schema+"."+table)
		})
	}
	for next(row) {
		if n == 0 {
			b.WriteString(head)
		} else {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for i, v := range row {
			if i > 0 {
				b.WriteString(", ")
			}
			lit, err := literal(d, v)
			if err != nil {
				return fmt.Errorf("load %s.%s, column %s: %w", schema, table, columns[i], err)
			}
			b.WriteString(lit)
		}
		b.WriteByte(')')
		if n++; n == batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// literal writes one value as Snowflake SQL.
func literal(d dialects.Snowflake, v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "NULL", nil
	case string:
		return d.String(x), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case bool:
		return strings.ToUpper(strconv.FormatBool(x)), nil
	case time.Time:
		return "CAST(" + d.String(x.UTC().Format("2006-01-02 15:04:05.999999")) + " AS TIMESTAMP)", nil
	}
	return "", fmt.Errorf("cannot write a %T as SQL", v)
}

func (c *Conn) Close() error { return c.db.Close() }

// Snowflake's error numbers that idstitch reads. Snowflake documents few of them; these are the
// numbers its messages carry (`003001 (42501): SQL access control error: …`).
const (
	// errObjectMissing: "Object '…' does not exist or not authorized". Snowflake answers so both
	// when the object does not exist and when the role may not see it, on purpose, so that a role
	// cannot learn what exists beyond its grants. idstitch reads it as a missing object: a source
	// named wrong is the common case, `idstitch validate` names each source it cannot see, and the
	// message itself says "or not authorized", so the grant is not hidden from the reader.
	errObjectMissing   = 2003
	errObjectMissing2  = 2043 // "Object does not exist, or operation cannot be performed."
	errInvalidIdent    = 904
	errSyntax          = 1003
	errUnknownFunction = 2140
	errUnknownFunc2    = 2141
	// errInsufficientPrivileges: "SQL access control error: Insufficient privileges to operate on
	// …" (SQLSTATE 42501, as on Postgres): the role lacks a grant.
	errInsufficientPrivileges = 3001
	// errResourceMonitor: "Warehouse '…' cannot be resumed because resource monitor '…' has
	// exceeded its quota." Credits run out; raising the monitor's quota fixes it.
	errResourceMonitor = 90073
	// errTrialEnded: "Your free trial has ended and all of your virtual warehouses have been
	// suspended." A login error number, but billing, not reachability, is the cause.
	errTrialEnded = 390913
	// errInternal: "SQL execution internal error: Processing aborted due to error …" (SQLSTATE
	// XX000). Snowflake failed the statement on its side; the statement's effects are rolled back.
	errInternal = 603
	// errLockWaiters: "Statement '…' has locked table '…' … Your statement '…' was aborted because
	// the number of waiters for this lock exceeds the 20 statements limit." (SQLSTATE 57014). The
	// statement was aborted while it waited for the lock, before it changed anything.
	errLockWaiters = 625
)

// again reports whether err shows that Snowflake did not run the statement, for a passing reason,
// so that sending it again cannot run it twice: Snowflake answered, with an error number that says
// the statement failed on Snowflake's side (an internal error, whose effects Snowflake rolls back)
// or was aborted before it ran (too many statements waiting for a table's lock).
//
// Nothing else is tried again. gosnowflake already resends a request that failed in transit
// (HTTP 5xx, 429 and 408, a connection refused or reset, a timeout) up to seven times, with the
// same request id, which Snowflake uses to recognize a resubmitted query rather than run it again;
// an error that comes out of that (its retries exhausted, an answer cut short) leaves unknown
// whether the statement ran, and sending it again under a new request id could run it twice.
func again(err error) bool {
	var se *sf.SnowflakeError
	if !errors.As(err, &se) {
		return false
	}
	return se.Number == errInternal || se.Number == errLockWaiters
}

// mapError classifies by Snowflake's error number and by the kind of network failure.
func mapError(err error, query string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &connectors.Error{Kind: connectors.Canceled, Statement: query, Err: err}
	}
	kind := connectors.Other
	var se *sf.SnowflakeError
	var netErr net.Error
	switch {
	case errors.As(err, &se):
		switch n := se.Number; {
		case n == errObjectMissing || n == errObjectMissing2 || n == errInvalidIdent:
			kind = connectors.MissingObject
		case n == errSyntax || n == errUnknownFunction || n == errUnknownFunc2:
			kind = connectors.BadSQL
		case n == errInsufficientPrivileges || se.SQLState == "42501" || n == errResourceMonitor || n == errTrialEnded:
			// A grant, a credit quota or billing: the sentence says to grant or raise it.
			kind = connectors.Denied
		case n >= 390000 && n < 391000: // authentication and session errors
			kind = connectors.Unreachable
		}
	case errors.As(err, &netErr):
		kind = connectors.Unreachable
	}
	return &connectors.Error{Kind: kind, Statement: query, Err: err}
}
