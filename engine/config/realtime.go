package config

import (
	"fmt"
	"path/filepath"
	"time"
)

// LandingSource is the name of the source that an identify landing table is read as.
const LandingSource = "identify"

// Identify turns on identify calls (docs/realtime.md): `POST /v1/identify` and `idstitch identify`
// answer a universal id at once and record each call in a landing table, in the output schema,
// that every run reads as one more source.
type Identify struct {
	// Table is the landing table's name in the output schema; default identify_events.
	Table string `yaml:"table"`
	// Journal is the file where serve records each call before answering it, flushed into the
	// landing table before each run; default .idstitch/<project>-identify.journal beside the
	// project file.
	Journal string `yaml:"journal"`
}

// Destination is where serve pushes what each run changed: a webhook or a directory of files.
type Destination struct {
	Name    string         `yaml:"name"`
	Webhook *WebhookTarget `yaml:"webhook"`
	Files   *FilesTarget   `yaml:"files"`
}

// WebhookTarget is an HTTP endpoint that receives POSTed batches signed with a secret.
type WebhookTarget struct {
	URL string `yaml:"url"`
	// SecretEnv names the environment variable holding the HMAC secret.
	SecretEnv   string `yaml:"secret_env"`
	BatchSize   int    `yaml:"batch_size"`
	Timeout     string `yaml:"timeout"`
	MaxAttempts int    `yaml:"max_attempts"`
	// TimeoutDuration is Timeout parsed; 0 when unset (deliver's default, 10s).
	TimeoutDuration time.Duration `yaml:"-"`
}

// FilesTarget is a directory where each run's changes are written as one JSON Lines file.
type FilesTarget struct {
	// Dir is resolved against the project file's directory.
	Dir string `yaml:"dir"`
}

// LandingColumn is the landing table's column holding values of the id type named typ.
func LandingColumn(typ string) string { return "id_" + typ }

// JournalPath is the identify journal's path, resolved against the project file's directory.
func (p *Project) JournalPath() string {
	j := p.Identify.Journal
	switch {
	case j == "":
		return filepath.Join(p.StateDir(), p.Project+"-identify.journal")
	case !filepath.IsAbs(j):
		return filepath.Join(p.Dir, j)
	}
	return j
}

// Landing is the project's landing source, or nil without identify.
func (p *Project) Landing() *Source {
	for i := range p.Sources {
		if p.Sources[i].Landing {
			return &p.Sources[i]
		}
	}
	return nil
}

// checkRealtime checks the identify and destinations sections and adds the landing source, which
// a run then reads like any other.
func (c *checker) checkRealtime(p *Project) {
	if p.Identify == nil && hasKey(c.root, "identify") {
		// `identify:` with nothing under it turns the calls on with the defaults.
		p.Identify = &Identify{}
	}
	if id := p.Identify; id != nil {
		if id.Table == "" {
			id.Table = "identify_events"
		}
		switch {
		case !namePattern.MatchString(id.Table):
			c.fail(c.line("identify", "table"), "identify.table", "%q must be lower case letters, digits and underscores, starting with a letter", id.Table)
		case p.Scoped():
			c.fail(c.line("identify"), "identify", "identify calls are not available in a project with scopes yet; remove the identify section")
		}
		for i, s := range p.Sources {
			if s.Name == LandingSource {
				c.fail(c.line("sources", i, "name"), fmt.Sprintf("sources[%d].name", i), "%q is the name of the source that identify calls land in; rename this source", s.Name)
			}
		}
		if c.err == nil {
			land := Source{Name: LandingSource, Table: p.Output.Schema + "." + id.Table, Timestamp: "received_at", Landing: true,
				Description: "identify calls, recorded as they were answered"}
			for _, t := range p.IDTypes {
				land.IDs = append(land.IDs, IDColumn{Type: t.Name, Columns: []string{LandingColumn(t.Name)}})
			}
			p.Sources = append(p.Sources, land)
		}
	}
	names := map[string]bool{}
	for i := range p.Destinations {
		d := &p.Destinations[i]
		key := fmt.Sprintf("destinations[%d]", i)
		switch {
		case !namePattern.MatchString(d.Name):
			c.fail(c.line("destinations", i, "name"), key+".name", "%q must be lower case letters, digits and underscores, starting with a letter", d.Name)
		case names[d.Name]:
			c.fail(c.line("destinations", i, "name"), key+".name", "%q names two destinations; give each its own name", d.Name)
		case (d.Webhook == nil) == (d.Files == nil):
			c.fail(c.line("destinations", i), key, "give exactly one of webhook or files")
		}
		names[d.Name] = true
		if w := d.Webhook; w != nil {
			if _, ok := httpURL(w.URL); !ok {
				c.fail(c.line("destinations", i, "webhook", "url"), key+".webhook.url", "%q is not an http(s) URL", w.URL)
			}
			if w.SecretEnv == "" {
				c.fail(c.line("destinations", i, "webhook"), key+".webhook.secret_env", "missing; name the environment variable that holds the signing secret")
			}
			if w.Timeout != "" { // unset: deliver's default, 10s
				d, err := time.ParseDuration(w.Timeout)
				if err != nil || d < 100*time.Millisecond || d > 5*time.Minute {
					c.fail(c.line("destinations", i, "webhook", "timeout"), key+".webhook.timeout", "%q is not a timeout; write a duration between 100ms and 5m, like 10s", w.Timeout)
				}
				w.TimeoutDuration = d
			}
			if w.BatchSize < 0 || w.BatchSize > 10000 {
				c.fail(c.line("destinations", i, "webhook", "batch_size"), key+".webhook.batch_size", "%d is out of range; give 1 to 10000 (default 500)", w.BatchSize)
			}
			if w.MaxAttempts < 0 || w.MaxAttempts > 100 {
				c.fail(c.line("destinations", i, "webhook", "max_attempts"), key+".webhook.max_attempts", "%d is out of range; give 1 to 100 (default 8)", w.MaxAttempts)
			}
		}
		if f := d.Files; f != nil && f.Dir == "" {
			c.fail(c.line("destinations", i, "files"), key+".files.dir", "missing; name the directory the JSON Lines files go to")
		} else if f != nil && !filepath.IsAbs(f.Dir) {
			f.Dir = filepath.Join(p.Dir, f.Dir)
		}
	}
}

// StateDir is the directory, beside the project file, where serve keeps what must survive a
// restart on this machine: the identify journal and the destinations' outbox.
func (p *Project) StateDir() string { return filepath.Join(p.Dir, ".idstitch") }
