package fakeopenai

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
)

// EditsPath is the image edits endpoint (multipart/form-data).
const EditsPath = "/v1/images/edits"

// QueueEdits appends replies for the next image edit requests.
func (s *Server) QueueEdits(rs ...Reply) { s.queue(EditsPath, rs) }

// HandleEdits sets the reply used once the edit queue is empty; without
// one, edits get as many base64 PNGs as the form's "n" asks for.
func (s *Server) HandleEdits(r Reply) { s.setDefault(EditsPath, r) }

// NoEdits makes the server answer edits as a compatible server without the
// endpoint does: 404 with OpenAI's unknown_url error.
func (s *Server) NoEdits() {
	s.HandleEdits(ErrorReply(http.StatusNotFound, "invalid_request_error", "unknown_url", "Invalid URL (POST /v1/images/edits)"))
}

// defaultEdits answers with n copies of the test PNG, n from the form.
func defaultEdits() Reply {
	return func(s *Server, w http.ResponseWriter, r *http.Request) {
		n := 1
		if f, err := ParseForm(peekBody(r), r.Header.Get("Content-Type")); err == nil {
			if v, err := strconv.Atoi(f.Value["n"]); err == nil {
				n = min(max(v, 1), 10)
			}
		}
		B64(n, PNG(ImageSize, ImageSize, testColour))(s, w, r)
	}
}

// Form is a parsed multipart request: its text fields and its files.
type Form struct {
	Value map[string]string
	Files map[string]FormFile
}

// FormFile is one file part.
type FormFile struct {
	Name        string // the part's filename
	ContentType string
	Data        []byte
}

// Multipart parses a recorded multipart/form-data request.
func (r Request) Multipart() (Form, error) {
	return ParseForm(r.Body, r.Header.Get("Content-Type"))
}

// ParseForm parses a multipart/form-data body with the given Content-Type.
func ParseForm(body []byte, contentType string) (Form, error) {
	f := Form{Value: map[string]string{}, Files: map[string]FormFile{}}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return f, err
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return f, nil
		}
		if err != nil {
			return f, err
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return f, err
		}
		if p.FileName() != "" {
			f.Files[p.FormName()] = FormFile{Name: p.FileName(), ContentType: p.Header.Get("Content-Type"), Data: data}
		} else {
			f.Value[p.FormName()] = string(data)
		}
	}
}
