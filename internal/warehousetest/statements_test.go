package warehousetest

import (
	"testing"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
)

// TestStatementCountsAs runs StatementCounts on DuckDB planned as Snowflake and as BigQuery would
// be: no transactional DDL, so full runs publish from the journal and drop what they copied from,
// and several processes may write, so the run takes the lease.
func TestStatementCountsAs(t *testing.T) {
	for _, like := range []dialects.Dialect{dialects.Snowflake{}, dialects.BigQuery{}} {
		d := dialects.WithCapabilities(dialects.DuckDB{}, like.Supports)
		t.Run(like.Name(), func(t *testing.T) {
			testStatementCounts(t, func(t *testing.T) connectors.Conn { return asDialect{DuckDB(t), d} })
		})
	}
}
