package server

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idstitch/idstitch/connectors/postgres"
	"github.com/idstitch/idstitch/engine/check"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/runner"
	"github.com/idstitch/idstitch/internal/demogen"
)

// TestTwoServersOnePostgres: two servers (two pools, as on two hosts) on one warehouse keep
// asking to run; the lease lets only one run at a time, so no two recorded runs overlap.
func TestTwoServersOnePostgres(t *testing.T) {
	ctx := context.Background()
	conn := serveDatabase(t, "serve")
	text := demogen.Project(demogen.ProjectOptions{Name: "two", Warehouse: "postgres", DSNEnv: "SERVE_TEST_DSN", Schema: "public", Guards: true})
	p, err := config.Parse("idstitch.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	var servers []*Server
	for i := 0; i < 2; i++ {
		s, _ := start(t, Options{Project: p, NoSchedule: true, LeaseTTL: 3 * time.Second})
		servers = append(servers, s)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	results := map[string]int{}
	for _, s := range servers {
		wg.Add(1)
		go func(s *Server) {
			defer wg.Done()
			for i := 0; i < 4; i++ {
				err := s.RunNow()
				mu.Lock()
				switch {
				case err == nil:
					results["ran"]++
				case strings.Contains(fmt.Sprint(err), "lease"):
					results["lease held"]++
				default:
					t.Errorf("run: %v", err)
				}
				mu.Unlock()
			}
		}(s)
	}
	wg.Wait()
	rows, err := conn.Pool().Query(ctx, "SELECT run_id, started_at, finished_at FROM identity.runs ORDER BY started_at")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var prevEnd time.Time
	var prevID int64
	n := 0
	for rows.Next() {
		var id int64
		var startAt, end time.Time
		if err := rows.Scan(&id, &startAt, &end); err != nil {
			t.Fatal(err)
		}
		if n > 0 && startAt.Before(prevEnd) {
			t.Fatalf("run %d started at %v, before run %d finished at %v", id, startAt, prevID, prevEnd)
		}
		prevEnd, prevID = end, id
		n++
	}
	if n != results["ran"] || n == 0 {
		t.Fatalf("%d runs recorded, %v reported", n, results)
	}
	t.Logf("%v", results)
}

// serveDatabase makes a database of its own on the test's Postgres server, with the demo's
// tables in public, and names it in SERVE_TEST_DSN; the test is skipped without a server.
func serveDatabase(t *testing.T, suffix string) *postgres.Conn {
	t.Helper()
	admin := os.Getenv("IDSTITCH_TEST_POSTGRES_DSN")
	if admin == "" {
		if os.Getenv("IDSTITCH_REQUIRE_POSTGRES") == "1" {
			t.Fatal("IDSTITCH_TEST_POSTGRES_DSN is not set, and IDSTITCH_REQUIRE_POSTGRES=1 requires this test to run")
		}
		t.Skip("no Postgres server: set IDSTITCH_TEST_POSTGRES_DSN")
	}
	ctx := context.Background()
	a, err := postgres.Open(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("idstitch_%s_%d", suffix, os.Getpid())
	a.Exec(ctx, "DROP DATABASE IF EXISTS "+name)
	if err := a.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		a.Close()
	})
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	t.Setenv("SERVE_TEST_DSN", u.String())
	conn, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demogen.Generate(ctx, conn, demogen.Options{Persons: 1500, Seed: 2, Schema: "public"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// TestRunsOfAnotherProcessQueued: a server with a destination, beside runs made by another
// process on the same warehouse (a scheduler's `idstitch run`), queues those runs' changes too,
// while it keeps running, not only when it starts again.
func TestRunsOfAnotherProcessQueued(t *testing.T) {
	ctx := context.Background()
	conn := serveDatabase(t, "others")
	dir := t.TempDir()
	text := demogen.Project(demogen.ProjectOptions{Name: "others", Warehouse: "postgres", DSNEnv: "SERVE_TEST_DSN", Schema: "public", Guards: true})
	withFiles := text + "destinations:\n  - name: lake\n    files:\n      dir: changes\n"
	if err := os.WriteFile(filepath.Join(dir, "idstitch.yaml"), []byte(withFiles), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := config.Load(filepath.Join(dir, "idstitch.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := start(t, Options{Project: p, NoSchedule: true, Memory: true, PublishedCheck: 100 * time.Millisecond})
	if err := s.RunNow(); err != nil {
		t.Fatal(err)
	}
	files := filepath.Join(dir, "changes")
	waitFor(t, "run 1's file", func() bool { return runLines(t, files)[1] > 0 })

	// Another process: new rows linking a new email to a known customer, and a run of its own.
	if err := conn.Exec(ctx, "INSERT INTO public.crm_contacts (contact_id, updated_at, user_id, email, phone, person) SELECT contact_id + 1000000000, updated_at + INTERVAL '1 day', user_id, 'second.address.' || contact_id || '@example.com', NULL, person FROM public.crm_contacts WHERE user_id IS NOT NULL ORDER BY contact_id LIMIT 5"); err != nil {
		t.Fatal(err)
	}
	other, err := config.Parse("idstitch.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	pl, err := plan.New(other, conn.Dialect(), plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	owned, err := check.Claim(ctx, conn, pl)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := (&runner.Runner{Conn: conn, Planner: pl, Claimed: owned}).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, fmt.Sprintf("the file of run %d, made by another process", sum.RunID), func() bool {
		_, err := os.Stat(filepath.Join(files, fmt.Sprintf("run-%d.jsonl", sum.RunID)))
		return err == nil
	})
	if m := s.mem.Load(); m == nil || m.RunID != sum.RunID {
		t.Fatalf("the server's copy is not of run %d", sum.RunID)
	}
}
