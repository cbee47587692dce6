package mastoapi

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/pubsub"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// Streaming bounds.
const (
	sseHeartbeat       = 15 * time.Second
	wsPingEvery        = 30 * time.Second
	wsWriteTimeout     = 10 * time.Second
	maxSubscriptions   = 32
	maxClientMessage   = 16 << 10
	maxTagLength       = 100
	streamEventTimeout = 5 * time.Second
)

// streamSpec is one stream a client asked for.
type streamSpec struct {
	name      []string // as echoed in WebSocket messages: ["user"], ["hashtag", "fox"]
	internal  string
	onlyMedia bool
	notifOnly bool
	listID    int64 // the list stream's list
}

func (s streamSpec) key() string { return strings.Join(s.name, "\x00") }

// resolveStream maps a Mastodon stream name to an internal stream. User
// streams need a signed-in user; public ones are open to anyone.
// tag carries the list id for the list stream.
func resolveStream(name, tag string, me int64) (streamSpec, error) {
	needUser := func(s streamSpec) (streamSpec, error) {
		if me == 0 {
			return streamSpec{}, apperr.Unauthorized("Missing access token")
		}
		return s, nil
	}
	name = strings.TrimSpace(name)
	base, media := strings.CutSuffix(name, ":media")
	switch base {
	case "user":
		return needUser(streamSpec{name: []string{"user"}, internal: userStream(me)})
	case "user:notification":
		return needUser(streamSpec{name: []string{name}, internal: notificationStream(me), notifOnly: true})
	case "direct":
		return needUser(streamSpec{name: []string{"direct"}, internal: directStream(me)})
	case "public":
		return streamSpec{name: []string{name}, internal: publicStream, onlyMedia: media}, nil
	case "public:local":
		return streamSpec{name: []string{name}, internal: publicLocalStream, onlyMedia: media}, nil
	case "public:remote":
		return streamSpec{name: []string{name}, internal: publicRemoteStream, onlyMedia: media}, nil
	case "list":
		id, ok := store.ParseID(tag)
		if !ok {
			return streamSpec{}, apperr.BadRequest("No list for stream provided")
		}
		return needUser(streamSpec{name: []string{"list", tag}, internal: listStream(me, id), listID: id})
	case "hashtag", "hashtag:local":
		tag = strings.ToLower(strings.TrimPrefix(tag, "#"))
		if tag == "" || len(tag) > maxTagLength {
			return streamSpec{}, apperr.BadRequest("No tag for stream provided")
		}
		return streamSpec{name: []string{name, tag}, internal: hashtagStream(tag, name == "hashtag:local")}, nil
	}
	return streamSpec{}, apperr.NotFound("Unknown stream type")
}

// streamingHealth answers the health check apps and proxies probe.
func streamingHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("OK"))
}

// streamAuth authenticates a streaming request: the token comes from the
// Authorization header, the access_token query parameter or, for browsers'
// WebSockets, Sec-WebSocket-Protocol (echoed back; interop.md C.2). No
// token means an anonymous viewer (public streams only).
func (h *Handler) streamAuth(r *http.Request) (viewer int64, protocol string, err error) {
	protocol = strings.TrimSpace(strings.Split(r.Header.Get("Sec-WebSocket-Protocol"), ",")[0])
	req := r
	if protocol != "" && r.Header.Get("Authorization") == "" && r.URL.Query().Get("access_token") == "" {
		req = r.Clone(r.Context())
		req.Header.Set("Authorization", "Bearer "+protocol)
	}
	g, err := h.oauth.Authenticate(req, auth.ScopeRead)
	if errors.Is(err, auth.ErrNoToken) {
		return 0, "", nil
	}
	if err != nil {
		// A read:statuses or read:notifications token is enough as well.
		if g2, err2 := h.oauth.Authenticate(req, auth.ScopeReadStatuses); err2 == nil {
			return g2.AccountID, protocol, nil
		}
		return 0, "", err
	}
	return g.AccountID, protocol, nil
}

// stream serves /api/v1/streaming[/<stream>]: WebSocket when the request
// asks for an upgrade, server-sent events otherwise.
func (h *Handler) stream(w http.ResponseWriter, r *http.Request) error {
	viewer, protocol, err := h.streamAuth(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	name := q.Get("stream")
	if p := mux.Vars(r)["stream"]; p != "" {
		name = strings.ReplaceAll(strings.Trim(p, "/"), "/", ":")
	}
	var initial []streamSpec
	if name != "" {
		spec, err := resolveStream(name, cmp.Or(q.Get("tag"), q.Get("list")), viewer)
		if err != nil {
			return err
		}
		initial = append(initial, spec)
	}
	release, err := h.streams.acquire(streamOwner(r, viewer))
	if err != nil {
		return err
	}
	defer release()
	leave, ok := h.live.enter()
	if !ok {
		return apperr.Unavailable("the server is shutting down")
	}
	defer leave()
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // streams outlive the server's write timeout
	_ = rc.SetReadDeadline(time.Time{})
	if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		h.serveWebSocket(w, r, viewer, protocol, initial)
		return nil
	}
	if len(initial) == 0 {
		return apperr.BadRequest("Unknown stream type")
	}
	return h.serveSSE(w, r, rc, viewer, initial[0])
}

// taggedEvent is an internal event with the client stream it belongs to.
type taggedEvent struct {
	spec streamSpec
	ev   pubsub.Event
}

// subscriptions are a connection's live hub subscriptions, each forwarded
// into one channel.
type subscriptions struct {
	hub  *pubsub.Hub
	out  chan taggedEvent
	mu   sync.Mutex
	subs map[string]*pubsub.Subscription
	wg   sync.WaitGroup
}

func newSubscriptions(hub *pubsub.Hub) *subscriptions {
	return &subscriptions{hub: hub, out: make(chan taggedEvent, 64), subs: map[string]*pubsub.Subscription{}}
}

func (s *subscriptions) add(spec streamSpec) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.subs[spec.key()]; ok {
		return nil
	}
	if len(s.subs) >= maxSubscriptions {
		return apperr.RateLimited("Too many subscriptions")
	}
	sub := s.hub.Subscribe(spec.internal)
	s.subs[spec.key()] = sub
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for ev := range sub.C {
			select {
			case s.out <- taggedEvent{spec, ev}:
			default: // a slow client misses events and refetches
			}
		}
	}()
	return nil
}

func (s *subscriptions) remove(spec streamSpec) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub, ok := s.subs[spec.key()]; ok {
		sub.Close()
		delete(s.subs, spec.key())
	}
}

func (s *subscriptions) close() {
	s.mu.Lock()
	for k, sub := range s.subs {
		sub.Close()
		delete(s.subs, k)
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// renderEvent turns an internal event into Mastodon's event name and
// payload for viewer; ok is false when the viewer must not get it.
func (h *Handler) renderEvent(ctx context.Context, viewer int64, t taggedEvent) (event, payload string, ok bool) {
	ctx, cancel := context.WithTimeout(ctx, streamEventTimeout)
	defer cancel()
	switch p := t.ev.Payload.(type) {
	case conversationEvent:
		return h.renderConversationEvent(ctx, viewer, p)
	case social.AnnouncementEvent:
		if t.spec.notifOnly {
			return "", "", false
		}
		return h.renderAnnouncementEvent(ctx, viewer, t.ev.Kind, p)
	case store.Notification:
		// Notifications from accounts the viewer blocks, mutes or hides by
		// domain are never stored (store.InsertNotification).
		list, err := h.notificationEntities(ctx, viewer, []store.Notification{p})
		if err != nil || len(list) == 0 {
			return "", "", false
		}
		b, _ := json.Marshal(list[0])
		return "notification", string(b), true
	case int64:
		if t.spec.notifOnly {
			return "", "", false
		}
		if t.ev.Kind == "delete" {
			return "delete", strconv.FormatInt(p, 10), true
		}
		st, err := h.db.StatusByID(ctx, p)
		if err != nil || !st.DeletedAt.IsZero() {
			return "", "", false
		}
		if ok, err := h.social.CanSee(ctx, viewer, st); err != nil || !ok {
			return "", "", false
		}
		if !h.inStreamFeed(ctx, viewer, t.spec, st.ID) {
			return "", "", false
		}
		list, err := h.statusEntitiesIn(ctx, viewer, streamFilterContext(t.spec.internal), []store.Status{st})
		if err != nil || len(list) == 0 || (t.spec.onlyMedia && len(list[0].MediaAttachments) == 0) {
			return "", "", false
		}
		// The hand-written encoder timelines use (entities_json.go): the
		// same JSON as encoding/json, without its reflection.
		b, _, err := appendFast(nil, &list[0])
		if err != nil {
			return "", "", false
		}
		return t.ev.Kind, string(bytes.TrimSuffix(b, []byte("\n"))), true
	}
	return "", "", false
}

// inStreamFeed reports whether stream spec may send status id to viewer:
// a stream shows what its timeline shows, so it asks the store the
// conditions of that timeline. Home and lists: no muted accounts, no
// hidden boosts, a list's replies policy. Public and hashtag streams of a
// signed-in viewer: no blocked, muted, blocking, domain-hidden or suspended
// authors. An anonymous public stream is decided by its audience.
func (h *Handler) inStreamFeed(ctx context.Context, viewer int64, spec streamSpec, id int64) bool {
	var in bool
	var err error
	switch {
	case viewer == 0:
		return true
	case spec.internal == userStream(viewer):
		in, err = h.db.InHomeFeed(ctx, viewer, id)
	case spec.listID != 0:
		var l store.List
		if l, err = h.db.ListByID(ctx, viewer, spec.listID); err == nil {
			in, err = h.db.InListFeed(ctx, l, id)
		}
	default:
		in, err = h.db.ShownInPublicFeeds(ctx, viewer, id)
	}
	return err == nil && in
}

// serveSSE streams one stream as server-sent events with heartbeats.
func (h *Handler) serveSSE(w http.ResponseWriter, r *http.Request, rc *http.ResponseController, viewer int64, spec streamSpec) error {
	subs := newSubscriptions(h.hub)
	defer subs.close()
	if err := subs.add(spec); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ":)\n\n")
	if err := rc.Flush(); err != nil {
		return nil
	}
	tick := time.NewTicker(sseHeartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-h.live.closing:
			return nil
		case <-tick.C:
			fmt.Fprint(w, ":thump\n\n")
		case t := <-subs.out:
			event, payload, ok := h.renderEvent(r.Context(), viewer, t)
			if !ok {
				continue
			}
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, payload)
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}

// wsMessage is what a WebSocket client sends: subscribe or unsubscribe.
type wsMessage struct {
	Type   string `json:"type"`
	Stream string `json:"stream"`
	Tag    string `json:"tag"`
	List   string `json:"list"`
}

// wsEvent is what the server sends; payload is a JSON string (interop.md C.2).
type wsEvent struct {
	Stream  []string `json:"stream"`
	Event   string   `json:"event"`
	Payload string   `json:"payload"`
}

// serveWebSocket streams over a WebSocket; clients may subscribe to more
// streams with {"type":"subscribe","stream":"…"} messages, as masto.js does.
func (h *Handler) serveWebSocket(w http.ResponseWriter, r *http.Request, viewer int64, protocol string, initial []streamSpec) {
	opts := &websocket.AcceptOptions{InsecureSkipVerify: true} // token auth, any origin, as Mastodon
	if protocol != "" {
		opts.Subprotocols = []string{protocol}
	}
	// Subscribe before the handshake completes, so nothing published after
	// the client sees the connection open is missed.
	subs := newSubscriptions(h.hub)
	defer subs.close()
	for _, s := range initial {
		subs.add(s)
	}
	c, err := websocket.Accept(w, r, opts)
	if err != nil {
		return
	}
	defer c.CloseNow()
	c.SetReadLimit(maxClientMessage)
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	defer cancel()
	control := make(chan wsMessage, 8)
	go func() {
		defer cancel()
		for {
			_, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			var m wsMessage
			if json.Unmarshal(data, &m) == nil {
				select {
				case control <- m:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	if h.wsLoop(ctx, c, viewer, subs, control) {
		c.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	c.Close(websocket.StatusNormalClosure, "")
}

// wsLoop serves the connection until it ends; shutdown reports that the
// server is shutting down.
func (h *Handler) wsLoop(ctx context.Context, c *websocket.Conn, viewer int64, subs *subscriptions, control <-chan wsMessage) (shutdown bool) {
	write := func(v any) bool {
		b, _ := json.Marshal(v)
		wctx, cancel := context.WithTimeout(ctx, wsWriteTimeout)
		defer cancel()
		return c.Write(wctx, websocket.MessageText, b) == nil
	}
	ping := time.NewTicker(wsPingEvery)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-h.live.closing:
			return true
		case <-ping.C:
			pctx, cancel := context.WithTimeout(ctx, wsWriteTimeout)
			err := c.Ping(pctx)
			cancel()
			if err != nil {
				return false
			}
		case m := <-control:
			spec, err := resolveStream(m.Stream, cmp.Or(m.Tag, m.List), viewer)
			if err == nil && m.Type == "subscribe" {
				err = subs.add(spec)
			} else if err == nil && m.Type == "unsubscribe" {
				subs.remove(spec)
			}
			if err != nil && !write(map[string]any{"error": apperr.MessageOf(err), "status": apperr.StatusOf(err)}) {
				return false
			}
		case t := <-subs.out:
			event, payload, ok := h.renderEvent(ctx, viewer, t)
			if ok && !write(wsEvent{Stream: t.spec.name, Event: event, Payload: payload}) {
				return false
			}
		}
	}
}
