package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/control"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/warehouse"
)

// overrideVerbs are the sub-commands of override, with the kind each records ("" for the rest).
var overrideVerbs = []struct{ name, kind, args, about string }{
	{"never-link", control.NeverLink, "TYPE=VALUE TYPE=VALUE --reason R [--by WHO]", "keep two identifiers in different profiles, whatever links them"},
	{"always-link", control.AlwaysLink, "TYPE=VALUE TYPE=VALUE --reason R [--by WHO]", "put two identifiers in one profile, whatever the guards say"},
	{"block", control.Block, "TYPE=VALUE [--reason R] [--by WHO]", "keep an identifier out of every profile"},
	{"unblock", control.Unblock, "TYPE=VALUE [--reason R] [--by WHO]", "let an identifier the guards keep out back in"},
	{"list", "", "[--json]", "list the overrides with the status the last run gave each"},
	{"remove", "", "OVERRIDE_ID", "delete an override; the next run recomputes without it"},
}

func overrideUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: idstitch override <verb> [-c idstitch.yaml] …\n\nRecords overrides in the overrides table of the output schema; the next run applies them (docs/overrides.md).\n\nVerbs:")
	for _, v := range overrideVerbs {
		fmt.Fprintf(w, "  %-12s %-45s %s\n", v.name, v.args, v.about)
	}
}

func runOverride(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		overrideUsage(e.stderr)
		return usageError{msg: "override needs a verb: never-link, always-link, block, unblock, list or remove"}
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		overrideUsage(e.stdout)
		return flag.ErrHelp
	}
	for _, v := range overrideVerbs {
		if v.name != args[0] {
			continue
		}
		name := "override " + v.name
		switch v.name {
		case "list":
			return overrideList(ctx, e, name, v.args, args[1:])
		case "remove":
			return overrideRemove(ctx, e, name, v.args, args[1:])
		}
		return overrideAdd(ctx, e, name, v.kind, v.args, v.about, args[1:])
	}
	return usageError{msg: fmt.Sprintf("override: unknown verb %q; see `idstitch override --help`", args[0])}
}

// parseMixed parses flags that may come after the arguments (override block email=x --by ann)
// and returns the arguments.
func parseMixed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{msg: fmt.Sprintf("%s: %v; see `idstitch %s --help`", fs.Name(), err, fs.Name())}
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// identifiers reads TYPE=VALUE arguments.
func identifiers(verb string, args []string) ([]control.Identifier, error) {
	var out []control.Identifier
	for _, a := range args {
		t, v, ok := strings.Cut(a, "=")
		if !ok || t == "" {
			return nil, usageError{msg: fmt.Sprintf("%s: %q is not an identifier; write it as TYPE=VALUE, e.g. email=ann@example.com", verb, a)}
		}
		out = append(out, control.Identifier{Type: t, Value: v})
	}
	return out, nil
}

// byFlag is --by, who asks; default the user running the command.
func byFlag(fs *flag.FlagSet) *string {
	return fs.String("by", os.Getenv("USER"), "who asks for it, recorded with the row (default $USER)")
}

func requireBy(verb, by string) error {
	if strings.TrimSpace(by) == "" {
		return usageError{msg: verb + ": say who asks for it with --by WHO ($USER is not set)"}
	}
	return nil
}

func overrideAdd(ctx context.Context, e *env, name, kind, usage, about string, args []string) error {
	fs := newFlags(e, name, "[-c idstitch.yaml] "+usage, "Records an override to "+about+"; the next run applies it.")
	path := configFlag(fs)
	reason := fs.String("reason", "", "why, recorded with the override (required to link or keep apart)")
	by := byFlag(fs)
	rest, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	pair := kind == control.NeverLink || kind == control.AlwaysLink
	if want := map[bool]int{true: 2, false: 1}[pair]; len(rest) != want {
		return usageError{msg: fmt.Sprintf("%s takes %d identifier(s) as TYPE=VALUE; see `idstitch %s --help`", name, want, name)}
	}
	ids, err := identifiers(name, rest)
	if err != nil {
		return err
	}
	if pair && strings.TrimSpace(*reason) == "" {
		return usageError{msg: name + ": say why with --reason; the reason is kept with the override"}
	}
	if err := requireBy(name, *by); err != nil {
		return err
	}
	o := control.NewOverride{Kind: kind, A: ids[0], CreatedBy: *by, Reason: *reason}
	if pair {
		o.B = &ids[1]
	}
	var row *control.Override
	err = writeControl(ctx, *path, func(conn connectors.Conn, pl *plan.Planner) error {
		row, err = control.AddOverride(ctx, conn, pl, o)
		return err
	})
	if err != nil {
		return err
	}
	what := row.A.String()
	if row.B != nil {
		what += " " + row.B.String()
	}
	fmt.Fprintf(e.stdout, "override %s recorded: %s %s (pending); the next run applies it\n", row.ID, row.Kind, what)
	return nil
}

func overrideList(ctx context.Context, e *env, name, usage string, args []string) error {
	fs := newFlags(e, name, "[-c idstitch.yaml] "+usage, "Lists the overrides, oldest first, with the status the last run gave each (pending until a run applies it).")
	path := configFlag(fs)
	asJSON := fs.Bool("json", false, "print a JSON array instead of a table")
	if err := parse(fs, args); err != nil {
		return err
	}
	p, pl, err := projectPlanner(*path)
	if err != nil {
		return err
	}
	wh := warehouse.NewShared(p)
	defer wh.Close()
	var list []control.Override
	if err := wh.Read(ctx, func(conn connectors.Conn) error {
		list, err = control.ListOverrides(ctx, conn, pl)
		return err
	}); err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e, list)
	}
	if len(list) == 0 {
		fmt.Fprintf(e.stdout, "no overrides in %s\n", pl.OutputTable(plan.Overrides))
		return nil
	}
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tKIND\tA\tB\tSTATUS\tCREATED\tBY\tREASON")
	for _, o := range list {
		b, status := "", o.Status
		if o.B != nil {
			b = o.B.String()
		}
		if o.StatusDetail != nil && *o.StatusDetail != "" {
			status += " (" + *o.StatusDetail + ")"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o.ID, o.Kind, o.A, b, status, o.CreatedAt.UTC().Format(time.DateTime), o.CreatedBy, o.Reason)
	}
	return w.Flush()
}

func overrideRemove(ctx context.Context, e *env, name, usage string, args []string) error {
	fs := newFlags(e, name, "[-c idstitch.yaml] "+usage, "Deletes an override: that is how one is undone. The next run recomputes without it.")
	path := configFlag(fs)
	rest, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError{msg: name + " takes one override id (idstitch override list shows them)"}
	}
	if err := writeControl(ctx, *path, func(conn connectors.Conn, pl *plan.Planner) error {
		return control.RemoveOverride(ctx, conn, pl, rest[0])
	}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "override %s removed; the next run recomputes without it\n", rest[0])
	return nil
}

func runForget(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "forget", "[-c idstitch.yaml] TYPE=VALUE … [--by WHO] [--withdraw] | --status",
		"Records a request to forget each identifier (erasure): the next run removes it from the outputs and the state and\n"+
			"keeps only a salted hash in forget_audit, so that it stays out of later runs. --withdraw lets identifiers back in.")
	path := configFlag(fs)
	by := byFlag(fs)
	withdraw := fs.Bool("withdraw", false, "withdraw earlier requests to forget these identifiers")
	status := fs.Bool("status", false, "print how many requests wait for the next run and how many identifiers were forgotten")
	rest, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if *status {
		if len(rest) > 0 {
			return usageError{msg: "forget --status takes no identifiers"}
		}
		return forgetStatus(ctx, e, *path)
	}
	if len(rest) == 0 {
		return usageError{msg: "forget takes one or more identifiers as TYPE=VALUE, e.g. idstitch forget email=ann@example.com"}
	}
	ids, err := identifiers("forget", rest)
	if err != nil {
		return err
	}
	if err := requireBy("forget", *by); err != nil {
		return err
	}
	action := control.Forget
	if *withdraw {
		action = control.Withdraw
	}
	var reqs []control.Request
	if err := writeControl(ctx, *path, func(conn connectors.Conn, pl *plan.Planner) error {
		reqs, err = control.AddForget(ctx, conn, pl, action, ids, *by)
		return err
	}); err != nil {
		return err
	}
	for _, r := range reqs {
		fmt.Fprintf(e.stdout, "request %s recorded: %s %s\n", r.ID, r.Action, r.Identifier)
	}
	if action == control.Forget {
		fmt.Fprintf(e.stdout, "the next run carries out %d request(s): it forgets the identifiers and records their salted hashes in forget_audit\n", len(reqs))
	} else {
		fmt.Fprintf(e.stdout, "the next run carries out %d request(s): it lets the identifiers back in\n", len(reqs))
	}
	return nil
}

func forgetStatus(ctx context.Context, e *env, path string) error {
	p, pl, err := projectPlanner(path)
	if err != nil {
		return err
	}
	wh := warehouse.NewShared(p)
	defer wh.Close()
	var st control.Status
	if err := wh.Read(ctx, func(conn connectors.Conn) error {
		st, err = control.ForgetStatus(ctx, conn, pl)
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d request(s) wait for the next run; %d identifier(s) forgotten (forget_audit)\n", st.Pending, st.Forgotten)
	return nil
}

// writeControl loads the project, checks the request against it, then opens the warehouse for
// writing and calls fn. A request refused by engine/control is a mistake on the command line.
func writeControl(ctx context.Context, path string, fn func(connectors.Conn, *plan.Planner) error) error {
	p, pl, err := projectPlanner(path)
	if err != nil {
		return err
	}
	conn, err := warehouse.Open(ctx, p)
	if err != nil {
		return heldFile(p, err)
	}
	defer conn.Close()
	err = fn(conn, pl)
	var inv *control.Invalid
	switch {
	case errors.As(err, &inv):
		return usageError{msg: inv.Msg}
	case errors.Is(err, control.ErrNotFound):
		return err
	}
	return asProject(err)
}

// heldFile adds to a DuckDB file that cannot be opened for writing (idstitch serve holds it)
// that the API writes through serve.
func heldFile(p *config.Project, err error) error {
	if connectors.KindOf(err) == connectors.Unreachable && p.Warehouse.Driver.Capabilities().Has(connectors.ExclusiveFile) {
		return fmt.Errorf("cannot open the DuckDB file for writing (while idstitch serve holds it, write through its API: POST /v1/overrides, POST /v1/forget): %w", err)
	}
	return err
}
