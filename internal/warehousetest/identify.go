package warehousetest

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/check"
	"github.com/idstitch/idstitch/engine/control"
	"github.com/idstitch/idstitch/engine/identify"
	"github.com/idstitch/idstitch/engine/lookup"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/unionfind"
)

// testIdentify interleaves random identify calls, new source rows and runs. After every run, each
// id identify answered is the id the run published for the identifier it answered for, or
// id_changes leads from the answered id to the published one (or to none, for an identifier
// quarantined since). Where a batch holds identify calls only and no limit can refuse a merge,
// identify's own view of every identifier it linked is exactly what the run published.
func testIdentify(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	d := conn.Dialect()
	dir := t.TempDir()
	ctx := context.Background()
	example := 0
	var agreed, viaChanges, strict int
	rapid.Check(t, func(t *rapid.T) {
		example++
		schema := fmt.Sprintf("idf%d", example)
		limit := rapid.Bool().Draw(t, "user_id limit 1")
		// A table per example: on Postgres the stitched views of earlier examples hold on to theirs.
		tb := Table{Name: fmt.Sprintf("idf_src_%d", example), Columns: []string{"uid", "mail", "cookie"}, Types: []string{"user_id", "email", "cookie"}}
		yaml := ProjectYAML(randomTypes, []Table{tb}, d.DefaultSchema())
		yaml = strings.Replace(yaml, "schema: identity", "schema: "+schema, 1)
		if limit {
			yaml = strings.Replace(yaml, "  - name: user_id\n", "  - name: user_id\n    limit: 1\n", 1)
		}
		yaml += fmt.Sprintf("identify:\n  journal: %s\n", filepath.Join(dir, schema+".journal"))
		p := mustParse(t, yaml)
		pl, err := plan.New(p, d, plan.Contraction)
		if err != nil {
			t.Fatal(err)
		}
		j, pending, err := identify.OpenJournal(p.JournalPath())
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		res := identify.New(p, j, pending)
		// As serve does: a call retried after a run has read it is answered from the landing table.
		res.Recorded = func(ctx context.Context, eventID string) (identify.Answer, bool, error) {
			return identify.RecordedAnswer(ctx, conn, pl, eventID)
		}
		norm := identify.WarehouseNormalizer(pl, func(ctx context.Context, fn func(connectors.Conn) error) error { return fn(conn) })
		value := func(typ string) string {
			return fmt.Sprintf("%s-%d", typ, rapid.IntRange(0, 5).Draw(t, typ))
		}
		// Rows are dated when they are drawn, as identify calls are: the anchor rule compares both.
		row := func() Row {
			vals := make([]any, 3)
			for k, typ := range tb.Types {
				if rapid.IntRange(0, 2).Draw(t, "has "+typ) > 0 {
					vals[k] = value(typ)
				}
			}
			return Row{TS: time.Now().UTC(), Values: vals}
		}
		tb.Rows = []Row{row(), row()}
		loadUnder(t, conn, []Table{tb}, schema)
		var flushed int64
		run := func() {
			// As serve does: the lease claims the schemas, then the journal is flushed, then the run.
			if _, err := check.Claim(ctx, conn, pl); err != nil {
				t.Fatalf("claim: %v", err)
			}
			seq, _, err := identify.Flush(ctx, conn, pl, j)
			if err != nil {
				t.Fatalf("flush: %v", err)
			}
			flushed = max(flushed, seq)
			StitchIncremental(t, conn, p)
			m, err := lookup.LoadMemory(ctx, conn, pl)
			if err != nil {
				t.Fatalf("load memory: %v", err)
			}
			res.SetBase(m, flushed)
		}
		run()

		type answered struct {
			a   identify.Answer
			run int
		}
		var answers []answered
		runs := 1
		batchRows := false
		// linked are the identifiers calls linked in this batch.
		linked := map[unionfind.ID]bool{}
		steps := rapid.IntRange(2, 14).Draw(t, "steps")
		for s := 0; s <= steps; s++ {
			kind := "run"
			if s < steps {
				kind = rapid.SampledFrom([]string{"identify", "identify", "identify", "rows", "run"}).Draw(t, "step")
			}
			switch kind {
			case "identify":
				var req identify.Request
				if len(answers) > 0 && rapid.IntRange(0, 9).Draw(t, "retry") == 0 {
					// A retried call: answered as before, recorded once.
					prev := answers[rapid.IntRange(0, len(answers)-1).Draw(t, "retried")].a
					again, err := res.Identify(ctx, identify.Request{EventID: prev.EventID, Identifiers: []identify.ID{{Type: "email", Value: "email-0"}}}, norm)
					if err != nil || !again.Replayed || again.UniversalID != prev.UniversalID {
						t.Fatalf("retry of event %s: %+v, %v; want the answer %s replayed", prev.EventID, again, err, prev.UniversalID)
					}
					continue
				}
				req.EventID = fmt.Sprintf("%s-ev-%d", schema, s)
				for _, typ := range randomTypes {
					if rapid.Bool().Draw(t, "call has "+typ) {
						req.Identifiers = append(req.Identifiers, identify.ID{Type: typ, Value: value(typ)})
					}
				}
				if len(req.Identifiers) == 0 {
					req.Identifiers = []identify.ID{{Type: "cookie", Value: value("cookie")}}
				}
				a, err := res.Identify(ctx, req, norm)
				if err != nil {
					t.Fatalf("identify %+v: %v", req, err)
				}
				answers = append(answers, answered{a, runs})
				if a.Outcome != "refused" {
					for _, id := range req.Identifiers {
						linked[unionfind.ID{Type: id.Type, Value: id.Value}] = true
					}
				}
			case "rows":
				for n := rapid.IntRange(1, 3).Draw(t, "rows"); n > 0; n-- {
					tb.Rows = append(tb.Rows, row())
				}
				loadUnder(t, conn, []Table{tb}, schema)
				batchRows = true
			case "run":
				// What identify holds of each identifier linked in this batch, before the run.
				view := map[unionfind.ID]string{}
				for id := range linked {
					if uid, ok := res.Provisional(id.Type, id.Value); ok {
						view[id] = uid
					}
				}
				run()
				runs++
				pub := Published(t, conn, schema)
				next := changeGraph(t, conn, schema)
				for _, x := range answers {
					id := unionfind.ID{Type: x.a.AnsweredFor.Type, Value: x.a.AnsweredFor.Value}
					got := pub[id]
					switch {
					case got == x.a.UniversalID:
						agreed++
					case leadsTo(next, x.a.UniversalID, got):
						viaChanges++
					default:
						t.Fatalf("run %d: identify answered %s for %s %s (call %s, before run %d); the run published %q, and id_changes leads nowhere from the answer to it",
							runs, x.a.UniversalID, id.Type, id.Value, x.a.EventID, x.run, got)
					}
				}
				if !batchRows && !limit {
					for id, uid := range view {
						strict++
						if pub[id] != uid {
							t.Fatalf("run %d: a batch of identify calls only: identify held %s for %s %s, the run published %q", runs, uid, id.Type, id.Value, pub[id])
						}
					}
				}
				batchRows = false
				linked = map[unionfind.ID]bool{}
			}
		}
		// Every call landed once, retries included.
		n := count(t, conn, fmt.Sprintf("SELECT COUNT(*) FROM %s", pl.LandingTable()))
		distinct := count(t, conn, fmt.Sprintf("SELECT COUNT(DISTINCT event_id) FROM %s", pl.LandingTable()))
		if n != int64(len(answers)) || distinct != n {
			t.Fatalf("the landing table holds %d calls (%d event ids); %d were answered", n, distinct, len(answers))
		}
	})
	t.Logf("answers checked after runs: %d equal to the published id, %d changed with id_changes leading to it; %d identifiers of identify-only batches held exactly", agreed, viaChanges, strict)
}

// changeGraph reads id_changes as old id → new ids ("" for none).
func changeGraph(t TB, conn connectors.Conn, schema string) map[string][]string {
	t.Helper()
	rows, err := conn.Query(context.Background(), fmt.Sprintf("SELECT COALESCE(old_universal_id, ''), COALESCE(new_universal_id, '') FROM %s", conn.Dialect().Table(schema, plan.IDChanges)))
	if err != nil {
		t.Fatalf("read id_changes: %v", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var o, n string
		if err := rows.Scan(&o, &n); err != nil {
			t.Fatal(err)
		}
		if o != "" {
			out[o] = append(out[o], n)
		}
	}
	return out
}

// leadsTo reports whether id_changes leads from one id to another.
func leadsTo(next map[string][]string, from, to string) bool {
	seen := map[string]bool{from: true}
	queue := []string{from}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		for _, n := range next[id] {
			if n == to {
				return true
			}
			if !seen[n] && n != "" {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
	return false
}

// testIdentifyForget: a forget request wipes the value from the identify landing table too, both
// where a call gave it and where a call was answered for it; the call's other values stay.
func testIdentifyForget(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	ctx := context.Background()
	d := conn.Dialect()
	tb := Table{Name: "idf_forget_src", Columns: []string{"uid", "mail", "cookie"}, Types: []string{"user_id", "email", "cookie"},
		Rows: []Row{{TS: time.Now().UTC(), Values: []any{"user_id-1", "email-1", nil}}}}
	loadUnder(t, conn, []Table{tb}, "idf_forget")
	yaml := strings.Replace(ProjectYAML(randomTypes, []Table{tb}, d.DefaultSchema()), "schema: identity", "schema: idf_forget", 1)
	yaml = strings.Replace(yaml, "  - name: email\n", "  - name: email\n    normalize: [lower]\n", 1)
	yaml += fmt.Sprintf("identify:\n  journal: %s\ndestinations:\n  - name: lake\n    files:\n      dir: %s\n", filepath.Join(t.TempDir(), "calls.journal"), t.TempDir())
	p := mustParse(t, yaml)
	pl, err := plan.New(p, d, plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	j, _, err := identify.OpenJournal(p.JournalPath())
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	StitchIncremental(t, conn, p)
	m, err := lookup.LoadMemory(ctx, conn, pl)
	if err != nil {
		t.Fatal(err)
	}
	res := identify.New(p, j, nil)
	res.SetBase(m, 0)
	norm := identify.WarehouseNormalizer(pl, func(ctx context.Context, fn func(connectors.Conn) error) error { return fn(conn) })
	for i, ids := range [][]identify.ID{
		{{Type: "email", Value: "Gone@X.com"}, {Type: "cookie", Value: "cookie-9"}},
		{{Type: "email", Value: "kept@x.com"}, {Type: "cookie", Value: "cookie-8"}},
	} {
		if _, err := res.Identify(ctx, identify.Request{EventID: fmt.Sprint("idf-", i), Identifiers: ids}, norm); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := identify.Flush(ctx, conn, pl, j); err != nil {
		t.Fatal(err)
	}
	StitchIncremental(t, conn, p)
	// Webhook batches given up before the request: one carries the forgotten email among a
	// profile's columns, one the universal id derived from it, one neither.
	derived := identify.UniversalID(p.Output.IDSalt, "email", "gone@x.com")
	for i, payload := range []string{`{"items":[{"kind":"profile","data":{"latest_email":"gone@x.com"}}]}`,
		`{"items":[{"kind":"profile_removed","universal_id":"` + derived + `"}]}`,
		`{"items":[{"kind":"profile","data":{"latest_email":"kept@x.com"}}]}`} {
		if err := conn.Exec(ctx, pl.Activation().DeadLetter(), "lake", fmt.Sprintf("idf:lake:1:%d", i+1), int64(1), int64(8), "503", payload, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := control.AddForget(ctx, conn, pl, control.Forget, []control.Identifier{{Type: "email", Value: "gone@x.com"}}, "dpo"); err != nil {
		t.Fatal(err)
	}
	StitchIncremental(t, conn, p)
	table := pl.LandingTable()
	if n := count(t, conn, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE LOWER(id_email) = 'gone@x.com' OR answered_value = 'gone@x.com'", table)); n != 0 {
		t.Fatalf("the landing table still holds the forgotten email in %d rows", n)
	}
	if n := count(t, conn, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE id_cookie = 'cookie-9' OR id_email = 'kept@x.com'", table)); n != 2 {
		t.Fatalf("the landing table holds %d of the 2 rows' values not forgotten", n)
	}
	// The first call's answer was a new profile anchored on the email: its id is derived from it.
	if n := count(t, conn, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE answered_id = '%s'", table, derived)); n != 0 {
		t.Fatalf("the landing table still holds the id derived from the forgotten email in %d rows", n)
	}
	if n := count(t, conn, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE old_universal_id = '%s' OR new_universal_id = '%s'", d.Table(p.Output.Schema, plan.IDChanges), derived, derived)); n != 0 {
		t.Fatalf("id_changes still names the id derived from the forgotten email in %d rows", n)
	}
	// A retry of the call reads what is left of its answer.
	if _, ok, err := identify.RecordedAnswer(ctx, conn, pl, "idf-0"); err != nil || !ok {
		t.Fatalf("reading back the answer of a call whose identifier was forgotten: found %v, %v", ok, err)
	}
	dead := d.Table(p.Output.Schema, plan.DeadLetters)
	if n := count(t, conn, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE payload LIKE '%%gone@x.com%%' OR payload LIKE '%%%s%%'", dead, derived)); n != 0 {
		t.Fatalf("delivery_dead_letters still holds %d batches naming the forgotten email or its id", n)
	}
	if n := count(t, conn, "SELECT COUNT(*) FROM "+dead); n != 1 {
		t.Fatalf("delivery_dead_letters holds %d batches; want the 1 that names nothing forgotten", n)
	}
}
