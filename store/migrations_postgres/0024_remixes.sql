-- Remixes (issue 12): the source image, mask and lineage of a generation job,
-- and which post a post remixes. Times are Unix milliseconds (UTC).
-- PostgreSQL translation of migrations/0024_remixes.sql (INTEGER ids are BIGINT).

-- The input side of a remix job: the image it starts from and an optional
-- mask (a PNG, base64, dropped when the job ends). One row per remix job.
CREATE TABLE generation_job_sources (
	job_id           TEXT    PRIMARY KEY REFERENCES generation_jobs (id) ON DELETE CASCADE,
	remix_status_id  BIGINT  REFERENCES statuses (id) ON DELETE SET NULL, -- the post remixed (lineage)
	source_media_id  BIGINT  REFERENCES media_attachments (id) ON DELETE SET NULL, -- NULL: prompt only
	mask_png         TEXT    NOT NULL DEFAULT ''
);

-- A post that remixes another. source_id is the source's row when this
-- server knows it; source_uri is the source Note's id as the post named it
-- (kept when the source is unknown or deleted).
CREATE TABLE status_remixes (
	status_id   BIGINT  PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
	source_id   BIGINT  REFERENCES statuses (id) ON DELETE SET NULL,
	source_uri  TEXT    NOT NULL,
	created_at  BIGINT  NOT NULL
);
CREATE INDEX status_remixes_source ON status_remixes (source_id, status_id);

-- Images a remix job made, with the post they remix, so the post that
-- finally carries them (made by the job, or by a front end from a draft
-- job's media) records its lineage.
CREATE TABLE media_remix_sources (
	media_id         BIGINT  PRIMARY KEY REFERENCES media_attachments (id) ON DELETE CASCADE,
	source_status_id BIGINT  NOT NULL REFERENCES statuses (id) ON DELETE CASCADE
);
CREATE INDEX status_remixes_orphans ON status_remixes (source_uri) WHERE source_id IS NULL;
-- /imagine --from URL names a post by one of its images.
CREATE INDEX media_remote_url ON media_attachments (remote_url) WHERE remote_url <> '';
CREATE INDEX media_file_name ON media_attachments (file_name) WHERE file_name <> '';
