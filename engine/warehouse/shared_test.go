package warehouse

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/engine/config"
)

// DuckDB without ExclusiveFile: the file held as a server's pool would be.
func init() {
	connectors.Register("duckdb_as_server", connectors.WithCapabilities(duckdb.Driver{}, connectors.CapabilitySet()))
}

func sharedProject(t *testing.T, warehouseType string) *config.Project {
	t.Helper()
	text := strings.Replace(fakeProject, "  type: fakewarehouse\n  location: somewhere\n", "  type: "+warehouseType+"\n  path: acme.duckdb\n", 1)
	path := filepath.Join(t.TempDir(), "idstitch.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSharedFollowsCapabilities: with ExclusiveFile, lookups between runs read the file
// read-only and only a run writes; the same DuckDB driver declaring no capabilities is one pool for
// both. The capability, not the warehouse's name, decides.
func TestSharedFollowsCapabilities(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		warehouseType string
		readWrites    bool
	}{{"duckdb", false}, {"duckdb_as_server", true}} {
		t.Run(c.warehouseType, func(t *testing.T) {
			s := NewShared(sharedProject(t, c.warehouseType))
			defer s.Close()
			create := func(table string) func(connectors.Conn) error {
				return func(conn connectors.Conn) error { return conn.Exec(ctx, "CREATE TABLE "+table+" (x INTEGER)") }
			}
			if err := s.Write(ctx, create("written")); err != nil {
				t.Fatalf("write: %v", err)
			}
			err := s.Read(ctx, create("read"))
			if c.readWrites && err != nil {
				t.Errorf("a server's pool should write through Read too: %v", err)
			}
			if !c.readWrites && err == nil {
				t.Error("an exclusive file was writable between runs; it should be held read-only")
			}
		})
	}
}
