// Package durable holds what makes a file change survive a crash of the machine.
package durable

import (
	"fmt"
	"os"
)

// SyncDir syncs a directory, so that the files created, renamed or removed in it are on disk
// as they are now: syncing a file does not sync its name.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}
