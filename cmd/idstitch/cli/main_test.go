package cli

import (
	"os"
	"testing"
)

// TestMain lets the test binary stand in for the idstitch binary when bench starts child
// processes of itself.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(Do(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
