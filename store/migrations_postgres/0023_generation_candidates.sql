-- Variants (issue 12): a generation job asks for 1-4 images, and each image it
-- made is a candidate the requester may pick for a post. A candidate's image
-- is an unattached media_attachments row until it is posted; unpicked
-- candidates are swept, with their files, after [generation] candidates_keep.
ALTER TABLE generation_jobs ADD COLUMN image_count BIGINT NOT NULL DEFAULT 1; -- images asked for (n)

CREATE TABLE generation_candidates (
	media_id    BIGINT PRIMARY KEY REFERENCES media_attachments (id) ON DELETE CASCADE,
	job_id      TEXT   NOT NULL REFERENCES generation_jobs (id) ON DELETE CASCADE,
	position    BIGINT NOT NULL, -- 0-based order in the backend's answer (builtin: drawn with seed + position)
	created_at  BIGINT NOT NULL
);
CREATE INDEX generation_candidates_job ON generation_candidates (job_id, position);
CREATE INDEX generation_candidates_created ON generation_candidates (created_at);
