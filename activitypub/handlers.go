package activitypub

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/gorilla/mux"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/hotdoc"
	"github.com/pictor-social/pictor/store"
)

// ContentType is the content type of every ActivityPub document served;
// never application/json (interop.md D.6).
const ContentType = "application/activity+json; charset=utf-8"

// pageSize is the number of items on one collection page.
const pageSize = 20

// WriteJSON writes an ActivityPub document.
func WriteJSON(w http.ResponseWriter, status int, doc any) error {
	body, err := Marshal(doc)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Vary", "Accept, Signature")
	w.WriteHeader(status)
	_, err = w.Write(body)
	return err
}

// localUser returns the local account named in the route, a 410 for a
// deleted one (as Mastodon answers after Delete{actor}), or a 404.
func (f *Federation) localUser(ctx context.Context, r *http.Request) (store.Account, error) {
	return f.localUserNamed(ctx, mux.Vars(r)["name"])
}

func (f *Federation) localUserNamed(ctx context.Context, name string) (store.Account, error) {
	a, err := f.db.AccountByHandle(ctx, name, "")
	if err == nil && !a.DeletedAt.IsZero() {
		return store.Account{}, apperr.Gone("account deleted")
	}
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!a.SuspendedAt.IsZero() || a.Username == InstanceActorUsername)) {
		return store.Account{}, apperr.NotFound("no such account")
	}
	return a, err
}

// ServeActor serves a local user's actor document; no signature is needed,
// even from servers in authorized-fetch mode (checklist 8).
func (f *Federation) ServeActor(w http.ResponseWriter, r *http.Request) error {
	return f.ServeActorNamed(w, r, mux.Vars(r)["name"])
}

// ServeActorNamed is ServeActor for the user named name, for a router that
// has the name at hand. A signature, if any, is not read: the actor is
// public, and Pictor has no authorized-fetch mode. The document is encoded
// once per change of what it shows (actorDocs), with an ETag (hotdoc).
func (f *Federation) ServeActorNamed(w http.ResponseWriter, r *http.Request, name string) error {
	a, err := f.localUserNamed(r.Context(), name)
	if err != nil {
		return err
	}
	d, err := f.actors.get(a.ID, actorInputOf(a), f.renderActor)
	if err != nil {
		return err
	}
	d.Serve(w, r)
	return nil
}

// actorDocs keeps the encoded actor documents of local accounts by id, each
// with the actorInput it shows: a request whose account reads the same
// (actorInput.equal; the account itself comes from the store's exact
// cache) is answered with the kept bytes, any change renders again.
type actorDocs struct {
	mu   sync.Mutex
	docs map[int64]actorDoc
}

type actorDoc struct {
	in  actorInput
	doc *hotdoc.Doc
}

// maxKeptActors bounds actorDocs: a few KB each, local accounts only.
const maxKeptActors = 1_000

func (c *actorDocs) get(id int64, in actorInput, render func(actorInput) Actor) (*hotdoc.Doc, error) {
	c.mu.Lock()
	d, ok := c.docs[id]
	c.mu.Unlock()
	if ok && d.in.equal(in) {
		return d.doc, nil
	}
	body, err := Marshal(render(in))
	if err != nil {
		return nil, err
	}
	doc := hotdoc.New(body, "Content-Type", ContentType, "Vary", "Accept, Signature")
	c.mu.Lock()
	if c.docs == nil || len(c.docs) >= maxKeptActors {
		c.docs = map[int64]actorDoc{}
	}
	c.docs[id] = actorDoc{in: in, doc: doc}
	c.mu.Unlock()
	return doc, nil
}

// ServeInstanceActor serves the instance actor, which signs our fetches.
func (f *Federation) ServeInstanceActor(w http.ResponseWriter, r *http.Request) error {
	a, err := f.InstanceActor(r.Context())
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, f.RenderActor(a))
}

// ServeInstanceOutbox serves the instance actor's outbox: always empty.
func (f *Federation) ServeInstanceOutbox(w http.ResponseWriter, r *http.Request) error {
	a, err := f.InstanceActor(r.Context())
	if err != nil {
		return err
	}
	zero := 0
	return WriteJSON(w, http.StatusOK, Collection{Context: Context(), ID: a.OutboxURI, Type: "OrderedCollection",
		TotalItems: &zero, OrderedItems: Items{}})
}

// ServeInbox handles POSTs to a personal inbox; the shared inbox passes no name.
func (f *Federation) ServeInbox(w http.ResponseWriter, r *http.Request) error {
	if mux.Vars(r)["name"] == "" {
		return f.Inbox(w, r, nil)
	}
	a, err := f.localUser(r.Context(), r)
	if err != nil {
		return err
	}
	return f.Inbox(w, r, &a)
}

// ServeStatus serves a local status as a Note; a deleted one answers 410
// with a Tombstone (checklist 38); followers-only and direct posts only to a
// signed request from someone allowed to see them.
func (f *Federation) ServeStatus(w http.ResponseWriter, r *http.Request) error {
	d, err := f.visibleNote(r)
	if err != nil {
		return err
	}
	note := f.RenderNote(d)
	if mux.Vars(r)["activity"] != "" {
		return WriteJSON(w, http.StatusOK, CreateNote(note))
	}
	note.Context = Context()
	return WriteJSON(w, http.StatusOK, note)
}

func (f *Federation) visibleNote(r *http.Request) (NoteData, error) {
	ctx := r.Context()
	author, err := f.localUser(ctx, r)
	if err != nil {
		return NoteData{}, err
	}
	id, ok := store.ParseID(mux.Vars(r)["id"])
	if !ok {
		return NoteData{}, apperr.NotFound("no such status")
	}
	st, err := f.db.StatusByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (st.AccountID != author.ID || st.ReblogOfID != 0)) {
		return NoteData{}, apperr.NotFound("no such status")
	}
	if err != nil {
		return NoteData{}, err
	}
	if !st.DeletedAt.IsZero() {
		return NoteData{}, errGoneStatus{uri: st.URI}
	}
	d, err := f.NoteData(ctx, st, author)
	if err != nil {
		return NoteData{}, err
	}
	if st.Visibility == store.VisibilityPublic || st.Visibility == store.VisibilityUnlisted {
		return d, nil
	}
	if !f.mayRead(r, st, d.Mentions) {
		return NoteData{}, apperr.NotFound("no such status")
	}
	return d, nil
}

// mayRead checks a signed fetch of a followers-only or direct status.
func (f *Federation) mayRead(r *http.Request, st store.Status, mentions []store.Account) bool {
	v, err := f.verifier.Verify(r, nil)
	if err != nil {
		return false
	}
	for _, m := range mentions {
		if m.URI == v.Owner {
			return true
		}
	}
	if st.Visibility != store.VisibilityPrivate {
		return false
	}
	reader, err := f.db.AccountByURI(r.Context(), v.Owner)
	if err != nil {
		return false
	}
	fl, err := f.db.FollowBetween(r.Context(), reader.ID, st.AccountID)
	return err == nil && fl.Accepted
}

// errGoneStatus answers 410 with a Tombstone.
type errGoneStatus struct{ uri string }

func (e errGoneStatus) Error() string { return "status deleted" }

func (e errGoneStatus) Unwrap() error { return apperr.Gone("status deleted") }

// WriteError writes an error in ActivityPub style: the status from apperr
// (410 with a Tombstone for deleted statuses) and a JSON error body.
func WriteError(w http.ResponseWriter, err error) {
	var gone errGoneStatus
	if errors.As(err, &gone) {
		WriteJSON(w, http.StatusGone, Tombstone{Context: Context(), ID: gone.uri, Type: "Tombstone", FormerType: "Note"})
		return
	}
	status := apperr.StatusOf(err)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": apperr.MessageOf(err)})
}

// NoteData gathers what RenderNote needs for a local status.
func (f *Federation) NoteData(ctx context.Context, st store.Status, author store.Account) (NoteData, error) {
	list, err := f.noteData(ctx, []store.Status{st}, author)
	if err != nil {
		return NoteData{}, err
	}
	return list[0], nil
}

// noteData gathers what RenderNote needs for local statuses of author, in
// their order, in a fixed number of queries however many there are.
func (f *Federation) noteData(ctx context.Context, list []store.Status, author store.Account) ([]NoteData, error) {
	ids := make([]int64, len(list))
	for i, st := range list {
		ids[i] = st.ID
	}
	media, err := f.db.MediaForStatuses(ctx, ids)
	if err != nil {
		return nil, err
	}
	mentions, err := f.db.MentionsForStatuses(ctx, ids)
	if err != nil {
		return nil, err
	}
	var mentioned []int64
	for _, m := range mentions {
		mentioned = append(mentioned, m...)
	}
	accts, err := f.db.AccountsByIDs(ctx, mentioned)
	if err != nil {
		return nil, err
	}
	tags, err := f.db.TagsForStatuses(ctx, ids)
	if err != nil {
		return nil, err
	}
	polls, err := f.db.PollsByStatusIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	remixes, err := f.db.RemixesOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]NoteData, len(list))
	for i, st := range list {
		d := NoteData{Status: st, Author: author, Media: media[st.ID], Tags: tags[st.ID], RemixOf: remixes[st.ID].SourceURI}
		for _, id := range mentions[st.ID] {
			if a, ok := accts[id]; ok {
				d.Mentions = append(d.Mentions, a)
			}
		}
		for _, m := range d.Media {
			if m.Generated() {
				d.Generator = &Generator{Type: "Application", Name: generatorName(m)}
				break
			}
		}
		if p, ok := polls[st.ID]; ok {
			d.Poll = &p
		}
		out[i] = d
	}
	return out, nil
}

func generatorName(m store.MediaAttachment) string {
	if m.GeneratorModel != "" {
		return m.GeneratorBackend + " " + m.GeneratorModel
	}
	return m.GeneratorBackend
}

// ServeOutbox serves a user's public posts as a paged OrderedCollection of
// Create activities (checklist 10).
func (f *Federation) ServeOutbox(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, err := f.localUser(ctx, r)
	if err != nil {
		return err
	}
	vis := []string{store.VisibilityPublic, store.VisibilityUnlisted}
	if r.URL.Query().Get("page") == "" {
		n, err := f.db.CountAccountStatuses(ctx, a.ID, vis)
		if err != nil {
			return err
		}
		return WriteJSON(w, http.StatusOK, collection(a.OutboxURI, int(n)))
	}
	maxID, _ := strconv.ParseInt(r.URL.Query().Get("max_id"), 10, 64)
	list, err := f.db.AccountStatuses(ctx, a.ID, vis, store.Page{MaxID: maxID, Limit: pageSize})
	if err != nil {
		return err
	}
	var posts []store.Status
	for _, st := range list {
		if st.ReblogOfID == 0 {
			posts = append(posts, st)
		}
	}
	notes, err := f.noteData(ctx, posts, a)
	if err != nil {
		return err
	}
	items := Items{}
	for _, st := range list {
		if st.ReblogOfID != 0 {
			orig, err := f.db.StatusByID(ctx, st.ReblogOfID)
			if err != nil {
				continue
			}
			items = append(items, Embed(Announce(st.URI, a.URI, orig.URI, "", a.FollowersURI, st.CreatedAt)))
			continue
		}
		c := CreateNote(f.RenderNote(notes[0]))
		notes = notes[1:]
		c.Context = nil
		items = append(items, Embed(c))
	}
	var next int64
	if len(list) == pageSize {
		next = list[len(list)-1].ID
	}
	return WriteJSON(w, http.StatusOK, page(a.OutboxURI, r.URL.RawQuery, next, items))
}

// ServeFollowers serves the followers collection (ids of accepted followers).
func (f *Federation) ServeFollowers(w http.ResponseWriter, r *http.Request) error {
	return f.serveFollows(w, r, true)
}

// ServeFollowing serves the following collection.
func (f *Federation) ServeFollowing(w http.ResponseWriter, r *http.Request) error {
	return f.serveFollows(w, r, false)
}

func (f *Federation) serveFollows(w http.ResponseWriter, r *http.Request, followers bool) error {
	ctx := r.Context()
	a, err := f.localUser(ctx, r)
	if err != nil {
		return err
	}
	id := a.FollowingURI
	if followers {
		id = a.FollowersURI
	}
	if r.URL.Query().Get("page") == "" {
		nFollowers, nFollowing, err := f.db.FollowCounts(ctx, a.ID)
		if err != nil {
			return err
		}
		n := nFollowing
		if followers {
			n = nFollowers
		}
		return WriteJSON(w, http.StatusOK, collection(id, int(n)))
	}
	maxID, _ := strconv.ParseInt(r.URL.Query().Get("max_id"), 10, 64)
	list, err := f.db.FollowList(ctx, a.ID, followers, store.Page{MaxID: maxID, Limit: pageSize})
	if err != nil {
		return err
	}
	ids := make([]int64, len(list))
	for i, fl := range list {
		ids[i] = fl.TargetAccountID
		if followers {
			ids[i] = fl.AccountID
		}
	}
	accts, err := f.db.AccountsByIDs(ctx, ids)
	if err != nil {
		return err
	}
	items := Items{}
	for _, id := range ids {
		if acc, ok := accts[id]; ok {
			items = append(items, IRI(acc.URI))
		}
	}
	var next int64
	if len(list) == pageSize {
		next = list[len(list)-1].ID
	}
	return WriteJSON(w, http.StatusOK, page(id, r.URL.RawQuery, next, items))
}

// ServeFeatured serves a local user's pinned public and unlisted posts, as
// Mastodon's featured collection: the Notes embedded, newest first.
func (f *Federation) ServeFeatured(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, err := f.localUser(ctx, r)
	if err != nil {
		return err
	}
	pinned, err := f.db.AccountTimeline(ctx, a.ID, store.AccountFilter{Pinned: true,
		Visibilities: []string{store.VisibilityPublic, store.VisibilityUnlisted}}, store.Page{Limit: 40})
	if err != nil {
		return err
	}
	notes, err := f.noteData(ctx, pinned, a)
	if err != nil {
		return err
	}
	items := Items{}
	for _, d := range notes {
		items = append(items, Embed(f.RenderNote(d)))
	}
	n := len(items)
	return WriteJSON(w, http.StatusOK, Collection{Context: Context(), ID: a.FeaturedURI, Type: "OrderedCollection",
		TotalItems: &n, OrderedItems: items})
}

func collection(id string, total int) Collection {
	return Collection{Context: Context(), ID: id, Type: "OrderedCollection", TotalItems: &total,
		First: IRI(id + "?page=true")}
}

func page(id, query string, next int64, items Items) Collection {
	c := Collection{Context: Context(), ID: id + "?" + query, Type: "OrderedCollectionPage", PartOf: id,
		OrderedItems: items}
	if next != 0 {
		c.Next = IRI(id + "?" + url.Values{"page": {"true"}, "max_id": {strconv.FormatInt(next, 10)}}.Encode())
	}
	return c
}
