package server

import (
	"slices"
	"testing"
)

func TestWorkerSet(t *testing.T) {
	var ws workerSet
	if got := ws.dead(); !slices.Equal(got, []string{"not started"}) {
		t.Fatalf("before start: %v", got)
	}
	ws.start([]string{"inbox", "delivery", "push"})
	if got := ws.dead(); len(got) != 0 {
		t.Fatalf("all running: %v", got)
	}
	ws.stop("push")
	ws.stop("delivery")
	ws.stop("push") // twice is once
	if got := ws.dead(); !slices.Equal(got, []string{"delivery", "push"}) {
		t.Fatalf("stopped: %v", got)
	}
}
