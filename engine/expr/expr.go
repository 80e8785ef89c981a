// Package expr checks that a SQL expression written by a user (a filter, an id expression, a
// trait, an audience condition, a normalizer) is one expression and nothing more, before any
// statement that holds it is sent to a warehouse.
//
// The planner pastes these expressions into its statements as written: that is what lets users
// write any SQL their warehouse understands. It also means that an expression such as
// `1=1) ; DROP TABLE t; SELECT (1` would end the statement it sits in and start others. Check
// finds, with the warehouse's lexical rules, the parts of the text that are outside string
// literals and quoted names, and refuses there what could end a statement or hide its end:
//   - a statement separator (;);
//   - a parenthesis closed that the expression did not open, or one left open;
//   - a comment, of any kind. A comment to the end of the line would swallow whatever the
//     planner writes after the expression, and an unclosed /* would swallow the rest of the
//     statement. Comments are refused altogether rather than checked: an expression in a YAML
//     value does not need one, and YAML has its own comments;
//   - a string literal or quoted name that is never closed;
//   - a NUL byte, which some warehouse clients take as the end of the statement, and text that
//     is not UTF-8.
//
// Where the warehouse can parse a statement without running it, the check in engine/check then
// asks it too: a lexical check is only as right as its reading of the warehouse's rules.
package expr

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/idstitch/idstitch/dialects"
)

// Error says why a text is not one expression.
type Error struct {
	// Offset is the byte in the expression where the problem is.
	Offset int
	// Reason is a clause that says what is wrong and what to do instead.
	Reason string
}

func (e *Error) Error() string { return e.Reason }

// Check returns an *Error unless s is, to the warehouse whose lexical rules lx describes, a piece
// of SQL that cannot end or escape the parenthesised place the planner pastes it into.
func Check(s string, lx dialects.Lexicon) error {
	if strings.TrimSpace(s) == "" {
		return &Error{Reason: "it is empty; write a SQL expression"}
	}
	if !utf8.ValidString(s) {
		return &Error{Reason: "it is not valid UTF-8 text; write it again in UTF-8"}
	}
	depth, open := 0, 0
	for i := 0; i < len(s); {
		c := s[i]
		if marker := commentAt(s, i, lx); marker != "" {
			return &Error{Offset: i, Reason: fmt.Sprintf("it has a comment (%s), which could hide the rest of the statement it is pasted into; remove it (put comments in the YAML, after #, outside the quoted value)", marker)}
		}
		switch {
		case c == 0:
			return &Error{Offset: i, Reason: "it holds a NUL byte; remove it"}
		case c == ';':
			return &Error{Offset: i, Reason: "it has a ; outside a string, which would end the statement and start another; write one expression without ;"}
		case c == '(':
			if depth == 0 {
				open = i
			}
			depth++
			i++
		case c == ')':
			if depth == 0 {
				return &Error{Offset: i, Reason: "a ) closes a parenthesis that the expression did not open; balance its parentheses"}
			}
			depth--
			i++
		case c == '\'' || (c == '"' && lx.DoubleQuotedStrings):
			end, ok := stringEnd(s, i, lx.BackslashEscapes, !lx.NoDoubledQuotes, lx.TripleQuotedStrings)
			if !ok {
				return &Error{Offset: i, Reason: "a string literal starts here and is never closed; close it, doubling or escaping the quotes inside"}
			}
			i = end
		case c == '"':
			end, ok := quotedEnd(s, i, '"', false, true)
			if !ok {
				return &Error{Offset: i, Reason: "a quoted name starts here and is never closed; close it with \""}
			}
			i = end
		case c == '`' && lx.BacktickNames:
			end, ok := quotedEnd(s, i, '`', true, false)
			if !ok {
				return &Error{Offset: i, Reason: "a quoted name starts here and is never closed; close it with `"}
			}
			i = end
		case c == '$' && lx.DollarQuotes:
			tag, ok := dollarTag(s, i, lx.DollarTags)
			if !ok {
				i++ // a parameter ($1) or an operator, not a string
				continue
			}
			end := strings.Index(s[i+len(tag):], tag)
			if end < 0 {
				return &Error{Offset: i, Reason: fmt.Sprintf("a %s-quoted string starts here and is never closed; close it with %s", tag, tag)}
			}
			i += len(tag) + end + len(tag)
		case isIdentStart(c):
			j := i + 1
			for j < len(s) && (isIdentStart(s[j]) || isDigit(s[j]) || s[j] == '$') {
				j++
			}
			// E'…' is a string with backslash escapes where plain strings have none; only a
			// word that is the letter E alone makes one, as in the warehouse's own lexer.
			if lx.EscapeStrings && j == i+1 && (c == 'e' || c == 'E') && j < len(s) && s[j] == '\'' {
				end, ok := stringEnd(s, j, true, true, false)
				if !ok {
					return &Error{Offset: i, Reason: "a string literal starts here and is never closed; close it, doubling or escaping the quotes inside"}
				}
				j = end
			}
			i = j
		case isDigit(c):
			// A number never continues with $, so that $$ after one starts a string, as it does
			// for the warehouse.
			j := i + 1
			for j < len(s) && (isIdentStart(s[j]) || isDigit(s[j]) || s[j] == '.') {
				j++
			}
			i = j
		default:
			i++
		}
	}
	if depth > 0 {
		return &Error{Offset: open, Reason: "a ( is never closed; balance its parentheses"}
	}
	return nil
}

// commentAt is the marker of a comment that starts at s[i], or "".
func commentAt(s string, i int, lx dialects.Lexicon) string {
	for _, m := range append([]string{"--", "/*"}, lx.LineComments...) {
		if strings.HasPrefix(s[i:], m) {
			return m
		}
	}
	return ""
}

// stringEnd is the index after the string literal whose opening quote is s[i]. backslash: a
// backslash keeps the next character inside; doubled: two quotes are one quote inside; triple:
// three quotes open a string that only three quotes close.
func stringEnd(s string, i int, backslash, doubled, triple bool) (int, bool) {
	q := s[i]
	if triple && strings.HasPrefix(s[i:], strings.Repeat(string(q), 3)) {
		close := strings.Repeat(string(q), 3)
		for j := i + 3; j < len(s); {
			switch {
			case backslash && s[j] == '\\':
				j += 2
			case strings.HasPrefix(s[j:], close):
				return j + 3, true
			default:
				j++
			}
		}
		return 0, false
	}
	return quotedEnd(s, i, q, backslash, doubled)
}

// quotedEnd is the index after the quoted text whose opening quote is s[i].
func quotedEnd(s string, i int, q byte, backslash, doubled bool) (int, bool) {
	for j := i + 1; j < len(s); {
		switch {
		case backslash && s[j] == '\\':
			j += 2
		case s[j] == q:
			if doubled && j+1 < len(s) && s[j+1] == q {
				j += 2
				continue
			}
			return j + 1, true
		default:
			j++
		}
	}
	return 0, false
}

// dollarTag is the opening delimiter of a dollar-quoted string at s[i] ($$ or $tag$), if one
// starts there.
func dollarTag(s string, i int, tags bool) (string, bool) {
	if strings.HasPrefix(s[i:], "$$") {
		return "$$", true
	}
	if !tags || i+1 >= len(s) || !isIdentStart(s[i+1]) {
		return "", false
	}
	for j := i + 2; j < len(s); j++ {
		switch {
		case s[j] == '$':
			return s[i : j+1], true
		case !isIdentStart(s[j]) && !isDigit(s[j]):
			return "", false
		}
	}
	return "", false
}

// isIdentStart: letters, underscore and the bytes of non-ASCII characters start a name, as in
// Postgres's lexer; the other warehouses allow fewer, which only makes them refuse more.
func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
