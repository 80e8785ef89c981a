package config

import (
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// checkLineage checks the lineage block: exactly one of url and file, a URL a client can POST
// to, a positive timeout, and names where names are wanted. Secrets never appear in the block:
// api_key_env names the variable that holds the key.
func (c *checker) checkLineage(p *Project) {
	l := p.Lineage
	if l == nil {
		return
	}
	switch {
	case l.URL == "" && l.File == "":
		c.fail(c.line("lineage"), "lineage", "names no receiver; set url (an OpenLineage HTTP endpoint, e.g. http://localhost:5000) or file (a file to append events to)")
	case l.URL != "" && l.File != "":
		c.fail(c.line("lineage", "file"), "lineage", "sets both url and file; keep one")
	case l.URL != "":
		c.checkLineageURL(l)
	default:
		if !filepath.IsAbs(l.File) {
			l.File = filepath.Join(p.Dir, l.File)
		}
		if l.APIKeyEnv != "" || l.Endpoint != "" {
			c.fail(c.line("lineage", "file"), "lineage", "api_key_env and endpoint are for url; a file receives events without them")
		}
	}
	if l.Endpoint == "" {
		l.Endpoint = "api/v1/lineage"
	}
	l.TimeoutDuration = DefaultLineageTimeout
	if l.Timeout != "" {
		d, err := time.ParseDuration(l.Timeout)
		if err != nil || d <= 0 {
			c.fail(c.line("lineage", "timeout"), "lineage.timeout", "%q is not a positive duration; write it like 5s or 500ms", l.Timeout)
		}
		l.TimeoutDuration = d
	}
	if l.Namespace == "" {
		l.Namespace = "idstitch"
	}
	if l.APIKeyEnv != "" && !envName.MatchString(l.APIKeyEnv) {
		c.fail(c.line("lineage", "api_key_env"), "lineage.api_key_env", "%q is not the name of an environment variable; name the variable that holds the key (e.g. OPENLINEAGE_API_KEY), never the key itself", l.APIKeyEnv)
	}
}

func (c *checker) checkLineageURL(l *Lineage) {
	u, ok := httpURL(l.URL)
	if !ok {
		c.fail(c.line("lineage", "url"), "lineage.url", "%q is not an http or https address; write it like http://localhost:5000", l.URL)
		return
	}
	if u.User != nil {
		c.fail(c.line("lineage", "url"), "lineage.url", "holds a user or password; put the API key in an environment variable and name it with lineage.api_key_env")
	}
	if u.Scheme == "http" && l.APIKeyEnv != "" && !loopbackHost(u.Hostname()) {
		c.fail(c.line("lineage", "url"), "lineage.url", "is plain http to another machine, which would send the API key unencrypted; use https")
	}
	l.URL = strings.TrimRight(l.URL, "/")
	l.Endpoint = strings.TrimLeft(l.Endpoint, "/")
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// envName is the name of an environment variable.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// httpURL parses an http or https address with a host.
func httpURL(s string) (*url.URL, bool) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, false
	}
	return u, true
}
