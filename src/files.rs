//! The file-store port, and its local-directory implementation.
//!
//! Recordings are objects named by a key (`<owner>/<upload id>`). An upload
//! appends to its object at a known offset and makes the bytes durable at
//! checkpoints; readers stream an object back. The shape fits object storage
//! too (an appender maps to a multipart upload whose parts are committed at
//! `sync`), so S3 or Azure Blob can slot in behind the same trait.

use std::io::{Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use async_trait::async_trait;
use bytes::Bytes;
use tokio::io::AsyncRead;

/// Where recordings are kept.
#[async_trait]
pub trait FileStore: Send + Sync + 'static {
    /// Opens `key` for appending at `offset`, creating it if it does not exist
    /// and discarding anything stored beyond `offset` (bytes written but never
    /// made durable by a checkpoint).
    async fn append_at(&self, key: &str, offset: u64) -> anyhow::Result<Box<dyn Appender>>;

    /// Streams `key` from its start.
    async fn open_read(&self, key: &str) -> anyhow::Result<Box<dyn AsyncRead + Send + Unpin>>;

    /// Deletes `key`; a missing key is not an error.
    async fn delete(&self, key: &str) -> anyhow::Result<()>;

    /// Deletes every object whose key starts with `prefix/` (a user's files).
    async fn delete_all(&self, prefix: &str) -> anyhow::Result<()>;

    /// The stored size of `key`, `None` when it does not exist.
    async fn size(&self, key: &str) -> anyhow::Result<Option<u64>>;

    /// A path on this node where `key` can be read (and written) as a plain
    /// file, for the decoders that need one (they seek). Its folder exists.
    /// A local directory hands out the object's own file; an object store
    /// would keep a local working copy.
    async fn local_path(&self, key: &str) -> anyhow::Result<PathBuf>;
}

/// Appends to one object, in order.
#[async_trait]
pub trait Appender: Send {
    async fn write(&mut self, chunk: Bytes) -> anyhow::Result<()>;

    /// Makes everything written so far durable.
    async fn sync(&mut self) -> anyhow::Result<()>;
}

/// One file per object under a root directory.
pub struct LocalDir {
    root: PathBuf,
}

impl LocalDir {
    pub fn new(root: impl Into<PathBuf>) -> anyhow::Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(&root)
            .with_context(|| format!("failed to create the storage directory {}", root.display()))?;
        Ok(Self { root })
    }

    /// The path of `key`; keys are ids joined by `/`, never `..` or absolute.
    fn path(&self, key: &str) -> anyhow::Result<PathBuf> {
        let safe = !key.is_empty()
            && key.split('/').all(|part| {
                !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            });
        anyhow::ensure!(safe, "invalid file key");
        Ok(self.root.join(key))
    }
}

#[async_trait]
impl FileStore for LocalDir {
    async fn local_path(&self, key: &str) -> anyhow::Result<PathBuf> {
        let path = self.path(key)?;
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await.context("failed to create a storage folder")?;
        }
        Ok(path)
    }

    async fn append_at(&self, key: &str, offset: u64) -> anyhow::Result<Box<dyn Appender>> {
        let path = self.path(key)?;
        let file = tokio::task::spawn_blocking(move || open_for_append(&path, offset)).await??;
        Ok(Box::new(LocalAppender { file: Some(file) }))
    }

    async fn open_read(&self, key: &str) -> anyhow::Result<Box<dyn AsyncRead + Send + Unpin>> {
        let file = tokio::fs::File::open(self.path(key)?).await.context("failed to open a stored file")?;
        Ok(Box::new(file))
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                Err(error).context("failed to delete a stored file")
            }
            _ => Ok(()),
        }
    }

    async fn delete_all(&self, prefix: &str) -> anyhow::Result<()> {
        match tokio::fs::remove_dir_all(self.path(prefix)?).await {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                Err(error).context("failed to delete stored files")
            }
            _ => Ok(()),
        }
    }

    async fn size(&self, key: &str) -> anyhow::Result<Option<u64>> {
        match tokio::fs::metadata(self.path(key)?).await {
            Ok(metadata) => Ok(Some(metadata.len())),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error).context("failed to read a stored file's size"),
        }
    }
}

fn open_for_append(path: &Path, offset: u64) -> anyhow::Result<std::fs::File> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).context("failed to create a storage folder")?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .context("failed to open a stored file for writing")?;
    let length = file.metadata().context("failed to read a stored file's size")?.len();
    anyhow::ensure!(length >= offset, "the stored file is shorter ({length}) than its recorded offset ({offset})");
    if length > offset {
        file.set_len(offset).context("failed to discard unsaved bytes")?;
    }
    file.seek(SeekFrom::Start(offset)).context("failed to seek in a stored file")?;
    Ok(file)
}

/// Writes on the blocking pool, one `write_all` per chunk.
struct LocalAppender {
    /// Taken while a blocking write runs.
    file: Option<std::fs::File>,
}

impl LocalAppender {
    async fn with_file(
        &mut self,
        work: impl FnOnce(&mut std::fs::File) -> std::io::Result<()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let mut file = self.file.take().context("a previous write to this file failed")?;
        let (file, result) = tokio::task::spawn_blocking(move || {
            let result = work(&mut file);
            (file, result)
        })
        .await?;
        self.file = Some(file);
        result.context("failed to write a stored file")
    }
}

#[async_trait]
impl Appender for LocalAppender {
    async fn write(&mut self, chunk: Bytes) -> anyhow::Result<()> {
        self.with_file(move |file| file.write_all(&chunk)).await
    }

    async fn sync(&mut self) -> anyhow::Result<()> {
        self.with_file(|file| file.sync_data()).await
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncReadExt as _;

    use super::*;

    #[tokio::test]
    async fn appending_at_an_offset_discards_unsaved_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalDir::new(dir.path()).unwrap();
        let mut appender = store.append_at("u1/f1", 0).await.unwrap();
        appender.write(Bytes::from_static(b"hello world")).await.unwrap();
        appender.sync().await.unwrap();
        let mut appender = store.append_at("u1/f1", 5).await.unwrap();
        appender.write(Bytes::from_static(b", you")).await.unwrap();
        let mut text = String::new();
        store.open_read("u1/f1").await.unwrap().read_to_string(&mut text).await.unwrap();
        assert_eq!(text, "hello, you");
    }

    #[tokio::test]
    async fn keys_cannot_escape_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalDir::new(dir.path()).unwrap();
        assert!(store.append_at("../etc/passwd", 0).await.is_err());
        assert!(store.delete_all("/").await.is_err());
    }

    #[tokio::test]
    async fn deleting_a_users_files_removes_them_all() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalDir::new(dir.path()).unwrap();
        store.append_at("u2/a", 0).await.unwrap().write(Bytes::from_static(b"x")).await.unwrap();
        store.delete_all("u2").await.unwrap();
        assert_eq!(store.size("u2/a").await.unwrap(), None);
        store.delete("u2/a").await.unwrap();
    }
}
