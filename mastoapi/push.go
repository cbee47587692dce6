package mastoapi

import (
	"net/http"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/push"
	"github.com/pictor-social/pictor/store"
)

// WebPushSubscription is Mastodon's entity of that name.
type WebPushSubscription struct {
	ID        string          `json:"id"`
	Endpoint  string          `json:"endpoint"`
	Standard  bool            `json:"standard"`
	Alerts    map[string]bool `json:"alerts"`
	ServerKey string          `json:"server_key"`
	Policy    string          `json:"policy"`
}

func (h *Handler) pushEntity(s store.PushSubscription) WebPushSubscription {
	alerts := map[string]bool{}
	for _, a := range push.Alerts {
		alerts[a] = s.Alert(a)
	}
	return WebPushSubscription{ID: store.FormatID(s.ID), Endpoint: s.Endpoint, Standard: s.Standard, Alerts: alerts,
		ServerKey: h.Push.VAPIDKey(), Policy: s.Policy}
}

// vapidKey is configuration.vapid.public_key ("" without Web Push).
func (h *Handler) vapidKey() string {
	if h.Push == nil {
		return ""
	}
	return h.Push.VAPIDKey()
}

// pushUser authenticates a push endpoint: a user token with scope push.
func (h *Handler) pushUser(r *http.Request) (auth.Grant, error) {
	g, err := h.user(r, auth.ScopePush)
	if err == nil && h.Push == nil {
		err = apperr.Unavailable("Web Push is not enabled on this server")
	}
	return g, err
}

// pushData reads data[alerts][…] and data[policy] (PUT also takes policy).
func pushData(p params) push.Data {
	d := push.Data{Policy: p.str("data[policy]")}
	if d.Policy == "" {
		d.Policy = p.str("policy")
	}
	for _, a := range push.Alerts {
		if p.boolean("data[alerts][" + a + "]") {
			d.Alerts = append(d.Alerts, a)
		}
	}
	return d
}

// createPushSubscription serves POST /api/v1/push/subscription: a new
// subscription replaces the token's previous one.
func (h *Handler) createPushSubscription(w http.ResponseWriter, r *http.Request) error {
	g, err := h.pushUser(r)
	if err != nil {
		return err
	}
	p, err := readParams(w, r, h.opts.MaxBodyBytes)
	if err != nil {
		return err
	}
	req := push.Request{Endpoint: p.str("subscription[endpoint]"), P256DH: p.str("subscription[keys][p256dh]"),
		Auth: p.str("subscription[keys][auth]"), Standard: p.boolean("subscription[standard]"), Data: pushData(p)}
	owner := push.Owner{TokenID: g.TokenID, AccountID: g.AccountID, AccessToken: auth.BearerToken(r)}
	sub, err := h.Push.Subscribe(r.Context(), owner, req)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, h.pushEntity(sub))
}

// getPushSubscription serves GET /api/v1/push/subscription (404 without).
func (h *Handler) getPushSubscription(w http.ResponseWriter, r *http.Request) error {
	g, err := h.pushUser(r)
	if err != nil {
		return err
	}
	sub, err := h.Push.Subscription(r.Context(), g.TokenID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, h.pushEntity(sub))
}

// updatePushSubscription serves PUT /api/v1/push/subscription: alerts and
// policy are replaced, the rest is fixed.
func (h *Handler) updatePushSubscription(w http.ResponseWriter, r *http.Request) error {
	g, err := h.pushUser(r)
	if err != nil {
		return err
	}
	p, err := readParams(w, r, h.opts.MaxBodyBytes)
	if err != nil {
		return err
	}
	sub, err := h.Push.Update(r.Context(), g.TokenID, pushData(p))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, h.pushEntity(sub))
}

// deletePushSubscription serves DELETE /api/v1/push/subscription: {} even
// when there was none.
func (h *Handler) deletePushSubscription(w http.ResponseWriter, r *http.Request) error {
	g, err := h.pushUser(r)
	if err != nil {
		return err
	}
	if err := h.Push.Unsubscribe(r.Context(), g.TokenID); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{})
}
