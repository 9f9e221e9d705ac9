//! Where the files of lesson studies (lesson plans, digitised lessons, photos) are kept:
//! one interface, [`ArtefactStore`], and a directory by default ([`DirStore`]). The database
//! holds what each file is (name, type, size, digest) and its key; the store holds the bytes.
//!
//! [`Limits`] decides what is taken: a size limit, and a list of types each recognised by
//! the file's first bytes, not by its name or the type the sender claims.

use opencpd_domain::Problem;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

type Io<'a, T> = Pin<Box<dyn Future<Output = std::io::Result<T>> + Send + 'a>>;

/// Keeps and gives back the bytes of artefacts by key (keys are made here: hex digits).
pub trait ArtefactStore: Send + Sync {
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> Io<'a, ()>;
    fn get<'a>(&'a self, key: &'a str) -> Io<'a, Vec<u8>>;
    fn delete<'a>(&'a self, key: &'a str) -> Io<'a, ()>;
}

/// Files in one directory, one file a key.
#[derive(Debug, Clone)]
pub struct DirStore {
    dir: PathBuf,
}

impl DirStore {
    pub fn new(dir: impl Into<PathBuf>) -> DirStore {
        DirStore { dir: dir.into() }
    }

    fn path(&self, key: &str) -> std::io::Result<PathBuf> {
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "artefact keys are hex digits"));
        }
        Ok(self.dir.join(key))
    }
}

impl ArtefactStore for DirStore {
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> Io<'a, ()> {
        Box::pin(async move {
            let path = self.path(key)?;
            tokio::fs::create_dir_all(&self.dir).await?;
            // Written beside, then renamed: a file is never seen half-written.
            let part = self.dir.join(format!("{key}.part"));
            tokio::fs::write(&part, bytes).await?;
            tokio::fs::rename(&part, &path).await
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> Io<'a, Vec<u8>> {
        Box::pin(async move { tokio::fs::read(self.path(key)?).await })
    }

    fn delete<'a>(&'a self, key: &'a str) -> Io<'a, ()> {
        Box::pin(async move {
            match tokio::fs::remove_file(self.path(key)?).await {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                other => other,
            }
        })
    }
}

/// A type of file taken, as (name, MIME type, how its content starts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileType {
    pub name: &'static str,
    pub mime: &'static str,
    magic: &'static [u8],
}

/// PDF, PNG, JPEG, and the Office formats (a zip: .docx, .pptx, .xlsx).
pub const TYPES: &[FileType] = &[
    FileType { name: "pdf", mime: "application/pdf", magic: b"%PDF-" },
    FileType { name: "png", mime: "image/png", magic: b"\x89PNG\r\n\x1a\n" },
    FileType { name: "jpeg", mime: "image/jpeg", magic: b"\xff\xd8\xff" },
    FileType { name: "office", mime: "application/zip", magic: b"PK\x03\x04" },
];

/// What an artefact may be.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_bytes: usize,
    pub types: Vec<FileType>,
}

impl Default for Limits {
    /// 20 MB of any of [`TYPES`].
    fn default() -> Limits {
        Limits { max_bytes: 20 * 1024 * 1024, types: TYPES.to_vec() }
    }
}

impl Limits {
    /// The file's type when it is taken; a problem naming `file` otherwise.
    pub fn check(&self, bytes: &[u8]) -> Result<FileType, Problem> {
        if bytes.len() > self.max_bytes {
            return Err(Problem::new("file-too-large")
                .in_column("file")
                .arg("size", bytes.len())
                .arg("max", self.max_bytes));
        }
        if bytes.is_empty() {
            return Err(Problem::new("empty-file").in_column("file"));
        }
        self.types.iter().copied().find(|t| bytes.starts_with(t.magic)).ok_or_else(|| {
            let head: String = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
            let allowed: Vec<&str> = self.types.iter().map(|t| t.name).collect();
            Problem::new("file-type").in_column("file").with_value(head).arg("allowed", allowed.join(", "))
        })
    }
}
