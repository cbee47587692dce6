package pubsub

import "testing"

func TestPublishReachesOnlySubscribedStreams(t *testing.T) {
	h := New()
	a := h.Subscribe("user:1", "public")
	b := h.Subscribe("user:2")
	h.Publish(Event{Stream: "user:1", Kind: "update", Payload: 1})
	h.Publish(Event{Stream: "public", Kind: "update", Payload: 2})
	if e := <-a.C; e.Payload != 1 {
		t.Fatalf("first event %v", e)
	}
	if e := <-a.C; e.Payload != 2 {
		t.Fatalf("second event %v", e)
	}
	select {
	case e := <-b.C:
		t.Fatalf("b got %v", e)
	default:
	}
	a.Close()
	a.Close() // idempotent
	if _, ok := <-a.C; ok {
		t.Fatal("channel not closed")
	}
	h.Publish(Event{Stream: "user:1"}) // no subscriber: no panic
	b.Close()
	if len(h.subs) != 0 {
		t.Fatalf("leaked subscriptions: %v", h.subs)
	}
}

func TestSlowSubscriberDoesNotBlock(t *testing.T) {
	h := New()
	s := h.Subscribe("x")
	for i := 0; i < 1000; i++ {
		h.Publish(Event{Stream: "x", Payload: i})
	}
	if len(s.C) != 64 {
		t.Fatalf("buffered %d", len(s.C))
	}
}
