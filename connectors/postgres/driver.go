package postgres

import (
	"context"
	"fmt"
	"os"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
)

func init() { connectors.Register("postgres", Driver{}) }

// Driver is PostgreSQL as the engine sees it: a server, one pool for reading and writing.
type Driver struct{}

func (Driver) Dialect() dialects.Dialect { return dialects.Postgres{} }

func (Driver) Capabilities() connectors.Capabilities { return connectors.CapabilitySet() }

// block is the `warehouse:` section of a Postgres project. The connection string holds a password,
// so the file names only the environment variable that holds it.
type block struct {
	DSNEnv string `yaml:"dsn_env"`
}

// Configure checks that the block names the connection string's environment variable.
func (Driver) Configure(b connectors.Block) (connectors.Settings, error) {
	var w block
	if err := b.Decode(&w); err != nil {
		return nil, err
	}
	if w.DSNEnv == "" {
		return nil, b.Missing("dsn_env", "missing; name the environment variable that holds the connection string (secrets never go in the project file)")
	}
	return &Settings{DSNEnv: w.DSNEnv, File: b.File}, nil
}

// Settings is a checked Postgres warehouse block.
type Settings struct {
	// DSNEnv names the environment variable holding the connection string.
	DSNEnv string
	// File is the project file, named in messages.
	File string
}

// Open reads the connection string from the environment and connects.
func (s *Settings) Open(ctx context.Context, _ connectors.OpenOptions) (connectors.Conn, error) {
	dsn := os.Getenv(s.DSNEnv)
	if dsn == "" {
		return nil, fmt.Errorf("the environment variable %s named by warehouse.dsn_env in %s is not set; export it with the Postgres connection string (e.g. postgres://user@host:5432/db)", s.DSNEnv, s.File)
	}
	c, err := Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to the Postgres server given by $%s (warehouse.dsn_env in %s); check that it is running and the connection string is right (%w)", s.DSNEnv, s.File, err)
	}
	return c, nil
}
