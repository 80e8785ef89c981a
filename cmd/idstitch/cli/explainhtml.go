package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/graphpage"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/warehouse"
)

// explainHTML writes the page of one profile's graph (docs/explain.md) into out, by default
// profile-<universal id>.html, and says where.
func explainHTML(ctx context.Context, e *env, path, uid, out string) error {
	p, pl, err := projectPlanner(path)
	if err != nil {
		return err
	}
	if out == "" {
		out = "profile-" + fileSafe(uid) + ".html"
	}
	wh := warehouse.NewShared(p)
	defer wh.Close()
	if err := wh.Read(ctx, func(conn connectors.Conn) error {
		return writeProfilePage(ctx, conn, pl, uid, out)
	}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s\n", out)
	return nil
}

// writeProfilePage reads the graph of profile uid and writes its page into file.
func writeProfilePage(ctx context.Context, conn connectors.Conn, pl *plan.Planner, uid, file string) error {
	g, err := graphpage.Collect(ctx, conn, pl, uid)
	if err != nil {
		return err
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if err := graphpage.Render(f, g); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", file, err)
	}
	return f.Close()
}

// profilePages writes the pages of the profiles uids into a folder beside the report file
// (report name without its extension, then -profiles) and returns each one's link relative to
// the report.
func profilePages(ctx context.Context, conn connectors.Conn, pl *plan.Planner, report string, uids []string) (map[string]string, error) {
	if len(uids) == 0 {
		return nil, nil
	}
	base := strings.TrimSuffix(filepath.Base(report), filepath.Ext(report)) + "-profiles"
	dir := filepath.Join(filepath.Dir(report), base)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	links := map[string]string{}
	for _, uid := range uids {
		name := fileSafe(uid) + ".html"
		if err := writeProfilePage(ctx, conn, pl, uid, filepath.Join(dir, name)); err != nil {
			return nil, fmt.Errorf("page of profile %s: %w", uid, err)
		}
		links[uid] = base + "/" + name
	}
	return links, nil
}

// fileSafe keeps a universal id's letters, digits, '-' and '_' for a file name; anything else
// becomes '_'.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}
