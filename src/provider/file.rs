//! Writing files so that a reader sees the old content or the new, never half of either, and
//! two writers never share a temporary file; and the lock that keeps two applies off one
//! snapshot.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `path` whole: the content goes to a temporary file created exclusively beside it
/// (never an existing file, never through a symlink someone planted), synced, then renamed over
/// the target. `write` produces the content.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?
        .to_string_lossy()
        .into_owned();
    let (tmp, file) = create_unique(&dir, &name)?;
    let result = (|| {
        let mut w = io::BufWriter::new(file);
        write(&mut w)?;
        let file = w.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// [`write_atomically`] for content already in memory.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomically(path, |w| w.write_all(bytes))
}

/// A new file `.<name>.<pid>.<n>.tmp` in `dir`, created with `create_new` (O_EXCL: fails on
/// anything already there, a symlink included).
fn create_unique(dir: &Path, name: &str) -> io::Result<(PathBuf, File)> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let pid = std::process::id();
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.{pid}.{n}.tmp"));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 1_000_000 => continue,
            Err(e) => return Err(e),
        }
    }
}

/// An exclusive lock on a snapshot for the length of an apply (read, plan, write back): held
/// on `<snapshot>.lock` with the operating system's file lock, so it goes with the process
/// that holds it, even when that process is killed.
#[derive(Debug)]
pub struct SnapshotLock {
    _file: File,
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another shubctl apply is using the snapshot {path} (it holds {lock}{holder}); nothing was read or changed. Wait for it to finish"
    )]
    Held {
        path: String,
        lock: String,
        holder: String,
    },
    #[error("cannot lock {lock}: {source}")]
    Io {
        lock: String,
        #[source]
        source: io::Error,
    },
}

impl SnapshotLock {
    /// Takes the lock without waiting: a second apply on the same snapshot is refused at once.
    pub fn take(snapshot: &Path) -> Result<Self, LockError> {
        let mut lock = snapshot.as_os_str().to_owned();
        lock.push(".lock");
        let lock = PathBuf::from(lock);
        let shown = lock.display().to_string();
        let io_err = |source| LockError::Io {
            lock: shown.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock)
            .map_err(io_err)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&lock).unwrap_or_default();
                let holder = holder.trim();
                return Err(LockError::Held {
                    path: snapshot.display().to_string(),
                    lock: shown,
                    holder: if holder.is_empty() {
                        String::new()
                    } else {
                        format!(": {holder}")
                    },
                });
            }
            Err(TryLockError::Error(e)) => return Err(io_err(e)),
        }
        // Who holds it, for the message a second apply prints.
        file.set_len(0).map_err(io_err)?;
        writeln!(
            file,
            "pid {} since {}",
            std::process::id(),
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )
        .map_err(io_err)?;
        Ok(SnapshotLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        write_bytes(&path, b"one").unwrap();
        write_bytes(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("plan.json")]);
    }

    #[test]
    fn a_failed_write_keeps_the_old_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        write_bytes(&path, b"old").unwrap();
        let e = write_atomically(&path, |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("boom"))
        });
        assert!(e.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_symlink_is_never_followed() {
        // The old fixed name `<path>.tmp` could be a symlink to anything; the temporary file is
        // now new and exclusive, and the target's own symlink is replaced, not written through.
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"keep").unwrap();
        let path = dir.path().join("s.json");
        std::os::unix::fs::symlink(&victim, dir.path().join("s.json.tmp")).unwrap();
        write_bytes(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
    }

    #[test]
    fn a_second_lock_on_one_snapshot_is_refused_until_the_first_goes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let first = SnapshotLock::take(&path).unwrap();
        let err = SnapshotLock::take(&path).unwrap_err().to_string();
        assert!(err.contains("another shubctl apply"), "{err}");
        assert!(
            err.contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        drop(first);
        SnapshotLock::take(&path).unwrap();
    }
}
