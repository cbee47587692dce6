package mastoapi

import (
	"net/http"

	"github.com/pictor-social/pictor/auth"
)

// Domain blocks per page, as Mastodon: 100 by default, at most 200.
const (
	domainBlockLimit    = 100
	maxDomainBlockLimit = 200
)

// domainBlocks serves GET /api/v1/domain_blocks: the domains the user
// blocks, as plain strings, newest first, with a Link header.
func (h *Handler) domainBlocks(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeReadBlocks)
	if err != nil {
		return err
	}
	page := pageOf(r, domainBlockLimit, maxDomainBlockLimit)
	k, err := h.db.UserDomainBlocks(r.Context(), g.AccountID, page)
	if err != nil {
		return err
	}
	h.setLink(w, r, page, k.Keys)
	out := k.Domains
	if out == nil {
		out = []string{}
	}
	return writeJSON(w, http.StatusOK, out)
}

// changeDomainBlock serves POST and DELETE /api/v1/domain_blocks with a
// `domain` parameter (query, form or JSON); the answer is an empty object.
func (h *Handler) changeDomainBlock(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteBlocks)
	if err != nil {
		return err
	}
	p, err := readParams(w, r, h.opts.MaxBodyBytes)
	if err != nil {
		return err
	}
	domain := p.str("domain")
	if r.Method == http.MethodDelete {
		err = h.social.UnblockDomain(r.Context(), g.AccountID, domain)
	} else {
		err = h.social.BlockDomain(r.Context(), g.AccountID, domain)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct{}{})
}
