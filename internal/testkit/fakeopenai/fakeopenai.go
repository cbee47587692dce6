// Package fakeopenai is a programmable stand-in for the OpenAI Images, Chat
// Completions and Moderations APIs (and OpenAI-compatible servers), served on
// 127.0.0.1 for tests. Each endpoint answers from a queue of canned Replies, then from a
// default Reply; every request is recorded for assertions.
package fakeopenai

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Paths served, relative to the server root.
const (
	ImagesPath      = "/v1/images/generations"
	ModerationsPath = "/v1/moderations"
	ChatPath        = "/v1/chat/completions"
	FilesPrefix     = "/files/"
)

const maxBody = 1 << 20

// Request is one recorded request.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// JSON decodes the body as a JSON object; it returns nil if it is not one.
func (r Request) JSON() map[string]any {
	var m map[string]any
	if json.Unmarshal(r.Body, &m) != nil {
		return nil
	}
	return m
}

// A Reply writes one answer. It may use s to publish files (see ImageURL).
type Reply func(s *Server, w http.ResponseWriter, r *http.Request)

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the root, such as "http://127.0.0.1:PORT"; the API lives under URL+"/v1".
	URL string

	srv  *httptest.Server
	done chan struct{} // closed at cleanup so Hang replies return

	mu       sync.Mutex
	queues   map[string][]Reply
	defaults map[string]Reply
	requests []Request
	files    map[string][]byte
	nextFile int
	arrivals chan Request
	noJSON   bool // SetJSONMode(false): response_format is refused
}

// New starts a fake on loopback and closes it when the test ends. Without
// queued replies, image requests get as many base64 PNGs as they ask for (a
// stream of partial_images previews and the final image when they ask for
// "stream": true) and moderation requests an unflagged result.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		done:   make(chan struct{}),
		queues: make(map[string][]Reply),
		defaults: map[string]Reply{ImagesPath: defaultImages(), ModerationsPath: NotFlagged(), EditsPath: defaultEdits(),
			ChatPath: Chat("OK")},
		files:    make(map[string][]byte),
		arrivals: make(chan Request, 64),
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(func() {
		close(s.done)
		s.srv.Close()
	})
	return s
}

// BaseURL returns the API base to configure clients with: URL + "/v1".
func (s *Server) BaseURL() string { return s.URL + "/v1" }

// QueueImages appends replies for the next image generation requests.
func (s *Server) QueueImages(rs ...Reply) { s.queue(ImagesPath, rs) }

// QueueModerations appends replies for the next moderation requests.
func (s *Server) QueueModerations(rs ...Reply) { s.queue(ModerationsPath, rs) }

// QueueChat appends replies for the next chat completion requests.
func (s *Server) QueueChat(rs ...Reply) { s.queue(ChatPath, rs) }

// HandleChat sets the reply used once the chat queue is empty.
func (s *Server) HandleChat(r Reply) { s.setDefault(ChatPath, r) }

// SetJSONMode says whether the server supports JSON mode. Without it (as
// some compatible servers), a chat request carrying response_format is
// answered 400 before any reply runs, and ChatJSON answers in prose with the
// JSON inside a fenced block.
func (s *Server) SetJSONMode(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noJSON = !on
}

func (s *Server) jsonMode() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.noJSON
}

// HandleImages sets the reply used once the image queue is empty.
func (s *Server) HandleImages(r Reply) { s.setDefault(ImagesPath, r) }

// HandleModerations sets the reply used once the moderation queue is empty.
func (s *Server) HandleModerations(r Reply) { s.setDefault(ModerationsPath, r) }

func (s *Server) queue(path string, rs []Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queues[path] = append(s.queues[path], rs...)
}

func (s *Server) setDefault(path string, r Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.defaults[path] = r
}

// Requests returns the API requests received so far (file downloads
// included), oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// RequestsTo returns the recorded requests whose path is path.
func (s *Server) RequestsTo(path string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// Arrivals delivers each request as it arrives, before it is answered, so a
// test can wait for one without sleeping. It buffers 64 requests and drops
// later ones if nobody reads.
func (s *Server) Arrivals() <-chan Request { return s.arrivals }

// AddFile publishes data under a fresh URL on the server and returns that URL.
func (s *Server) AddFile(data []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextFile++
	name := fmt.Sprintf("img-%d.png", s.nextFile)
	s.files[name] = data
	return s.URL + FilesPrefix + name
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	req := Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
	r.Body = io.NopCloser(bytes.NewReader(body))
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()
	select {
	case s.arrivals <- req:
	default:
	}
	switch {
	case strings.HasPrefix(r.URL.Path, FilesPrefix) && r.Method == http.MethodGet:
		s.serveFile(w, strings.TrimPrefix(r.URL.Path, FilesPrefix))
	case r.URL.Path == ChatPath && r.Method == http.MethodPost && !s.jsonMode() && req.Chat().JSONMode:
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"message": "response_format is not supported",
			"type": "invalid_request_error", "param": "response_format", "code": nil}})
	case r.Method == http.MethodPost && s.serves(r.URL.Path):
		s.next(r.URL.Path)(s, w, r)
	default:
		writeError(w, http.StatusNotFound, "invalid_request_error", "unknown_url", "Invalid URL ("+r.Method+" "+r.URL.Path+")")
	}
}

// defaultImages answers as asked: streamed when the request says so.
func defaultImages() Reply {
	plain, streamed := ImageB64(0), Stream(StreamOptions{Partials: -1})
	return func(s *Server, w http.ResponseWriter, r *http.Request) {
		if wantsStream(r) {
			streamed(s, w, r)
			return
		}
		plain(s, w, r)
	}
}

// serves reports whether path is an API endpoint of the fake: every one
// has a default reply, set in New.
func (s *Server) serves(path string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.defaults[path]
	return ok
}

func (s *Server) next(path string) Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.queues[path]; len(q) > 0 {
		s.queues[path] = q[1:]
		return q[0]
	}
	return s.defaults[path]
}

func (s *Server) serveFile(w http.ResponseWriter, name string) {
	s.mu.Lock()
	data, ok := s.files[name]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, nil)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(data)
}

// PNG returns a real w×h PNG of one colour.
func PNG(w, h int, c color.RGBA) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err) // cannot fail for an in-memory RGBA image
	}
	return buf.Bytes()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError writes OpenAI's error envelope: {"error": {message, type, param, code}}.
func writeError(w http.ResponseWriter, status int, typ string, code any, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"message": msg, "type": typ, "param": nil, "code": code,
	}})
}
