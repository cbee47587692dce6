package idle

import (
	"context"
	"testing"
	"time"
)

func TestWaitEndsAtTheFirstCause(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	closed := make(chan struct{})
	close(closed)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name     string
		ctx      context.Context
		wake     <-chan struct{}
		leaseEnd time.Time
	}{
		{"woken", context.Background(), closed, time.Time{}},
		{"cancelled", cancelled, nil, time.Time{}},
		{"lease lapsed already", context.Background(), nil, now.Add(-time.Hour)},
		{"lease lapsing soon", context.Background(), nil, now.Add(time.Millisecond)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan struct{})
			go func() {
				Wait(tc.ctx, tc.wake, time.Hour, tc.leaseEnd, now)
				close(done)
			}()
			select {
			case <-done:
			case <-time.After(time.Minute):
				t.Fatal("Wait waited for the poll interval")
			}
		})
	}
}

func TestSignalWakesEveryWaiterOnce(t *testing.T) {
	var s Signal
	s.Wake() // nobody waits: nothing to do
	a, b := s.C(), s.C()
	if a != b {
		t.Fatal("two channels before a Wake")
	}
	select {
	case <-a:
		t.Fatal("closed before Wake")
	default:
	}
	s.Wake()
	for _, c := range []<-chan struct{}{a, b} {
		select {
		case <-c:
		default:
			t.Fatal("a waiter was not woken")
		}
	}
	select {
	case <-s.C():
		t.Fatal("the channel after a Wake is closed already")
	default:
	}
}
