package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// renderedDOM loads the page file in headless Chromium and returns its DOM once Chromium has
// laid it out and run its scripts. Without Chromium the test is skipped, unless
// IDSTITCH_REQUIRE_CHROMIUM=1 requires it; IDSTITCH_CHROMIUM names another binary.
func renderedDOM(t *testing.T, page string) string {
	t.Helper()
	chromium := os.Getenv("IDSTITCH_CHROMIUM")
	if chromium == "" {
		chromium, _ = exec.LookPath("chromium")
	}
	if chromium == "" {
		if os.Getenv("IDSTITCH_REQUIRE_CHROMIUM") == "1" {
			t.Fatal("chromium is not installed, and IDSTITCH_REQUIRE_CHROMIUM=1 requires this test")
		}
		t.Skip("no chromium: install Debian's chromium package to run this test")
	}
	abs, err := filepath.Abs(page)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(t.TempDir(), "chromium"), "--dump-dom", "file://"+abs)
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return string(dom)
}
