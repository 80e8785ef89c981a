package lookup

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// DefaultLimit is how many identifiers of a profile an answer holds when no limit is asked for.
// Raw data without guards can give one profile hundreds of thousands of identifiers, which as
// one answer would be tens of megabytes.
const DefaultLimit = 100

// MaxLimit is the most identifiers of a profile that one answer holds; the rest are read page
// by page.
const MaxLimit = 10000

// Page selects part of a profile's identifiers, which are listed in (type, value) order byte by
// byte: at most Limit of them (DefaultLimit when 0), after the identifier that the cursor After
// names ("" to start at the first). A cursor is the Next of the previous answer; it names an
// identifier rather than a position, so that pages follow each other without gaps or repeats
// when the same run's tables are read, and reading one far into a big profile costs no more
// than reading the first.
type Page struct {
	Limit int
	After string
}

// ParsePage reads a page from a limit and a cursor as the API and the command line take them,
// "" for either meaning the default.
func ParsePage(limit, after string) (Page, error) {
	p := Page{After: after}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 || n > MaxLimit {
			return p, &BadRequest{Msg: fmt.Sprintf("limit %q is not a number from 1 to %d; give how many identifiers to return", limit, MaxLimit)}
		}
		p.Limit = n
	}
	return p, p.check()
}

func (p Page) check() error {
	if p.Limit < 0 || p.Limit > MaxLimit {
		return &BadRequest{Msg: fmt.Sprintf("limit %d is not a number from 1 to %d; give how many identifiers to return", p.Limit, MaxLimit)}
	}
	if p.After != "" {
		if _, _, ok := decodeCursor(p.After); !ok {
			return &BadRequest{Msg: fmt.Sprintf("after %q is not a cursor; give the next value of a previous answer", p.After)}
		}
	}
	return nil
}

func (p Page) limit() int {
	if p.Limit == 0 {
		return DefaultLimit
	}
	return p.Limit
}

// cursor names an identifier for Page.After. Id type names hold no NUL byte (the project file
// allows lower case letters, digits and underscores), so the first NUL ends the type and the
// value may hold anything. URL-safe base64 lets the cursor go into a query string unescaped.
func cursor(idType, value string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(idType + "\x00" + value))
}

func decodeCursor(c string) (idType, value string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", "", false
	}
	idType, value, ok = strings.Cut(string(b), "\x00")
	return idType, value, ok && idType != ""
}
