package dialects

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"strings"
	"unicode"
)

// posixERE rewrites a regular expression in RE2 syntax (what the project file's patterns are
// written in, and what Go, DuckDB and BigQuery read) as a POSIX extended regular expression
// with the same meaning, for Snowflake.
//
// Snowflake's documentation ("String functions (regular expressions)", general usage notes):
// patterns support most of the POSIX ERE syntax, but not non-greedy quantifiers (*?, ?? and +?);
// they also support the Perl backslash-sequences \d \D \s \S \w \W \b \B. It does not say what
// such a sequence means inside a bracket expression, where POSIX makes a backslash an ordinary
// character: [^@\s] could exclude a backslash and an s rather than white space. So classes are
// written with POSIX character classes ([[:space:]], [[:digit:]], [[:alnum:]_]) and bracket
// expressions never hold a backslash; \b and \B, which the documentation lists, are kept.
//
// The pattern is parsed with Go's regexp/syntax, as regexp.Compile parses it, and written back
// from the tree: Go has already refused what RE2 lacks (lookaround, backreferences). Constructs
// that have no POSIX spelling, or that Snowflake's documentation excludes, are errors that name
// the construct.
func posixERE(pattern string) (string, error) { return rewrite(pattern, snowflakeERE) }

// postgresARE rewrites a regular expression in RE2 syntax as one of Postgres' advanced regular
// expressions (AREs, "POSIX Regular Expressions" in its documentation) with the same meaning. An
// ARE reads RE2's syntax in most things, but not all: \b is a backspace there (a word boundary is
// \y), and . matches a newline (matching is not newline-sensitive unless asked). Passed on as
// written, '\btest\b' never matched the word test on Postgres while it did everywhere else.
func postgresARE(pattern string) (string, error) { return rewrite(pattern, postgresFlavor) }

// reFlavor is what differs between the warehouses whose patterns are written from the tree.
type reFlavor struct {
	name                          string // the warehouse, in messages
	wordBoundary, notWordBoundary string
	dot                           string // RE2's ., any character but a newline
	// greedyOnly: non-greedy quantifiers are refused; otherwise they are written greedy, which
	// finds a match wherever the non-greedy one does (patterns are only ever searched for).
	greedyOnly bool
	// classBackslash writes a backslash inside brackets as \\ (an ARE reads \ there as an
	// escape); without it a backslash inside brackets is refused.
	classBackslash bool
}

var (
	snowflakeERE   = &reFlavor{name: "Snowflake", wordBoundary: `\b`, notWordBoundary: `\B`, dot: ".", greedyOnly: true}
	postgresFlavor = &reFlavor{name: "Postgres", wordBoundary: `\y`, notWordBoundary: `\Y`, dot: `[^\n]`, classBackslash: true}
)

func rewrite(pattern string, f *reFlavor) (string, error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := f.writeERE(&b, re); err != nil {
		return "", err
	}
	return b.String(), nil
}

// errNonGreedy: Snowflake's documentation excludes non-greedy quantifiers.
var errNonGreedy = errors.New("Snowflake's regular expressions have no non-greedy quantifiers (*?, +?, ??); use a greedy one and a narrower class, such as [^@]* for .*?")

// ereMeta are the characters that POSIX ERE reads as operators outside a bracket expression.
const ereMeta = `\.[]{}()*+?^$|`

// writeERE writes re; operands of quantifiers, concatenations and alternations are wrapped in
// parentheses where POSIX precedence would otherwise bind differently.
func (f *reFlavor) writeERE(b *strings.Builder, re *syntax.Regexp) error {
	switch re.Op {
	case syntax.OpNoMatch:
		return errors.New("the pattern can never match")
	case syntax.OpEmptyMatch:
		b.WriteString("()")
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			writeLiteral(b, r, re.Flags&syntax.FoldCase != 0)
		}
	case syntax.OpCharClass:
		return f.writeClass(b, re.Rune)
	case syntax.OpAnyCharNotNL:
		// POSIX . in Snowflake matches any character but a newline unless the s parameter is
		// given, which idstitch never gives: the meaning of RE2's . without the s flag. An ARE's .
		// matches a newline too, so Postgres is given a class.
		b.WriteString(f.dot)
	case syntax.OpAnyChar:
		b.WriteString("(.|\n)")
	case syntax.OpBeginText:
		b.WriteByte('^')
	case syntax.OpEndText:
		b.WriteByte('$')
	case syntax.OpBeginLine, syntax.OpEndLine:
		return fmt.Errorf("%s applies multi-line mode to a whole pattern only; remove (?m)", f.name)
	case syntax.OpWordBoundary:
		b.WriteString(f.wordBoundary)
	case syntax.OpNoWordBoundary:
		b.WriteString(f.notWordBoundary)
	case syntax.OpCapture:
		b.WriteByte('(')
		if err := f.writeERE(b, re.Sub[0]); err != nil {
			return err
		}
		b.WriteByte(')')
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		if re.Flags&syntax.NonGreedy != 0 && f.greedyOnly {
			return errNonGreedy
		}
		if err := f.writeOperand(b, re.Sub[0], true); err != nil {
			return err
		}
		switch re.Op {
		case syntax.OpStar:
			b.WriteByte('*')
		case syntax.OpPlus:
			b.WriteByte('+')
		case syntax.OpQuest:
			b.WriteByte('?')
		default:
			switch {
			case re.Max == -1:
				fmt.Fprintf(b, "{%d,}", re.Min)
			case re.Min == re.Max:
				fmt.Fprintf(b, "{%d}", re.Min)
			default:
				fmt.Fprintf(b, "{%d,%d}", re.Min, re.Max)
			}
		}
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if err := f.writeOperand(b, sub, false); err != nil {
				return err
			}
		}
	case syntax.OpAlternate:
		for i, sub := range re.Sub {
			if i > 0 {
				b.WriteByte('|')
			}
			if err := f.writeERE(b, sub); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("the construct %s has no POSIX spelling", re.Op)
	}
	return nil
}

// writeOperand writes sub as an operand of a concatenation or (quantified) of a quantifier,
// grouping it when it would not bind as one.
func (f *reFlavor) writeOperand(b *strings.Builder, sub *syntax.Regexp, quantified bool) error {
	group := sub.Op == syntax.OpAlternate ||
		(quantified && (sub.Op == syntax.OpConcat || sub.Op == syntax.OpStar || sub.Op == syntax.OpPlus ||
			sub.Op == syntax.OpQuest || sub.Op == syntax.OpRepeat ||
			(sub.Op == syntax.OpLiteral && len(sub.Rune) > 1)))
	if !group {
		return f.writeERE(b, sub)
	}
	b.WriteByte('(')
	if err := f.writeERE(b, sub); err != nil {
		return err
	}
	b.WriteByte(')')
	return nil
}

// writeLiteral writes one character outside a bracket expression; with fold it matches either
// case, as RE2's (?i) does.
func writeLiteral(b *strings.Builder, r rune, fold bool) {
	if fold {
		if other := unicode.SimpleFold(r); other != r {
			b.WriteByte('[')
			b.WriteRune(r)
			for o := other; o != r; o = unicode.SimpleFold(o) {
				b.WriteRune(o)
			}
			b.WriteByte(']')
			return
		}
	}
	if strings.ContainsRune(ereMeta, r) {
		b.WriteByte('\\')
	}
	b.WriteRune(r)
}

// posixClasses are the POSIX character classes a bracket expression is written with, each with
// the ASCII characters it stands for; a class is used when the set holds all of them. RE2's \s
// is [\t\n\f\r ]; [:space:] adds the vertical tab, which is white space too.
var posixClasses = []struct {
	name  string
	runes []rune
}{
	{"[:alnum:]", append(runeRange('0', '9'), append(runeRange('A', 'Z'), runeRange('a', 'z')...)...)},
	{"[:digit:]", runeRange('0', '9')},
	{"[:space:]", []rune{'\t', '\n', '\f', '\r', ' '}},
}

func runeRange(lo, hi rune) []rune {
	var rs []rune
	for r := lo; r <= hi; r++ {
		rs = append(rs, r)
	}
	return rs
}

// maxClassRanges bounds a written bracket expression: Unicode classes (\pL) hold hundreds of
// ranges, which Snowflake's POSIX syntax cannot name.
const maxClassRanges = 32

// writeClass writes a character class (RE2's ranges, lo-hi pairs) as a POSIX bracket expression.
// RE2 stores a negated class as its complement; it is written back as [^…].
func (f *reFlavor) writeClass(b *strings.Builder, ranges []rune) error {
	negate := len(ranges) > 0 && ranges[len(ranges)-1] == unicode.MaxRune
	if negate {
		ranges = complement(ranges)
	}
	if len(ranges) == 0 {
		return errors.New("a character class matches no character")
	}
	in := func(r rune) bool {
		for i := 0; i < len(ranges); i += 2 {
			if ranges[i] <= r && r <= ranges[i+1] {
				return true
			}
		}
		return false
	}
	var classes []string
	taken := map[rune]bool{}
	for _, c := range posixClasses {
		all := true
		for _, r := range c.runes {
			if !in(r) || taken[r] {
				all = false
				break
			}
		}
		if all {
			classes = append(classes, c.name)
			for _, r := range c.runes {
				taken[r] = true
			}
		}
	}
	if taken[' '] {
		taken['\v'] = true // within [:space:]
	}
	// What the classes do not cover, as ranges.
	var rest []rune
	for i := 0; i < len(ranges); i += 2 {
		lo, hi := ranges[i], ranges[i+1]
		for r := lo; r <= hi; r++ {
			if taken[r] {
				continue
			}
			start := r
			for r < hi && !taken[r+1] {
				r++
			}
			rest = append(rest, start, r)
			if len(rest) > 2*maxClassRanges {
				return fmt.Errorf("a character class is too large to write for %s (a Unicode class such as \\pL); list the characters", f.name)
			}
		}
	}
	// A backslash inside brackets is ordinary in POSIX but may be an escape to Snowflake; an
	// ARE reads it as one, so Postgres is given \\.
	var body strings.Builder
	for i := 0; i < len(rest); i += 2 {
		if rest[i] <= '\\' && '\\' <= rest[i+1] && !f.classBackslash {
			return errors.New(`a backslash inside [...] may read differently on Snowflake; match it outside the brackets, e.g. (\\|[a-z])`)
		}
	}
	write := func(r rune) {
		if r == '\\' {
			body.WriteByte('\\')
		}
		body.WriteRune(r)
	}
	// POSIX: ] is ordinary first, - first or last, ^ anywhere but first.
	var close, dash, caret bool
	for i := 0; i < len(rest); i += 2 {
		lo, hi := rest[i], rest[i+1]
		for _, special := range []struct {
			r    rune
			flag *bool
		}{{']', &close}, {'-', &dash}, {'^', &caret}} {
			if lo > hi {
				break
			}
			if lo == special.r {
				*special.flag = true
				lo++
			} else if hi == special.r {
				*special.flag = true
				hi--
			}
		}
		switch {
		case lo > hi:
		case lo == hi:
			write(lo)
		case hi == lo+1:
			write(lo)
			write(hi)
		default:
			write(lo)
			body.WriteByte('-')
			write(hi)
		}
	}
	if caret && !negate && !close && len(classes) == 0 && body.Len() == 0 {
		// ^ cannot come first: [\^] is written \^, and [\^\-] as [-^].
		if dash {
			b.WriteString("[-^]")
		} else {
			b.WriteString(`\^`)
		}
		return nil
	}
	b.WriteByte('[')
	if negate {
		b.WriteByte('^')
	}
	if close {
		b.WriteByte(']')
	}
	for _, c := range classes {
		b.WriteString(c)
	}
	b.WriteString(body.String())
	if caret {
		b.WriteByte('^')
	}
	if dash {
		b.WriteByte('-')
	}
	b.WriteByte(']')
	return nil
}

// complement returns the ranges of the characters not in ranges.
func complement(ranges []rune) []rune {
	var out []rune
	next := rune(0)
	for i := 0; i < len(ranges); i += 2 {
		if ranges[i] > next {
			out = append(out, next, ranges[i]-1)
		}
		next = ranges[i+1] + 1
	}
	if next <= unicode.MaxRune {
		out = append(out, next, unicode.MaxRune)
	}
	return out
}
