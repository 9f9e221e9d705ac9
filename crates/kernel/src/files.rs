//! Where files are kept (a form's attachments, the photos and recordings of submissions):
//! one [`Files`] over an `object_store` store, a directory by default
//! (`--files DIR`, `OPENCPD_FILES`), named by the SHA-256 of their content, so a file sent
//! twice is kept once. The database says what each file is to whom (a form's attachment, a
//! submission's answer) and holds its digest; the store holds the bytes.
//!
//! A file is taken as a stream: written to a spool file beside the store while its digest
//! is computed, its size counted against [`Limits`] (the upload stops at the first byte
//! too many) and its type read from its first bytes; then handed to the store under its
//! digest, unless the store has it already. Nothing is ever held whole in memory.
//!
//! A file may also come in parts ([`Files::resume`]), each saying where it starts: the part
//! received so far is kept in the spool under the file's digest and its sender, so a sync
//! cut off in the middle of a photo sends only the rest. In a bucket, which several servers
//! may share, each part's bytes are kept in the store as well, as pieces under `parts/`,
//! so the rest may be sent to any of them. Its size is checked against the
//! limits before a byte is kept, its type as soon as its first bytes have arrived, its
//! digest when the last byte has; a wrong offset is refused with what has arrived.
//!
//! A file no row refers to (a photo uploaded for a submission that never came, a form's
//! file refused once stored) is removed by [`prune`] once it has lain unused for a grace
//! period; a file is referred to by any row of any table with a `sha256` column, read from
//! the schema, so a table added later is counted too. A request that kept files for rows it
//! then failed to write removes them at once with [`forget`], as safely.

use crate::{Db, Error, Result, on_db, on_tx};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use object_store::ObjectStore;
use object_store::ObjectStoreExt;
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use opencpd_domain::Problem;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// A kind of file, recognised by its first bytes (`magic` at `offset`), never by its name
/// or the type its sender claims. `text` has no magic: valid UTF-8 with no NUL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileType {
    pub name: &'static str,
    pub mime: &'static str,
    magic: &'static [u8],
    offset: usize,
}

const fn t(name: &'static str, mime: &'static str, magic: &'static [u8], offset: usize) -> FileType {
    FileType { name, mime, magic, offset }
}

pub const JPEG: FileType = t("jpeg", "image/jpeg", b"\xff\xd8\xff", 0);
pub const PNG: FileType = t("png", "image/png", b"\x89PNG\r\n\x1a\n", 0);
pub const GIF: FileType = t("gif", "image/gif", b"GIF8", 0);
pub const WEBP: FileType = t("webp", "image/webp", b"WEBP", 8);
pub const WAV: FileType = t("wav", "audio/wav", b"WAVE", 8);
pub const MP3: FileType = t("mp3", "audio/mpeg", b"ID3", 0);
pub const OGG: FileType = t("ogg", "audio/ogg", b"OggS", 0);
pub const AMR: FileType = t("amr", "audio/amr", b"#!AMR", 0);
pub const M4A: FileType = t("m4a", "audio/mp4", b"ftypM4A", 4);
/// MP4, 3GP and QuickTime: an ISO media file (`ftyp` box first).
pub const MP4: FileType = t("mp4", "video/mp4", b"ftyp", 4);
/// WebM and Matroska, as browsers record audio and video.
pub const WEBM: FileType = t("webm", "video/webm", b"\x1a\x45\xdf\xa3", 0);
pub const PDF: FileType = t("pdf", "application/pdf", b"%PDF-", 0);
/// A zip: the Office formats (.docx, .xlsx, .pptx) among others.
pub const ZIP: FileType = t("zip", "application/zip", b"PK\x03\x04", 0);
/// CSV, XML, GeoJSON and other text.
pub const TEXT: FileType = t("text", "text/plain; charset=utf-8", b"", 0);

/// Every type known, in the order they are tried (the more particular first).
pub const TYPES: &[FileType] = &[JPEG, PNG, GIF, WEBP, WAV, MP3, OGG, AMR, M4A, MP4, WEBM, PDF, ZIP];

impl FileType {
    /// The known type of a file starting with `head` (its first [`HEAD`] bytes or all of it).
    pub fn of(head: &[u8]) -> Option<FileType> {
        TYPES.iter().copied().find(|t| head.get(t.offset..).is_some_and(|h| h.starts_with(t.magic))).or_else(|| {
            let text = match std::str::from_utf8(head) {
                Ok(_) => true,
                // A character cut by the end of the head is still text.
                Err(e) => e.error_len().is_none(),
            };
            (text && !head.is_empty() && !head.contains(&0)).then_some(TEXT)
        })
    }

    /// The type named `name` (`jpeg`, `text`…).
    pub fn named(name: &str) -> Option<FileType> {
        TYPES.iter().copied().chain([TEXT]).find(|t| t.name == name)
    }
}

/// How many first bytes are read to tell a type.
pub const HEAD: usize = 4096;

/// What a file may be: at most `max_bytes`, of one of `types`.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_bytes: u64,
    pub types: Vec<FileType>,
}

impl Limits {
    pub fn new(max_bytes: u64, types: &[FileType]) -> Limits {
        Limits { max_bytes, types: types.to_vec() }
    }

    /// Whether `size` bytes are too many: the problem, in `column`.
    pub fn check_size(&self, size: u64, column: &str) -> std::result::Result<(), Problem> {
        if size > self.max_bytes {
            return Err(Problem::new("file-too-large")
                .in_column(column)
                .arg("size", size.to_string())
                .arg("max", self.max_bytes.to_string()));
        }
        Ok(())
    }

    /// The type of a file of `size` bytes starting with `head`, when it is taken; the
    /// problem, in `column`, otherwise.
    pub fn check(&self, head: &[u8], size: u64, column: &str) -> std::result::Result<FileType, Problem> {
        self.check_size(size, column)?;
        if size == 0 {
            return Err(Problem::new("empty-file").in_column(column));
        }
        let found = FileType::of(head);
        found.filter(|f| self.types.contains(f)).ok_or_else(|| {
            let value = match found {
                Some(f) => f.name.to_string(),
                None => head.iter().take(4).map(|b| format!("{b:02x}")).collect(),
            };
            let allowed: Vec<&str> = self.types.iter().map(|t| t.name).collect();
            Problem::new("file-type").in_column(column).with_value(value).arg("allowed", allowed.join(", "))
        })
    }

    /// The type named `mime` (as stored) is among the types taken.
    pub fn takes_mime(&self, mime: &str) -> bool {
        self.types.iter().any(|t| t.mime == mime)
    }
}

/// A file kept: its digest (hex), size, type, whether this call stored it (false when
/// the store had it already), and when this call described it in `stored_files` (none when
/// it did not: [`Files::put`]), which [`forget`] reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub sha256: String,
    pub size: u64,
    pub file_type: FileType,
    pub new: bool,
    pub kept_at: Option<DateTime<Utc>>,
}

/// Where a part of a file sent in parts lies in the whole: its first byte (`start`), its
/// last (`end`, included), the whole file's size (`total`), and the name of the parameter
/// that said so (for problems: `Content-Range`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range<'a> {
    pub start: u64,
    pub end: u64,
    pub total: u64,
    pub named: &'a str,
}

/// What a part sent came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// More is expected: so many bytes of the file have arrived (the next part starts there).
    Partial { received: u64 },
    /// The last byte arrived and the content has its digest: the file is kept.
    Complete(Stored),
}

/// How long an upload may send nothing before it is taken as cut off (what arrived of a
/// part is kept).
pub const IDLE: Duration = Duration::from_secs(60);

/// One part being received: one writer at a time; a newer request for the same part
/// takes it over from an older one (a sender whose link was cut does not notice at once).
#[derive(Default)]
struct PartSlot {
    writer: tokio::sync::Mutex<()>,
    generation: AtomicU64,
    superseded: tokio::sync::Notify,
}

/// The one file store.
#[derive(Clone)]
pub struct Files {
    store: Arc<dyn ObjectStore>,
    /// Where uploads are written while they arrive, and the parts of files sent in parts.
    spool: PathBuf,
    /// The parts being received now, by file name in the spool.
    parts: Arc<Mutex<HashMap<String, Weak<PartSlot>>>>,
    /// Whether what arrived of a file sent in parts is also kept in the store, as pieces
    /// ([`PARTS`]), so that a server sharing the store takes up where another left off
    /// (a bucket, which several servers may share; a directory is one server's).
    shared_parts: bool,
}

/// Where the pieces of files sent in parts are kept in a shared store:
/// `parts/{sha256}.{sender}/{start}`, `start` the piece's first byte, in 20 digits.
const PARTS: &str = "parts";

impl std::fmt::Debug for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Files({})", self.store)
    }
}

fn other(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Other(anyhow::Error::new(e))
}

/// Whether `sha256` is a digest as keys are made (64 lower-case hex digits).
pub fn is_digest(sha256: &str) -> bool {
    sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Where files are kept, as `--files` (or `OPENCPD_FILES`) says: a directory, or an
/// S3-compatible bucket written `s3://bucket/prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    Dir(PathBuf),
    S3 { bucket: String, prefix: String },
}

impl Place {
    pub fn parse(text: &str) -> std::result::Result<Place, Problem> {
        let Some(rest) = text.strip_prefix("s3://") else {
            return Ok(Place::Dir(PathBuf::from(text)));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let named = !bucket.is_empty()
            && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !named {
            return Err(Problem::new("files-bucket").in_column("files").with_value(text));
        }
        Ok(Place::S3 { bucket: bucket.to_string(), prefix: prefix.trim_matches('/').to_string() })
    }

    /// The files kept there; a bucket's uploads are spooled in the local directory `spool`.
    pub fn open(&self, spool: impl Into<PathBuf>) -> Result<Files> {
        match self {
            Place::Dir(dir) => Files::dir(dir),
            Place::S3 { bucket, prefix } => Files::s3(bucket, prefix, spool),
        }
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Dir(dir) => write!(f, "{}", dir.display()),
            Place::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            Place::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

fn key(sha256: &str) -> Result<Key> {
    if !is_digest(sha256) {
        return Err(Error::NotFound);
    }
    Ok(Key::from(format!("sha256/{}/{sha256}", &sha256[..2])))
}

/// Describes a file in `stored_files` (once; a file sent again has the time it was last
/// sent noted, `touched_at`): the time written, to the microsecond both backends keep.
async fn describe(db: &Db, stored: &Stored) -> Result<DateTime<Utc>> {
    use chrono::SubsecRound;
    let now = Utc::now().trunc_subsecs(6);
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO stored_files (sha256, size_bytes, content_type, created_at, touched_at) \
         VALUES ($1, $2, $3, $4, $4) ON CONFLICT (sha256) DO UPDATE SET touched_at = excluded.touched_at"
    )
    .bind(&stored.sha256)
    .bind(stored.size as i64)
    .bind(stored.file_type.mime)
    .bind(now)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    tx.commit().await?;
    Ok(now)
}

/// The first `n` bytes of the file at `path` (fewer when it is shorter).
async fn read_head(path: &std::path::Path, n: usize) -> Result<Vec<u8>> {
    let file = tokio::fs::File::open(path).await.map_err(other)?;
    let mut head = Vec::with_capacity(n);
    file.take(n as u64).read_to_end(&mut head).await.map_err(other)?;
    Ok(head)
}

/// The SHA-256 (hex) of the file at `path`, read a block at a time. The block is on the
/// blocking thread's stack: a heap block freed there stays with that thread's allocator
/// (measured: the server's peak memory grew with every file sent in parts).
async fn digest_of(path: &std::path::Path) -> Result<String> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut file = std::fs::File::open(&path)?;
        let mut hasher = Sha256::new();
        let mut block = [0u8; 64 * 1024];
        loop {
            let n = file.read(&mut block)?;
            if n == 0 {
                break;
            }
            hasher.update(&block[..n]);
        }
        Ok::<_, std::io::Error>(hex::encode(hasher.finalize()))
    })
    .await
    .map_err(other)?
    .map_err(other)
}

impl Files {
    /// Files in the directory `dir` (made when missing), spooled in `dir/.incoming`.
    pub fn dir(dir: impl Into<PathBuf>) -> Result<Files> {
        let dir = dir.into();
        let spool = dir.join(".incoming");
        std::fs::create_dir_all(&spool).map_err(|e| Error::Other(anyhow::anyhow!("{}: {e}", spool.display())))?;
        let store = LocalFileSystem::new_with_prefix(&dir).map_err(other)?.with_automatic_cleanup(true);
        Ok(Files { store: Arc::new(store), spool, parts: Arc::default(), shared_parts: false })
    }

    /// Files in the S3-compatible bucket `bucket` under `prefix` (none: at its root),
    /// spooled in the local directory `spool`. The endpoint, region and keys are the usual
    /// `AWS_*` variables (`AWS_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`…); an `http://` endpoint (a store on the same network) is
    /// allowed.
    pub fn s3(bucket: &str, prefix: &str, spool: impl Into<PathBuf>) -> Result<Files> {
        let mut builder = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket);
        let endpoint = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_ENDPOINT"]
            .iter()
            .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()));
        if let Some(endpoint) = endpoint {
            builder = builder.with_allow_http(endpoint.starts_with("http://")).with_endpoint(endpoint);
        }
        let store = builder.build().map_err(other)?;
        let prefix = prefix.trim_matches('/');
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(store)
        } else {
            Arc::new(object_store::prefix::PrefixStore::new(store, prefix))
        };
        Ok(Files::with_store(store, spool)?.sharing_parts())
    }

    /// The same files, with what arrived of a file sent in parts kept in the store as well
    /// (as a bucket's are), so that any server sharing the store takes it up.
    pub fn sharing_parts(mut self) -> Files {
        self.shared_parts = true;
        self
    }

    /// Files in any `object_store` store (an S3-compatible bucket, memory in tests),
    /// spooled in the local directory `spool`.
    pub fn with_store(store: Arc<dyn ObjectStore>, spool: impl Into<PathBuf>) -> Result<Files> {
        let spool = spool.into();
        std::fs::create_dir_all(&spool).map_err(|e| Error::Other(anyhow::anyhow!("{}: {e}", spool.display())))?;
        Ok(Files { store, spool, parts: Arc::default(), shared_parts: false })
    }

    /// Takes a file from `body` within `limits`; a problem naming `column` when it is too
    /// large, empty or of a type not taken (what arrived is then removed). When `expected`
    /// is given, the content must have that digest (a problem naming `column` otherwise).
    /// The file is not described in the database: see [`Files::keep`].
    pub async fn put<S, E>(&self, body: S, limits: &Limits, column: &str, expected: Option<&str>) -> Result<Stored>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let spooled = self.spool_path();
        let result = async {
            let mut stored = self.spool(body, limits, column, expected, &spooled).await?;
            stored.new = self.store_spooled(&spooled, &stored.sha256).await?;
            Ok(stored)
        }
        .await;
        let _ = tokio::fs::remove_file(&spooled).await;
        result
    }

    /// Takes a file as [`Files::put`] does and describes it in `stored_files` (once; a file
    /// sent again has the time it was last sent noted, `touched_at`). The description is
    /// written before the store is asked whether it has the bytes: a [`prune`] at the same
    /// moment either has removed the file already, and the bytes are stored again here, or
    /// finds it sent just now and leaves it.
    pub async fn keep<S, E>(
        &self,
        db: &Db,
        body: S,
        limits: &Limits,
        column: &str,
        expected: Option<&str>,
    ) -> Result<Stored>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let spooled = self.spool_path();
        let result = async {
            let mut stored = self.spool(body, limits, column, expected, &spooled).await?;
            stored.kept_at = Some(describe(db, &stored).await?);
            stored.new = self.store_spooled(&spooled, &stored.sha256).await?;
            Ok(stored)
        }
        .await;
        let _ = tokio::fs::remove_file(&spooled).await;
        result
    }

    /// A new name in the spool.
    fn spool_path(&self) -> PathBuf {
        self.spool.join(format!("{:032x}.part", rand::random::<u128>()))
    }

    /// Writes `body` to the spool file `spooled`, counting its size against `limits`,
    /// reading its type and computing its digest.
    async fn spool<S, E>(
        &self,
        mut body: S,
        limits: &Limits,
        column: &str,
        expected: Option<&str>,
        spooled: &std::path::Path,
    ) -> Result<Stored>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let mut file = tokio::fs::File::create(spooled).await.map_err(other)?;
        let mut hasher = Sha256::new();
        let mut head: Vec<u8> = Vec::with_capacity(HEAD);
        let mut size = 0u64;
        loop {
            let chunk = match tokio::time::timeout(IDLE, body.next()).await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(_) => return Err(Problem::new("bad-request").in_column(column).arg("detail", "no data").into()),
            };
            let chunk =
                chunk.map_err(|e| Problem::new("bad-request").in_column(column).arg("detail", e.to_string()))?;
            size += chunk.len() as u64;
            limits.check_size(size, column)?;
            if head.len() < HEAD {
                head.extend_from_slice(&chunk[..chunk.len().min(HEAD - head.len())]);
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await.map_err(other)?;
        }
        file.flush().await.map_err(other)?;
        drop(file);
        let file_type = limits.check(&head, size, column)?;
        let sha256 = hex::encode(hasher.finalize());
        if let Some(expected) = expected
            && expected != sha256
        {
            return Err(Problem::new("file-digest")
                .in_column(column)
                .with_value(expected)
                .arg("sha256", &sha256)
                .into());
        }
        Ok(Stored { sha256, size, file_type, new: false, kept_at: None })
    }

    /// The spool file of the part of `sha256` sent by `sender`.
    fn part_path(&self, sha256: &str, sender: i64) -> Result<PathBuf> {
        key(sha256)?;
        Ok(self.spool.join(format!("{sha256}.{sender}.part")))
    }

    /// How many bytes of the file `sha256` `sender` has sent in parts so far (0 when none):
    /// the pieces in the store when it is shared, whichever server took them.
    pub async fn received(&self, sha256: &str, sender: i64) -> Result<u64> {
        if self.shared_parts {
            return Ok(self.pieces(sha256, sender).await?.iter().map(|p| p.1).sum());
        }
        self.spooled_len(sha256, sender).await
    }

    /// How many bytes of the part of `sha256` from `sender` are in this server's spool.
    async fn spooled_len(&self, sha256: &str, sender: i64) -> Result<u64> {
        match tokio::fs::metadata(self.part_path(sha256, sender)?).await {
            Ok(meta) => Ok(meta.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(other(e)),
        }
    }

    /// Removes what `sender` has sent of `sha256` in parts (its pieces in a shared store
    /// too).
    pub async fn discard_part(&self, sha256: &str, sender: i64) -> Result<()> {
        if self.shared_parts {
            for (key, _, _) in self.pieces_all(sha256, sender).await? {
                match self.store.delete(&key).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => return Err(other(e)),
                }
            }
        }
        match tokio::fs::remove_file(self.part_path(sha256, sender)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(other(e)),
        }
    }

    /// Where the pieces of `sha256` from `sender` are kept in a shared store.
    fn pieces_prefix(&self, sha256: &str, sender: i64) -> Result<Key> {
        key(sha256)?;
        Ok(Key::from(format!("{PARTS}/{sha256}.{sender}")))
    }

    /// Every piece of `sha256` from `sender` in the store, by where it starts: key, where
    /// it starts and size.
    async fn pieces_all(&self, sha256: &str, sender: i64) -> Result<Vec<(Key, u64, u64)>> {
        let prefix = self.pieces_prefix(sha256, sender)?;
        let mut listing = self.store.list(Some(&prefix));
        let mut out = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(other)?;
            if let Some(start) = meta.location.filename().and_then(|n| n.parse::<u64>().ok()) {
                out.push((meta.location.clone(), start, meta.size));
            }
        }
        out.sort_by_key(|p| p.1);
        Ok(out)
    }

    /// The pieces of `sha256` from `sender` that follow on from the first byte, in order:
    /// key and size (a piece after a gap, left by a part cut off on its way to the store,
    /// is not counted).
    async fn pieces(&self, sha256: &str, sender: i64) -> Result<Vec<(Key, u64)>> {
        let mut at = 0;
        let mut out = Vec::new();
        for (key, start, size) in self.pieces_all(sha256, sender).await? {
            if start != at {
                break;
            }
            at += size;
            out.push((key, size));
        }
        Ok(out)
    }

    /// Makes this server's spool file of the part hold what the shared store's pieces
    /// hold (another server may have taken some of them): written again from the pieces
    /// when their length differs.
    async fn spool_from_pieces(&self, sha256: &str, sender: i64, path: &std::path::Path) -> Result<u64> {
        let pieces = self.pieces(sha256, sender).await?;
        let total: u64 = pieces.iter().map(|p| p.1).sum();
        if self.spooled_len(sha256, sender).await? == total {
            return Ok(total);
        }
        let mut file = tokio::fs::File::create(path).await.map_err(other)?;
        for (key, _) in pieces {
            let mut stream = self.store.get(&key).await.map_err(other)?.into_stream();
            while let Some(chunk) = stream.next().await {
                file.write_all(&chunk.map_err(other)?).await.map_err(other)?;
            }
        }
        file.flush().await.map_err(other)?;
        Ok(total)
    }

    /// Keeps the bytes `from..to` of the spool file `path` in the shared store as the piece
    /// starting at `from`.
    async fn keep_piece(&self, sha256: &str, sender: i64, path: &std::path::Path, from: u64, to: u64) -> Result<()> {
        let prefix = self.pieces_prefix(sha256, sender)?;
        let key = Key::from(format!("{prefix}/{from:020}"));
        let mut source = tokio::fs::File::open(path).await.map_err(other)?;
        source.seek(std::io::SeekFrom::Start(from)).await.map_err(other)?;
        let mut source = source.take(to - from);
        let mut writer = object_store::buffered::BufWriter::new(self.store.clone(), key);
        tokio::io::copy(&mut source, &mut writer).await.map_err(other)?;
        writer.shutdown().await.map_err(other)?;
        Ok(())
    }

    fn slot(&self, name: &str) -> Arc<PartSlot> {
        let mut parts = self.parts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = parts.get(name).and_then(Weak::upgrade) {
            return slot;
        }
        parts.retain(|_, w| w.strong_count() > 0);
        let slot = Arc::new(PartSlot::default());
        parts.insert(name.to_string(), Arc::downgrade(&slot));
        slot
    }

    /// Takes the part `range` of the file `sha256` from `sender`, within `limits`: added to
    /// what arrived before, which must end where the part starts (a part starting at 0
    /// starts the file again). The file's size is checked before a byte is kept, its type
    /// once its first bytes have arrived, its digest once the last has; a refusal (naming
    /// `column`, or `range.named` for the range) removes what arrived, except a wrong
    /// start, which leaves it and says how much arrived. A part cut off (the sender's link
    /// lost, nothing sent for [`IDLE`], a newer request for the same part) keeps what came.
    /// A complete file is described and stored as [`Files::keep`] does.
    #[allow(clippy::too_many_arguments)]
    pub async fn resume<S, E>(
        &self,
        db: &Db,
        sender: i64,
        sha256: &str,
        range: Range<'_>,
        body: S,
        limits: &Limits,
        column: &str,
    ) -> Result<Sent>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let path = self.part_path(sha256, sender)?;
        if range.start > range.end || range.end >= range.total {
            return Err(Problem::new("file-range")
                .in_column(range.named)
                .with_value(format!("{}-{}/{}", range.start, range.end, range.total))
                .into());
        }
        if let Err(p) = limits.check_size(range.total, column) {
            self.discard_part(sha256, sender).await?;
            return Err(p.into());
        }
        let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let slot = self.slot(&name);
        let mine = slot.generation.fetch_add(1, Ordering::SeqCst) + 1;
        slot.superseded.notify_waiters();
        let _writer = slot.writer.lock().await;
        let received = if self.shared_parts && range.start != 0 {
            self.spool_from_pieces(sha256, sender, &path).await?
        } else {
            self.received(sha256, sender).await?
        };
        if range.start != received && range.start != 0 {
            return Err(Error::Conflict(
                Problem::new("file-offset")
                    .in_column(range.named)
                    .with_value(range.start.to_string())
                    .arg("received", received.to_string())
                    .arg("sha256", sha256),
            ));
        }
        let mut file =
            tokio::fs::OpenOptions::new().create(true).write(true).truncate(false).open(&path).await.map_err(other)?;
        file.set_len(range.start).await.map_err(other)?;
        file.seek(std::io::SeekFrom::Start(range.start)).await.map_err(other)?;
        if self.shared_parts && range.start == 0 && received > 0 {
            // Started again: what the store kept of it goes.
            for (key, _, _) in self.pieces_all(sha256, sender).await? {
                match self.store.delete(&key).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => return Err(other(e)),
                }
            }
        }
        let result = self.receive(&slot, mine, body, &mut file, &path, range, limits, column).await;
        drop(file);
        let len = match result {
            Ok(len) => len,
            Err(e) => {
                if !matches!(e, Error::Conflict(_)) {
                    let _ = self.discard_part(sha256, sender).await;
                }
                return Err(e);
            }
        };
        if len < range.total {
            if self.shared_parts && len > range.start {
                self.keep_piece(sha256, sender, &path, range.start, len).await?;
            }
            return Ok(Sent::Partial { received: len });
        }
        let result = async {
            let head = read_head(&path, HEAD.min(range.total as usize)).await?;
            let file_type = limits.check(&head, len, column)?;
            let digest = digest_of(&path).await?;
            if digest != sha256 {
                return Err(Problem::new("file-digest")
                    .in_column(column)
                    .with_value(sha256)
                    .arg("sha256", &digest)
                    .into());
            }
            let mut stored = Stored { sha256: digest, size: len, file_type, new: false, kept_at: None };
            stored.kept_at = Some(describe(db, &stored).await?);
            stored.new = self.store_spooled(&path, &stored.sha256).await?;
            Ok(stored)
        }
        .await;
        let _ = self.discard_part(sha256, sender).await;
        result.map(Sent::Complete)
    }

    /// Writes the body of a part to `file` from `range.start`: the part's length after it.
    /// The body's own problems (too long for its range; a type not taken, once the file's
    /// first bytes are in) are errors; a cut-off body is not.
    #[allow(clippy::too_many_arguments)]
    async fn receive<S, E>(
        &self,
        slot: &PartSlot,
        mine: u64,
        mut body: S,
        file: &mut tokio::fs::File,
        path: &std::path::Path,
        range: Range<'_>,
        limits: &Limits,
        column: &str,
    ) -> Result<u64>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let mut len = range.start;
        let head_at = (HEAD as u64).min(range.total);
        loop {
            let superseded = slot.superseded.notified();
            tokio::pin!(superseded);
            superseded.as_mut().enable();
            if slot.generation.load(Ordering::SeqCst) != mine {
                break;
            }
            let chunk = tokio::select! {
                chunk = body.next() => chunk,
                _ = &mut superseded => break,
                _ = tokio::time::sleep(IDLE) => break,
            };
            let chunk = match chunk {
                Some(Ok(chunk)) => chunk,
                // The end, or the sender's link lost: what arrived is kept.
                None | Some(Err(_)) => break,
            };
            if len + chunk.len() as u64 > range.end + 1 {
                return Err(Problem::new("file-range-length")
                    .in_column(range.named)
                    .with_value(format!("{}-{}/{}", range.start, range.end, range.total))
                    .arg("size", (range.end + 1 - range.start).to_string())
                    .into());
            }
            file.write_all(&chunk).await.map_err(other)?;
            let before = len;
            len += chunk.len() as u64;
            if before < head_at && len >= head_at {
                file.flush().await.map_err(other)?;
                let head = read_head(path, head_at as usize).await?;
                limits.check(&head, range.total, column)?;
            }
        }
        file.flush().await.map_err(other)?;
        Ok(len)
    }

    /// Hands the spooled file to the store under its digest, unless the store has it:
    /// whether it was stored now.
    async fn store_spooled(&self, spooled: &std::path::Path, sha256: &str) -> Result<bool> {
        let key = key(sha256)?;
        if self.store.head(&key).await.is_ok() {
            return Ok(false);
        }
        let mut source = tokio::fs::File::open(spooled).await.map_err(other)?;
        let mut writer = object_store::buffered::BufWriter::new(self.store.clone(), key);
        tokio::io::copy(&mut source, &mut writer).await.map_err(other)?;
        writer.shutdown().await.map_err(other)?;
        Ok(true)
    }

    /// Every file in the store: digest, size and when it was written.
    pub async fn list(&self) -> Result<Vec<(String, u64, DateTime<Utc>)>> {
        let mut listing = self.store.list(Some(&Key::from("sha256")));
        let mut out = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(other)?;
            if let Some(name) = meta.location.filename()
                && is_digest(name)
            {
                out.push((name.to_string(), meta.size, meta.last_modified));
            }
        }
        Ok(out)
    }

    /// Removes the file `sha256` from the store (nothing when it is not there).
    pub(crate) async fn remove(&self, sha256: &str) -> Result<()> {
        match self.store.delete(&key(sha256)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(other(e)),
        }
    }

    /// The size of the file `sha256`, `None` when the store does not have it.
    pub async fn size(&self, sha256: &str) -> Result<Option<u64>> {
        match self.store.head(&key(sha256)?).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(other(e)),
        }
    }

    /// The file `sha256` as a stream of chunks, with its size.
    pub async fn open(
        &self,
        sha256: &str,
    ) -> Result<(u64, impl Stream<Item = std::io::Result<Bytes>> + Send + 'static + use<>)> {
        let found = match self.store.get(&key(sha256)?).await {
            Ok(found) => found,
            Err(object_store::Error::NotFound { .. }) => return Err(Error::NotFound),
            Err(e) => return Err(other(e)),
        };
        let size = found.meta.size;
        Ok((size, found.into_stream().map(|chunk| chunk.map_err(std::io::Error::other))))
    }

    /// The whole file `sha256`, refused past `max` bytes (for small files read whole, such
    /// as a form's CSV attachments).
    pub async fn read(&self, sha256: &str, max: u64) -> Result<Vec<u8>> {
        let (size, mut stream) = self.open(sha256).await?;
        if size > max {
            return Err(Problem::new("file-too-large")
                .arg("size", size.to_string())
                .arg("max", max.to_string())
                .into());
        }
        let mut bytes = Vec::with_capacity(size as usize);
        while let Some(chunk) = stream.next().await {
            bytes.extend_from_slice(&chunk.map_err(other)?);
        }
        Ok(bytes)
    }
}

/// A file [`prune`] removed (or, on a dry run, would remove).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pruned {
    pub sha256: String,
    pub size: u64,
    /// Its type as described, none for a file the database never described.
    pub content_type: Option<String>,
    /// When it was last sent or asked about (for a file never described, when it was
    /// written).
    pub idle_since: DateTime<Utc>,
}

/// What [`prune`] did.
#[derive(Debug, Default)]
pub struct PruneReport {
    pub removed: Vec<Pruned>,
    /// Uploads cut off in the middle, left in the spool, removed with their bytes.
    pub spooled: Vec<(PathBuf, u64)>,
}

/// The tables whose rows refer to files: every table with a `sha256` column, the
/// description of files itself only when asked.
pub(crate) async fn file_tables(db: &Db, with_descriptions: bool) -> Result<Vec<String>> {
    let tables: Vec<String> = on_db!(db, |p| match db.backend() {
        crate::Backend::Postgres =>
            sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.columns WHERE table_schema = current_schema() \
                 AND column_name = 'sha256' ORDER BY 1",
            )
            .fetch_all(p)
            .await,
        crate::Backend::Sqlite =>
            sqlx::query_scalar(
                "SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) c WHERE m.type = 'table' \
                 AND c.name = 'sha256' ORDER BY 1",
            )
            .fetch_all(p)
            .await,
    })?;
    Ok(tables
        .into_iter()
        .filter(|t| (with_descriptions || t != "stored_files") && t != crate::backup::FILES_TABLE)
        .collect())
}

/// `NOT EXISTS` a row of any of `tables` referring to the file `<alias>.sha256`.
fn unreferenced(tables: &[String], alias: &str) -> String {
    let mut sql = String::from("TRUE");
    for t in tables {
        sql.push_str(&format!(" AND NOT EXISTS (SELECT 1 FROM {t} r WHERE r.sha256 = {alias}.sha256)"));
    }
    sql
}

/// Removes every file no row refers to that has lain unused since before `idle_before`:
/// described files not sent nor asked about since then, files in the store the database
/// never described written before then, and uploads left in the spool. A file still
/// referred to is never removed: each is taken out of `stored_files` under a lock, in a
/// transaction that removes the bytes before it commits, so an upload or a submission
/// naming it at that moment waits and then finds it gone (and sends it again), or it is
/// left. With `dry_run`, says what it would remove and removes nothing.
pub async fn prune(db: &Db, files: &Files, idle_before: DateTime<Utc>, dry_run: bool) -> Result<PruneReport> {
    let tables = file_tables(db, false).await?;
    let free = unreferenced(&tables, "s");
    let mut report = PruneReport::default();
    // Described files.
    let sql = format!(
        "SELECT s.sha256, s.size_bytes, s.content_type, COALESCE(s.touched_at, s.created_at) FROM stored_files s \
         WHERE COALESCE(s.touched_at, s.created_at) < $1 AND {free} ORDER BY s.sha256"
    );
    let described: Vec<(String, i64, String, DateTime<Utc>)> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(idle_before).fetch_all(p).await)?;
    let delete = format!(
        "DELETE FROM stored_files WHERE sha256 = $1 AND COALESCE(touched_at, created_at) < $2 AND {}",
        unreferenced(&tables, "stored_files")
    );
    for (sha256, size, content_type, idle_since) in described {
        let pruned = Pruned { sha256, size: size as u64, content_type: Some(content_type), idle_since };
        if dry_run || remove_described(db, files, &delete, &pruned.sha256, &[idle_before]).await? {
            report.removed.push(pruned);
        }
    }
    // Files the database never described (a crash between storing and describing, a store
    // shared with an older version), a batch at a time.
    let stored = files.list().await?;
    for batch in stored.chunks(200) {
        let old: Vec<&(String, u64, DateTime<Utc>)> = batch.iter().filter(|f| f.2 < idle_before).collect();
        if old.is_empty() {
            continue;
        }
        let marks: Vec<String> = (1..=old.len()).map(|i| format!("${i}")).collect();
        let mut sql = format!("SELECT sha256 FROM stored_files WHERE sha256 IN ({})", marks.join(", "));
        for t in &tables {
            sql.push_str(&format!(" UNION SELECT sha256 FROM {t} WHERE sha256 IN ({})", marks.join(", ")));
        }
        let known: Vec<String> = on_db!(db, |p| {
            let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()));
            for f in &old {
                q = q.bind(f.0.as_str());
            }
            q.fetch_all(p).await
        })?;
        for (sha256, size, written) in old.into_iter().filter(|f| !known.contains(&f.0)) {
            let pruned = Pruned { sha256: sha256.clone(), size: *size, content_type: None, idle_since: *written };
            if dry_run || remove_undescribed(db, files, &tables, &pruned).await? {
                report.removed.push(pruned);
            }
        }
    }
    // Uploads cut off in the middle.
    if let Ok(entries) = std::fs::read_dir(&files.spool) {
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            let modified = meta.modified().map(DateTime::<Utc>::from).unwrap_or(idle_before);
            if meta.is_file() && modified < idle_before {
                if !dry_run {
                    std::fs::remove_file(entry.path()).map_err(other)?;
                }
                report.spooled.push((entry.path(), meta.len()));
            }
        }
    }
    // Their pieces in a shared store.
    if files.shared_parts {
        let mut listing = files.store.list(Some(&Key::from(PARTS)));
        let mut old = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(other)?;
            if meta.last_modified < idle_before {
                old.push((meta.location, meta.size));
            }
        }
        for (location, size) in old {
            if !dry_run {
                match files.store.delete(&location).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => return Err(other(e)),
                }
            }
            report.spooled.push((PathBuf::from(location.to_string()), size));
        }
    }
    Ok(report)
}

/// `result`, once the files kept for what it writes are removed again when it is an error
/// and no row names them ([`forget`]: a file described before this request, or sent again
/// since, is left for [`prune`]); a failure to remove them is logged, and the first error
/// given back.
pub async fn or_forget<T>(db: &Db, store: &Files, kept: &[Stored], result: Result<T>) -> Result<T> {
    if result.is_err()
        && !kept.is_empty()
        && let Err(e) = forget(db, store, kept).await
    {
        tracing::warn!(error = %e, "files kept for a write that failed are left for files prune");
    }
    result
}

/// Removes the files a request kept ([`Files::keep`], [`Files::resume`]) for rows it then
/// did not write (refused after its files were kept, or its transaction failed): each is
/// removed as [`prune`] removes a file, at once instead of after a grace period, when no
/// row refers to it and this request alone described it, first and last; a file described
/// before (perhaps uploaded for a submission still to come) or sent or asked about again
/// since (another request about to name it) is left, for [`prune`]. The digests removed.
pub async fn forget(db: &Db, files: &Files, kept: &[Stored]) -> Result<Vec<String>> {
    // Each file once, with the first and last time this request described it.
    let mut times: Vec<(&str, DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for stored in kept {
        let Some(at) = stored.kept_at else { continue };
        match times.iter_mut().find(|t| t.0 == stored.sha256) {
            Some(t) => (t.1, t.2) = (t.1.min(at), t.2.max(at)),
            None => times.push((&stored.sha256, at, at)),
        }
    }
    if times.is_empty() {
        return Ok(Vec::new());
    }
    let tables = file_tables(db, false).await?;
    let delete = format!(
        "DELETE FROM stored_files WHERE sha256 = $1 AND created_at = $2 AND touched_at = $3 AND {}",
        unreferenced(&tables, "stored_files")
    );
    let mut removed = Vec::new();
    for (sha256, first, last) in times {
        if remove_described(db, files, &delete, sha256, &[first, last]).await? {
            removed.push(sha256.to_string());
        }
    }
    Ok(removed)
}

/// Takes the described file `sha256` out of `stored_files` when it is still unused (the
/// statement `delete`, given `sha256` then `times`) and removes its bytes before that
/// commits. Whether it was removed: not when it was sent again or came to be referred to
/// meanwhile.
async fn remove_described(db: &Db, files: &Files, delete: &str, sha256: &str, times: &[DateTime<Utc>]) -> Result<bool> {
    let mut tx = db.begin().await?;
    let taken = on_tx!(&mut tx, |c| {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(delete.to_string())).bind(sha256);
        for t in times {
            q = q.bind(*t);
        }
        q.execute(&mut *c).await.map(|r| r.rows_affected())
    });
    match taken {
        Ok(1) => {}
        Ok(_) => return Ok(false),
        // Referred to since it was read: the reference's key refuses the delete.
        Err(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => return Ok(false),
        Err(e) => return Err(e.into()),
    }
    files.remove(sha256).await?;
    tx.commit().await?;
    Ok(true)
}

/// Claims a file the database never described by describing it, in a transaction that
/// removes its bytes and its description before it commits: an upload of the same file at
/// that moment waits for the transaction, then stores it again.
async fn remove_undescribed(db: &Db, files: &Files, tables: &[String], pruned: &Pruned) -> Result<bool> {
    let mut tx = db.begin().await?;
    let claimed = on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO stored_files (sha256, size_bytes, content_type, created_at, touched_at) \
         VALUES ($1, $2, 'application/octet-stream', $3, $3) ON CONFLICT (sha256) DO NOTHING"
    )
    .bind(&pruned.sha256)
    .bind(pruned.size as i64)
    .bind(pruned.idle_since)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    if claimed != 1 {
        return Ok(false);
    }
    let sql = format!("DELETE FROM stored_files WHERE sha256 = $1 AND {}", unreferenced(tables, "stored_files"));
    let taken = on_tx!(&mut tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
        .bind(&pruned.sha256)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    if taken != 1 {
        return Ok(false);
    }
    files.remove(&pruned.sha256).await?;
    tx.commit().await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(parts: &[&[u8]]) -> impl Stream<Item = std::result::Result<Bytes, std::io::Error>> + Unpin {
        futures_util::stream::iter(parts.iter().map(|p| Ok(Bytes::copy_from_slice(p))).collect::<Vec<_>>())
    }

    fn files_in(dir: &std::path::Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() { stack.push(p) } else { out.push(p) }
            }
        }
        out
    }

    #[tokio::test]
    async fn a_file_sent_twice_is_kept_once_under_its_digest() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::dir(dir.path()).unwrap();
        let limits = Limits::new(1 << 20, &[JPEG, PNG]);
        let photo: Vec<u8> = b"\xff\xd8\xff\xe0".iter().copied().chain((0..100_000u32).map(|i| i as u8)).collect();
        let (a, b) = photo.split_at(3);
        let first = files.put(chunks(&[a, b]), &limits, "photo", None).await.unwrap();
        assert!(first.new);
        assert_eq!(first.file_type, JPEG);
        assert_eq!(first.size, photo.len() as u64);
        assert_eq!(first.sha256, hex::encode(Sha256::digest(&photo)));
        let again = files.put(chunks(&[&photo]), &limits, "photo", Some(&first.sha256)).await.unwrap();
        assert!(!again.new, "the second copy is not stored");
        assert_eq!(again.sha256, first.sha256);
        let kept = files_in(dir.path());
        assert_eq!(kept.len(), 1, "one file in the store, none left in the spool: {kept:?}");
        assert!(kept[0].ends_with(format!("sha256/{}/{}", &first.sha256[..2], first.sha256)));
        assert_eq!(files.read(&first.sha256, 1 << 20).await.unwrap(), photo);
        assert_eq!(files.size(&first.sha256).await.unwrap(), Some(photo.len() as u64));
        assert_eq!(files.size(&"0".repeat(64)).await.unwrap(), None);
        assert!(matches!(files.read("../../etc/passwd", 10).await, Err(Error::NotFound)));
    }

    #[tokio::test]
    async fn too_large_wrong_type_or_wrong_digest_is_refused_naming_the_column_and_nothing_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::dir(dir.path()).unwrap();
        let limits = Limits::new(10, &[PNG]);
        let refused = |r: Result<Stored>| match r {
            Err(Error::Invalid(p)) => (p[0].code.to_string(), p[0].column.clone().unwrap_or_default()),
            other => panic!("refused, not {other:?}"),
        };
        let big = refused(files.put(chunks(&[b"\x89PNG\r\n\x1a\n", b"0123"]), &limits, "photo", None).await);
        assert_eq!(big, ("file-too-large".to_string(), "photo".to_string()));
        let jpeg = refused(files.put(chunks(&[b"\xff\xd8\xff\xe0"]), &limits, "photo", None).await);
        assert_eq!(jpeg, ("file-type".to_string(), "photo".to_string()));
        let empty = refused(files.put(chunks(&[]), &limits, "photo", None).await);
        assert_eq!(empty.0, "empty-file");
        let digest = refused(files.put(chunks(&[b"\x89PNG\r\n\x1a\n"]), &limits, "photo", Some(&"a".repeat(64))).await);
        assert_eq!(digest.0, "file-digest");
        assert_eq!(files_in(dir.path()), Vec::<PathBuf>::new());
    }

    #[test]
    fn types_are_read_from_the_first_bytes() {
        assert_eq!(FileType::of(b"name,label\nA,B\n"), Some(TEXT));
        assert_eq!(FileType::of(b"\0\0\0\x18ftypM4A \0"), Some(M4A));
        assert_eq!(FileType::of(b"\0\0\0\x18ftypisom"), Some(MP4));
        assert_eq!(FileType::of(b"RIFF\0\0\0\0WEBPVP8 "), Some(WEBP));
        assert_eq!(FileType::of(b"caf\xc3"), Some(TEXT), "a character cut at the end of the head");
        assert_eq!(FileType::of(b"\x00\x01binary"), None);
    }
}
