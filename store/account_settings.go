package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// AuthorizedApp is an OAuth app holding live tokens of one account, as the
// "Authorized apps" settings page lists it.
type AuthorizedApp struct {
	AppID      int64
	Name       string
	Website    string
	Scopes     []string  // union of the live tokens' scopes, sorted
	Tokens     int       // live tokens
	CreatedAt  time.Time // first live token
	LastUsedAt time.Time // zero when never used
}

// AuthorizedApps lists the apps with live (unrevoked) tokens of accountID,
// most recently used first.
func (db *DB) AuthorizedApps(ctx context.Context, accountID int64) ([]AuthorizedApp, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT p.id, p.name, p.website, `+db.eng.q.joinSpaced(`t.scopes`)+`, count(*),
			min(t.created_at), max(t.last_used_at)
		FROM oauth_tokens t JOIN oauth_apps p ON p.id = t.app_id
		WHERE t.account_id = ? AND t.revoked_at = 0
		GROUP BY p.id, p.name, p.website
		ORDER BY max(t.last_used_at) DESC, max(t.created_at) DESC`, accountID)
	if err != nil {
		return nil, fmt.Errorf("authorized apps of %d: %w", accountID, err)
	}
	defer rows.Close()
	var out []AuthorizedApp
	for rows.Next() {
		var a AuthorizedApp
		var scopes string
		var created, used int64
		if err := rows.Scan(&a.AppID, &a.Name, &a.Website, &scopes, &a.Tokens, &created, &used); err != nil {
			return nil, fmt.Errorf("scan authorized app: %w", err)
		}
		a.Scopes = uniqueSorted(strings.Fields(scopes))
		a.CreatedAt, a.LastUsedAt = fromMS(created), fromMS(used)
		out = append(out, a)
	}
	return out, rows.Err()
}

func uniqueSorted(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for i := 1; i < len(out); i++ { // insertion sort: a handful of scopes
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// RevokeOAuthTokensOfApp revokes every live token that appID holds for
// accountID and returns how many it revoked (0 when there were none).
func (tx *Tx) RevokeOAuthTokensOfApp(ctx context.Context, accountID, appID int64) (int64, error) {
	res, err := tx.tx.ExecContext(ctx, `UPDATE oauth_tokens SET revoked_at = ?
		WHERE revoked_at = 0 AND account_id = ? AND app_id = ?`, ms(tx.now), accountID, appID)
	if err != nil {
		return 0, fmt.Errorf("revoke tokens of app %d for %d: %w", appID, accountID, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// DeleteWebSessionsExcept removes every session of accountID but the one
// whose digest is keepHash (a password change signs out other browsers) and
// returns how many went.
func (tx *Tx) DeleteWebSessionsExcept(ctx context.Context, accountID int64, keepHash string) (int64, error) {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE account_id = ? AND token_hash <> ?`,
		accountID, keepHash)
	if err != nil {
		return 0, fmt.Errorf("delete other web sessions of %d: %w", accountID, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// AccountDeleteInboxes returns the distinct remote inboxes (shared where
// known) that should hear of the deletion of local account id: its
// followers, the accounts it follows or asked to follow, the remote accounts
// that interacted with it (its notifications) and every inbox it ever
// delivered to.
func (tx *Tx) AccountDeleteInboxes(ctx context.Context, id int64) ([]string, error) {
	rows, err := tx.tx.QueryContext(ctx, `
		SELECT CASE WHEN a.shared_inbox_uri <> '' THEN a.shared_inbox_uri ELSE a.inbox_uri END
		FROM accounts a
		WHERE a.domain <> '' AND a.deleted_at = 0 AND a.id IN (
			SELECT account_id FROM follows WHERE target_account_id = ?1
			UNION SELECT target_account_id FROM follows WHERE account_id = ?1
			UNION SELECT from_account_id FROM notifications WHERE account_id = ?1)
		UNION
		SELECT d.inbox FROM deliveries d JOIN outbox_activities o ON o.id = d.activity_id WHERE o.account_id = ?1`, id)
	if err != nil {
		return nil, fmt.Errorf("delete inboxes of %d: %w", id, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("scan inbox: %w", err)
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out, rows.Err()
}

// DeleteLocalAccount closes local account id for good: the account is
// marked deleted and suspended (the row stays, so its username is never
// reused and its key can still sign the Delete), its profile is blanked,
// its statuses become tombstones, its follows and media rows go, its web
// sessions end, its OAuth tokens are revoked and its user can no longer sign
// in. It returns the media file names the account referenced; the caller
// deletes those no longer referenced after commit. A missing or remote
// account is ErrNotFound.
func (tx *Tx) DeleteLocalAccount(ctx context.Context, id int64) ([]string, error) {
	files, err := tx.accountFileNames(ctx, id)
	if err != nil {
		return nil, err
	}
	now := ms(tx.now)
	res, err := tx.tx.ExecContext(ctx, `UPDATE accounts SET deleted_at = ?1,
			suspended_at = CASE WHEN suspended_at = 0 THEN ?1 ELSE suspended_at END,
			display_name = '', note = '', note_source = '', fields_json = '[]', avatar_file = '', header_file = '',
			updated_at = ?1
		WHERE id = ?2 AND domain = ''`, now, id)
	if err != nil {
		return nil, fmt.Errorf("delete account %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, ErrNotFound
	}
	if err := tx.MarkAccountDeleted(ctx, id); err != nil {
		return nil, err
	}
	for _, q := range []string{
		`DELETE FROM media_attachments WHERE account_id = ?`,
		`DELETE FROM web_sessions WHERE account_id = ?`,
		`UPDATE users SET disabled = 1, password_hash = '' WHERE account_id = ?`,
	} {
		if _, err := tx.tx.ExecContext(ctx, q, id); err != nil {
			return nil, fmt.Errorf("delete account %d: %w", id, err)
		}
	}
	if _, err := tx.RevokeOAuthTokensOfAccount(ctx, id); err != nil {
		return nil, err
	}
	return files, nil
}

func (tx *Tx) accountFileNames(ctx context.Context, id int64) ([]string, error) {
	rows, err := tx.tx.QueryContext(ctx, `
		SELECT file_name FROM media_attachments WHERE account_id = ?1
		UNION SELECT thumb_name FROM media_attachments WHERE account_id = ?1
		UNION SELECT original_name FROM media_attachments WHERE account_id = ?1
		UNION SELECT avatar_file FROM accounts WHERE id = ?1
		UNION SELECT header_file FROM accounts WHERE id = ?1`, id)
	if err != nil {
		return nil, fmt.Errorf("media files of %d: %w", id, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("scan media file: %w", err)
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out, rows.Err()
}
