package snowflake

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
)

func init() { connectors.Register("snowflake", Driver{}) }

// Driver is Snowflake as the engine sees it: a service, one pool for reading and writing.
type Driver struct{}

func (Driver) Dialect() dialects.Dialect { return dialects.Snowflake{} }

func (Driver) Capabilities() connectors.Capabilities { return connectors.CapabilitySet() }

// Block is the `warehouse:` section of a Snowflake project: the account and user, the virtual
// warehouse, role and database, and the names of the environment variables holding a password
// or a PEM private key (key-pair auth). Secrets never appear in the file. Host, port and protocol
// are optional and override the account's endpoint: a private-connectivity host name, or a
// Snowflake emulator on this machine.
type Block struct {
	Account          string `yaml:"account"`
	User             string `yaml:"user"`
	VirtualWarehouse string `yaml:"virtual_warehouse"`
	Role             string `yaml:"role"`
	Database         string `yaml:"database"`
	PasswordEnv      string `yaml:"password_env"`
	PrivateKeyEnv    string `yaml:"private_key_env"`
	Host             string `yaml:"host"`
	Port             int    `yaml:"port"`
	Protocol         string `yaml:"protocol"`
}

// Configure checks that the block says where to connect and how to authenticate.
func (Driver) Configure(b connectors.Block) (connectors.Settings, error) {
	var w Block
	if err := b.Decode(&w); err != nil {
		return nil, err
	}
	for _, k := range []struct{ key, v string }{{"account", w.Account}, {"user", w.User}, {"database", w.Database}} {
		if k.v == "" {
			return nil, b.Missing(k.key, "missing; Snowflake needs account, user and database")
		}
	}
	if w.PasswordEnv == "" && w.PrivateKeyEnv == "" {
		return nil, b.Missing("password_env", "missing; name the environment variable holding the password, or use private_key_env for key-pair authentication")
	}
	switch w.Protocol {
	case "", "https":
	case "http":
		// Plain HTTP would send the password and every row unencrypted: it is for an emulator
		// on this machine only.
		if !loopback(w.Host) {
			return nil, b.Missing("protocol", "http is allowed only with a host on this machine (localhost, 127.0.0.1, ::1), such as an emulator; use https")
		}
	default:
		return nil, b.Missing("protocol", "%q is not a protocol; use https (the default), or http for an emulator on this machine", w.Protocol)
	}
	if w.Port < 0 || w.Port > 65535 {
		return nil, b.Missing("port", "%d is not a TCP port; write a number from 1 to 65535, or leave it out for the default", w.Port)
	}
	return &Settings{Block: w, File: b.File}, nil
}

// loopback reports whether host names this machine.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Settings is a checked Snowflake warehouse block.
type Settings struct {
	Block
	// File is the project file, named in messages.
	File string
}

// Open reads the secret from the environment and connects.
func (s *Settings) Open(ctx context.Context, o connectors.OpenOptions) (connectors.Conn, error) {
	cfg, err := s.config(o, os.Getenv)
	if err != nil {
		return nil, err
	}
	c, err := Open(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to Snowflake account %s as %s (warehouse in %s); check the account, user and credentials (%w)", s.Account, s.User, s.File, err)
	}
	return c, nil
}

// config is the connection a run opens: the block's settings and the secret read through getenv.
// The output schema in o is not the session's default: see driverConfig.
func (s *Settings) config(o connectors.OpenOptions, getenv func(string) string) (Config, error) {
	w := s.Block
	cfg := Config{Account: w.Account, User: w.User, Warehouse: w.VirtualWarehouse, Role: w.Role, Database: w.Database,
		QueryTag: "idstitch:" + o.Project, Host: w.Host, Port: w.Port, Protocol: w.Protocol}
	if w.PrivateKeyEnv != "" {
		key, err := privateKey(getenv(w.PrivateKeyEnv))
		if err != nil {
			return Config{}, fmt.Errorf("the environment variable %s named by warehouse.private_key_env in %s: %v", w.PrivateKeyEnv, s.File, err)
		}
		cfg.PrivateKey = key
	} else if cfg.Password = getenv(w.PasswordEnv); cfg.Password == "" {
		return Config{}, fmt.Errorf("the environment variable %s named by warehouse.password_env in %s is not set; export it with the Snowflake password", w.PasswordEnv, s.File)
	}
	return cfg, nil
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
