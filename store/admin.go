package store

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"
)

// DomainBlock is a remote domain the admin blocked. It covers the domain
// and all of its subdomains.
type DomainBlock struct {
	Domain    string
	Reason    string
	CreatedAt time.Time
}

var domainRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$`)

// CleanDomain turns what an admin typed ("Example.COM", "https://example.com/about",
// "@user@example.com") into the host to block, and reports whether it is a
// well-formed host name (with an optional port).
func CleanDomain(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	s = strings.TrimSuffix(s, ".")
	return s, len(s) <= 253 && domainRE.MatchString(s)
}

// BlockDomainResult says what a new block ended.
type BlockDomainResult struct {
	FollowsEnded      int64 // follows in either direction with accounts of the domain
	DeliveriesDropped int64 // queued deliveries to the domain that will not be sent
}

// domainMatch is the SQL condition "column is domain or one of its subdomains".
func domainMatch(col string) string {
	return `(` + col + ` = ?1 OR substr(` + col + `, length(` + col + `) - length(?1)) = '.' || ?1)`
}

// BlockDomain records a block of domain (lower-cased) and, in the same
// transaction, ends every follow between local accounts and accounts of the
// domain and drops deliveries still queued for it. Blocking a domain twice
// updates the reason.
func (tx *Tx) BlockDomain(ctx context.Context, domain, reason string) (BlockDomainResult, error) {
	domain = strings.ToLower(strings.TrimSpace(domain))
	var res BlockDomainResult
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO domain_blocks (domain, reason, created_at) VALUES (?, ?, ?)
		ON CONFLICT (domain) DO UPDATE SET reason = excluded.reason`, domain, reason, ms(tx.now)); err != nil {
		return res, fmt.Errorf("block %s: %w", domain, err)
	}
	r, err := tx.tx.ExecContext(ctx, `DELETE FROM follows WHERE account_id IN (SELECT id FROM accounts WHERE `+
		domainMatch("domain")+`) OR target_account_id IN (SELECT id FROM accounts WHERE `+domainMatch("domain")+`)`, domain)
	if err != nil {
		return res, fmt.Errorf("end follows with %s: %w", domain, err)
	}
	res.FollowsEnded, _ = r.RowsAffected()
	r, err = tx.tx.ExecContext(ctx, `UPDATE deliveries SET state = 'failed', last_error = 'domain blocked', done_at = ?2
		WHERE state = 'pending' AND `+domainMatch("host"), domain, ms(tx.now))
	if err != nil {
		return res, fmt.Errorf("drop deliveries to %s: %w", domain, err)
	}
	res.DeliveriesDropped, _ = r.RowsAffected()
	return res, nil
}

// UnblockDomain removes the block of exactly domain; it is ErrNotFound if
// there was none. Ended follows stay ended.
func (tx *Tx) UnblockDomain(ctx context.Context, domain string) error {
	r, err := tx.tx.ExecContext(ctx, `DELETE FROM domain_blocks WHERE domain = ?`, strings.ToLower(strings.TrimSpace(domain)))
	if err != nil {
		return fmt.Errorf("unblock %s: %w", domain, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DomainBlocked reports whether host (lower-case, with an optional port),
// its name without the port, or one of its parent domains is blocked,
// reading the table itself: the check behind a cached refusal.
func (db *DB) DomainBlocked(ctx context.Context, host string) (bool, error) {
	names := []any{host}
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = strings.Trim(h, "[]")
		names = append(names, name)
	}
	for rest := name; ; {
		i := strings.IndexByte(rest, '.')
		if i < 0 {
			break
		}
		rest = rest[i+1:]
		names = append(names, rest)
	}
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM domain_blocks WHERE domain IN (`+
		strings.TrimSuffix(strings.Repeat("?,", len(names)), ",")+`)`, names...).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("domain blocked %s: %w", host, err)
	}
	return n > 0, nil
}

// DomainBlocks lists every block, by domain.
func (db *DB) DomainBlocks(ctx context.Context) ([]DomainBlock, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT domain, reason, created_at FROM domain_blocks ORDER BY domain`)
	if err != nil {
		return nil, fmt.Errorf("domain blocks: %w", err)
	}
	defer rows.Close()
	var out []DomainBlock
	for rows.Next() {
		var b DomainBlock
		var created int64
		if err := rows.Scan(&b.Domain, &b.Reason, &created); err != nil {
			return nil, fmt.Errorf("scan domain block: %w", err)
		}
		b.CreatedAt = fromMS(created)
		out = append(out, b)
	}
	return out, rows.Err()
}

// SetAccountSuspended suspends (or lifts the suspension of) a local or
// remote account. Suspending also ends the account's web sessions and
// revokes its OAuth tokens, so it is signed out everywhere at once.
func (tx *Tx) SetAccountSuspended(ctx context.Context, accountID int64, suspended bool) error {
	at := int64(0)
	if suspended {
		at = ms(tx.now)
	}
	// A deleted account stays suspended: lifting it would bring back nothing
	// but a half-alive row, so it counts as not found.
	r, err := tx.tx.ExecContext(ctx, `UPDATE accounts SET suspended_at = ? WHERE id = ? AND (? OR deleted_at = 0)`,
		at, accountID, suspended)
	if err != nil {
		return fmt.Errorf("suspend %d: %w", accountID, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if !suspended {
		return nil
	}
	if _, err := tx.DeleteWebSessionsOf(ctx, accountID); err != nil {
		return err
	}
	if _, err := tx.tx.ExecContext(ctx, `UPDATE oauth_tokens SET revoked_at = ? WHERE account_id = ? AND revoked_at = 0`,
		ms(tx.now), accountID); err != nil {
		return fmt.Errorf("revoke tokens of %d: %w", accountID, err)
	}
	return nil
}

// UserRow is a local user with its account, for the admin pages.
type UserRow struct {
	Account Account
	User    User
}

// Users lists local users with their accounts, oldest first, at most limit.
func (db *DB) Users(ctx context.Context, limit int) ([]UserRow, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+prefixCols("a.", accountCols)+`,
		u.email, u.admin, u.disabled, u.created_at
		FROM users u JOIN accounts a ON a.id = u.account_id ORDER BY a.id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	defer rows.Close()
	var out []UserRow
	for rows.Next() {
		var r UserRow
		var created int64
		a, err := scanAccount(rowsWithTail{rows, []any{&r.User.Email, &r.User.Admin, &r.User.Disabled, &created}})
		if err != nil {
			return nil, fmt.Errorf("scan user: %w", err)
		}
		r.Account, r.User.AccountID, r.User.CreatedAt = a, a.ID, fromMS(created)
		out = append(out, r)
	}
	return out, rows.Err()
}

// rowsWithTail scans extra columns after the ones scanAccount asks for.
type rowsWithTail struct {
	s    scanner
	tail []any
}

func (r rowsWithTail) Scan(dest ...any) error { return r.s.Scan(append(dest, r.tail...)...) }
