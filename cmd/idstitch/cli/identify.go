package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/check"
	"github.com/idstitch/idstitch/engine/identify"
	"github.com/idstitch/idstitch/engine/lookup"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/warehouse"
)

func runIdentify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "identify", "[-c idstitch.yaml] [--event-id ID] TYPE=VALUE [TYPE=VALUE…]",
		"Answers, as JSON, the universal id of identifiers seen together (a sign-in: anonymous id, user id, email),\n"+
			"as a run would give it, and records the call in the landing table that the next run reads.\n"+
			"While idstitch serve runs, call its POST /v1/identify instead: it answers from memory, in milliseconds,\n"+
			"and sees the calls made since the last run.")
	path := configFlag(fs)
	eventID := fs.String("event-id", "", "names the call: a call repeated with the same event id is answered as before and recorded once")
	rest, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return usageError{msg: "identify takes one or more identifiers as TYPE=VALUE, e.g. idstitch identify anonymous_id=a1 email=ann@example.com"}
	}
	ids, err := identifiers("identify", rest)
	if err != nil {
		return err
	}
	req := identify.Request{EventID: *eventID}
	for _, id := range ids {
		req.Identifiers = append(req.Identifiers, identify.ID{Type: id.Type, Value: id.Value})
	}
	p, pl, err := projectPlanner(*path)
	if err != nil {
		return err
	}
	if p.Identify == nil {
		return usageError{msg: fmt.Sprintf("identify is not turned on for this project: add `identify: {}` to %s", p.File)}
	}
	if err := p.ReadSalt(); err != nil {
		return err
	}
	conn, err := warehouse.Open(ctx, p)
	if err != nil {
		if connectors.KindOf(err) == connectors.Unreachable && p.Warehouse.Driver.Capabilities().Has(connectors.ExclusiveFile) {
			return fmt.Errorf("cannot open the DuckDB file for writing (while idstitch serve holds it, call its POST /v1/identify): %w", err)
		}
		return err
	}
	defer conn.Close()
	// The run lease, as a run and serve hold it to load calls: two loads at once would share the
	// load table beside the landing table.
	release, claimed, err := holdLease(ctx, e, conn, pl)
	if err != nil {
		return err
	}
	defer release()
	if err := claimOnce(ctx, conn, pl, claimed); err != nil {
		return err
	}
	for _, st := range pl.LandingTables() {
		if err := conn.Exec(ctx, st.SQL); err != nil {
			return fmt.Errorf("making the identify landing table: %w", err)
		}
	}
	if req.EventID != "" {
		if a, ok, err := identify.RecordedAnswer(ctx, conn, pl, req.EventID); err != nil || ok {
			if err != nil {
				return err
			}
			return printJSON(e, a)
		}
	}
	m, err := lookup.LoadMemory(ctx, conn, pl)
	if errors.Is(err, lookup.ErrNotPublished) {
		return fmt.Errorf("no run of this project has published yet: identify answers from the published tables; run `idstitch run` first")
	}
	if err != nil {
		return err
	}
	// The call goes through a journal of its own, loaded at once: a running serve keeps its own.
	dir, err := os.MkdirTemp("", "idstitch-identify-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	j, _, err := identify.OpenJournal(dir + "/call.journal")
	if err != nil {
		return err
	}
	defer j.Close()
	r := identify.New(p, j, nil)
	r.SetBase(m, 0)
	norm := identify.WarehouseNormalizer(pl, func(ctx context.Context, fn func(connectors.Conn) error) error { return fn(conn) })
	a, err := r.Identify(ctx, req, norm)
	var bad *identify.BadRequest
	if errors.As(err, &bad) {
		return usageError{msg: "identify: " + bad.Msg}
	}
	if err != nil {
		return err
	}
	if _, _, err := identify.Flush(ctx, conn, pl, j); err != nil {
		return err
	}
	return printJSON(e, a)
}

func printJSON(e *env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// flushIdleJournal loads into the landing table the identify calls a stopped serve left in its
// journal on this machine; a running serve loads its own before its runs.
func flushIdleJournal(ctx context.Context, e *env, conn connectors.Conn, pl *plan.Planner, claimed *check.Owned) error {
	p := pl.Project
	if _, err := os.Stat(p.JournalPath()); err != nil {
		return nil
	}
	j, _, err := identify.OpenJournal(p.JournalPath())
	if errors.Is(err, identify.ErrJournalBusy) {
		return nil
	}
	if err != nil {
		return err
	}
	defer j.Close()
	if err := claimOnce(ctx, conn, pl, claimed); err != nil {
		return err
	}
	_, n, err := identify.Flush(ctx, conn, pl, j)
	if n > 0 && err == nil {
		fmt.Fprintf(e.stderr, "idstitch: %d identify calls left in %s loaded into %s\n", n, p.JournalPath(), pl.LandingTable())
	}
	return err
}

// claimOnce checks that the output schemas are idstitch's before a load creates anything there,
// unless taking the lease did (claimed is what it found).
func claimOnce(ctx context.Context, conn connectors.Conn, pl *plan.Planner, claimed *check.Owned) error {
	if claimed != nil {
		return nil
	}
	_, err := check.Claim(ctx, conn, pl)
	return asProject(err)
}
