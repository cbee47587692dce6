package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// Password length rules, the same for the CLI and the settings page.
const (
	MinPasswordLength = 8
	MaxPasswordLength = 128 // bounds argon2 input from a form
)

// CheckNewPassword returns apperr.Invalid when password breaks the length
// rules, else nil.
func CheckNewPassword(password string) error {
	if n := len([]rune(password)); n < MinPasswordLength || len(password) > MaxPasswordLength {
		return apperr.Invalid("The password must have %d to %d characters.", MinPasswordLength, MaxPasswordLength)
	}
	return nil
}

// VerifyPassword checks password against the stored hash of accountID's
// user. It goes through the limiter as a sign-in of the account from ip
// does (LoginLimiter.Begin): a wrong password counts as a failure and is
// apperr.Invalid; apperr.RateLimited while the limiter refuses.
func (p *PasswordLogin) VerifyPassword(ctx context.Context, accountID int64, password, ip string) error {
	u, err := p.db.UserByAccountID(ctx, accountID)
	if err != nil {
		return fmt.Errorf("verify password of %d: %w", accountID, err)
	}
	att, err := p.limiter.Begin(ctx, ip, accountKey(accountID))
	if err != nil {
		return err
	}
	if u.PasswordHash == "" {
		att.Failed()
		return apperr.Invalid("The current password is not right.")
	}
	err = CheckPassword(u.PasswordHash, password)
	if errors.Is(err, ErrBadPassword) {
		att.Failed()
		return apperr.Invalid("The current password is not right.")
	}
	if err != nil {
		att.Abandon()
		return fmt.Errorf("verify password of %d: %w", accountID, err)
	}
	att.Succeeded()
	return nil
}

// ChangePassword replaces the password of the signed-in user of sess after
// checking the current one (VerifyPassword's errors) and the new one
// (CheckNewPassword), and ends every other web session of the account.
// OAuth tokens stay valid unless revokeApps is set: Mastodon's settings page
// clears the other browser sessions on a password change and revokes app
// tokens only on an administrator's reset (SetPassword with revokeAccess),
// so a user who fears a leaked token ticks the box or uses the apps page.
func (p *PasswordLogin) ChangePassword(ctx context.Context, sess Session, current, next, ip string, revokeApps bool) error {
	if err := p.VerifyPassword(ctx, sess.AccountID, current, ip); err != nil {
		return err
	}
	if err := CheckNewPassword(next); err != nil {
		return err
	}
	hash, err := p.HashPassword(ctx, next)
	if err != nil {
		return err
	}
	return p.db.Write(ctx, func(tx *store.Tx) error {
		if err := tx.SetUserPassword(ctx, sess.AccountID, hash); err != nil {
			return err
		}
		if _, err := tx.DeleteWebSessionsExcept(ctx, sess.AccountID, sess.hash); err != nil {
			return err
		}
		if !revokeApps {
			return nil
		}
		_, err := tx.RevokeOAuthTokensOfAccount(ctx, sess.AccountID)
		return err
	})
}

// SetPassword replaces the password of accountID's user without knowing the
// old one (an administrator's reset). It checks CheckNewPassword, ends all
// web sessions, and with revokeAccess also revokes every OAuth token of the
// account, as Mastodon's reset does. A missing user is store.ErrNotFound.
func SetPassword(ctx context.Context, db *store.DB, accountID int64, password string, revokeAccess bool) error {
	if err := CheckNewPassword(password); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return db.Write(ctx, func(tx *store.Tx) error {
		if err := tx.SetUserPassword(ctx, accountID, hash); err != nil {
			return err
		}
		if _, err := tx.DeleteWebSessionsOf(ctx, accountID); err != nil {
			return err
		}
		if !revokeAccess {
			return nil
		}
		_, err := tx.RevokeOAuthTokensOfAccount(ctx, accountID)
		return err
	})
}

// AuthorizedApp is an app holding live tokens of a user.
type AuthorizedApp struct {
	ID         int64
	Name       string
	Website    string
	Scopes     []string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used
}

// AuthorizedApps lists the apps holding live tokens of accountID, most
// recently used first.
func (o *OAuth) AuthorizedApps(ctx context.Context, accountID int64) ([]AuthorizedApp, error) {
	rows, err := o.db.AuthorizedApps(ctx, accountID)
	if err != nil {
		return nil, err
	}
	out := make([]AuthorizedApp, len(rows))
	for i, r := range rows {
		out[i] = AuthorizedApp{ID: r.AppID, Name: r.Name, Website: r.Website, Scopes: r.Scopes,
			CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt}
	}
	return out, nil
}

// RevokeApp revokes every token appID holds for accountID, so the app must
// be authorized again. An app without live tokens of the account is
// apperr.NotFound.
func (o *OAuth) RevokeApp(ctx context.Context, accountID, appID int64) error {
	var n int64
	err := o.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.RevokeOAuthTokensOfApp(ctx, accountID, appID)
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return apperr.NotFound("No such authorized app.")
	}
	return nil
}
