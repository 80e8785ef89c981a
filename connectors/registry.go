package connectors

import (
	"errors"
	"fmt"
	"sort"
	"sync"
)

var (
	mu      sync.RWMutex
	drivers = map[string]Driver{}
)

// Register makes a driver available under a warehouse type name, the `type` of a project file's
// `warehouse:` block. Connector packages call it from init(); registering a name twice, or a nil
// driver, is a programming error and panics, as database/sql.Register does.
func Register(name string, d Driver) {
	mu.Lock()
	defer mu.Unlock()
	if d == nil {
		panic("connectors: Register driver is nil for " + name)
	}
	if _, dup := drivers[name]; dup {
		panic("connectors: Register called twice for " + name)
	}
	drivers[name] = d
}

// Lookup returns the driver registered under name.
func Lookup(name string) (Driver, error) {
	mu.RLock()
	d, ok := drivers[name]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w: %q; registered: %v", ErrUnknownType, name, Names())
	}
	return d, nil
}

// ErrUnknownType is returned for a warehouse type that no linked connector registered.
var ErrUnknownType = errors.New("no connector registered for warehouse type")

// Names lists the registered warehouse types, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	names := make([]string, 0, len(drivers))
	for n := range drivers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
