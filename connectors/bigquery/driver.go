package bigquery

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
)

func init() { connectors.Register("bigquery", Driver{}) }

// Driver is BigQuery as the engine sees it: a service reached per job, one client for reading and
// writing.
type Driver struct{}

func (Driver) Dialect() dialects.Dialect { return dialects.BigQuery{} }

func (Driver) Capabilities() connectors.Capabilities { return connectors.CapabilitySet() }

// Block is the `warehouse:` section of a BigQuery project: the project and location of the jobs,
// the environment variable holding the path of a service-account key file (default: Application
// Default Credentials), a service account to impersonate, a cap on the bytes any query may bill,
// and labels set on every job.
type Block struct {
	ProjectID          string            `yaml:"project"`
	Location           string            `yaml:"location"`
	CredentialsEnv     string            `yaml:"credentials_env"`
	Impersonate        string            `yaml:"impersonate_service_account"`
	MaximumBytesBilled int64             `yaml:"maximum_bytes_billed"`
	Labels             map[string]string `yaml:"labels"`
}

// The labels idstitch sets on every job; a block's labels may not name them.
const (
	toolLabel    = "tool"
	projectLabel = "project"
	runLabel     = "run_id"
)

// Configure checks that the block names the Google Cloud project, and that its labels and the
// account to impersonate are written as BigQuery takes them.
func (Driver) Configure(b connectors.Block) (connectors.Settings, error) {
	var w Block
	if err := b.Decode(&w); err != nil {
		return nil, err
	}
	if w.ProjectID == "" {
		return nil, b.Missing("project", "missing; name the Google Cloud project that runs the jobs")
	}
	if w.Impersonate != "" && !strings.HasSuffix(w.Impersonate, ".gserviceaccount.com") {
		return nil, b.Missing("impersonate_service_account", "%q is not a service account's email; write it as name@project.iam.gserviceaccount.com", w.Impersonate)
	}
	for _, k := range slices.Sorted(maps.Keys(w.Labels)) {
		switch {
		case k == toolLabel || k == projectLabel || k == runLabel:
			return nil, b.Missing("labels", "%s is set by idstitch on every job (tool, project and run_id are); choose another key", k)
		case !labelKey(k):
			return nil, b.Missing("labels", "%q is not a BigQuery label key: write lower-case letters, digits, _ and -, at most 63, starting with a letter", k)
		case !labelValue(w.Labels[k]):
			return nil, b.Missing("labels", "the value %q of %s is not a BigQuery label value: write lower-case letters, digits, _ and -, at most 63", w.Labels[k], k)
		}
	}
	return &Settings{Block: w, File: b.File}, nil
}

// labelValue reports whether v follows BigQuery's rules for a label's value: at most 63
// characters, lower-case letters (international ones too), digits, underscores and dashes.
func labelValue(v string) bool {
	if utf8.RuneCountInString(v) > 63 {
		return false
	}
	for _, r := range v {
		if !unicode.IsLower(r) && !unicode.IsDigit(r) && r != '_' && r != '-' {
			return false
		}
	}
	return true
}

// labelKey reports whether k follows the rules for a label's key: those of a value, not empty,
// and starting with a lower-case letter.
func labelKey(k string) bool {
	r, _ := utf8.DecodeRuneInString(k)
	return k != "" && unicode.IsLower(r) && labelValue(k)
}

// asLabelValue writes s as a label value: lower case, any other character an underscore, at
// most 63 characters.
func asLabelValue(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range strings.ToLower(s) {
		if n == 63 {
			break
		}
		if !unicode.IsLower(r) && !unicode.IsDigit(r) && r != '-' {
			r = '_'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// Settings is a checked BigQuery warehouse block.
type Settings struct {
	Block
	// File is the project file, named in messages.
	File string
}

// Open finds the credentials and creates a client.
func (s *Settings) Open(ctx context.Context, o connectors.OpenOptions) (connectors.Conn, error) {
	cfg, err := s.config(o, os.Getenv)
	if err != nil {
		return nil, err
	}
	return s.open(ctx, cfg, o)
}

// config is the client a run creates: the block's settings, the labels of every job, and the
// key file's path read through getenv.
func (s *Settings) config(o connectors.OpenOptions, getenv func(string) string) (Config, error) {
	w := s.Block
	cfg := Config{Project: w.ProjectID, Location: w.Location, MaxBytesBilled: w.MaximumBytesBilled, Impersonate: w.Impersonate,
		Labels: map[string]string{toolLabel: "idstitch", projectLabel: asLabelValue(o.Project)}}
	maps.Copy(cfg.Labels, w.Labels)
	if w.CredentialsEnv != "" {
		if cfg.CredentialsFile = getenv(w.CredentialsEnv); cfg.CredentialsFile == "" {
			return Config{}, fmt.Errorf("the environment variable %s named by warehouse.credentials_env in %s is not set; export it with the path of the service-account key file", w.CredentialsEnv, s.File)
		}
		f, err := os.Open(cfg.CredentialsFile)
		if err != nil {
			return Config{}, fmt.Errorf("cannot read the service-account key file %s, named by the environment variable %s (warehouse.credentials_env in %s); check the path and that this user may read it (%v)", cfg.CredentialsFile, w.CredentialsEnv, s.File, err)
		}
		f.Close()
	}
	return cfg, nil
}

// open creates the client and settles where its jobs run.
func (s *Settings) open(ctx context.Context, cfg Config, o connectors.OpenOptions) (connectors.Conn, error) {
	w := s.Block
	c, err := Open(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("cannot create a BigQuery client for project %s (warehouse in %s); check the credentials (%w)", w.ProjectID, s.File, err)
	}
	if w.Location == "" {
		loc, err := chooseLocation(ctx, clientLocator{c.client}, w.ProjectID, "", o.SourceSchemas, o.OutputSchemas, s.File)
		if err != nil {
			c.Close()
			return nil, err
		}
		c.setLocation(loc)
	}
	return c, nil
}
