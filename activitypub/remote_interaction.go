package activitypub

import (
	"context"
	"errors"
	"strings"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/webfinger"
)

// SubscribeTemplate WebFingers acct:user@host on host, within FetchTimeout
// and through the address-checked client, and returns the account's
// remote-interaction template (webfinger.RelSubscribe; "{uri}" stands for
// the object), or "" when its server offers none. An account its server
// does not know gives apperr.NotFound; a server that cannot be reached or
// answers garbage gives apperr.Unavailable.
func (f *Federation) SubscribeTemplate(ctx context.Context, user, host string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, f.opts.FetchTimeout)
	defer cancel()
	jrd, err := f.wf.Lookup(ctx, user, strings.ToLower(host))
	if errors.Is(err, webfinger.ErrNotFound) {
		return "", apperr.NotFound("%s does not know the account @%s@%s. Check the address.", host, user, host)
	}
	if err != nil {
		return "", apperr.Wrap(apperr.Unavailable("Could not reach %s to look up @%s@%s. Try again later.", host, user, host), err)
	}
	return jrd.Template(webfinger.RelSubscribe), nil
}
