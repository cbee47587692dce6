package activitypub

import (
	"reflect"
	"testing"
	"time"

	"github.com/pictor-social/pictor/store"
)

func actorFixture() store.Account {
	return store.Account{ID: 7, Username: "alice", URI: "https://pictor.test/users/alice", URL: "https://pictor.test/@alice",
		ActorType: "Person", DisplayName: "Alice", Note: "<p>hi</p>", NoteSource: "hi",
		Fields:   []store.Field{{Name: "site", Value: "https://alice.test"}},
		InboxURI: "https://pictor.test/users/alice/inbox", SharedInboxURI: "https://pictor.test/inbox",
		OutboxURI: "https://pictor.test/users/alice/outbox", FollowersURI: "https://pictor.test/users/alice/followers",
		FollowingURI: "https://pictor.test/users/alice/following", FeaturedURI: "https://pictor.test/users/alice/collections/featured",
		PublicKeyID: "https://pictor.test/users/alice#main-key", PublicKeyPEM: "PEM", PrivateKeyPEM: "PRIVATE",
		AvatarFile: "a.png", HeaderFile: "h.webp", Discoverable: true, Indexable: true,
		CreatedAt: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC), UpdatedAt: time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)}
}

// Every account field that changes the rendered actor changes its
// actorInput, so a kept document can never outlive a change it shows: each
// field of store.Account in turn is given another value, and where the
// document differs the inputs must too.
func TestActorInputCoversEveryShownField(t *testing.T) {
	f := &Federation{URLs: URLs{Base: "https://pictor.test"}}
	render := func(a store.Account) string {
		b, err := Marshal(f.RenderActor(a))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	base := actorFixture()
	shown := 0
	typ := reflect.TypeOf(base)
	for i := 0; i < typ.NumField(); i++ {
		a := actorFixture()
		v := reflect.ValueOf(&a).Elem().Field(i)
		switch x := v.Addr().Interface().(type) {
		case *string:
			*x += "2"
		case *bool:
			*x = !*x
		case *int64:
			*x++
		case *time.Time:
			*x = x.Add(72 * time.Hour)
		case *[]store.Field:
			*x = []store.Field{{Name: "site", Value: "https://alice.example"}}
		default:
			t.Fatalf("field %s: type %s not covered by this test", typ.Field(i).Name, v.Type())
		}
		if render(a) == render(base) {
			continue
		}
		shown++
		if actorInputOf(a).equal(actorInputOf(base)) {
			t.Errorf("changing %s changes the actor document but not its actorInput", typ.Field(i).Name)
		}
	}
	if shown < 15 {
		t.Fatalf("only %d fields change the document: the fixture is not exercising RenderActor", shown)
	}
}

// actorDocs hands back the kept document while the input is equal (even
// from another copy of the account) and renders again on any change.
func TestActorDocsKeepUntilChange(t *testing.T) {
	f := &Federation{URLs: URLs{Base: "https://pictor.test"}}
	var c actorDocs
	renders := 0
	render := func(in actorInput) Actor { renders++; return f.renderActor(in) }
	a := actorFixture()
	d1, err := c.get(a.ID, actorInputOf(a), render)
	if err != nil {
		t.Fatal(err)
	}
	b := actorFixture() // an equal account with its own slices
	if d2, _ := c.get(b.ID, actorInputOf(b), render); d2 != d1 || renders != 1 {
		t.Fatalf("equal account rendered again (%d renders)", renders)
	}
	b.Fields[0].Value = "changed"
	d3, _ := c.get(b.ID, actorInputOf(b), render)
	if d3 == d1 || d3.ETag() == d1.ETag() || renders != 2 {
		t.Fatalf("changed field kept the old document (%d renders)", renders)
	}
}
