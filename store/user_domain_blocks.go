package store

import (
	"context"
	"fmt"
)

// domainBlockedIDs selects the ids of the accounts on the domains the
// account in viewerExpr blocked for themself; timeline queries exclude their
// authors with NOT IN, one ephemeral set per query (empty without blocks).
func domainBlockedIDs(viewerExpr string) string {
	return `(SELECT uda.id FROM user_domain_blocks udb JOIN accounts uda ON uda.domain = udb.domain
		WHERE udb.account_id = ` + viewerExpr + `)`
}

// InsertUserDomainBlock records that accountID blocks domain (lower-case
// host); inserted is false when it was blocked already.
func (tx *Tx) InsertUserDomainBlock(ctx context.Context, accountID int64, domain string) (inserted bool, err error) {
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO user_domain_blocks (id, account_id, domain, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, tx.NewID(tx.now), accountID, domain, ms(tx.now))
	if err != nil {
		return false, fmt.Errorf("insert domain block %s: %w", domain, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// DeleteUserDomainBlock lifts accountID's block of domain, if any.
func (tx *Tx) DeleteUserDomainBlock(ctx context.Context, accountID int64, domain string) error {
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM user_domain_blocks WHERE account_id = ? AND domain = ?`, accountID, domain)
	if err != nil {
		return fmt.Errorf("delete domain block %s: %w", domain, err)
	}
	return nil
}

// KeyedDomains are blocked domains with the ids their list is paged by.
type KeyedDomains struct {
	Keys    []int64
	Domains []string
}

// UserDomainBlocks lists the domains accountID blocks, newest block first,
// keyed by the block.
func (db *DB) UserDomainBlocks(ctx context.Context, accountID int64, p Page) (KeyedDomains, error) {
	cond, args, order := p.where("id")
	rows, err := db.read.QueryContext(ctx, `SELECT id, domain FROM user_domain_blocks WHERE account_id = ? AND `+cond+
		` ORDER BY `+order+` LIMIT ?`, append(append([]any{accountID}, args...), p.limit())...)
	if err != nil {
		return KeyedDomains{}, fmt.Errorf("domain blocks of %d: %w", accountID, err)
	}
	defer rows.Close()
	var out KeyedDomains
	for rows.Next() {
		var id int64
		var d string
		if err := rows.Scan(&id, &d); err != nil {
			return KeyedDomains{}, fmt.Errorf("domain blocks of %d: %w", accountID, err)
		}
		out.Keys, out.Domains = append(out.Keys, id), append(out.Domains, d)
	}
	out.Keys, out.Domains = reverseIfMin(p, out.Keys), reverseIfMin(p, out.Domains)
	return out, rows.Err()
}

// FollowsFromDomain lists the follows (accepted or requested) of accountID by
// accounts on domain, with those accounts.
func (tx *Tx) FollowsFromDomain(ctx context.Context, accountID int64, domain string) ([]Follow, []Account, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT f.id FROM follows f JOIN accounts a ON a.id = f.account_id
		WHERE f.target_account_id = ? AND a.domain = ?`, accountID, domain)
	if err != nil {
		return nil, nil, fmt.Errorf("followers on %s: %w", domain, err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("followers on %s: %w", domain, err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	var follows []Follow
	var accounts []Account
	for _, id := range ids {
		f, err := scanFollow(tx.tx.QueryRowContext(ctx, `SELECT `+followCols+` FROM follows WHERE id = ?`, id))
		if err != nil {
			return nil, nil, fmt.Errorf("follow %d: %w", id, err)
		}
		a, err := tx.AccountByID(ctx, f.AccountID)
		if err != nil {
			return nil, nil, err
		}
		follows, accounts = append(follows, f), append(accounts, a)
	}
	return follows, accounts, nil
}

// RefusesFollowFrom reports whether local account target blocks follower,
// by an account block or a block of the follower's domain; Mastodon
// rejects such a Follow instead of storing it.
func (tx *Tx) RefusesFollowFrom(ctx context.Context, target int64, follower Account) (bool, error) {
	var refused bool
	err := tx.tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM blocks WHERE account_id = ?1 AND target_account_id = ?2)
		OR EXISTS (SELECT 1 FROM user_domain_blocks WHERE account_id = ?1 AND domain = ?3 AND ?3 <> '')`,
		target, follower.ID, follower.Domain).Scan(&refused)
	if err != nil {
		return false, fmt.Errorf("refuses follow: %w", err)
	}
	return refused, nil
}
