//! Where stored files live: `DATA_DIR/files/blobs/ab/abcdef…` under their
//! SHA-256, so a version is never overwritten and two uploads of the same
//! bytes share one copy. An upload is streamed to `files/tmp/` (hashed and
//! counted as it comes, never held whole in memory), fsynced, checked, and
//! only then renamed into place; the database row that names it is written
//! after that. A crash leaves at worst a temp file or an unnamed blob, which
//! `sweep` removes at the next start.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Text files up to this size are kept gzipped beside the original too, so
/// a client that accepts gzip gets them compressed without work per request.
pub const GZIP_UP_TO: u64 = 8 * 1024 * 1024;

/// The SHA-256 of a local file, in lower-case hex, read in pieces.
pub fn sha256_of(path: &Path) -> std::io::Result<String> {
    let mut input = File::open(path)?;
    let mut hash = Sha256::new();
    std::io::copy(&mut input, &mut hash)?;
    Ok(hex::encode(hash.finalize()))
}

#[derive(Clone, Debug)]
pub struct Storage {
    root: PathBuf,
}

/// A file being received or received and not yet in place; removed when
/// dropped unless `Storage::persist` took it.
#[derive(Debug)]
pub struct TempFile {
    pub path: PathBuf,
    pub sha256: String,
    pub size: u64,
    kept: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Why a received body was not kept.
#[derive(Debug)]
pub enum ReceiveError {
    TooLarge,
    /// The client stopped sending, or its body failed to arrive in time.
    Aborted(String),
    Io(std::io::Error),
}

impl From<std::io::Error> for ReceiveError {
    fn from(e: std::io::Error) -> Self {
        ReceiveError::Io(e)
    }
}

/// Pieces of a body on their way to the writer thread.
pub enum Piece {
    Data(actix_web::web::Bytes),
    End,
}

impl Storage {
    pub fn new(data_dir: &Path) -> Storage {
        Storage {
            root: data_dir.join("files"),
        }
    }

    fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    pub fn blob(&self, sha256: &str) -> PathBuf {
        self.root
            .join("blobs")
            .join(sha256.get(..2).unwrap_or("00"))
            .join(sha256)
    }

    pub fn gzipped(&self, sha256: &str) -> PathBuf {
        self.root
            .join("gzip")
            .join(sha256.get(..2).unwrap_or("00"))
            .join(format!("{sha256}.gz"))
    }

    /// Writes what arrives on `pieces` to a new temp file, hashing and
    /// counting it, up to `limit` bytes; the file is fsynced before this
    /// returns. Runs on a blocking thread.
    pub fn receive(
        &self,
        mut pieces: tokio::sync::mpsc::Receiver<Piece>,
        limit: u64,
    ) -> Result<TempFile, ReceiveError> {
        std::fs::create_dir_all(self.tmp_dir())?;
        let path = self.tmp_dir().join(crate::db::new_id());
        let mut out = File::create(&path)?;
        let mut temp = TempFile {
            path,
            sha256: String::new(),
            size: 0,
            kept: false,
        };
        let mut hash = Sha256::new();
        loop {
            match pieces.blocking_recv() {
                Some(Piece::Data(chunk)) => {
                    temp.size += chunk.len() as u64;
                    if temp.size > limit {
                        return Err(ReceiveError::TooLarge);
                    }
                    hash.update(&chunk);
                    out.write_all(&chunk)?;
                }
                Some(Piece::End) => break,
                None => return Err(ReceiveError::Aborted("the upload stopped".into())),
            }
        }
        out.sync_all()?;
        temp.sha256 = hex::encode(hash.finalize());
        Ok(temp)
    }

    /// A file of the seed (or any local file) as a temp file of its own.
    pub fn copy_in(&self, source: &Path) -> std::io::Result<TempFile> {
        std::fs::create_dir_all(self.tmp_dir())?;
        let path = self.tmp_dir().join(crate::db::new_id());
        let mut temp = TempFile {
            path,
            sha256: String::new(),
            size: 0,
            kept: false,
        };
        let mut input = File::open(source)?;
        let mut out = File::create(&temp.path)?;
        let mut hash = Sha256::new();
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = input.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hash.update(&buf[..n]);
            out.write_all(&buf[..n])?;
            temp.size += n as u64;
        }
        out.sync_all()?;
        temp.sha256 = hex::encode(hash.finalize());
        Ok(temp)
    }

    /// A file the portal writes itself (a GIS layer's exports) as a temp
    /// file, hashed as it is written.
    pub fn create(
        &self,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<TempFile> {
        struct Hashing<W: Write> {
            out: W,
            hash: Sha256,
            size: u64,
        }
        impl<W: Write> Write for Hashing<W> {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                let n = self.out.write(buf)?;
                self.hash.update(&buf[..n]);
                self.size += n as u64;
                Ok(n)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                self.out.flush()
            }
        }
        std::fs::create_dir_all(self.tmp_dir())?;
        let mut temp = TempFile {
            path: self.tmp_dir().join(crate::db::new_id()),
            sha256: String::new(),
            size: 0,
            kept: false,
        };
        let mut w = Hashing {
            out: std::io::BufWriter::with_capacity(256 * 1024, File::create(&temp.path)?),
            hash: Sha256::new(),
            size: 0,
        };
        write(&mut w)?;
        w.flush()?;
        let Hashing { out, hash, size } = w;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        temp.sha256 = hex::encode(hash.finalize());
        temp.size = size;
        Ok(temp)
    }

    /// Moves a received file into place under its hash (or drops it when
    /// the same bytes are stored already), with its gzipped copy when
    /// `compress`; the directory entry is fsynced, so the blob survives a
    /// crash once this returns.
    pub fn persist(&self, mut temp: TempFile, compress: bool) -> std::io::Result<PathBuf> {
        let target = self.blob(&temp.sha256);
        let dir = target.parent().map(Path::to_path_buf).unwrap_or_default();
        std::fs::create_dir_all(&dir)?;
        if target.exists() {
            // `temp` is removed when dropped.
        } else {
            std::fs::rename(&temp.path, &target)?;
            temp.kept = true;
            File::open(&dir)?.sync_all()?;
        }
        if compress && temp.size <= GZIP_UP_TO {
            self.write_gzip(&target, &temp.sha256)?;
        }
        Ok(target)
    }

    fn write_gzip(&self, blob: &Path, sha256: &str) -> std::io::Result<()> {
        let target = self.gzipped(sha256);
        if target.exists() {
            return Ok(());
        }
        let dir = target.parent().map(Path::to_path_buf).unwrap_or_default();
        std::fs::create_dir_all(&dir)?;
        std::fs::create_dir_all(self.tmp_dir())?;
        let tmp = self.tmp_dir().join(format!("{}.gz", crate::db::new_id()));
        let result = (|| {
            let mut input = File::open(blob)?;
            let out = File::create(&tmp)?;
            let mut gz = flate2::write::GzEncoder::new(out, flate2::Compression::default());
            std::io::copy(&mut input, &mut gz)?;
            gz.finish()?.sync_all()?;
            std::fs::rename(&tmp, &target)?;
            File::open(&dir)?.sync_all()
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// Removes a file and its gzipped copy (no version names it any more).
    pub fn remove(&self, sha256: &str) {
        let _ = std::fs::remove_file(self.blob(sha256));
        let _ = std::fs::remove_file(self.gzipped(sha256));
    }

    /// At start: removes temp files (an upload a crash interrupted) and
    /// blobs no version names that are older than a day (a write whose
    /// database row never came; the day spares another process's upload
    /// in flight). Returns how many files went.
    pub fn sweep(&self, referenced: &std::collections::HashSet<String>) -> std::io::Result<usize> {
        let mut removed = 0;
        if let Ok(entries) = std::fs::read_dir(self.tmp_dir()) {
            for e in entries.flatten() {
                if std::fs::remove_file(e.path()).is_ok() {
                    removed += 1;
                }
            }
        }
        let day = std::time::Duration::from_secs(24 * 3600);
        for kind in ["blobs", "gzip"] {
            let Ok(dirs) = std::fs::read_dir(self.root.join(kind)) else {
                continue;
            };
            for dir in dirs.flatten() {
                let Ok(files) = std::fs::read_dir(dir.path()) else {
                    continue;
                };
                for f in files.flatten() {
                    let name = f.file_name().to_string_lossy().into_owned();
                    let sha = name.trim_end_matches(".gz");
                    let old = f
                        .metadata()
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age > day);
                    if !referenced.contains(sha) && old && std::fs::remove_file(f.path()).is_ok() {
                        removed += 1;
                    }
                }
            }
        }
        Ok(removed)
    }
}
