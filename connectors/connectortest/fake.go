// Package connectortest has a fake connector, for tests that show the engine handles a warehouse
// type it does not know by name: registered under any type, it borrows a real dialect, decodes and
// checks a block of its own, and connects to nothing.
package connectortest

import (
	"context"
	"errors"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
)

// Driver is the fake. Its block has one required key, location.
type Driver struct {
	// SQL is the dialect the fake names; Caps the capabilities it declares.
	SQL  dialects.Dialect
	Caps connectors.Capabilities
}

func (d Driver) Dialect() dialects.Dialect             { return d.SQL }
func (d Driver) Capabilities() connectors.Capabilities { return d.Caps }

// Block is the fake's `warehouse:` section.
type Block struct {
	Location string `yaml:"location"`
}

// Configure decodes the block strictly and checks that it names a location.
func (Driver) Configure(b connectors.Block) (connectors.Settings, error) {
	var w Block
	if err := b.Decode(&w); err != nil {
		return nil, err
	}
	if w.Location == "" {
		return nil, b.Missing("location", "missing; name where the fake warehouse is")
	}
	return &Settings{Block: w}, nil
}

// Settings is a checked fake block. Open records what it was asked for.
type Settings struct {
	Block
	Opened []connectors.OpenOptions
}

// ErrNoWarehouse is what opening the fake returns: there is nothing behind it.
var ErrNoWarehouse = errors.New("the fake warehouse has nothing to connect to")

func (s *Settings) Open(_ context.Context, o connectors.OpenOptions) (connectors.Conn, error) {
	s.Opened = append(s.Opened, o)
	return nil, &connectors.Error{Kind: connectors.Unreachable, Err: ErrNoWarehouse}
}
