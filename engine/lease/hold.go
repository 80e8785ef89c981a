package lease

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/check"
	"github.com/idstitch/idstitch/engine/plan"
)

// ErrHeld: another process holds the project's run lease (serve, or another `idstitch run`).
var ErrHeld = errors.New("another run of this project is in progress: another process holds its run lease")

// Holder names this process as a holder of leases: host, process id and a random suffix, so that
// two processes never share a name.
func Holder() string {
	host, _ := os.Hostname()
	suffix := make([]byte, 4)
	rand.Read(suffix)
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(suffix))
}

// Hold takes the project's run lease for holder until now+ttl and renews it every third of ttl
// until release is called, which gives it back. It returns ErrHeld when another holder has it.
// The lease table is idstitch's like the run's tables: the schemas are claimed first (the
// schema must hold nothing else, and the registry lists the table before it is made); owned is
// what the claim found. warn is told when a renewal or the release fails.
func Hold(ctx context.Context, conn connectors.Conn, pl *plan.Planner, holder string, ttl time.Duration, warn func(msg string, err error)) (release func(), owned *check.Owned, err error) {
	l := pl.Lease(holder)
	if err = whileConflict(func() (err error) {
		owned, err = check.Claim(ctx, conn, pl)
		return err
	}); err != nil {
		return nil, nil, err
	}
	if err := Prepare(ctx, conn, pl, l); err != nil {
		return nil, nil, err
	}
	ok, err := Try(ctx, conn, l, time.Now(), ttl)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, ErrHeld
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if ok, err := Try(ctx, conn, l, time.Now(), ttl); err != nil || !ok {
					if err == nil {
						err = ErrHeld
					}
					warn("could not renew the run lease", err)
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
			warn("could not release the run lease; it expires by itself", err)
		}
	}, owned, nil
}
