package warehousetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/control"
	"github.com/idstitch/idstitch/engine/plan"
)

// testControls: overrides and forget requests written before the first run make their tables,
// which the run then takes as its own; values that need escaping are stored as given; removing
// an override deletes its row; a request that cannot be recorded is refused with a sentence.
func testControls(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	ctx := context.Background()
	d := conn.Dialect()
	tb := Table{Name: "src_0", Columns: wideColumns, Types: wideTypes, Rows: []Row{
		{TS: base, Values: []any{"user_id-1", nil, "ann@example.com", nil, nil, nil}},
	}}
	Load(t, conn, []Table{tb})
	p := mustParse(t, ProjectYAML(randomTypes, []Table{tb}, d.DefaultSchema()))
	pl, err := plan.New(p, d, plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := control.ListOverrides(ctx, conn, pl); err != nil || len(got) != 0 {
		t.Fatalf("before any table exists, ListOverrides = %v, %v; want none", got, err)
	}
	if s, err := control.ForgetStatus(ctx, conn, pl); err != nil || s != (control.Status{}) {
		t.Fatalf("before any table exists, ForgetStatus = %+v, %v; want zeros", s, err)
	}
	quirky := `o'brien "1" ü;--`
	before := time.Now().Add(-time.Hour)
	o, err := control.AddOverride(ctx, conn, pl, control.NewOverride{Kind: control.NeverLink,
		A: control.Identifier{Type: "email", Value: quirky}, B: &control.Identifier{Type: "user_id", Value: "user_id-1"},
		CreatedBy: "ann", Reason: "two people, one inbox"})
	if err != nil {
		t.Fatalf("AddOverride: %v", err)
	}
	if !strings.HasPrefix(o.ID, "ovr_") || len(o.ID) != 20 || o.Status != control.StatusPending || o.A.Value != quirky ||
		o.B == nil || o.B.Value != "user_id-1" || o.CreatedAt.Before(before) {
		t.Fatalf("AddOverride returned %+v", o)
	}
	blocked, err := control.AddOverride(ctx, conn, pl, control.NewOverride{Kind: control.Block, A: control.Identifier{Type: "cookie", Value: "shared-tablet"}, CreatedBy: "ann"})
	if err != nil {
		t.Fatalf("AddOverride block: %v", err)
	}
	overrides := pl.OutputTable(plan.Overrides)
	// Independently of the writer's own statements: the rows as stored, found by their values.
	if n := count(t, conn, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE id_value_a = %s AND id_type_b = 'user_id' AND kind = 'never_link' AND status = 'pending' AND override_id = %s",
		overrides, d.String(quirky), d.String(o.ID))); n != 1 {
		t.Fatalf("%d rows of %s hold the never_link override as given; want 1", n, overrides)
	}
	if n := count(t, conn, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE kind = 'block' AND id_type_b IS NULL AND id_value_b IS NULL", overrides)); n != 1 {
		t.Fatalf("%d block rows without b in %s; want 1", n, overrides)
	}
	// The tables were made before the first run: the run takes them as its own and keeps them.
	Stitch(t, conn, p, plan.Contraction)
	Stitch(t, conn, p, plan.Contraction)
	list, err := control.ListOverrides(ctx, conn, pl)
	if err != nil || len(list) != 2 || list[0].ID != o.ID && list[1].ID != o.ID {
		t.Fatalf("ListOverrides after two runs = %+v, %v; want both overrides", list, err)
	}
	if err := control.RemoveOverride(ctx, conn, pl, o.ID); err != nil {
		t.Fatalf("RemoveOverride: %v", err)
	}
	if n := count(t, conn, fmt.Sprintf("SELECT COUNT(*) FROM %s", overrides)); n != 1 {
		t.Fatalf("%d overrides left after removing one of two; want 1", n)
	}
	if err := control.RemoveOverride(ctx, conn, pl, o.ID); !errors.Is(err, control.ErrNotFound) {
		t.Fatalf("removing %s again: %v; want ErrNotFound", o.ID, err)
	}
	if list, _ := control.ListOverrides(ctx, conn, pl); len(list) != 1 || list[0].ID != blocked.ID || list[0].B != nil {
		t.Fatalf("ListOverrides after the removal = %+v; want the block override alone", list)
	}
	// Forget requests come after the runs: a run carries out and deletes the requests it finds.
	reqs, err := control.AddForget(ctx, conn, pl, control.Forget, []control.Identifier{{Type: "email", Value: quirky}, {Type: "user_id", Value: "user_id-9"}}, "dpo")
	if err != nil || len(reqs) != 2 || !strings.HasPrefix(reqs[0].ID, "fgt_") || reqs[0].ID == reqs[1].ID {
		t.Fatalf("AddForget = %+v, %v", reqs, err)
	}
	if n := count(t, conn, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE action = 'forget' AND requested_by = 'dpo' AND requested_at IS NOT NULL AND (id_value = %s OR id_value = 'user_id-9')",
		pl.OutputTable(plan.ForgetRequests), d.String(quirky))); n != 2 {
		t.Fatalf("%d forget requests stored as given; want 2", n)
	}
	if s, err := control.ForgetStatus(ctx, conn, pl); err != nil || s != (control.Status{Pending: 2}) {
		t.Fatalf("ForgetStatus = %+v, %v; want 2 pending", s, err)
	}
	checkRefusals(t, ctx, conn, pl)
}

// checkRefusals: each request that cannot be recorded is an *control.Invalid and writes nothing.
func checkRefusals(t *testing.T, ctx context.Context, conn connectors.Conn, pl *plan.Planner) {
	a := control.Identifier{Type: "email", Value: "ann@example.com"}
	b := &control.Identifier{Type: "user_id", Value: "user_id-1"}
	for name, o := range map[string]control.NewOverride{
		"unknown kind":     {Kind: "merge", A: a, B: b, CreatedBy: "x"},
		"link without b":   {Kind: control.AlwaysLink, A: a, CreatedBy: "x"},
		"block with b":     {Kind: control.Block, A: a, B: b, CreatedBy: "x"},
		"unknown type":     {Kind: control.Unblock, A: control.Identifier{Type: "phone", Value: "1"}, CreatedBy: "x"},
		"empty value":      {Kind: control.NeverLink, A: a, B: &control.Identifier{Type: "user_id", Value: " "}, CreatedBy: "x"},
		"a equals b":       {Kind: control.NeverLink, A: a, B: &a, CreatedBy: "x"},
		"nobody asked":     {Kind: control.Block, A: a},
		"invalid UTF-8":    {Kind: control.Block, A: control.Identifier{Type: "email", Value: "\xff"}, CreatedBy: "x"},
		"invalid reason":   {Kind: control.Block, A: a, CreatedBy: "x", Reason: "\xff"},
		"unknown type (b)": {Kind: control.NeverLink, A: a, B: &control.Identifier{Type: "device", Value: "d"}, CreatedBy: "x"},
	} {
		_, err := control.AddOverride(ctx, conn, pl, o)
		var inv *control.Invalid
		if !errors.As(err, &inv) || strings.Contains(inv.Msg, "\n") {
			t.Errorf("%s: AddOverride gave %v; want a one-sentence *control.Invalid", name, err)
		}
	}
	for name, f := range map[string]func() error{
		"unknown action": func() error {
			_, err := control.AddForget(ctx, conn, pl, "erase", []control.Identifier{{Type: "email", Value: "x"}}, "dpo")
			return err
		},
		"no identifiers": func() error { _, err := control.AddForget(ctx, conn, pl, control.Forget, nil, "dpo"); return err },
		"unknown type": func() error {
			_, err := control.AddForget(ctx, conn, pl, control.Withdraw, []control.Identifier{{Type: "phone", Value: "1"}}, "dpo")
			return err
		},
		"nobody asked": func() error {
			_, err := control.AddForget(ctx, conn, pl, control.Forget, []control.Identifier{{Type: "email", Value: "x"}}, "")
			return err
		},
	} {
		var inv *control.Invalid
		if err := f(); !errors.As(err, &inv) {
			t.Errorf("%s: AddForget gave %v; want a *control.Invalid", name, err)
		}
	}
	if n := count(t, conn, fmt.Sprintf("SELECT COUNT(*) FROM %s", pl.OutputTable(plan.Overrides))); n != 1 {
		t.Errorf("refused overrides wrote rows: %d in the table, want 1", n)
	}
	if s, _ := control.ForgetStatus(ctx, conn, pl); s.Pending != 2 {
		t.Errorf("refused forget requests wrote rows: %d pending, want 2", s.Pending)
	}
}
