package postgres

import (
	"fmt"
	"net"
	"os"
	"strconv"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/idstitch/idstitch/connectors"
)

var _ connectors.Lineage = (*Settings)(nil)

// LineageNamespace is postgres://host:port of the server the connection string names (OpenLineage,
// "Naming Conventions": Postgres).
func (s *Settings) LineageNamespace() (string, error) {
	cfg, err := s.parse()
	if err != nil {
		return "", err
	}
	return "postgres://" + net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))), nil
}

// LineageName is database.schema.table, the database being the connection string's.
func (s *Settings) LineageName(schema, table string) (string, error) {
	cfg, err := s.parse()
	if err != nil {
		return "", err
	}
	return connectors.QualifiedName(cfg.Database, schema, table), nil
}

// parse reads the connection string as the driver does (the PG* variables fill in what it leaves
// out). Its messages never repeat the string, which may hold a password.
func (s *Settings) parse() (*pgconn.Config, error) {
	dsn := os.Getenv(s.DSNEnv)
	if dsn == "" {
		return nil, fmt.Errorf("the environment variable %s named by warehouse.dsn_env in %s is not set", s.DSNEnv, s.File)
	}
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("the connection string in $%s cannot be read", s.DSNEnv)
	}
	return cfg, nil
}
