package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/lookml"
	"github.com/idstitch/idstitch/engine/lookup"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/report"
	"github.com/idstitch/idstitch/engine/server"
	"github.com/idstitch/idstitch/engine/warehouse"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "[-c idstitch.yaml] [--addr 127.0.0.1:8080] [--token-env IDSTITCH_TOKEN]",
		"Runs the project on schedule.cron and serves the HTTP API: /healthz, /metrics, /v1/runs,\n"+
			"/v1/lookup?type=T&value=V and /v1/profiles/{universal_id} (both with &limit=N&after=CURSOR for pages\n"+
			"of identifiers), /v1/overrides, /v1/forget and /v1/identify (see docs/serve.md); after each run it pushes what changed\n"+
			"to the project's destinations (docs/realtime.md). SIGINT/SIGTERM stop it: no new runs, the current one finishes\n"+
			"within --grace, then is cancelled.")
	path := configFlag(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address of the HTTP API; beyond loopback a token is required")
	tokenEnv := fs.String("token-env", "IDSTITCH_TOKEN", "environment variable holding the API's bearer token")
	grace := fs.Duration("grace", 30*time.Second, "how long a stopping server lets the current run finish")
	retries := fs.Int("retries", 3, "retries of a run that failed on a transient warehouse error")
	noSchedule := fs.Bool("no-schedule", false, "serve the API only; runs start with POST /v1/runs")
	memory := fs.Bool("memory", true, "answer lookups from a copy of the published tables in memory (about 300 bytes per identifier),\nrefreshed after each run; -memory=false queries the warehouse for each lookup")
	if err := parse(fs, args); err != nil {
		return err
	}
	p, err := loadProject(*path)
	if err != nil {
		return err
	}
	if err := p.ReadSalt(); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	if p.Schedule.Cron == "" && !*noSchedule {
		log.Info("the project file has no schedule.cron: runs start only with POST /v1/runs")
	}
	s, err := server.New(server.Options{Project: p, Addr: *addr, Token: os.Getenv(*tokenEnv), Grace: *grace, Memory: *memory,
		Retries: *retries, NoSchedule: *noSchedule, Log: log})
	if err != nil {
		return err
	}
	return s.Serve(ctx)
}

func runLookup(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "lookup", "[-c idstitch.yaml] [--scope SCOPE] [--limit N] [--after CURSOR] TYPE=VALUE",
		"Prints, as JSON, the profile holding an identifier: the value is normalized as a run normalizes it.\n"+
			"In a project with scopes, --scope names the scope the identifier is in (its pool, for a shared type).\n"+
			pagesHelp)
	path := configFlag(fs)
	scope := fs.String("scope", "", "the scope to look the identifier up in, in a project with scopes")
	page := pageFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || !strings.Contains(fs.Arg(0), "=") {
		return usageError{msg: "lookup takes one identifier as TYPE=VALUE, e.g. idstitch lookup email=ann@example.com"}
	}
	pg, err := page()
	if err != nil {
		return err
	}
	idType, value, _ := strings.Cut(fs.Arg(0), "=")
	return readOutputs(ctx, e, *path, func(svc lookup.Service, conn connectors.Conn) (any, error) {
		return svc.LookupIn(ctx, conn, idType, value, *scope, pg)
	})
}

func runProfile(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "profile", "[-c idstitch.yaml] [--limit N] [--after CURSOR] UNIVERSAL_ID",
		"Prints one profile, its identifiers and columns, as JSON.\n"+pagesHelp)
	path := configFlag(fs)
	page := pageFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{msg: "profile takes one universal id"}
	}
	pg, err := page()
	if err != nil {
		return err
	}
	return readOutputs(ctx, e, *path, func(svc lookup.Service, conn connectors.Conn) (any, error) {
		return svc.Profile(ctx, conn, fs.Arg(0), pg)
	})
}

// pagesHelp explains the pages of identifiers that lookup and profile print.
var pagesHelp = fmt.Sprintf("Identifiers come in pages, in (type, value) order: at most --limit of them (at most %d), with\n"+
	"identifiers_total, the profile's count, and next, the cursor to give --after for the next page\n"+
	"(null on the last).", lookup.MaxLimit)

// pageFlags adds --limit and --after to a lookup command; the function it returns gives the page
// they ask for once the flags are parsed.
func pageFlags(fs *flag.FlagSet) func() (lookup.Page, error) {
	limit := fs.Int("limit", lookup.DefaultLimit, "how many identifiers of the profile to print")
	after := fs.String("after", "", "print the identifiers after this cursor: the next value of the previous answer")
	return func() (lookup.Page, error) {
		p, err := lookup.ParsePage(strconv.Itoa(*limit), *after)
		if err != nil {
			return p, usageError{msg: fs.Name() + ": --" + err.Error()}
		}
		return p, nil
	}
}

// readOutputs opens the project's outputs for reading (a DuckDB file read-only, so it works
// beside a running server) and prints what fn finds as JSON.
func readOutputs(ctx context.Context, e *env, path string, fn func(lookup.Service, connectors.Conn) (any, error)) error {
	p, pl, err := projectPlanner(path)
	if err != nil {
		return err
	}
	wh := warehouse.NewShared(p)
	defer wh.Close()
	var out any
	err = wh.Read(ctx, func(conn connectors.Conn) error {
		var err error
		out, err = fn(lookup.Service{Planner: pl}, conn)
		return err
	})
	if err != nil {
		return err
	}
	if err := printJSON(e, out); err != nil {
		return fmt.Errorf("print: %w", err)
	}
	return nil
}

// projectPlanner loads a project and plans for its own warehouse, without connecting.
func projectPlanner(path string) (*config.Project, *plan.Planner, error) {
	p, err := loadProject(path)
	if err != nil {
		return nil, nil, err
	}
	pl, err := plan.New(p, p.Warehouse.Dialect(), "")
	return p, pl, err
}

func runExplain(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "explain", "[-c idstitch.yaml] [--scope SCOPE] TYPE=VALUE TYPE=VALUE\n       idstitch explain --html [-c idstitch.yaml] [-o FILE] UNIVERSAL_ID",
		"Prints, as JSON, the shortest chain of evidence linking two identifiers (each link with its sources,\nrow count and first/last seen), or why they are not linked. In a project with scopes, --scope names\nthe scope both identifiers are in, and identifiers of local types are named type:value@scope.\n"+
			"With --html, writes one profile's graph as a self-contained HTML page instead: its identifiers\ncoloured by type, its links with their evidence, the quarantined identifiers sharing its rows and the\nlinks overrides made (docs/explain.md).")
	path := configFlag(fs)
	scope := fs.String("scope", "", "the scope to look both identifiers up in, in a project with scopes")
	html := fs.Bool("html", false, "write the page of the profile UNIVERSAL_ID's graph")
	out := fs.String("out", "", "with --html, the file to write (default profile-UNIVERSAL_ID.html)")
	fs.StringVar(out, "o", "", "with --html, the file to write (shorthand)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *html {
		if fs.NArg() != 1 {
			return usageError{msg: "explain --html takes one universal id, e.g. idstitch explain --html 0f3a…"}
		}
		return explainHTML(ctx, e, *path, fs.Arg(0), *out)
	}
	if fs.NArg() != 2 || !strings.Contains(fs.Arg(0), "=") || !strings.Contains(fs.Arg(1), "=") {
		return usageError{msg: "explain takes two identifiers as TYPE=VALUE TYPE=VALUE, e.g. idstitch explain email=ann@example.com user_id=u1"}
	}
	ta, va, _ := strings.Cut(fs.Arg(0), "=")
	tb, vb, _ := strings.Cut(fs.Arg(1), "=")
	return readOutputs(ctx, e, *path, func(svc lookup.Service, conn connectors.Conn) (any, error) {
		return svc.ExplainIn(ctx, conn, ta, va, tb, vb, *scope)
	})
}

func runLookML(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "lookml", "[-c idstitch.yaml] [--dir lookml]",
		"Writes LookML views for profiles, id_graph, audience_members and each <source>_stitched view,\nand a model with an explore joining them on universal_id.")
	path := configFlag(fs)
	dir := fs.String("dir", "lookml", "directory to write the LookML files into")
	if err := parse(fs, args); err != nil {
		return err
	}
	p, err := loadProject(*path)
	if err != nil {
		return err
	}
	names, err := lookml.Write(p, *dir)
	if err != nil {
		return fmt.Errorf("write LookML into %s: %w", *dir, err)
	}
	fmt.Fprintf(e.stdout, "wrote %d LookML files into %s: %s\n", len(names), *dir, strings.Join(names, ", "))
	return nil
}

func runReport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "report", "[-c idstitch.yaml] [--out idstitch-report.html]",
		"Writes a self-contained HTML page: profile sizes, identifiers per type, largest profiles,\nquarantined values by reason, run history with stage timings. The largest profiles link to the\npages of their graphs, written beside it (see --profiles).")
	path := configFlag(fs)
	out := fs.String("out", "idstitch-report.html", "file to write")
	pages := fs.Int("profiles", 10, "write the graph pages of this many of the largest profiles into a folder beside\nthe report (its name without .html, then -profiles) and link them; 0 for none")
	if err := parse(fs, args); err != nil {
		return err
	}
	p, pl, err := projectPlanner(*path)
	if err != nil {
		return err
	}
	wh := warehouse.NewShared(p)
	defer wh.Close()
	var data *report.Data
	if err := wh.Read(ctx, func(conn connectors.Conn) error {
		var err error
		if data, err = report.Collect(ctx, conn, pl); err != nil {
			return err
		}
		var uids []string
		for i := 0; i < len(data.Largest) && i < *pages; i++ {
			uids = append(uids, data.Largest[i][0])
		}
		data.Links, err = profilePages(ctx, conn, pl, *out, uids)
		return err
	}); err != nil {
		if connectors.KindOf(err) == connectors.MissingObject {
			return fmt.Errorf("no run has published the output tables in schema %s yet; run `idstitch run` first", p.Output.Schema)
		}
		return err
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := report.Render(f, data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s\n", *out)
	return nil
}
