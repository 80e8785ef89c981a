package postgres

import (
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/idstitch/idstitch/connectors"
)

// TestInsufficientPrivilegeIsDenied: a role without a privilege (SQLSTATE 42501) is refused, not
// an unreachable server nor a generic error, so that the sentence can say to grant it.
func TestInsufficientPrivilegeIsDenied(t *testing.T) {
	err := mapError(&pgconn.PgError{Code: "42501", Message: "permission denied for schema identity"}, "CREATE TABLE identity.x ()")
	if k := connectors.KindOf(err); k != connectors.Denied {
		t.Fatalf("42501 is %v, want %v", k, connectors.Denied)
	}
}

// TestConcurrentCreateIsConflict: two sessions running the same CREATE TABLE IF NOT EXISTS at once
// can fail one of them with duplicate_object (42710) on the table's row type, or duplicate_table or
// duplicate_schema: a conflict with another transaction, which the lease's claim retries, not an
// error of the statement.
func TestConcurrentCreateIsConflict(t *testing.T) {
	for _, code := range []string{"42710", "42P07", "42P06", "23505"} {
		err := mapError(&pgconn.PgError{Code: code, Message: `type "idstitch_objects" already exists`}, "CREATE TABLE IF NOT EXISTS identity.idstitch_objects ()")
		if k := connectors.KindOf(err); k != connectors.Conflict {
			t.Errorf("%s is %v, want %v", code, k, connectors.Conflict)
		}
	}
}
