package server

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idstitch/idstitch/connectors/postgres"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/internal/demogen"
)

// TestTwoServersOnePostgres: two servers (two pools, as on two hosts) on one warehouse keep
// asking to run; the lease lets only one run at a time, so no two recorded runs overlap.
func TestTwoServersOnePostgres(t *testing.T) {
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
	name := fmt.Sprintf("idstitch_serve_%d", os.Getpid())
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
