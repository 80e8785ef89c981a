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
