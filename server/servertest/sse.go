package servertest

import (
	"bufio"
	"io"
	"strings"
)

// SSEEvents reads server-sent events from body onto the returned channel
// as [event, data] pairs, until the body ends (then the channel closes).
func SSEEvents(body io.Reader) <-chan [2]string {
	r, ok := body.(*bufio.Reader)
	if !ok {
		r = bufio.NewReader(body)
	}
	events := make(chan [2]string, 64)
	go func() {
		defer close(events)
		var event string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				events <- [2]string{event, strings.TrimPrefix(line, "data: ")}
			}
		}
	}()
	return events
}
