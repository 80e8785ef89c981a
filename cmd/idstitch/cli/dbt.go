package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/idstitch/idstitch/engine/dbt"
)

func runDBT(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "dbt", "[-c idstitch.yaml] [--out models/idstitch_sources.yml] [--database NAME]",
		"Writes a dbt property file declaring the published tables as the dbt source idstitch, every\ncolumn described, with data tests and a freshness rule from schedule.cron. dbt models then\nbuild on {{ source('idstitch', 'profiles') }}.")
	path := configFlag(fs)
	out := fs.String("out", filepath.Join("models", "idstitch_sources.yml"), "file to write, in the dbt project")
	database := fs.String("database", "", "the source's database (default: dbt's target database, or the project of a BigQuery output schema)")
	if err := parse(fs, args); err != nil {
		return err
	}
	p, err := loadProject(*path)
	if err != nil {
		return err
	}
	props, err := dbt.Properties(p, *database)
	if err != nil {
		return fmt.Errorf("%s: %w", p.File, err)
	}
	text, err := props.YAML(p)
	if err != nil {
		return err
	}
	if dir := filepath.Dir(*out); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("write the dbt property file %s: %w", *out, err)
		}
	}
	if err := os.WriteFile(*out, text, 0o644); err != nil {
		return fmt.Errorf("write the dbt property file %s: %w", *out, err)
	}
	fmt.Fprintf(e.stdout, "wrote %s: the dbt source %s with %d tables\n", *out, dbt.SourceName, len(props.Sources[0].Tables))
	return nil
}
