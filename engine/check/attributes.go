package check

import (
	"context"
	"fmt"
	"slices"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/config"
)

// attributes tries the expression of every attribute that reads the source s, each on its own,
// so that a bad one is named; has says whether the source's table has a column.
func attributes(ctx context.Context, conn connectors.Conn, pr probes, p *config.Project, s config.Source, has func(string) bool) error {
	for j, a := range p.Attributes {
		if a.Expr == "" || !slices.Contains(p.AttributeSources(a), s.Name) {
			continue
		}
		if config.IsColumn(a.Expr) {
			if !has(a.Expr) {
				return fmt.Errorf("%s: attributes[%d].expr: column %q of attribute %s does not exist in table %s of source %s; name a column of every source the attribute reads", p.File, j, a.Expr, a.Name, s.Table, s.Name)
			}
			continue
		}
		if err := try(ctx, conn, pr.expression(s, a.Expr)); err != nil {
			return fmt.Errorf("%s: attributes[%d].expr: the expression %q of attribute %s does not run on %s (source %s): %s", p.File, j, a.Expr, a.Name, s.Table, s.Name, err)
		}
	}
	return nil
}
