// Package cli is the idstitch command line. Do runs one command with its own streams so that the
// whole CLI can be tested in-process.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/lease"
	"github.com/idstitch/idstitch/engine/runner"
)

// Exit codes, documented in docs/orchestrators.md: scripts and orchestrators decide on them
// whether to retry, alert or skip.
const (
	exitOK    = 0
	exitError = 1 // anything else, an interrupted run included
	exitUsage = 2 // a mistake on the command line
	// exitRunFailed: a run began and failed; the runs table records it, and the published
	// tables were left as they were.
	exitRunFailed = 3
	// exitProject: the project file is missing or wrong, or does not match the warehouse (a
	// table or column it names is missing, an expression does not run, a schema holds what
	// idstitch did not make). Running again will not help until it is fixed.
	exitProject = 4
	// exitUnreachable: the warehouse could not be reached or opened (a server down, a DuckDB
	// file held open by another program), before or during a run. Trying later may help.
	exitUnreachable = 5
	// exitBusy: another run of the project is in progress (serve, or another `idstitch run`,
	// holds its run lease); nothing was done.
	exitBusy = 6
)

// projectError is a project that cannot run as it is written: exit status exitProject.
type projectError struct{ err error }

func (e projectError) Error() string { return e.err.Error() }
func (e projectError) Unwrap() error { return e.err }

// asProject marks an error of checking the project against the warehouse as the project's,
// unless the warehouse failed (it could not be reached, refused a privilege, or the command was
// interrupted).
func asProject(err error) error {
	if err == nil {
		return nil
	}
	switch connectors.KindOf(err) {
	case connectors.Unreachable, connectors.Canceled, connectors.Denied:
		return err
	}
	return projectError{err}
}

// exitCode is the exit status of a command that failed with err.
func exitCode(err error) int {
	var ue usageError
	var pe projectError
	var se *runner.StageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		return exitUsage
	case errors.Is(err, lease.ErrHeld):
		return exitBusy
	case connectors.KindOf(err) == connectors.Canceled:
		return exitError
	case connectors.KindOf(err) == connectors.Unreachable:
		return exitUnreachable
	case errors.As(err, &se) && se.RunID > 0:
		return exitRunFailed
	case errors.As(err, &pe), errors.Is(err, config.ErrNotFound):
		return exitProject
	}
	var ce *config.Error
	if errors.As(err, &ce) {
		return exitProject
	}
	return exitError
}

type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
	later   bool
}

var commands = []command{
	{name: "demo", summary: "generate e-commerce demo data in DuckDB, write a project for it and run it", run: runDemo},
	{name: "init", summary: "write a commented idstitch.yaml to start from", run: runInit},
	{name: "validate", summary: "check the project file and its sources in the warehouse", run: runValidate},
	{name: "doctor", summary: "check privileges, patterns and cost on the warehouse before a first run; print the fixes", run: runDoctor},
	{name: "compile", summary: "print the SQL of a run for the project's (or another) warehouse", run: runCompile},
	{name: "run", summary: "stitch identities and publish the output tables", run: runRun},
	{name: "bench", summary: "measure runs: contraction, label propagation and an in-memory union-find", run: runBench},
	{name: "serve", summary: "run the schedule and serve the HTTP API (lookups, profiles, runs, metrics)", run: runServe},
	{name: "identify", summary: "answer the universal id of identifiers seen together (TYPE=VALUE…) and record the call for the next run", run: runIdentify},
	{name: "lookup", summary: "print the profile of an identifier (TYPE=VALUE) as JSON", run: runLookup},
	{name: "profile", summary: "print one profile by universal id as JSON", run: runProfile},
	{name: "explain", summary: "print the shortest chain of evidence linking two identifiers, or why there is none", run: runExplain},
	{name: "lookml", summary: "write LookML views and an explore for the output tables", run: runLookML},
	{name: "dbt", summary: "write a dbt property file declaring the output tables as a dbt source, with tests", run: runDBT},
	{name: "override", summary: "record, list or remove overrides: never-link, always-link, block, unblock (applied by the next run)", run: runOverride},
	{name: "forget", summary: "record requests to forget identifiers (erasure), carried out by the next run", run: runForget},
	{name: "report", summary: "write a self-contained HTML report of the graph and the runs", run: runReport},
}

// usageError is a mistake on the command line; it exits with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// Do runs the command line args and returns the exit status.
func Do(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if args[0] == "--version" || args[0] == "version" {
		fmt.Fprintln(stdout, "idstitch", Version)
		return exitOK
	}
	var cmd *command
	for i := range commands {
		if commands[i].name == args[0] {
			cmd = &commands[i]
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "idstitch: unknown command %q; run `idstitch --help` for the list\n", args[0])
		return exitUsage
	}
	if cmd.later {
		if len(args) > 1 && (args[1] == "-h" || args[1] == "--help") {
			fmt.Fprintf(stdout, "idstitch %s: %s.\nThis command is not built yet.\n", cmd.name, cmd.summary)
			return exitOK
		}
		fmt.Fprintf(stderr, "idstitch: `%s` is not built yet in this version; see the README for what works today\n", cmd.name)
		return exitError
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := cmd.run(ctx, e, args[1:])
	code := exitCode(err)
	if code != exitOK {
		fmt.Fprintf(stderr, "idstitch: %s\n", sentence(err))
	}
	return code
}

// Version is set at build time with -ldflags "-X …cli.Version=…".
var Version = "dev"

func usage(w io.Writer) {
	fmt.Fprintln(w, "idstitch links every identifier of one customer into a profile with a universal id, inside your warehouse.")
	fmt.Fprintln(w, "\nUsage: idstitch <command> [flags]   (idstitch <command> --help for its flags)\n\nCommands:")
	for _, c := range commands {
		note := ""
		if c.later {
			note = " (not built yet)"
		}
		fmt.Fprintf(w, "  %-9s %s%s\n", c.name, c.summary, note)
	}
}

// newFlags makes a verb's flag set; -c/--config is common to the verbs that read a project.
func newFlags(e *env, name, args, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage: idstitch %s %s\n\n%s\n\nFlags:\n", name, args, about)
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(e.stderr)
	}
	return fs
}

func configFlag(fs *flag.FlagSet) *string {
	path := fs.String("config", config.DefaultFile, "project file")
	fs.StringVar(path, "c", config.DefaultFile, "project file (shorthand)")
	return path
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{msg: fmt.Sprintf("%s: %v; see `idstitch %s --help`", fs.Name(), err, fs.Name())}
	}
	if fs.NArg() > 0 {
		return usageError{msg: fmt.Sprintf("%s: unexpected argument %q; see `idstitch %s --help`", fs.Name(), fs.Arg(0), fs.Name())}
	}
	return nil
}

// sentence turns an error chain into the one line a user reads, with advice where we have it.
func sentence(err error) string {
	// Driver messages can run over several lines; the first says what went wrong.
	msg, _, _ := strings.Cut(strings.TrimSpace(err.Error()), "\n")
	if errors.Is(err, lease.ErrHeld) {
		return msg + "; nothing was done: try again when it has finished (the lease of a run that was killed expires a minute after it was last renewed)"
	}
	switch connectors.KindOf(err) {
	case connectors.Canceled:
		return "stopped before finishing (interrupted); the published tables were left as they were"
	case connectors.MissingObject:
		msg += "; check the table and column names in the project file (`idstitch validate` checks them against the warehouse)"
	case connectors.Unreachable:
		msg += "; check that the warehouse is reachable and not held open by another program"
	case connectors.Denied:
		msg += "; the warehouse refused it for want of a privilege or over a quota: grant the role what a run needs on the sources and on the output, work and state schemas (see the warehouse's page under docs/), or raise the quota"
	case connectors.OutOfMemory:
		msg += "; the published tables were left as they were"
	}
	return msg
}
