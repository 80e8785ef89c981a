package server

import (
	"context"
	"sync"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/check"
	"github.com/idstitch/idstitch/engine/lease"
)

// takeLease takes the project's run lease and renews it until release is called.
func (s *Server) takeLease(ctx context.Context, conn connectors.Conn) (release func(), err error) {
	l := s.planner.Lease(s.holder)
	// The lease table is idstitch's like the run's tables: the schema must hold nothing else,
	// and the registry lists it before it is made.
	_, err = check.Claim(ctx, conn, s.planner)
	for attempt := 0; err != nil && connectors.KindOf(err) == connectors.Conflict && attempt < 5; attempt++ {
		time.Sleep(time.Duration(50*(attempt+1)) * time.Millisecond)
		_, err = check.Claim(ctx, conn, s.planner)
	}
	if err != nil {
		return nil, err
	}
	if err := lease.Prepare(ctx, conn, s.planner, l); err != nil {
		return nil, err
	}
	ok, err := lease.Try(ctx, conn, l, time.Now(), s.o.LeaseTTL)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrLeaseHeld
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(s.o.LeaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if ok, err := lease.Try(ctx, conn, l, time.Now(), s.o.LeaseTTL); err != nil || !ok {
					s.o.Log.Warn("could not renew the run lease", "error", err, "held", ok)
				}
			}
		}
	}()
	return func() {
		close(stop)
		wg.Wait()
		// A fresh context: the run's may be why we are releasing.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := conn.Exec(ctx, l.Release); err != nil {
			s.o.Log.Warn("could not release the run lease; it expires by itself", "error", err)
		}
	}, nil
}
