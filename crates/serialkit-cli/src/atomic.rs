//! Replacing a file so that readers see either the old contents or the new,
//! never a truncated mix, and a failed write leaves the old file as it was.

use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// Writes `bytes` to a temporary file next to `target` and renames it over
/// `target`. The temporary file shares the directory because a rename is
/// only atomic within one file system.
pub fn write(target: &Path, bytes: &[u8]) -> io::Result<()> {
    let file_name = target.file_name().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "the path does not name a file")
    })?;
    let dir = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let (file, temp) = create_temp(dir, file_name)?;
    fill(file, bytes, target)?;
    fs::rename(&temp.path, target)?;
    temp.keep();
    sync_dir(dir);
    Ok(())
}

fn fill(mut file: File, bytes: &[u8], target: &Path) -> io::Result<()> {
    // Replacing a file should not silently change who may read it. Ownership
    // cannot be carried over without privileges, so only the mode is.
    if let Ok(existing) = fs::metadata(target) {
        file.set_permissions(existing.permissions())?;
    }
    file.write_all(bytes)?;
    file.flush()?;
    // Without the sync a crash after the rename could leave an empty file
    // where the old contents used to be.
    file.sync_all()
}

/// Deletes the temporary file unless the rename succeeded, so every early
/// return above cleans up after itself.
struct TempFile {
    path: PathBuf,
    kept: bool,
}

impl TempFile {
    fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn create_temp(dir: &Path, file_name: &OsStr) -> io::Result<(File, TempFile)> {
    // The process id and a counter make collisions unlikely; `create_new`
    // makes them harmless, since an existing file is never opened.
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let pid = std::process::id();
    let mut attempts = 0;
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut name = std::ffi::OsString::from(".");
        name.push(file_name);
        name.push(format!(".{pid}.{n}.tmp"));
        let path = dir.join(name);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((file, TempFile { path, kept: false })),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists && attempts < 100 => {
                attempts += 1;
            }
            Err(err) => return Err(err),
        }
    }
}

/// Makes the rename itself durable. Best effort: not every platform or file
/// system lets a directory be opened and synced, and the data is already
/// safely in place either way.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("serialkit-atomic-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create scratch dir");
        dir
    }

    fn entries(dir: &Path) -> Vec<PathBuf> {
        let mut names: Vec<_> = fs::read_dir(dir)
            .expect("read scratch dir")
            .map(|entry| entry.expect("entry").path())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_and_leaves_no_temporary_file() {
        let dir = scratch("replace");
        let target = dir.join("out.txt");
        fs::write(&target, "old").expect("seed");
        write(&target, b"new").expect("atomic write");
        assert_eq!(fs::read_to_string(&target).expect("read"), "new");
        assert_eq!(entries(&dir), vec![target]);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn failed_rename_removes_the_temporary_file() {
        let dir = scratch("failed");
        // A non-empty directory cannot be replaced by a file.
        let target = dir.join("occupied");
        fs::create_dir(&target).expect("create target dir");
        fs::write(target.join("keep"), "x").expect("seed");
        assert!(write(&target, b"new").is_err());
        assert_eq!(entries(&dir), vec![target.clone()]);
        assert_eq!(fs::read_to_string(target.join("keep")).expect("read"), "x");
        let _ = fs::remove_dir_all(&dir);
    }
}
