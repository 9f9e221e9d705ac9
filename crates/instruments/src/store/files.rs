//! The files of instruments, kept by the one file store ([`opencpd_kernel::files`]):
//! a form's attachments (the CSV files of `select_*_from_file` and `pulldata()`, the images
//! and sounds of its labels and choices), uploaded with or after the form for one version
//! of it; and the files a submission's answers name (photos, recordings), uploaded first by
//! their digest and stored with the submission that names them.
//!
//! A form whose attachments are not all uploaded is published but not collected: the
//! submission route and the field app's package say which files are missing.

use super::{Instrument, PUBLISHED, form, instrument, may_edit};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::Stream;
use opencpd_domain::Problem;
use opencpd_forms::{Form, MediaKind};
use opencpd_kernel::files::{self, FileType, Files, Limits};
use opencpd_kernel::{Actor, Db, Error, Result, audit, on_db, on_tx};

// The answer shapes of these queries, kept in `crate::model`.
pub use crate::model::{Attachment, FileRef, StoredFile, SubmissionFileView, UploadState};

opencpd_kernel::from_row! {
    SubmissionFileView { name, question, sha256, size_bytes, content_type }
}

const MB: u64 = 1024 * 1024;

/// The most a CSV attachment may be (it is read whole into the form).
pub const CSV_LIMIT: u64 = 10 * MB;

/// What an attachment may be, by its name's extension: CSV (text), an image, a sound, a
/// video; any known type for other names (XML, GeoJSON are text).
pub fn attachment_limits(name: &str) -> Limits {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "csv" => Limits::new(CSV_LIMIT, &[files::TEXT]),
        "jpg" | "jpeg" | "png" | "gif" | "webp" => media_limits(MediaKind::Image),
        "mp3" | "m4a" | "ogg" | "oga" | "wav" | "amr" => media_limits(MediaKind::Audio),
        "mp4" | "3gp" | "mov" | "webm" => media_limits(MediaKind::Video),
        _ => media_limits(MediaKind::File),
    }
}

/// What a media question takes: its types, read from the content, and a size per kind.
pub fn media_limits(kind: MediaKind) -> Limits {
    use files::*;
    match kind {
        MediaKind::Image => Limits::new(10 * MB, &[JPEG, PNG, GIF, WEBP]),
        MediaKind::Audio => Limits::new(25 * MB, &[MP3, OGG, WAV, AMR, M4A, MP4, WEBM]),
        MediaKind::Video => Limits::new(50 * MB, &[MP4, WEBM, OGG]),
        MediaKind::File => {
            let mut all = TYPES.to_vec();
            all.push(TEXT);
            Limits::new(25 * MB, &all)
        }
    }
}

/// What any upload of a submission's file may be: every kind's types, the largest size.
pub fn upload_limits() -> Limits {
    let mut limits = media_limits(MediaKind::Video);
    for kind in [MediaKind::Image, MediaKind::Audio, MediaKind::File] {
        for t in media_limits(kind).types {
            if !limits.types.contains(&t) {
                limits.types.push(t);
            }
        }
    }
    limits
}

#[derive(sqlx::FromRow)]
struct AttachmentRow {
    name: String,
    sha256: String,
    size_bytes: i64,
    content_type: String,
    uploaded_at: DateTime<Utc>,
}

async fn uploaded(db: &Db, id: i64) -> Result<Vec<AttachmentRow>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT a.name, a.sha256, f.size_bytes, f.content_type, a.uploaded_at FROM instrument_attachments a \
         JOIN stored_files f ON f.sha256 = a.sha256 WHERE a.instrument_id = $1"
    )
    .bind(id)
    .fetch_all(p)
    .await)?)
}

fn listed(form: &Form, rows: Vec<AttachmentRow>) -> Vec<Attachment> {
    form.attachments
        .iter()
        .map(|name| match rows.iter().find(|r| &r.name == name) {
            Some(r) => Attachment {
                name: name.clone(),
                present: true,
                sha256: Some(r.sha256.clone()),
                size_bytes: Some(r.size_bytes),
                content_type: Some(r.content_type.clone()),
                uploaded_at: Some(r.uploaded_at),
            },
            None => Attachment {
                name: name.clone(),
                present: false,
                sha256: None,
                size_bytes: None,
                content_type: None,
                uploaded_at: None,
            },
        })
        .collect()
}

/// Every file the form of instrument `id` names, in the form's order, present or missing.
pub async fn attachments(db: &Db, id: i64) -> Result<Vec<Attachment>> {
    let form = form(db, id).await?;
    Ok(listed(&form, uploaded(db, id).await?))
}

/// Uploads (or replaces) the attachment `name` of instrument `id` from `body`. Refused,
/// with nothing stored, when the form does not name it (`name`), when it is too large or
/// of a type its name does not say (`file`), and, for a CSV, when it lacks a column a
/// question reads (naming the column and the question): the file, kept before it could be
/// read, is removed again unless a row names it ([`files::or_forget`]), as when the transaction
/// fails.
pub async fn upload_attachment<S, E>(
    db: &Db,
    files: &Files,
    actor: &Actor,
    id: i64,
    name: &str,
    body: S,
) -> Result<Attachment>
where
    S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    may_edit(actor)?;
    let instrument: Instrument = instrument(db, id).await?;
    let mut form = form(db, id).await?;
    let name = name.trim();
    if !form.attachments.iter().any(|a| a == name) {
        let allowed = if form.attachments.is_empty() { "-".to_string() } else { form.attachments.join(", ") };
        return Err(Problem::new("form-not-attachment")
            .in_column("name")
            .with_value(name)
            .arg("allowed", allowed)
            .into());
    }
    let stored = files.keep(db, body, &attachment_limits(name), "file", None).await?;
    let written = write_attachment(db, files, actor, &instrument, &mut form, name, &stored).await;
    files::or_forget(db, files, std::slice::from_ref(&stored), written).await?;
    PUBLISHED.remove(db, &id);
    attachments(db, id).await?.into_iter().find(|a| a.name == name).ok_or(Error::NotFound)
}

/// Checks the attachment `name` of `instrument` kept as `stored` (a CSV read into `form`)
/// and writes it, with its audit event.
async fn write_attachment(
    db: &Db,
    files: &Files,
    actor: &Actor,
    instrument: &Instrument,
    form: &mut Form,
    name: &str,
    stored: &files::Stored,
) -> Result<()> {
    let id = instrument.id;
    if Form::is_read_attachment(name) {
        let bytes = files.read(&stored.sha256, CSV_LIMIT).await?;
        form.load_file(name, &bytes).map_err(Error::Invalid)?;
    }
    let mut tx = db.begin().await?;
    let now = Utc::now();
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO instrument_attachments (instrument_id, name, sha256, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (instrument_id, name) \
         DO UPDATE SET sha256 = excluded.sha256, uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at"
    )
    .bind(id)
    .bind(name)
    .bind(&stored.sha256)
    .bind(actor.user_id)
    .bind(now)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    let summary = format!("file {name} of instrument {} version {}", instrument.code, instrument.version);
    let after = serde_json::json!({ "name": name, "sha256": stored.sha256, "size_bytes": stored.size });
    audit::record(&mut tx, actor, "upload", "instrument", &id.to_string(), &summary, None::<&()>, Some(&after)).await?;
    tx.commit().await?;
    Ok(())
}

/// The attachment `name` of instrument `id`, with its bytes as a stream; not found when the
/// form does not name it or it is not uploaded.
pub async fn attachment_file(
    db: &Db,
    files: &Files,
    id: i64,
    name: &str,
) -> Result<(Attachment, impl Stream<Item = std::io::Result<Bytes>> + Send + 'static + use<>)> {
    let found = attachments(db, id).await?.into_iter().find(|a| a.name == name && a.present).ok_or(Error::NotFound)?;
    let (_, stream) = files.open(found.sha256.as_deref().unwrap_or_default()).await?;
    Ok((found, stream))
}

/// The names of the files the form names that are not uploaded.
pub fn missing(list: &[Attachment]) -> Vec<String> {
    list.iter().filter(|a| !a.present).map(|a| a.name.clone()).collect()
}

/// The form with the CSV attachments uploaded so far read into it, and every attachment.
pub(crate) async fn with_files(db: &Db, files: &Files, id: i64, mut form: Form) -> Result<(Form, Vec<Attachment>)> {
    let list = listed(&form, uploaded(db, id).await?);
    for a in list.iter().filter(|a| a.present && Form::is_read_attachment(&a.name)) {
        let bytes = files.read(a.sha256.as_deref().unwrap_or_default(), CSV_LIMIT).await?;
        form.load_file(&a.name, &bytes).map_err(Error::Invalid)?;
    }
    Ok((form, list))
}

/// The form ready to be collected: every attachment uploaded and its CSV files read in;
/// refused, naming the missing files, otherwise.
pub(crate) async fn collectable(db: &Db, files: &Files, id: i64, form: Form) -> Result<Form> {
    let (form, list) = with_files(db, files, id, form).await?;
    let missing = missing(&list);
    if !missing.is_empty() {
        return Err(Problem::new("form-attachments-missing")
            .in_column("instrument_id")
            .with_value(id.to_string())
            .arg("files", missing.join(", "))
            .into());
    }
    Ok(form)
}

/// Uploads a file a submission will name, by the digest its sender computed (`sha256`):
/// the content must have that digest. Within [`upload_limits`]; the question's own limits
/// are checked when the submission names it. Anyone signed in may upload.
pub async fn upload_file<S, E>(db: &Db, files: &Files, actor: &Actor, sha256: &str, body: S) -> Result<StoredFile>
where
    S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    if actor.user_id.is_none() {
        return Err(Error::Forbidden);
    }
    if !files::is_digest(sha256) {
        return Err(Problem::new("file-digest").in_column("sha256").with_value(sha256).arg("sha256", "-").into());
    }
    let stored = files.keep(db, body, &upload_limits(), "file", Some(sha256)).await?;
    file_info(db, sha256).await?.map(|f| StoredFile { new: stored.new, ..f }).ok_or(Error::NotFound)
}

/// What a part of a file sent in parts came to.
#[derive(Debug, Clone)]
pub enum PartSent {
    /// The file is whole and kept (new, or stored before).
    Stored(StoredFile),
    /// More is expected.
    Partial(UploadState),
}

fn sender(actor: &Actor) -> Result<i64> {
    actor.user_id.ok_or(Error::Forbidden)
}

fn check_digest(sha256: &str) -> Result<()> {
    if !files::is_digest(sha256) {
        return Err(Problem::new("file-digest").in_column("sha256").with_value(sha256).arg("sha256", "-").into());
    }
    Ok(())
}

/// The file `sha256` when it is stored, asked about by a sender (noted, as by
/// [`asked_for`]): described and its bytes in the store.
async fn stored_now(db: &Db, files: &Files, sha256: &str) -> Result<Option<StoredFile>> {
    match asked_for(db, sha256).await? {
        Some(found) if files.size(sha256).await?.is_some() => Ok(Some(found)),
        _ => Ok(None),
    }
}

/// How much of the file `sha256` the actor has uploaded: stored whole (by anyone), or the
/// bytes of their own part received so far (0 when none).
pub async fn upload_state(db: &Db, files: &Files, actor: &Actor, sha256: &str) -> Result<UploadState> {
    let sender = sender(actor)?;
    check_digest(sha256)?;
    if let Some(found) = stored_now(db, files, sha256).await? {
        return Ok(UploadState { sha256: found.sha256, stored: true, received: found.size_bytes });
    }
    let received = files.received(sha256, sender).await?;
    Ok(UploadState { sha256: sha256.to_string(), stored: false, received: received as i64 })
}

/// Takes the part `range` of the file `sha256` a submission will name, within
/// [`upload_limits`] (see [`Files::resume`]). A file stored already is not stored again:
/// the part is read and dropped, what the sender had sent of it removed.
pub async fn upload_part<S, E>(
    db: &Db,
    files: &Files,
    actor: &Actor,
    sha256: &str,
    range: files::Range<'_>,
    mut body: S,
) -> Result<PartSent>
where
    S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    use futures_util::StreamExt;
    let sender = sender(actor)?;
    check_digest(sha256)?;
    if let Some(found) = stored_now(db, files, sha256).await? {
        files.discard_part(sha256, sender).await?;
        let mut left = range.end.saturating_sub(range.start) + 1;
        while left > 0
            && let Some(Ok(chunk)) = body.next().await
        {
            left = left.saturating_sub(chunk.len() as u64);
        }
        return Ok(PartSent::Stored(found));
    }
    match files.resume(db, sender, sha256, range, body, &upload_limits(), "file").await? {
        files::Sent::Partial { received } => {
            Ok(PartSent::Partial(UploadState { sha256: sha256.to_string(), stored: false, received: received as i64 }))
        }
        files::Sent::Complete(stored) => file_info(db, sha256)
            .await?
            .map(|f| PartSent::Stored(StoredFile { new: stored.new, ..f }))
            .ok_or(Error::NotFound),
    }
}

/// What is known of the uploaded file `sha256`.
pub async fn file_info(db: &Db, sha256: &str) -> Result<Option<StoredFile>> {
    let row: Option<(String, i64, String)> =
        on_db!(db, |p| sqlx::query_as("SELECT sha256, size_bytes, content_type FROM stored_files WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(p)
            .await)?;
    Ok(row.map(|(sha256, size_bytes, content_type)| StoredFile { sha256, size_bytes, content_type, new: false }))
}

/// What is known of the uploaded file `sha256`, asked by a sender about to name it in a
/// submission: the time is noted, so that a prune of unused files leaves it for its grace
/// period. A file a prune is removing at that moment is waited for, then not known.
pub async fn asked_for(db: &Db, sha256: &str) -> Result<Option<StoredFile>> {
    if !files::is_digest(sha256) {
        return Ok(None);
    }
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query("UPDATE stored_files SET touched_at = $1 WHERE sha256 = $2")
        .bind(Utc::now())
        .bind(sha256)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    tx.commit().await?;
    file_info(db, sha256).await
}

/// The file type named by a stored content type.
fn type_of(mime: &str) -> Option<FileType> {
    files::TYPES.iter().copied().chain([files::TEXT]).find(|t| t.mime == mime)
}

/// The files the media answers of a validated submission name, each checked against its
/// question: sent with the submission (`refs`), uploaded, of a type and size the question
/// takes; an audit log's header with the columns its item's parameters ask for
/// ([`opencpd_forms::Item::audit_columns`]). Every problem names the question (its path).
pub(crate) async fn answer_files(
    db: &Db,
    files: &Files,
    form: &Form,
    answers: &opencpd_forms::Instance,
    refs: &[FileRef],
) -> Result<Vec<super::intake::SubmissionFile>> {
    let mut named = Vec::new();
    media_answers(form, answers, "", &mut named);
    let mut problems = Vec::new();
    let mut out: Vec<super::intake::SubmissionFile> = Vec::new();
    for (question, kind, name) in named {
        let Some(r) = refs.iter().find(|r| r.name == name) else {
            problems.push(Problem::new("form-file-not-sent").in_column(&question).with_value(&name));
            continue;
        };
        let Some(info) = file_info(db, &r.sha256).await? else {
            problems.push(Problem::new("form-file-unknown").in_column(&question).with_value(&r.sha256));
            continue;
        };
        let limits = match kind {
            Named::Media(kind) => media_limits(kind),
            Named::Audit => audit_limits(),
        };
        if let Err(p) = limits.check_size(info.size_bytes as u64, &question) {
            problems.push(p);
            continue;
        }
        if !type_of(&info.content_type).is_some_and(|t| limits.types.contains(&t)) {
            let allowed: Vec<&str> = limits.types.iter().map(|t| t.name).collect();
            problems.push(
                Problem::new("file-type")
                    .in_column(&question)
                    .with_value(type_of(&info.content_type).map(|t| t.name).unwrap_or(&info.content_type))
                    .arg("allowed", allowed.join(", ")),
            );
            continue;
        }
        if let Named::Audit = kind
            && let Some(item) = form.item(question.rsplit(['.', ']']).next().unwrap_or(&question))
        {
            let header = first_line(files, &r.sha256).await?;
            let found = item.audit_header_problems(&header);
            if !found.is_empty() {
                problems.extend(found.into_iter().map(|p| p.in_column(&question).with_value(&name)));
                continue;
            }
        }
        if !out.iter().any(|f| f.name == name) {
            out.push(super::intake::SubmissionFile { name, question, sha256: r.sha256.clone() });
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    Ok(out)
}

/// The first line of the stored file `sha256`, read from at most its first 4 KiB.
async fn first_line(files: &Files, sha256: &str) -> Result<String> {
    use futures_util::StreamExt;
    const MOST: usize = 4096;
    let (_, mut stream) = files.open(sha256).await?;
    let mut head = Vec::new();
    while head.len() < MOST && !head.contains(&b'\n') {
        match stream.next().await {
            Some(chunk) => head.extend_from_slice(&chunk.map_err(anyhow::Error::from)?),
            None => break,
        }
    }
    let end = head.iter().position(|b| *b == b'\n').unwrap_or(head.len()).min(MOST);
    Ok(String::from_utf8_lossy(&head[..end]).into_owned())
}

/// What a file an answer names may be: a media question's kind, or the audit log.
#[derive(Debug, Clone, Copy)]
enum Named {
    Media(MediaKind),
    /// The `audit` metadata item's `audit.csv`: a text file.
    Audit,
}

/// The types and size an audit log may have: text, as large as any file.
fn audit_limits() -> Limits {
    Limits::new(25 * MB, &[files::TEXT])
}

/// Every answer naming a file: (question path, what it may be, file name), repeats
/// numbered from 1. An empty answer names none.
fn media_answers(form: &Form, answers: &opencpd_forms::Instance, prefix: &str, out: &mut Vec<(String, Named, String)>) {
    use opencpd_forms::{Answer, ItemKind};
    for (name, answer) in answers {
        let path = format!("{prefix}{name}");
        match (answer, form.item(name).map(|i| &i.kind)) {
            (Answer::Text(file), Some(ItemKind::Media { of })) => out.push((path, Named::Media(*of), file.clone())),
            (Answer::Text(file), Some(ItemKind::Metadata { of })) if of == "audit" && !file.is_empty() => {
                out.push((path, Named::Audit, file.clone()))
            }
            (Answer::Repeat(instances), _) => {
                for (i, inst) in instances.iter().enumerate() {
                    media_answers(form, inst, &format!("{path}[{}].", i + 1), out);
                }
            }
            _ => {}
        }
    }
}

/// The files stored with submission `id`.
pub(crate) async fn submission_files(db: &Db, id: i64) -> Result<Vec<SubmissionFileView>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT s.name, s.question, s.sha256, f.size_bytes, f.content_type FROM submission_files s \
         JOIN stored_files f ON f.sha256 = s.sha256 WHERE s.submission_id = $1 ORDER BY s.question, s.name"
    )
    .bind(id)
    .fetch_all(p)
    .await)?)
}
