package server

import (
	"context"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/check"
	"github.com/idstitch/idstitch/engine/lease"
)

// takeLease takes the project's run lease and renews it until release is called.
func (s *Server) takeLease(ctx context.Context, conn connectors.Conn) (release func(), owned *check.Owned, err error) {
	release, owned, err = lease.Hold(ctx, conn, s.planner, s.holder, s.o.LeaseTTL, func(msg string, err error) {
		s.o.Log.Warn(msg, "error", err)
	})
	return release, owned, err
}
