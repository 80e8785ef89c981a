package lookup

import "testing"

// TestMemoryHashClashes answers every lookup of the copy with every index hash the same: keys
// whose hash another key took are found through the clash maps.
func TestMemoryHashClashes(t *testing.T) {
	hashMask = 0
	defer func() { hashMask = ^uint64(0) }()
	TestMemoryAnswersAsTheTables(t)
}
