package fedipeer

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// pollInterval is how often WaitInbox asks the peer; the wait itself is
// bounded by the caller's timeout.
const pollInterval = 20 * time.Millisecond

// Activity is one activity a local actor's inbox accepted: Fedify verified its
// HTTP signature and parsed it. JSON is the body exactly as the sender sent it.
type Activity struct {
	Seq        int             `json:"seq"` // arrival order across the whole peer
	Via        string          `json:"via"` // "personal" or "shared" inbox
	Type       string          `json:"type"`
	ID         string          `json:"id"`
	Actor      string          `json:"actor"`
	Object     json.RawMessage `json:"object"` // a string id or an embedded object
	JSON       json.RawMessage `json:"json"`
	ReceivedAt time.Time       `json:"receivedAt"`
}

// ObjectID returns the object's id, whether the object is a bare id or
// embedded; "" when there is none.
func (a Activity) ObjectID() string {
	var s string
	if json.Unmarshal(a.Object, &s) == nil {
		return s
	}
	var o struct{ ID string }
	_ = json.Unmarshal(a.Object, &o)
	return o.ID
}

// ObjectType returns the embedded object's type, or "" when the object is a
// bare id.
func (a Activity) ObjectType() string {
	var o struct{ Type string }
	_ = json.Unmarshal(a.Object, &o)
	return o.Type
}

// OfType matches activities of the given type, e.g. OfType("Accept").
func OfType(typ string) func(Activity) bool {
	return func(a Activity) bool { return a.Type == typ }
}

// Inbox returns the activities as's inbox accepted so far, oldest first.
// Deliveries to the shared inbox are filed under every local actor they name
// (in addressing, mentions, object, …) or whose followee sent them.
func (p *Peer) Inbox(t testing.TB, as string) []Activity {
	t.Helper()
	acts, err := p.inbox(context.Background(), as)
	if err != nil {
		t.Fatalf("inbox of %s: %v", as, err)
	}
	return acts
}

func (p *Peer) inbox(ctx context.Context, as string) ([]Activity, error) {
	var out []Activity
	err := p.Do(ctx, "GET", "inbox?as="+url.QueryEscape(as), nil, &out)
	return out, err
}

// WaitInbox polls as's inbox until an activity matching pred arrives and
// returns the first (oldest) match. It fails the test after timeout, listing
// what did arrive and the peer's refused deliveries.
func (p *Peer) WaitInbox(t testing.TB, as string, pred func(Activity) bool, timeout time.Duration) Activity {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	var last []Activity
	for {
		acts, err := p.inbox(ctx, as)
		if err == nil {
			last = acts
			for _, a := range acts {
				if pred(a) {
					return a
				}
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no matching activity in %s's inbox within %v; got %s; refused deliveries: %s",
				as, timeout, summary(last), p.refused())
			return Activity{}
		case <-tick.C:
		}
	}
}

func summary(acts []Activity) string {
	if len(acts) == 0 {
		return "nothing"
	}
	parts := make([]string, len(acts))
	for i, a := range acts {
		parts[i] = fmt.Sprintf("%s %s from %s", a.Type, a.ID, a.Actor)
	}
	return strings.Join(parts, "; ")
}

func (p *Peer) refused() string {
	var out []Delivery
	if err := p.Do(context.Background(), "GET", "deliveries", nil, &out); err != nil {
		return err.Error()
	}
	var parts []string
	for _, d := range out {
		if d.Status/100 != 2 {
			parts = append(parts, fmt.Sprintf("%s %s %s -> %d %s", d.Path, d.Type, d.ID, d.Status, d.Error))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}
