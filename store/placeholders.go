package store

import (
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"
)

// The store writes its statements with SQLite's parameters: `?` (the next
// number), `?N` (number N) and `:name` (bound by name). PostgreSQL knows
// only `$N`. numberedParams rewrites a text once (stmtCacheConn keeps the
// result per connection) and orders each call's arguments to match, so no
// query of the store changes for PostgreSQL.

// numberedParams is a statement text rewritten to `$N` parameters.
type numberedParams struct {
	text string
	// names maps each :name of the original text to its number.
	names map[string]int
	// n is the highest parameter number of the original text.
	n int
	// used lists, when the original text skips some numbers (SQLite
	// ignores an unused argument, PostgreSQL cannot type it), the original
	// number of each $N in text; nil when all of 1..n are used.
	used []int
}

// rewriteParams rewrites query's parameters to `$N`, leaving string
// literals, quoted identifiers, comments, dollar-quoted bodies and `::`
// casts alone. Numbering follows SQLite: `?` takes one more than the
// highest number given so far, a new :name likewise.
func rewriteParams(query string) numberedParams {
	var b strings.Builder
	b.Grow(len(query) + 16)
	p := numberedParams{}
	next := func() int { p.n++; return p.n }
	// The text is written with the original numbers; params records where.
	type param struct{ at, num int }
	var params []param
	for i := 0; i < len(query); {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			j := skipQuoted(query, i, c)
			b.WriteString(query[i:j])
			i = j
		case c == '-' && strings.HasPrefix(query[i:], "--"):
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				j = len(query) - i
			}
			b.WriteString(query[i : i+j])
			i += j
		case c == '/' && strings.HasPrefix(query[i:], "/*"):
			j := strings.Index(query[i+2:], "*/")
			end := len(query)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			b.WriteString(query[i:end])
			i = end
		case c == '$' && dollarTag(query[i:]) != "":
			tag := dollarTag(query[i:])
			end := strings.Index(query[i+len(tag):], tag)
			j := len(query)
			if end >= 0 {
				j = i + len(tag) + end + len(tag)
			}
			b.WriteString(query[i:j])
			i = j
		case c == ':' && i+1 < len(query) && query[i+1] == ':':
			b.WriteString("::")
			i += 2
		case c == ':' && i+1 < len(query) && isIdentStart(query[i+1]) && (i == 0 || !isIdentChar(query[i-1])):
			j := i + 1
			for j < len(query) && isIdentChar(query[j]) {
				j++
			}
			name := query[i+1 : j]
			num, ok := p.names[name]
			if !ok {
				if p.names == nil {
					p.names = map[string]int{}
				}
				num = next()
				p.names[name] = num
			}
			params = append(params, param{b.Len(), num})
			b.WriteString("$" + strconv.Itoa(num))
			i = j
		case c == '?':
			j := i + 1
			for j < len(query) && query[j] >= '0' && query[j] <= '9' {
				j++
			}
			num := 0
			if j > i+1 {
				num, _ = strconv.Atoi(query[i+1 : j])
				p.n = max(p.n, num)
			} else {
				num = next()
			}
			params = append(params, param{b.Len(), num})
			b.WriteString("$" + strconv.Itoa(num))
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	p.text = b.String()
	seen := make([]bool, p.n+1)
	for _, q := range params {
		seen[q.num] = true
	}
	renumber := make([]int, p.n+1)
	for num := 1; num <= p.n; num++ {
		if seen[num] {
			p.used = append(p.used, num)
			renumber[num] = len(p.used)
		}
	}
	if len(p.used) == p.n {
		p.used = nil
		return p
	}
	// Number the used parameters 1..k; args passes only theirs.
	var out strings.Builder
	last := 0
	for _, q := range params {
		out.WriteString(p.text[last:q.at])
		out.WriteString("$" + strconv.Itoa(renumber[q.num]))
		last = q.at + 1 + len(strconv.Itoa(q.num))
	}
	out.WriteString(p.text[last:])
	p.text = out.String()
	return p
}

// skipQuoted returns the index just past the literal opened at i by quote
// (a doubled quote inside stays in the literal).
func skipQuoted(s string, i int, quote byte) int {
	for j := i + 1; j < len(s); j++ {
		if s[j] == quote {
			if j+1 < len(s) && s[j+1] == quote {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(s)
}

// dollarTag returns the $tag$ opening s, or "".
func dollarTag(s string) string {
	for j := 1; j < len(s); j++ {
		if s[j] == '$' {
			return s[:j+1]
		}
		if !isIdentChar(s[j]) || (j == 1 && s[j] >= '0' && s[j] <= '9') {
			return ""
		}
	}
	return ""
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentChar(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

// args orders a call's arguments for the rewritten text: positional ones
// by their ordinal, named ones by their name's number.
func (p numberedParams) args(in []driver.NamedValue) ([]driver.NamedValue, error) {
	named := false
	for _, a := range in {
		named = named || a.Name != ""
	}
	if !named && p.used == nil {
		return in, nil
	}
	out := make([]driver.NamedValue, p.n)
	for _, a := range in {
		pos := a.Ordinal
		if a.Name != "" {
			num, ok := p.names[a.Name]
			if !ok {
				continue // SQLite ignores a named argument its text does not use
			}
			pos = num
		}
		if pos < 1 || pos > len(out) {
			return nil, fmt.Errorf("argument %d is out of range", pos)
		}
		out[pos-1] = driver.NamedValue{Ordinal: pos, Value: a.Value}
	}
	if p.used != nil {
		picked := make([]driver.NamedValue, len(p.used))
		for i, num := range p.used {
			picked[i] = out[num-1]
		}
		out = picked
	}
	for i := range out {
		out[i].Ordinal = i + 1
	}
	return out, nil
}
