// Package boundary holds the test that keeps warehouse clients out of the engine: the engine talks
// to the connectors interface package only, and each connector registers itself with it.
package boundary
