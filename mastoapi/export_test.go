package mastoapi

// DisableStatusCache turns h's rendered-status cache off, for tests that
// compare the cached and the uncached rendering.
func DisableStatusCache(h *Handler) {
	h.statuses.mu.Lock()
	defer h.statuses.mu.Unlock()
	h.statuses.off = true
	h.statuses.cur, h.statuses.old = nil, nil
}

// RenderedStatuses is the number of statuses h's cache holds.
func RenderedStatuses(h *Handler) int {
	h.statuses.mu.Lock()
	defer h.statuses.mu.Unlock()
	return len(h.statuses.cur) + len(h.statuses.old)
}
