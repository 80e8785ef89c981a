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

// Config is what a connection needs. Secrets (Password, PrivateKey) come from the environment,
// never from the project file.
type Config struct {
	Account, User, Password string
	PrivateKey              *rsa.PrivateKey
	// Warehouse, Role and Database are the session's defaults. There is no default schema: every
	// name the plan writes is qualified, and the output schemas do not exist before the setup
	// stage creates them (see driverConfig).
	Warehouse, Role, Database string
	// QueryTag is set on the session, so that every statement of a run carries it (Snowflake's
	// QUERY_HISTORY shows it; cost reports group by it).
	QueryTag string
	// Host, Port and Protocol override the account's endpoint (a private-connectivity host name,
	// or an emulator in tests).
	Host     string
	Port     int
	Protocol string
}

// Conn is an open Snowflake connection pool.
type Conn struct {
	db *sql.DB
}

// Open connects and checks that Snowflake answers.
func Open(ctx context.Context, c Config) (*Conn, error) {
	db := sql.OpenDB(sf.NewConnector(sf.SnowflakeDriver{}, driverConfig(c)))
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, mapError(err, "")
	}
	return &Conn{db: db}, nil
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
	if c.PrivateKey != nil {
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

func (c *Conn) Exec(ctx context.Context, query string, args ...any) error {
	_, err := c.db.ExecContext(ctx, query, args...)
	return mapError(err, query)
}

func (c *Conn) Query(ctx context.Context, query string, args ...any) (connectors.Rows, error) {
	rows, err := c.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, mapError(err, query)
	}
	return rows, nil
}

// ExecTx runs statements in one transaction. Snowflake commits DDL at once, so only DML is
// transactional; the planner knows (the dialect does not claim TransactionalDDL).
func (c *Conn) ExecTx(ctx context.Context, queries []string) error {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err, "BEGIN")
	}
	for _, q := range queries {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			tx.Rollback()
			return mapError(err, q)
		}
	}
	return mapError(tx.Commit(), "COMMIT")
}

// Load inserts rows in batches of multi-row INSERTs, the values written as escaped literals:
// that form runs the same on Snowflake and on the emulator the tests use, which does not take
// bind parameters in INSERT.
func (c *Conn) Load(ctx context.Context, schema, table string, columns []string, next func(row []any) bool) error {
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
		_, err := c.db.ExecContext(ctx, b.String())
		b.Reset()
		n = 0
		return mapError(err, "INSERT INTO "+schema+"."+table)
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
		switch {
		case se.Number == 2003 || se.Number == 2043 || se.Number == 904: // object does not exist, invalid identifier
			kind = connectors.MissingObject
		case se.Number == 1003 || se.Number == 2140 || se.Number == 2141: // syntax error, unknown function
			kind = connectors.BadSQL
		case se.Number >= 390000 && se.Number < 391000: // authentication and session errors
			kind = connectors.Unreachable
		}
	case errors.As(err, &netErr):
		kind = connectors.Unreachable
	}
	return &connectors.Error{Kind: kind, Statement: query, Err: err}
}
