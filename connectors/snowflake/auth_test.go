package snowflake

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	sf "github.com/snowflakedb/gosnowflake"
	"github.com/youmark/pkcs8"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/config"
)

// settings checks a project file whose warehouse block holds the keys in block (YAML flow pairs).
func settings(t *testing.T, block string) (*Settings, error) {
	t.Helper()
	p, err := config.Parse(filepath.Join("proj", "idstitch.yaml"), []byte(`project: acme
warehouse: {type: snowflake, account: xy12345, database: ANALYTICS, `+block+`}
id_types: [{name: email}]
sources: [{name: e, table: raw.e, ids: {email: email}}]
`))
	if err != nil {
		return nil, err
	}
	return p.Warehouse.Settings.(*Settings), nil
}

// testKey is an RSA key in the forms a block may hold it: PKCS#8 PEM, and PKCS#8 encrypted with
// the passphrase "open sesame", as `openssl pkcs8 -topk8 -v2 aes256` writes it.
func testKey(t *testing.T) (key *rsa.PrivateKey, plain, encrypted string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := pkcs8.MarshalPrivateKey(key, []byte("open sesame"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return key, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: enc}))
}

// TestAuthConfig: what gosnowflake receives for each way of logging in, with the secrets read
// from the environment or from files named relative to the project file.
func TestAuthConfig(t *testing.T) {
	key, plain, encrypted := testKey(t)
	env := map[string]string{"SF_PASSWORD": "pw", "SF_KEY": plain, "SF_ENC_KEY": encrypted, "SF_PASSPHRASE": "open sesame",
		"SF_TOKEN": "oauth-token\n", "SF_PAT": "pat-token"}
	files := map[string]string{filepath.Join("proj", "keys", "rsa_key.p8"): encrypted, filepath.Join("proj", "token"): "file-token\n"}
	getenv := func(k string) string { return env[k] }
	readFile := func(p string) ([]byte, error) {
		if s, ok := files[p]; ok {
			return []byte(s), nil
		}
		return nil, fs.ErrNotExist
	}
	for _, tc := range []struct {
		block string
		auth  sf.AuthType
		check func(cfg sf.Config) bool
	}{
		{"user: u, password_env: SF_PASSWORD", sf.AuthTypeSnowflake, func(c sf.Config) bool { return c.Password == "pw" }},
		{"user: u, authenticator: snowflake, password_env: SF_PASSWORD", sf.AuthTypeSnowflake, func(c sf.Config) bool { return c.Password == "pw" }},
		{"user: u, private_key_env: SF_KEY", sf.AuthTypeJwt, func(c sf.Config) bool { return c.PrivateKey.Equal(key) }},
		{"user: u, private_key_env: SF_ENC_KEY, private_key_passphrase_env: SF_PASSPHRASE", sf.AuthTypeJwt,
			func(c sf.Config) bool { return c.PrivateKey.Equal(key) }},
		{"user: u, authenticator: SNOWFLAKE_JWT, private_key_file: keys/rsa_key.p8, private_key_passphrase_env: SF_PASSPHRASE", sf.AuthTypeJwt,
			func(c sf.Config) bool { return c.PrivateKey.Equal(key) }},
		{"authenticator: oauth, token_env: SF_TOKEN", sf.AuthTypeOAuth, func(c sf.Config) bool { return c.Token == "oauth-token" && c.Password == "" }},
		{"user: u, authenticator: oauth, token_file: token", sf.AuthTypeOAuth, func(c sf.Config) bool { return c.Token == "file-token" }},
		{"user: u, authenticator: programmatic_access_token, token_env: SF_PAT", sf.AuthTypePat, func(c sf.Config) bool { return c.Token == "pat-token" }},
	} {
		s, err := settings(t, tc.block)
		if err != nil {
			t.Errorf("%s: %v", tc.block, err)
			continue
		}
		cfg, err := s.config(connectors.OpenOptions{Project: "acme"}, getenv, readFile)
		if err != nil {
			t.Errorf("%s: %v", tc.block, err)
			continue
		}
		d := driverConfig(cfg)
		if d.Authenticator != tc.auth || !tc.check(d) {
			t.Errorf("%s: gosnowflake gets authenticator %v, password set %v, token %q, key set %v; want %v",
				tc.block, d.Authenticator, d.Password != "", d.Token, d.PrivateKey != nil, tc.auth)
		}
	}
}

// TestAuthMistakes: a block that names no secret, two for one, one its authenticator does not
// use, an unset variable, an unreadable file or a key that does not open, is refused with one
// sentence naming the key (and the variable or file).
func TestAuthMistakes(t *testing.T) {
	for _, tc := range []struct{ block, want string }{
		{"user: u", "warehouse.password_env: missing"},
		{"user: u, private_key_env: K, private_key_file: k.p8", "warehouse.private_key_file: conflicts with warehouse.private_key_env"},
		{"user: u, password_env: P, private_key_env: K", "warehouse.password_env: is not used with authenticator snowflake_jwt"},
		{"user: u, authenticator: oauth", "warehouse.token_env: missing; authenticator oauth needs token_env"},
		{"user: u, token_env: T", "warehouse.authenticator: missing; a token_env or token_file needs authenticator: oauth"},
		{"user: u, authenticator: oauth, token_env: T, token_file: t", "warehouse.token_file: conflicts with warehouse.token_env"},
		{"user: u, authenticator: oauth, token_env: T, password_env: P", "warehouse.password_env: is not used with authenticator oauth"},
		{"user: u, authenticator: programmatic_access_token, token_env: T, private_key_passphrase_env: X", "warehouse.private_key_passphrase_env: is not used"},
		{"user: u, authenticator: externalbrowser, password_env: P", `warehouse.authenticator: "externalbrowser" is not an authenticator`},
		{"authenticator: programmatic_access_token, token_env: T", "warehouse.user: missing"},
	} {
		_, err := settings(t, tc.block)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "idstitch.yaml") {
			t.Errorf("%s: err %v; want one naming the file and %q", tc.block, err, tc.want)
		}
	}

	_, plain, encrypted := testKey(t)
	env := map[string]string{"SF_KEY": plain, "SF_ENC_KEY": encrypted, "SF_PASSPHRASE": "wrong", "SF_NOT_PEM": "abc"}
	getenv := func(k string) string { return env[k] }
	readFile := func(p string) ([]byte, error) {
		if strings.HasSuffix(p, "empty") {
			return []byte("\n"), nil
		}
		return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrPermission}
	}
	for _, tc := range []struct{ block, want string }{
		{"user: u, password_env: SF_UNSET", "the environment variable SF_UNSET named by warehouse.password_env in proj/idstitch.yaml is not set"},
		{"user: u, private_key_env: SF_UNSET", "the environment variable SF_UNSET named by warehouse.private_key_env in proj/idstitch.yaml is not set; export it with the PEM private key"},
		{"user: u, private_key_env: SF_NOT_PEM", "warehouse.private_key_env in proj/idstitch.yaml: it does not hold a PEM block"},
		{"user: u, private_key_env: SF_ENC_KEY", "the key is encrypted; name the environment variable holding its passphrase as warehouse.private_key_passphrase_env"},
		{"user: u, private_key_env: SF_ENC_KEY, private_key_passphrase_env: SF_PASSPHRASE", "cannot decrypt the key with the passphrase given"},
		{"user: u, private_key_env: SF_KEY, private_key_passphrase_env: SF_UNSET", "the environment variable SF_UNSET named by warehouse.private_key_passphrase_env"},
		{"user: u, private_key_file: /keys/rsa_key.p8", "cannot read the file /keys/rsa_key.p8 named by warehouse.private_key_file in proj/idstitch.yaml"},
		{"user: u, authenticator: oauth, token_file: empty", "the file " + filepath.Join("proj", "empty") + " named by warehouse.token_file in proj/idstitch.yaml is empty"},
		{"user: u, authenticator: oauth, token_env: SF_UNSET", "SF_UNSET named by warehouse.token_env in proj/idstitch.yaml is not set; export it with the OAuth access token"},
	} {
		s, err := settings(t, tc.block)
		if err != nil {
			t.Errorf("%s: %v", tc.block, err)
			continue
		}
		_, err = s.config(connectors.OpenOptions{Project: "acme"}, getenv, readFile)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v; want %q", tc.block, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "open sesame") {
			t.Errorf("%s: the message shows a secret: %v", tc.block, err)
		}
	}
}

// TestSnowflakeErrorKinds: Snowflake's refusals for want of a grant, of credits or of billing
// read as Denied (the sentence says to grant or raise it), not as an unreachable warehouse or an
// unknown error; "does not exist or not authorized" stays a missing object (see errObjectMissing).
func TestSnowflakeErrorKinds(t *testing.T) {
	for _, tc := range []struct {
		err  *sf.SnowflakeError
		want connectors.Kind
	}{
		{&sf.SnowflakeError{Number: 3001, SQLState: "42501", Message: "SQL access control error: Insufficient privileges to operate on schema 'IDENTITY'"}, connectors.Denied},
		{&sf.SnowflakeError{Number: 3003, SQLState: "42501", Message: "SQL access control error: Insufficient privileges to operate on table"}, connectors.Denied},
		{&sf.SnowflakeError{Number: 90073, SQLState: "22000", Message: "Warehouse 'WH' cannot be resumed because resource monitor 'RM' has exceeded its quota."}, connectors.Denied},
		{&sf.SnowflakeError{Number: 390913, SQLState: "08004", Message: "Your free trial has ended and all of your virtual warehouses have been suspended."}, connectors.Denied},
		{&sf.SnowflakeError{Number: 390100, SQLState: "08004", Message: "Incorrect username or password was specified."}, connectors.Unreachable},
		{&sf.SnowflakeError{Number: 2003, SQLState: "02000", Message: "SQL compilation error: Object 'RAW.EVENTS' does not exist or not authorized."}, connectors.MissingObject},
		{&sf.SnowflakeError{Number: 1003, SQLState: "42000", Message: "SQL compilation error: syntax error"}, connectors.BadSQL},
	} {
		err := mapError(tc.err, "SELECT 1")
		if k := connectors.KindOf(err); k != tc.want {
			t.Errorf("%v: kind %v; want %v", tc.err, k, tc.want)
		}
		var se *sf.SnowflakeError
		if !errors.As(err, &se) {
			t.Errorf("%v: the driver's error is lost", tc.err)
		}
	}
}
