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
	"path/filepath"
	"slices"
	"strings"

	"github.com/youmark/pkcs8"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
)

func init() { connectors.Register("snowflake", Driver{}) }

// Driver is Snowflake as the engine sees it: a service, one pool for reading and writing.
type Driver struct{}

func (Driver) Dialect() dialects.Dialect { return dialects.Snowflake{} }

func (Driver) Capabilities() connectors.Capabilities { return connectors.CapabilitySet() }

// Block is the `warehouse:` section of a Snowflake project: the account and user, the virtual
// warehouse, role and database, and how to authenticate. Secrets never appear in the file: they
// come from environment variables the block names, or from files whose paths it gives. Host, port
// and protocol are optional and override the account's endpoint: a private-connectivity host
// name, or a Snowflake emulator on this machine.
type Block struct {
	Account          string `yaml:"account"`
	User             string `yaml:"user"`
	VirtualWarehouse string `yaml:"virtual_warehouse"`
	Role             string `yaml:"role"`
	Database         string `yaml:"database"`
	// Authenticator is Snowflake's name for the way of logging in: snowflake (a password),
	// snowflake_jwt (key-pair), oauth or programmatic_access_token. Without it, key-pair when a
	// private key is named, else a password.
	Authenticator string `yaml:"authenticator"`
	PasswordEnv   string `yaml:"password_env"`
	// The PEM private key of key-pair authentication, in a variable or a file; a key encrypted
	// with a passphrase needs the variable holding the passphrase.
	PrivateKeyEnv           string `yaml:"private_key_env"`
	PrivateKeyFile          string `yaml:"private_key_file"`
	PrivateKeyPassphraseEnv string `yaml:"private_key_passphrase_env"`
	// The OAuth access token or programmatic access token, in a variable or a file.
	TokenEnv  string `yaml:"token_env"`
	TokenFile string `yaml:"token_file"`
	Host      string `yaml:"host"`
	Port      int    `yaml:"port"`
	Protocol  string `yaml:"protocol"`
}

// The authenticator values a block may name: Snowflake's own names for them.
const (
	authPassword = "snowflake"
	authKeyPair  = "snowflake_jwt"
	authOAuth    = "oauth"
	authPAT      = "programmatic_access_token"
)

// Configure checks that the block says where to connect and how to authenticate.
func (Driver) Configure(b connectors.Block) (connectors.Settings, error) {
	var w Block
	if err := b.Decode(&w); err != nil {
		return nil, err
	}
	for _, k := range []struct{ key, v string }{{"account", w.Account}, {"database", w.Database}} {
		if k.v == "" {
			return nil, b.Missing(k.key, "missing; Snowflake needs account, user and database")
		}
	}
	auth, err := checkAuth(b, &w)
	if err != nil {
		return nil, err
	}
	if w.User == "" && auth != authOAuth {
		return nil, b.Missing("user", "missing; Snowflake needs account, user and database")
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
	// Files are named relative to the project file, as everywhere in it.
	w.PrivateKeyFile, w.TokenFile = resolve(b.Dir, w.PrivateKeyFile), resolve(b.Dir, w.TokenFile)
	return &Settings{Block: w, File: b.File, auth: auth}, nil
}

// checkAuth decides how the block authenticates and checks that it names exactly the secrets
// that way needs: one source for each (a variable or a file, not both), and none that another
// way would use, so that a block never says two things.
func checkAuth(b connectors.Block, w *Block) (string, error) {
	keyed := w.PrivateKeyEnv != "" || w.PrivateKeyFile != ""
	tokened := w.TokenEnv != "" || w.TokenFile != ""
	auth := strings.ToLower(w.Authenticator)
	if auth == "" {
		switch {
		case keyed:
			auth = authKeyPair
		case tokened:
			return "", b.Missing("authenticator", "missing; a token_env or token_file needs authenticator: oauth or authenticator: programmatic_access_token")
		default:
			auth = authPassword
		}
	}
	both := func(a, aKey, c, cKey string) error {
		if a != "" && c != "" {
			return b.Missing(cKey, "conflicts with warehouse.%s; name the secret in one of them", aKey)
		}
		return nil
	}
	if err := both(w.PrivateKeyEnv, "private_key_env", w.PrivateKeyFile, "private_key_file"); err != nil {
		return "", err
	}
	if err := both(w.TokenEnv, "token_env", w.TokenFile, "token_file"); err != nil {
		return "", err
	}
	// What each way of logging in uses, and the first key found that it does not.
	stray := func(allowed ...string) error {
		for _, k := range []struct{ key, v string }{{"password_env", w.PasswordEnv}, {"private_key_env", w.PrivateKeyEnv},
			{"private_key_file", w.PrivateKeyFile}, {"private_key_passphrase_env", w.PrivateKeyPassphraseEnv},
			{"token_env", w.TokenEnv}, {"token_file", w.TokenFile}} {
			if k.v != "" && !slices.Contains(allowed, k.key) {
				return b.Missing(k.key, "is not used with authenticator %s; remove it, or change the authenticator", auth)
			}
		}
		return nil
	}
	switch auth {
	case authPassword:
		if w.PasswordEnv == "" {
			return "", b.Missing("password_env", "missing; name the environment variable holding the password, or use private_key_env for key-pair authentication")
		}
		return auth, stray("password_env")
	case authKeyPair:
		if !keyed {
			return "", b.Missing("private_key_env", "missing; key-pair authentication needs private_key_env (a variable holding the PEM key) or private_key_file")
		}
		return auth, stray("private_key_env", "private_key_file", "private_key_passphrase_env")
	case authOAuth, authPAT:
		if !tokened {
			return "", b.Missing("token_env", "missing; authenticator %s needs token_env (a variable holding the token) or token_file", auth)
		}
		return auth, stray("token_env", "token_file")
	}
	return "", b.Missing("authenticator", "%q is not an authenticator idstitch supports; use snowflake (a password), snowflake_jwt (key-pair), oauth or programmatic_access_token", w.Authenticator)
}

// resolve makes a path relative to the project file's directory absolute.
func resolve(dir, path string) string {
	if path == "" || filepath.IsAbs(path) || dir == "" {
		return path
	}
	return filepath.Join(dir, path)
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
	// auth is the way of logging in the block settles on (one of the auth constants).
	auth string
}

// Open reads the secret from the environment or its file and connects.
func (s *Settings) Open(ctx context.Context, o connectors.OpenOptions) (connectors.Conn, error) {
	cfg, err := s.config(o, os.Getenv, os.ReadFile)
	if err != nil {
		return nil, err
	}
	c, err := Open(ctx, cfg)
	if err != nil {
		who := s.User
		if who == "" {
			who = "the token's user"
		}
		return nil, fmt.Errorf("cannot connect to Snowflake account %s as %s (warehouse in %s); check the account, user and credentials (%w)", s.Account, who, s.File, err)
	}
	return c, nil
}

// config is the connection a run opens: the block's settings and the secret read through getenv
// or readFile. The output schema in o is not the session's default: see driverConfig.
func (s *Settings) config(o connectors.OpenOptions, getenv func(string) string, readFile func(string) ([]byte, error)) (Config, error) {
	w := s.Block
	cfg := Config{Account: w.Account, User: w.User, Warehouse: w.VirtualWarehouse, Role: w.Role, Database: w.Database,
		QueryTag: "idstitch:" + o.Project, Host: w.Host, Port: w.Port, Protocol: w.Protocol}
	secret := secrets{file: s.File, getenv: getenv, readFile: readFile}
	switch s.auth {
	case authKeyPair:
		text, key, err := secret.read("private_key", w.PrivateKeyEnv, w.PrivateKeyFile, "the PEM private key")
		if err != nil {
			return Config{}, err
		}
		var passphrase string
		if w.PrivateKeyPassphraseEnv != "" {
			if passphrase = getenv(w.PrivateKeyPassphraseEnv); passphrase == "" {
				return Config{}, fmt.Errorf("the environment variable %s named by warehouse.private_key_passphrase_env in %s is not set; export it with the passphrase of the private key", w.PrivateKeyPassphraseEnv, s.File)
			}
		}
		if cfg.PrivateKey, err = privateKey(text, passphrase); err != nil {
			return Config{}, fmt.Errorf("%s in %s: %v", key, s.File, err)
		}
	case authOAuth, authPAT:
		what := "the OAuth access token"
		if s.auth == authPAT {
			what, cfg.Auth = "the programmatic access token", PAT
		} else {
			cfg.Auth = OAuth
		}
		token, _, err := secret.read("token", w.TokenEnv, w.TokenFile, what)
		if err != nil {
			return Config{}, err
		}
		cfg.Token = strings.TrimSpace(token)
	default:
		if cfg.Password = getenv(w.PasswordEnv); cfg.Password == "" {
			return Config{}, fmt.Errorf("the environment variable %s named by warehouse.password_env in %s is not set; export it with the Snowflake password", w.PasswordEnv, s.File)
		}
	}
	return cfg, nil
}

// secrets reads a secret that a block names as a variable (key_env) or a file (key_file).
type secrets struct {
	file     string
	getenv   func(string) string
	readFile func(string) ([]byte, error)
}

// read returns the secret, and how the block names it for messages about its content. what says
// what the secret is, for the message when it is missing.
func (s secrets) read(key, env, path, what string) (text, named string, err error) {
	if env != "" {
		named = fmt.Sprintf("the environment variable %s named by warehouse.%s_env", env, key)
		if text = s.getenv(env); text == "" {
			return "", named, fmt.Errorf("%s in %s is not set; export it with %s", named, s.file, what)
		}
		return text, named, nil
	}
	named = fmt.Sprintf("the file %s named by warehouse.%s_file", path, key)
	b, err := s.readFile(path)
	if err != nil {
		return "", named, fmt.Errorf("cannot read %s in %s; check that it exists and this user may read it (%v)", named, s.file, err)
	}
	if strings.TrimSpace(string(b)) == "" {
		return "", named, fmt.Errorf("%s in %s is empty; write %s into it", named, s.file, what)
	}
	return string(b), named, nil
}

// privateKey parses a PEM-encoded PKCS#8 RSA key, the form Snowflake's key-pair authentication
// uses; an encrypted one ("ENCRYPTED PRIVATE KEY", as `openssl pkcs8 -topk8 -v2 …` writes it) is
// decrypted with passphrase.
func privateKey(text, passphrase string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, errors.New("it does not hold a PEM block")
	}
	if block.Type == "ENCRYPTED PRIVATE KEY" {
		if passphrase == "" {
			return nil, errors.New("the key is encrypted; name the environment variable holding its passphrase as warehouse.private_key_passphrase_env")
		}
		key, err := pkcs8.ParsePKCS8PrivateKeyRSA(block.Bytes, []byte(passphrase))
		if err != nil {
			return nil, fmt.Errorf("cannot decrypt the key with the passphrase given (%v)", err)
		}
		return key, nil
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
