// Package warehouse opens the warehouse a project names. The connector registered under the
// project's warehouse type decoded its block when the project was loaded; this package asks it to
// connect, so that everything after it receives a connectors.Conn and its Dialect and the engine
// links no warehouse client.
package warehouse

import (
	"context"
	"fmt"
	"strings"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/config"
)

// Open connects to the project's warehouse.
func Open(ctx context.Context, p *config.Project) (connectors.Conn, error) {
	return open(ctx, p, false, false)
}

// OpenReadOnly connects to read only: validate uses it, so that checking a project creates
// nothing (not even an embedded warehouse's file).
func OpenReadOnly(ctx context.Context, p *config.Project) (connectors.Conn, error) {
	return open(ctx, p, false, true)
}

func open(ctx context.Context, p *config.Project, lookups, readOnly bool) (connectors.Conn, error) {
	if p.Warehouse.Settings == nil {
		return nil, fmt.Errorf("warehouse.type %q in %s: this warehouse type has no connector; use one of %s", p.Warehouse.Type, p.File, strings.Join(connectors.Names(), ", "))
	}
	o := connectors.OpenOptions{Project: p.Project, Schema: p.Output.Schema, Lookups: lookups, ReadOnly: readOnly,
		OutputSchemas: []string{p.Output.Schema, p.Output.WorkSchema, p.Output.StateSchema}}
	for _, s := range p.Sources {
		o.SourceSchemas = append(o.SourceSchemas, s.Schema())
	}
	return p.Warehouse.Settings.Open(ctx, o)
}
