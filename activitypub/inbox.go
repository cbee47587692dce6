package activitypub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// Inbox handles POSTs to a personal inbox (account set) or the shared inbox.
// It bounds the body, verifies Digest and signature, checks that the activity
// comes from the signer's origin, stores it and answers 202; processing
// happens later in RunInbox, so what is acknowledged survives a crash
// (architecture.md flow 2). Errors are answered with Mastodon's codes: 401
// for signature problems, 400 for malformed JSON, 413 for oversize bodies.
// A resend of a stored activity (same id and body within InboxDedupeFor,
// not released by an Undo since) is answered 202 and not stored again.
func (f *Federation) Inbox(w http.ResponseWriter, r *http.Request, account *store.Account) error {
	if !isActivityJSON(r.Header.Get("Content-Type")) {
		return apperr.Unsupported("content type must be application/activity+json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, f.opts.MaxInboxBytes))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return apperr.TooLarge("request body is larger than %d bytes", f.opts.MaxInboxBytes)
		}
		return apperr.BadRequest("could not read the request body")
	}
	act, err := ParseActivity(body)
	if err != nil {
		return apperr.BadRequest("malformed activity: %v", err)
	}
	actor := act.Actor.ID()
	if actor == "" {
		return apperr.BadRequest("activity has no actor")
	}
	if f.Blocked != nil && f.Blocked(r.Context(), hostOf(actor)) {
		f.log.Info("inbox refused: domain blocked", "actor", actor, "activity", act.ID, "type", act.Type)
		return apperr.Forbidden("this domain is blocked")
	}
	if skipUnknownActorDeletion(r.Context(), f.db, act) {
		// A Delete or Update of an actor we never knew needs no work and no
		// fetch (interop.md D.10, checklist 21).
		w.WriteHeader(http.StatusAccepted)
		return nil
	}
	v, err := f.verifier.Verify(r, body)
	if err != nil {
		f.log.Debug("inbox signature rejected", "actor", actor, "err", err)
		return apperr.Wrap(apperr.Unauthorized("signature verification failed"), err)
	}
	if err := checkOrigin(act, v.Owner); err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	id := act.ID
	if id == "" {
		id = "urn:sha256:" + hash
	}
	item := store.InboxItem{ActivityID: id, ActorURI: actor, Body: body, BodyHash: hash}
	if act.Type == "Undo" {
		item.Undoes = act.Object.ID()
	}
	if account != nil {
		item.InboxAccountID = account.ID
	}
	ctx := context.WithoutCancel(r.Context())
	err = f.db.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertInboxItem(ctx, &item, f.opts.InboxDedupeFor); err != nil {
			return err
		}
		tx.AfterCommit(func() { notify(f.wakeInbox) })
		// A signed request from a host proves it is back (interop.md D.5).
		return tx.MarkHostReachable(ctx, hostOf(actor))
	})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func isActivityJSON(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch mt {
	case "application/activity+json", "application/json":
		return true
	case "application/ld+json":
		p := params["profile"]
		return p == "" || strings.Contains(p, "activitystreams")
	}
	return false
}

// checkOrigin requires the signer to be the activity's actor, and the
// activity id (and for Create, Update and Delete the object id) to share the
// actor's host (interop.md D.8, checklist 22).
func checkOrigin(act Activity, signer string) error {
	actor := act.Actor.ID()
	if signer != actor {
		// Some servers sign relayed activities with another key of the same
		// origin; Mastodon requires the actor itself.
		return apperr.Unauthorized("the activity's actor did not sign it")
	}
	host := hostOf(actor)
	if act.ID != "" && hostOf(act.ID) != host {
		return apperr.Forbidden("activity id is not on the actor's host")
	}
	switch act.Type {
	case "Create", "Update", "Delete":
		if oid := act.Object.ID(); oid != "" && hostOf(oid) != host {
			return apperr.Forbidden("object is not on the actor's host")
		}
	}
	return nil
}

// skipUnknownActorDeletion reports whether act deletes or updates an actor
// (actor == object) that is not in the store.
func skipUnknownActorDeletion(ctx context.Context, db *store.DB, act Activity) bool {
	if act.Type != "Delete" && act.Type != "Update" {
		return false
	}
	if act.Object.ID() != act.Actor.ID() {
		return false
	}
	_, err := db.AccountByURI(ctx, act.Actor.ID())
	return errors.Is(err, store.ErrNotFound)
}
