package cli

import (
	"errors"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/connectors"
)

// TestDeniedSentence: a refusal for want of a privilege or over a quota says to grant or raise
// it, and not to look for another program holding the warehouse open.
func TestDeniedSentence(t *testing.T) {
	s := sentence(&connectors.Error{Kind: connectors.Denied, Err: errors.New("Access Denied: Dataset p:identity")})
	if !strings.Contains(s, "privilege") || strings.Contains(s, "another program") {
		t.Fatalf("sentence: %q", s)
	}
}
