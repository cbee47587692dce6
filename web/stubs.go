package web

import "net/http"

// Pages still being written; they answer 404 until then.

func (h *Handler) adminPage(w http.ResponseWriter, r *http.Request, v *visitor) error       { return errNotFound }
func (h *Handler) adminCreateUser(w http.ResponseWriter, r *http.Request, v *visitor) error { return errNotFound }
func (h *Handler) adminSuspend(w http.ResponseWriter, r *http.Request, v *visitor) error    { return errNotFound }
func (h *Handler) adminBlock(w http.ResponseWriter, r *http.Request, v *visitor) error      { return errNotFound }
func (h *Handler) adminUnblock(w http.ResponseWriter, r *http.Request, v *visitor) error    { return errNotFound }

