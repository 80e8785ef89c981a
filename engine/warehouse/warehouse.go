// Package warehouse opens the warehouse a project names. It is the one place where a warehouse
// type becomes a connector; everything after it receives a connectors.Conn and its Dialect.
package warehouse

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/connectors/bigquery"
	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/connectors/postgres"
	"github.com/idstitch/idstitch/connectors/snowflake"
	"github.com/idstitch/idstitch/engine/config"
)

// Open connects to the project's warehouse.
func Open(ctx context.Context, p *config.Project) (connectors.Conn, error) {
	w := p.Warehouse
	switch w.Type {
	case "duckdb":
		c, err := duckdb.Open(ctx, p.DuckDBPath(), false)
		if err != nil {
			return nil, fmt.Errorf("cannot open the DuckDB file %s named by warehouse.path in %s; check the path and that no other program holds it open for writing (%w)", p.DuckDBPath(), p.File, err)
		}
		return c, nil
	case "postgres":
		dsn := os.Getenv(p.Warehouse.DSNEnv)
		if dsn == "" {
			return nil, fmt.Errorf("the environment variable %s named by warehouse.dsn_env in %s is not set; export it with the Postgres connection string (e.g. postgres://user@host:5432/db)", p.Warehouse.DSNEnv, p.File)
		}
		c, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, fmt.Errorf("cannot connect to the Postgres server given by $%s (warehouse.dsn_env in %s); check that it is running and the connection string is right (%w)", p.Warehouse.DSNEnv, p.File, err)
		}
		return c, nil
	case "snowflake":
		cfg := snowflake.Config{Account: w.Account, User: w.User, Warehouse: w.VirtualWarehouse, Role: w.Role, Database: w.Database,
			Schema: p.Output.Schema, QueryTag: "idstitch:" + p.Project}
		if w.PrivateKeyEnv != "" {
			key, err := privateKey(os.Getenv(w.PrivateKeyEnv))
			if err != nil {
				return nil, fmt.Errorf("the environment variable %s named by warehouse.private_key_env in %s: %v", w.PrivateKeyEnv, p.File, err)
			}
			cfg.PrivateKey = key
		} else if cfg.Password = os.Getenv(w.PasswordEnv); cfg.Password == "" {
			return nil, fmt.Errorf("the environment variable %s named by warehouse.password_env in %s is not set; export it with the Snowflake password", w.PasswordEnv, p.File)
		}
		c, err := snowflake.Open(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("cannot connect to Snowflake account %s as %s (warehouse in %s); check the account, user and credentials (%w)", w.Account, w.User, p.File, err)
		}
		return c, nil
	case "bigquery":
		cfg := bigquery.Config{Project: w.ProjectID, Location: w.Location, MaxBytesBilled: w.MaximumBytesBilled,
			Labels: map[string]string{"tool": "idstitch", "project": p.Project}}
		for k, v := range w.Labels {
			cfg.Labels[k] = v
		}
		if w.CredentialsEnv != "" {
			if cfg.CredentialsFile = os.Getenv(w.CredentialsEnv); cfg.CredentialsFile == "" {
				return nil, fmt.Errorf("the environment variable %s named by warehouse.credentials_env in %s is not set; export it with the path of the service-account key file", w.CredentialsEnv, p.File)
			}
		}
		c, err := bigquery.Open(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("cannot create a BigQuery client for project %s (warehouse in %s); check the credentials (%w)", w.ProjectID, p.File, err)
		}
		return c, nil
	}
	return nil, fmt.Errorf("warehouse.type %q in %s: this warehouse type has no connector; use duckdb, postgres, snowflake or bigquery", p.Warehouse.Type, p.File)
}

// privateKey parses a PEM-encoded PKCS#8 RSA key, the form Snowflake's key-pair authentication uses.
func privateKey(text string) (*rsa.PrivateKey, error) {
	if text == "" {
		return nil, errors.New("it is not set; export it with the PEM private key")
	}
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, errors.New("it does not hold a PEM block")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("it does not hold a PKCS#8 private key: %v", err)
	}
	rsaKey, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("the key is not an RSA key")
	}
	return rsaKey, nil
}
