package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Field is one profile field (name/value pair, value as HTML).
type Field struct {
	Name       string    `json:"name"`
	Value      string    `json:"value"`
	VerifiedAt time.Time `json:"verified_at,omitzero"`
}

// Account is a local or remote actor.
type Account struct {
	ID             int64
	Username       string
	Domain         string // "" for local accounts
	URI            string
	URL            string
	ActorType      string
	DisplayName    string
	Note           string // HTML
	NoteSource     string
	Fields         []Field
	InboxURI       string
	SharedInboxURI string
	OutboxURI      string
	FollowersURI   string
	FollowingURI   string
	FeaturedURI    string
	PublicKeyID    string
	PublicKeyPEM   string
	PrivateKeyPEM  string
	AvatarURL      string
	HeaderURL      string
	AvatarFile     string
	HeaderFile     string
	Locked         bool
	Bot            bool
	Discoverable   bool
	Indexable      bool
	FollowersCount int64
	FollowingCount int64
	StatusesCount  int64
	MovedToURI     string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	FetchedAt      time.Time
	SuspendedAt    time.Time
	DeletedAt      time.Time
}

// Local reports whether the account lives on this instance.
func (a Account) Local() bool { return a.Domain == "" }

// Acct returns the handle as Mastodon shows it: "name" for local accounts,
// "name@domain" for remote ones.
func (a Account) Acct() string {
	if a.Local() {
		return a.Username
	}
	return a.Username + "@" + a.Domain
}

// DeliveryInbox returns the inbox to deliver to: the shared one if known.
func (a Account) DeliveryInbox() string {
	if a.SharedInboxURI != "" {
		return a.SharedInboxURI
	}
	return a.InboxURI
}

const accountCols = `id, username, domain, uri, url, actor_type, display_name, note, note_source, fields_json,
	inbox_uri, shared_inbox_uri, outbox_uri, followers_uri, following_uri, featured_uri,
	public_key_id, public_key_pem, private_key_pem, avatar_url, header_url, avatar_file, header_file,
	locked, bot, discoverable, indexable, followers_count, following_count, statuses_count, moved_to_uri,
	created_at, updated_at, fetched_at, suspended_at, deleted_at`

type scanner interface{ Scan(dest ...any) error }

func scanAccount(s scanner) (Account, error) {
	var a Account
	var fields string
	var created, updated, fetched, suspended, deleted int64
	err := s.Scan(&a.ID, &a.Username, &a.Domain, &a.URI, &a.URL, &a.ActorType, &a.DisplayName, &a.Note,
		&a.NoteSource, &fields, &a.InboxURI, &a.SharedInboxURI, &a.OutboxURI, &a.FollowersURI,
		&a.FollowingURI, &a.FeaturedURI, &a.PublicKeyID, &a.PublicKeyPEM, &a.PrivateKeyPEM, &a.AvatarURL,
		&a.HeaderURL, &a.AvatarFile, &a.HeaderFile, &a.Locked, &a.Bot, &a.Discoverable, &a.Indexable,
		&a.FollowersCount, &a.FollowingCount, &a.StatusesCount, &a.MovedToURI,
		&created, &updated, &fetched, &suspended, &deleted)
	if err != nil {
		return Account{}, err
	}
	if err := json.Unmarshal([]byte(fields), &a.Fields); err != nil {
		a.Fields = nil
	}
	a.CreatedAt, a.UpdatedAt, a.FetchedAt = fromMS(created), fromMS(updated), fromMS(fetched)
	a.SuspendedAt, a.DeletedAt = fromMS(suspended), fromMS(deleted)
	return a, nil
}

func (a *Account) args() []any {
	fields, _ := json.Marshal(a.Fields)
	if a.Fields == nil {
		fields = []byte("[]")
	}
	return []any{a.ID, a.Username, a.Domain, a.URI, a.URL, a.ActorType, a.DisplayName, a.Note, a.NoteSource,
		string(fields), a.InboxURI, a.SharedInboxURI, a.OutboxURI, a.FollowersURI, a.FollowingURI,
		a.FeaturedURI, a.PublicKeyID, a.PublicKeyPEM, a.PrivateKeyPEM, a.AvatarURL, a.HeaderURL,
		a.AvatarFile, a.HeaderFile, b2i(a.Locked), b2i(a.Bot), b2i(a.Discoverable), b2i(a.Indexable),
		a.FollowersCount, a.FollowingCount, a.StatusesCount, a.MovedToURI,
		ms(a.CreatedAt), ms(a.UpdatedAt), ms(a.FetchedAt), ms(a.SuspendedAt), ms(a.DeletedAt)}
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func accountWhere(ctx context.Context, q querier, where string, args ...any) (Account, error) {
	a, err := scanAccount(q.QueryRowContext(ctx, `SELECT `+accountCols+` FROM accounts WHERE `+where, args...))
	if err != nil {
		return Account{}, notFound(err, "account")
	}
	return a, nil
}

// AccountByID returns the account with the given id, or ErrNotFound.
// Reads on the DB go through the account cache (cache_accounts.go).
func (db *DB) AccountByID(ctx context.Context, id int64) (Account, error) {
	if a, ok := db.accounts.get(id); ok {
		return a.clone(), nil
	}
	return db.cachedAccountWhere(ctx, `id = ?`, id)
}

// AccountByURI returns the account whose actor id is uri, or ErrNotFound.
func (db *DB) AccountByURI(ctx context.Context, uri string) (Account, error) {
	if a, ok := db.accounts.getURI(uri); ok {
		return a.clone(), nil
	}
	return db.cachedAccountWhere(ctx, `uri = ?`, uri)
}

// AccountByKeyID returns the account owning the public key keyID, or ErrNotFound.
func (db *DB) AccountByKeyID(ctx context.Context, keyID string) (Account, error) {
	if a, ok := db.accounts.getKeyID(keyID); ok {
		return a.clone(), nil
	}
	return db.cachedAccountWhere(ctx, `public_key_id = ?`, keyID)
}

// AccountByHandle returns the account username@domain (domain "" for local),
// matching the username case-insensitively, or ErrNotFound.
func (db *DB) AccountByHandle(ctx context.Context, username, domain string) (Account, error) {
	if a, ok := db.accounts.getHandle(username, domain); ok {
		return a.clone(), nil
	}
	return db.cachedAccountWhere(ctx, `lower(username) = lower(?) AND domain = ?`, username, strings.ToLower(domain))
}

// cachedAccountWhere reads one account from the reader pool and caches it.
func (db *DB) cachedAccountWhere(ctx context.Context, where string, args ...any) (Account, error) {
	seq := db.accounts.snapshot()
	a, err := accountWhere(ctx, db.read, where, args...)
	if err == nil {
		db.accounts.put(seq, a.clone())
	}
	return a, err
}

// clone copies the account's slices, so a caller's change never reaches
// the cache.
func (a Account) clone() Account {
	a.Fields = slices.Clone(a.Fields)
	return a
}

// AccountsByIDs returns the accounts with the given ids, keyed by id.
func (db *DB) AccountsByIDs(ctx context.Context, ids []int64) (map[int64]Account, error) {
	out, missing := db.accounts.byIDs(ids)
	for id, a := range out {
		out[id] = a.clone()
	}
	if len(missing) == 0 {
		return out, nil
	}
	seq := db.accounts.snapshot()
	rows, err := db.read.QueryContext(ctx, `SELECT `+accountCols+` FROM accounts WHERE id IN (`+placeholders(len(missing))+`)`, int64Args(missing)...)
	if err != nil {
		return nil, fmt.Errorf("accounts by ids: %w", err)
	}
	defer rows.Close()
	var read []Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("accounts by ids: %w", err)
		}
		out[a.ID] = a
		read = append(read, a.clone())
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("accounts by ids: %w", err)
	}
	db.accounts.put(seq, read...)
	return out, nil
}

// LocalAccounts returns local accounts ordered by id.
func (db *DB) LocalAccounts(ctx context.Context) ([]Account, error) {
	return queryAccounts(ctx, db.read, `SELECT `+accountCols+` FROM accounts WHERE domain = '' AND actor_type <> 'Application' ORDER BY id`)
}

func queryAccounts(ctx context.Context, q querier, query string, args ...any) ([]Account, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query accounts: %w", err)
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("scan account: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AccountByID returns the account inside the transaction.
func (tx *Tx) AccountByID(ctx context.Context, id int64) (Account, error) {
	return accountWhere(ctx, tx.tx, `id = ?`, id)
}

// AccountByURI returns the account inside the transaction.
func (tx *Tx) AccountByURI(ctx context.Context, uri string) (Account, error) {
	return accountWhere(ctx, tx.tx, `uri = ?`, uri)
}

// InsertAccount inserts a. A zero ID is assigned; zero times become tx.Now().
// A duplicate uri or username@domain gives ErrConflict.
func (tx *Tx) InsertAccount(ctx context.Context, a *Account) error {
	if a.ID == 0 {
		a.ID = tx.NewID(tx.now)
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = tx.now
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = tx.now
	}
	if a.ActorType == "" {
		a.ActorType = "Person"
	}
	a.Domain = strings.ToLower(a.Domain)
	err := tx.insertNew(ctx, `INSERT INTO accounts (`+accountCols+`) VALUES (`+placeholders(36)+`) ON CONFLICT DO NOTHING`,
		a.args()...)
	if errors.Is(err, ErrConflict) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("insert account %s: %w", a.URI, err)
	}
	return nil
}

// UpdateAccount rewrites every column of the account with a.ID.
func (tx *Tx) UpdateAccount(ctx context.Context, a *Account) error {
	a.UpdatedAt = tx.now
	args := a.args()
	res, err := tx.tx.ExecContext(ctx, `UPDATE accounts SET (`+accountCols+`) = (`+placeholders(36)+`) WHERE id = ?`,
		append(args, a.ID)...)
	if err != nil {
		return fmt.Errorf("update account %d: %w", a.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// MarkAccountDeleted records that a (remote) account was deleted and removes
// its follows, so nothing more is delivered to it or shown from it.
func (tx *Tx) MarkAccountDeleted(ctx context.Context, id int64) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE accounts SET deleted_at = ? WHERE id = ?`, ms(tx.now), id); err != nil {
		return fmt.Errorf("delete account %d: %w", id, err)
	}
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM follows WHERE account_id = ? OR target_account_id = ?`, id, id); err != nil {
		return fmt.Errorf("delete follows of %d: %w", id, err)
	}
	if _, err := tx.tx.ExecContext(ctx, `UPDATE statuses SET deleted_at = ? WHERE account_id = ? AND deleted_at = 0`, ms(tx.now), id); err != nil {
		return fmt.Errorf("delete statuses of %d: %w", id, err)
	}
	return nil
}

// CountLocalUsers returns the number of local user accounts.
func (db *DB) CountLocalUsers(ctx context.Context) (int64, error) {
	return db.cachedCount(ctx, "local users", []string{"users", "accounts"}, func(ctx context.Context) (int64, error) {
		var n int64
		// users stays the outer table: left to itself SQLite read every account.
		err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM users u `+db.eng.q.joinInOrder+` accounts a ON a.id = u.account_id
			WHERE a.suspended_at = 0`).Scan(&n)
		if err != nil {
			return 0, fmt.Errorf("count users: %w", err)
		}
		return n, nil
	})
}

// CountDomains returns the number of distinct remote domains known.
func (db *DB) CountDomains(ctx context.Context) (int64, error) {
	var n int64
	if err := db.read.QueryRowContext(ctx, `SELECT count(DISTINCT domain) FROM accounts WHERE domain <> ''`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count domains: %w", err)
	}
	return n, nil
}

func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

func int64Args(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}
