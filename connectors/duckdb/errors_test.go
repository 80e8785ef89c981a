package duckdb

import (
	"errors"
	"testing"

	duckdbdriver "github.com/duckdb/duckdb-go/v2"

	"github.com/idstitch/idstitch/connectors"
)

// TestFullDiskIsNoConflict: DuckDB reports a commit that could not write its file (a full disk)
// as a transaction error, like a conflict between two writers; only the conflict may be called
// one, since the advice for it is to try again. The message is DuckDB's own for a full disk.
func TestFullDiskIsNoConflict(t *testing.T) {
	full := &duckdbdriver.Error{Type: duckdbdriver.ErrorTypeTransaction,
		Msg: `TransactionContext Error: Failed to commit: Could not write file "/data/x.duckdb": No space left on device`}
	if k := connectors.KindOf(mapError(full, "INSERT")); k == connectors.Conflict {
		t.Fatalf("a full disk is reported as %v", k)
	}
	conflict := &duckdbdriver.Error{Type: duckdbdriver.ErrorTypeTransaction,
		Msg: "TransactionContext Error: Catalog write-write conflict on create with \"identity\""}
	if k := connectors.KindOf(mapError(conflict, "CREATE SCHEMA")); k != connectors.Conflict {
		t.Fatalf("a write-write conflict is reported as %v", k)
	}
	var ce *connectors.Error
	if !errors.As(mapError(full, "INSERT"), &ce) || ce.Err.Error() == "" {
		t.Fatal("the driver's message is lost")
	}
}
