//go:build !unix

package identify

import "os"

// lockFile opens path; where the system has no advisory locks, two processes must not serve one
// project from one directory.
func lockFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
}
