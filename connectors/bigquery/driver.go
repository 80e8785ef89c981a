package bigquery

import (
	"context"
	"fmt"
	"os"

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
// Default Credentials), a cap on the bytes any query may bill, and labels set on every job.
type Block struct {
	ProjectID          string            `yaml:"project"`
	Location           string            `yaml:"location"`
	CredentialsEnv     string            `yaml:"credentials_env"`
	MaximumBytesBilled int64             `yaml:"maximum_bytes_billed"`
	Labels             map[string]string `yaml:"labels"`
}

// Configure checks that the block names the Google Cloud project.
func (Driver) Configure(b connectors.Block) (connectors.Settings, error) {
	var w Block
	if err := b.Decode(&w); err != nil {
		return nil, err
	}
	if w.ProjectID == "" {
		return nil, b.Missing("project", "missing; name the Google Cloud project that runs the jobs")
	}
	return &Settings{Block: w, File: b.File}, nil
}

// Settings is a checked BigQuery warehouse block.
type Settings struct {
	Block
	// File is the project file, named in messages.
	File string
}

// Open finds the credentials and creates a client.
func (s *Settings) Open(ctx context.Context, o connectors.OpenOptions) (connectors.Conn, error) {
	w := s.Block
	cfg := Config{Project: w.ProjectID, Location: w.Location, MaxBytesBilled: w.MaximumBytesBilled,
		Labels: map[string]string{"tool": "idstitch", "project": o.Project}}
	for k, v := range w.Labels {
		cfg.Labels[k] = v
	}
	if w.CredentialsEnv != "" {
		if cfg.CredentialsFile = os.Getenv(w.CredentialsEnv); cfg.CredentialsFile == "" {
			return nil, fmt.Errorf("the environment variable %s named by warehouse.credentials_env in %s is not set; export it with the path of the service-account key file", w.CredentialsEnv, s.File)
		}
	}
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
