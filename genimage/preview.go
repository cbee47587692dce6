package genimage

// maxPreviewBytes bounds the one preview held per running job. Providers'
// partial images are well below it (OpenAI's are about a megabyte); a larger
// one is not kept.
const maxPreviewBytes = 16 << 20

// previewTypes are the media types a preview may have: raster images a
// browser shows, never anything a browser would run.
var previewTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/webp": true, "image/gif": true}

// Preview is the newest partial image of a running job.
type Preview struct {
	Image
	Seq int // 1 for the run's first preview, counting up; changes with every new preview
}

// Preview returns the newest partial image of job id while the job runs in
// this process. ok is false when there is none: the backend does not stream,
// no preview has come yet, or the job is not running here. The service keeps
// only the newest preview of each job, in memory, and drops it when the job's
// run ends. The returned bytes must not be modified.
func (s *Service) Preview(id string) (p Preview, ok bool) {
	s.previewMu.Lock()
	defer s.previewMu.Unlock()
	p, ok = s.previews[id]
	return p, ok
}

// keepPreview replaces job id's preview with img and returns its sequence
// number, or 0 when img is not fit to show.
func (s *Service) keepPreview(id string, img Image) int {
	if !previewTypes[img.MediaType] || len(img.Data) == 0 || len(img.Data) > maxPreviewBytes {
		return 0
	}
	s.previewMu.Lock()
	defer s.previewMu.Unlock()
	p := Preview{Image: img, Seq: s.previews[id].Seq + 1}
	s.previews[id] = p
	return p.Seq
}

// dropPreview forgets job id's preview.
func (s *Service) dropPreview(id string) {
	s.previewMu.Lock()
	defer s.previewMu.Unlock()
	delete(s.previews, id)
}
