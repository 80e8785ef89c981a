package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/idstitch/idstitch/engine/doctor"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/warehouse"
)

// errDoctor ends doctor with a non-zero status once it has printed its findings.
type errDoctor struct{ failed int }

func (e errDoctor) Error() string {
	if e.failed == 1 {
		return "1 check failed; the lines marked FAIL say what fixes it"
	}
	return fmt.Sprintf("%d checks failed; the lines marked FAIL say what fixes each", e.failed)
}

func runDoctor(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "doctor", "[-c idstitch.yaml]",
		"Checks, before a first run, that the project can run on its warehouse: the privileges a run needs on the output,\n"+
			"work and state schemas and on every source, that each pattern means in the warehouse what it means in the project\n"+
			"file, and on BigQuery what the run's statements would scan. It creates nothing; for what fails it prints the GRANT\n"+
			"or setting that fixes it, and exits with status 1.")
	path := configFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	p, err := loadProject(*path)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "idstitch doctor: project %s on %s (%s)\n", p.Project, p.Warehouse.Type, p.File)
	for _, w := range p.Warnings {
		fmt.Fprintf(e.stdout, "  warn  %s\n", w)
	}
	// The doctor prices and checks statements without running them: no secret salt is needed.
	p.SaltPlaceholder()
	conn, err := warehouse.OpenReadOnly(ctx, p)
	if err != nil {
		printFinding(e, doctor.Finding{Status: doctor.Fail, Check: "connect", Detail: sentence(err)})
		return errDoctor{failed: 1}
	}
	defer conn.Close()
	pl, err := plan.New(p, conn.Dialect(), "")
	if err != nil {
		return err
	}
	d := &doctor.Doctor{Conn: conn, Planner: pl, Report: func(f doctor.Finding) { printFinding(e, f) }}
	findings := d.Run(ctx)
	if n := doctor.Failed(findings); n > 0 {
		return errDoctor{failed: n}
	}
	fmt.Fprintf(e.stdout, "every check passed: `idstitch run` can start\n")
	return nil
}

func printFinding(e *env, f doctor.Finding) {
	fmt.Fprintf(e.stdout, "  %-4s  %s: %s\n", f.Status, f.Check, f.Detail)
	for _, fix := range f.Fix {
		fmt.Fprintf(e.stdout, "        fix: %s\n", strings.TrimSpace(fix))
	}
}
