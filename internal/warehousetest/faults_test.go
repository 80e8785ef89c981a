package warehousetest

import (
	"testing"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
)

// TestPublishFaults runs PublishFaults on DuckDB planned as Snowflake and as BigQuery would be
// (no transactional DDL, so full runs publish table by table from the journal).
func TestPublishFaults(t *testing.T) {
	for _, like := range []dialects.Dialect{dialects.Snowflake{}, dialects.BigQuery{}} {
		d := dialects.WithCapabilities(dialects.DuckDB{}, like.Supports)
		t.Run("as "+like.Name(), func(t *testing.T) {
			PublishFaults(t, Warehouse{Dialect: d, Open: func(t *testing.T) connectors.Conn { return asDialect{DuckDB(t), d} }})
		})
	}
}

// asDialect is a connection that speaks d.
type asDialect struct {
	connectors.Conn
	d dialects.Dialect
}

func (c asDialect) Dialect() dialects.Dialect { return c.d }
