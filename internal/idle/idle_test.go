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
