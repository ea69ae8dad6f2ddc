//! Reading inputs and writing outputs without ever losing a file.
//!
//! * [`read_input`] reads a whole file under [`Limits`]: a size cap (so `/dev/zero` or a
//!   runaway file is an error, not an endless read), memory reserved up front with
//!   `try_reserve` (running out of it is an error, never an abort), and — for files that a
//!   document names rather than the user — regular files only (no FIFO, device, directory,
//!   or `/proc` and `/sys` file).
//! * [`write_file`] and [`Snapshot::replace`] are the one way bibkit writes a file: the new
//!   contents go to a temporary file in the same directory, are synced, get the old file's
//!   permissions and owner, and are renamed over it, so a reader sees the old file or the
//!   new one, never a mix, and an error (a full disk, a signal) leaves the old file as it
//!   was and no temporary file behind. [`Snapshot::replace`] also refuses to replace a file
//!   that changed after it was read, a read-only file, and a file with other hard links.
//!
//! ```
//! use bibkit::io::{read_input, write_file, Limits, Snapshot};
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("refs.bib");
//! write_file(&path, |w| w.write_all(b"@misc{a}\n"))?;
//! assert_eq!(read_input(&path, &Limits::default())?, b"@misc{a}\n");
//!
//! let snap = Snapshot::read(&path, &Limits::default())?;
//! std::fs::write(&path, "@misc{b}\n")?; // someone else writes in between
//! let err = snap.replace(|w| w.write_all(b"@misc{a,}\n")).unwrap_err();
//! assert_eq!(err.kind(), bibkit::io::WriteErrorKind::Changed);
//! assert_eq!(std::fs::read(&path)?, b"@misc{b}\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Temporary files are named `.NAME.bibkit-PID-N.tmp` beside the file they replace. While
//! bibkit runs they are listed, so that the command-line program's signal handler removes
//! them ([`remove_temporary_files`]); one left by a process that was killed outright is
//! removed by the next write into that directory (its process is gone), and `*.tmp` is in
//! most `.gitignore` templates.

use std::fmt;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Limits on reading one input.
///
/// ```
/// use bibkit::io::Limits;
/// let l = Limits::default();
/// assert_eq!(l.max_size, 1 << 30);
/// assert!(!l.regular_only);
/// assert!(Limits::named_by_document().regular_only);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest input read, in bytes (default 1 GiB).
    pub max_size: u64,
    /// Read regular files only: no FIFO, device, socket or directory, nothing under
    /// `/proc` or `/sys` (default false: a user may name `/dev/stdin` or a pipe).
    pub regular_only: bool,
}

/// The default [`Limits::max_size`]: 1 GiB.
pub const DEFAULT_MAX_SIZE: u64 = 1 << 30;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_size: DEFAULT_MAX_SIZE,
            regular_only: false,
        }
    }
}

impl Limits {
    /// The limits for a file that a document names (`\bibliography{…}`,
    /// `\addbibresource{…}`, a `.bcf` data source): regular files only.
    pub fn named_by_document() -> Self {
        Limits {
            regular_only: true,
            ..Limits::default()
        }
    }

    /// With another size cap.
    pub fn max_size(mut self, bytes: u64) -> Self {
        self.max_size = bytes;
        self
    }

    /// Reads `max-input-size` from the `[input]` table of a `bibkit.toml` (other tables
    /// are ignored): a number of bytes, or a string such as `"200 MB"` or `"2 GiB"`.
    ///
    /// ```
    /// use bibkit::io::Limits;
    /// let l = Limits::from_toml("[input]\nmax-input-size = \"2 GiB\"\n").unwrap();
    /// assert_eq!(l.max_size, 2 << 30);
    /// assert_eq!(Limits::from_toml("[input]\nmax-input-size = 1000\n").unwrap().max_size, 1000);
    /// assert!(Limits::from_toml("[input]\nmax-input-size = \"lots\"\n").is_err());
    /// ```
    ///
    /// # Errors
    /// A message for TOML errors, unknown keys and sizes that cannot be read.
    pub fn from_toml(text: &str) -> Result<Limits, String> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Size {
            Bytes(u64),
            Text(String),
        }
        #[derive(Default, serde::Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "kebab-case")]
        struct InputTable {
            max_input_size: Option<Size>,
        }
        #[derive(Default, serde::Deserialize)]
        struct File {
            input: Option<InputTable>,
            #[serde(flatten)]
            _rest: std::collections::BTreeMap<String, toml::Value>,
        }
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut limits = Limits::default();
        match file.input.and_then(|t| t.max_input_size) {
            None => {}
            Some(Size::Bytes(n)) => limits.max_size = n,
            Some(Size::Text(t)) => {
                limits.max_size = parse_size(&t).ok_or_else(|| {
                    format!("`max-input-size = \"{t}\"`: write a size such as 500000000, \"500 MB\" or \"2 GiB\"")
                })?;
            }
        }
        Ok(limits)
    }
}

/// `"200 MB"`, `"2GiB"`, `"1000"`: bytes.
fn parse_size(t: &str) -> Option<u64> {
    let t = t.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let n: u64 = t[..split].parse().ok()?;
    let unit: u64 = match t[split..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(unit)
}

/// What went wrong reading an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadErrorKind {
    /// The file could not be opened or read (see [`ReadError::io_error`]).
    Io,
    /// Not a regular file (a FIFO, a device, a directory, a `/proc` file), where only
    /// regular files are read.
    NotRegular,
    /// Larger than [`Limits::max_size`].
    TooLarge,
    /// There was not enough memory to hold it.
    OutOfMemory,
}

/// An input that could not be read.
#[derive(Debug)]
pub struct ReadError {
    kind: ReadErrorKind,
    path: PathBuf,
    detail: String,
    io: Option<io::Error>,
}

impl ReadError {
    fn new(kind: ReadErrorKind, path: &Path, detail: impl Into<String>) -> Self {
        ReadError {
            kind,
            path: path.to_path_buf(),
            detail: detail.into(),
            io: None,
        }
    }

    fn io(path: &Path, e: io::Error) -> Self {
        ReadError {
            kind: ReadErrorKind::Io,
            path: path.to_path_buf(),
            detail: e.to_string(),
            io: Some(e),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> ReadErrorKind {
        self.kind
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The operating system's error, for [`ReadErrorKind::Io`].
    pub fn io_error(&self) -> Option<&io::Error> {
        self.io.as_ref()
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = crate::diagnostic::escape_control(&self.path.to_string_lossy()).into_owned();
        match self.kind {
            ReadErrorKind::Io => write!(f, "cannot read {path}: {}", self.detail),
            _ => write!(f, "{path}: {}", self.detail),
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.io.as_ref().map(|e| e as _)
    }
}

/// What a file is, in words, for messages.
fn file_type_name(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_char_device() {
            return "a character device";
        }
        if ft.is_block_device() {
            return "a block device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    if ft.is_dir() {
        "a directory"
    } else if ft.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file"
    }
}

/// Whether `path` is under a pseudo file system whose files look regular but are not
/// (their size is 0 and reading them can block or never end).
fn is_pseudo(path: &Path) -> bool {
    let Ok(c) = std::fs::canonicalize(path) else {
        return false;
    };
    ["/proc", "/sys", "/dev"].iter().any(|p| c.starts_with(p))
}

/// Reads the whole file at `path` (`-` is standard input) under `limits`.
///
/// # Errors
/// [`ReadError`]: the file cannot be read, is not a regular file where only those are
/// read, is larger than the cap, or there is not enough memory for it.
///
/// ```
/// use bibkit::io::{read_input, Limits, ReadErrorKind};
/// let dir = tempfile::tempdir()?;
/// let p = dir.path().join("big.bib");
/// std::fs::write(&p, "x".repeat(100))?;
/// assert_eq!(read_input(&p, &Limits::default().max_size(10)).unwrap_err().kind(), ReadErrorKind::TooLarge);
/// assert_eq!(read_input(dir.path(), &Limits::named_by_document()).unwrap_err().kind(), ReadErrorKind::NotRegular);
/// # #[cfg(target_os = "linux")]
/// assert_eq!(read_input("/dev/zero".as_ref(), &Limits::named_by_document()).unwrap_err().kind(), ReadErrorKind::NotRegular);
/// # #[cfg(target_os = "linux")]
/// assert_eq!(read_input("/dev/zero".as_ref(), &Limits::default().max_size(1000)).unwrap_err().kind(), ReadErrorKind::TooLarge);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_input(path: &Path, limits: &Limits) -> Result<Vec<u8>, ReadError> {
    if path.as_os_str() == "-" {
        return read_capped(io::stdin().lock(), path, 0, limits);
    }
    let meta = std::fs::metadata(path).map_err(|e| ReadError::io(path, e))?;
    if limits.regular_only {
        if !meta.is_file() {
            return Err(ReadError::new(
                ReadErrorKind::NotRegular,
                path,
                format!(
                    "is {}, not a regular file; only regular files are read",
                    file_type_name(&meta.file_type())
                ),
            ));
        }
        if is_pseudo(path) {
            return Err(ReadError::new(
                ReadErrorKind::NotRegular,
                path,
                "is a file of the system (under /proc, /sys or /dev), not a bibliography; not read",
            ));
        }
    } else if meta.is_dir() {
        return Err(ReadError::new(
            ReadErrorKind::NotRegular,
            path,
            "is a directory",
        ));
    }
    if meta.is_file() && meta.len() > limits.max_size {
        return Err(too_large(path, meta.len(), limits));
    }
    let file = std::fs::File::open(path).map_err(|e| ReadError::io(path, e))?;
    let hint = if meta.is_file() { meta.len() } else { 0 };
    read_capped(file, path, hint, limits)
}

fn too_large(path: &Path, size: u64, limits: &Limits) -> ReadError {
    let size = if size > limits.max_size {
        format!("{size} bytes")
    } else {
        "more".to_string()
    };
    ReadError::new(
        ReadErrorKind::TooLarge,
        path,
        format!(
            "is larger than the input limit ({size}, the limit is {} bytes; raise `max-input-size` in bibkit.toml to read it)",
            limits.max_size
        ),
    )
}

/// Reads `r` to its end, at most `limits.max_size` bytes, reserving memory with
/// `try_reserve` (`hint`: the expected size).
fn read_capped(
    mut r: impl Read,
    path: &Path,
    hint: u64,
    limits: &Limits,
) -> Result<Vec<u8>, ReadError> {
    let oom = |size: u64| {
        ReadError::new(
            ReadErrorKind::OutOfMemory,
            path,
            format!("there is not enough memory to read it ({size} bytes)"),
        )
    };
    let mut buf: Vec<u8> = Vec::new();
    if hint > 0 {
        // Exactly the size (reads go through `chunk`, so reaching the end needs no room).
        let want = usize::try_from(hint.min(limits.max_size)).map_err(|_| oom(hint))?;
        buf.try_reserve_exact(want).map_err(|_| oom(hint))?;
    }
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        let n = match r.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadError::io(path, e)),
        };
        if buf.len() as u64 + n as u64 > limits.max_size {
            return Err(too_large(path, 0, limits));
        }
        buf.try_reserve(n)
            .map_err(|_| oom(buf.len() as u64 + n as u64))?;
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(buf)
}

/// The error for a buffer of about `bytes` that could not be had.
pub(crate) fn out_of_memory(bytes: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::OutOfMemory,
        format!("there is not enough memory for the work ({bytes} bytes more were needed)"),
    )
}

/// Whether about `bytes` of memory can still be had: reserved (not touched) and given back
/// at once. A command that needs a few times its input checks this before it starts, so
/// that running short is an error with a message rather than an abort halfway (where the
/// system tells; with memory overcommitted, reserving succeeds anyway).
///
/// ```
/// assert!(bibkit::io::headroom(1 << 20).is_ok());
/// ```
///
/// # Errors
/// An [`io::ErrorKind::OutOfMemory`] error naming the size.
pub fn headroom(bytes: usize) -> io::Result<()> {
    let mut probe: Vec<u8> = Vec::new();
    probe
        .try_reserve_exact(bytes)
        .map_err(|_| out_of_memory(bytes))
}

/// What kept a file from being written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteErrorKind {
    /// Writing, syncing or renaming failed (see [`WriteError::io_error`]); the old file is
    /// as it was.
    Io,
    /// The file to replace is not a regular file (`/dev/stdin`, a FIFO, a directory).
    NotRegular,
    /// The file to replace is read-only.
    ReadOnly,
    /// The file to replace has other hard links, which a new file would not keep.
    HardLinks,
    /// The file changed after it was read; replacing it would lose that change.
    Changed,
    /// The new file could not be given the old one's owner or group.
    Owner,
    /// A symbolic link that points nowhere.
    DanglingLink,
}

/// A file that was not written (the old one, if any, is unchanged).
#[derive(Debug)]
pub struct WriteError {
    kind: WriteErrorKind,
    path: PathBuf,
    detail: String,
    io: Option<io::Error>,
}

impl WriteError {
    fn new(kind: WriteErrorKind, path: &Path, detail: impl Into<String>) -> Self {
        WriteError {
            kind,
            path: path.to_path_buf(),
            detail: detail.into(),
            io: None,
        }
    }

    fn io(path: &Path, e: io::Error) -> Self {
        WriteError {
            kind: WriteErrorKind::Io,
            path: path.to_path_buf(),
            detail: e.to_string(),
            io: Some(e),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> WriteErrorKind {
        self.kind
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The operating system's error, for [`WriteErrorKind::Io`].
    pub fn io_error(&self) -> Option<&io::Error> {
        self.io.as_ref()
    }
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = crate::diagnostic::escape_control(&self.path.to_string_lossy()).into_owned();
        match self.kind {
            WriteErrorKind::Io => write!(f, "cannot write {path}: {}", self.detail),
            _ => write!(f, "{path}: {}", self.detail),
        }
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.io.as_ref().map(|e| e as _)
    }
}

/// What is known of a file before it is replaced.
#[derive(Debug, Clone)]
struct Meta {
    len: u64,
    modified: Option<std::time::SystemTime>,
    permissions: std::fs::Permissions,
    #[cfg(unix)]
    ids: (u64, u64, u32, u32, u64), // dev, ino, uid, gid, nlink
}

impl Meta {
    fn of(m: &std::fs::Metadata) -> Meta {
        Meta {
            len: m.len(),
            modified: m.modified().ok(),
            permissions: m.permissions(),
            #[cfg(unix)]
            ids: {
                use std::os::unix::fs::MetadataExt;
                (m.dev(), m.ino(), m.uid(), m.gid(), m.nlink())
            },
        }
    }

    fn links(&self) -> u64 {
        #[cfg(unix)]
        {
            self.ids.4
        }
        #[cfg(not(unix))]
        {
            1
        }
    }

    /// Whether `other` is the same file, unchanged (size, time, identity).
    fn same(&self, other: &Meta) -> bool {
        #[cfg(unix)]
        let ids = self.ids.0 == other.ids.0 && self.ids.1 == other.ids.1;
        #[cfg(not(unix))]
        let ids = true;
        ids && self.len == other.len && self.modified == other.modified
    }
}

/// A file read whole, remembering what it was, so that it is replaced only when nobody
/// changed it in between (see the [module docs](self)).
#[derive(Debug)]
pub struct Snapshot {
    path: PathBuf,
    bytes: Vec<u8>,
    meta: Option<Meta>,
}

impl Snapshot {
    /// Reads `path` (a regular file or, for reading only, anything [`read_input`] reads).
    ///
    /// # Errors
    /// As [`read_input`].
    pub fn read(path: &Path, limits: &Limits) -> Result<Snapshot, ReadError> {
        let before = std::fs::metadata(path).ok().map(|m| Meta::of(&m));
        let bytes = read_input(path, limits)?;
        Ok(Snapshot {
            path: path.to_path_buf(),
            bytes,
            meta: before,
        })
    }

    /// What was read.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The path it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Replaces the file with what `write` writes, atomically, if it is still what was
    /// read (same size, time, identity and bytes) — else [`WriteErrorKind::Changed`] and
    /// nothing is written. A symbolic link is followed: its target is replaced and the
    /// link stays.
    ///
    /// # Errors
    /// [`WriteError`]; the file is then as it was, and no temporary file is left.
    pub fn replace(
        &self,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<(), WriteError> {
        not_special(&self.path)?;
        let target = resolve(&self.path)?;
        let meta = std::fs::metadata(&target).map_err(|e| WriteError::io(&self.path, e))?;
        let now = replaceable(&self.path, &target, &meta)?;
        let changed = || {
            WriteError::new(
                WriteErrorKind::Changed,
                &self.path,
                "changed after bibkit read it; not rewritten (run again to format the new version)",
            )
        };
        if self.meta.as_ref().is_none_or(|m| !m.same(&now)) {
            return Err(changed());
        }
        atomic_write(&self.path, &target, Some(&now), write, || {
            // Last look before the rename: still the same file with the same bytes.
            let m = std::fs::metadata(&target).map_err(|e| WriteError::io(&self.path, e))?;
            if !now.same(&Meta::of(&m)) || !same_contents(&target, &self.bytes) {
                return Err(changed());
            }
            Ok(())
        })
    }
}

/// Replaces several files as one change: every file must still be what its [`Snapshot`]
/// read and be replaceable, which is checked for all before any is written; each is then
/// replaced atomically, and when one cannot be, those already replaced get their old bytes
/// back. `bibkit rekey --write` changes a bibliography and the documents that cite it
/// this way.
///
/// ```
/// use bibkit::io::{Limits, Snapshot, replace_all};
/// let dir = tempfile::tempdir()?;
/// let (a, b) = (dir.path().join("a.bib"), dir.path().join("b.tex"));
/// std::fs::write(&a, "@misc{old}")?;
/// std::fs::write(&b, "\\cite{old}")?;
/// let (sa, sb) = (Snapshot::read(&a, &Limits::default())?, Snapshot::read(&b, &Limits::default())?);
/// replace_all(&[(&sa, b"@misc{new}".as_slice()), (&sb, b"\\cite{new}".as_slice())])?;
/// assert_eq!(std::fs::read_to_string(&b)?, "\\cite{new}");
/// // A file changed since it was read: nothing is written.
/// let sa = Snapshot::read(&a, &Limits::default())?;
/// let sb = Snapshot::read(&b, &Limits::default())?;
/// std::fs::write(&b, "\\cite{other} % edited meanwhile")?;
/// assert!(replace_all(&[(&sa, b"@misc{x}".as_slice()), (&sb, b"".as_slice())]).is_err());
/// assert_eq!(std::fs::read_to_string(&a)?, "@misc{new}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// The first [`WriteError`]; the files are then as they were.
pub fn replace_all(files: &[(&Snapshot, &[u8])]) -> Result<(), WriteError> {
    for (s, _) in files {
        check_replaceable(&s.path)?;
        let target = resolve(&s.path)?;
        let meta = std::fs::metadata(&target).map_err(|e| WriteError::io(&s.path, e))?;
        if s.meta.as_ref().is_none_or(|m| !m.same(&Meta::of(&meta)))
            || !same_contents(&target, &s.bytes)
        {
            return Err(WriteError::new(
                WriteErrorKind::Changed,
                &s.path,
                "changed after bibkit read it; no file was rewritten",
            ));
        }
    }
    let mut done: Vec<usize> = Vec::new();
    for (i, (s, bytes)) in files.iter().enumerate() {
        match s.replace(|w| w.write_all(bytes)) {
            Ok(()) => done.push(i),
            Err(e) => {
                for &j in done.iter().rev() {
                    let old = files[j].0;
                    let _ = write_file(&old.path, |w| w.write_all(&old.bytes));
                }
                return Err(e);
            }
        }
    }
    Ok(())
}

/// Whether [`Snapshot::replace`] would refuse to replace `path` before writing anything:
/// it is not a regular file (`/dev/stdin`, a FIFO), is read-only, has other hard links, or
/// is a link to nowhere. Lets a command refuse before it reads.
///
/// ```
/// use bibkit::io::{check_replaceable, WriteErrorKind};
/// # #[cfg(target_os = "linux")]
/// assert_eq!(check_replaceable("/dev/null".as_ref()).unwrap_err().kind(), WriteErrorKind::NotRegular);
/// ```
///
/// # Errors
/// The [`WriteError`] `replace` would give.
pub fn check_replaceable(path: &Path) -> Result<(), WriteError> {
    not_special(path)?;
    let target = resolve(path)?;
    let meta = std::fs::metadata(&target).map_err(|e| WriteError::io(path, e))?;
    replaceable(path, &target, &meta).map(|_| ())
}

/// Whether two paths name the same existing file (symbolic links followed).
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let a = dir.path().join("a.bib");
/// std::fs::write(&a, "")?;
/// assert!(bibkit::io::same_file(&a, &dir.path().join(".").join("a.bib")));
/// assert!(!bibkit::io::same_file(&a, &dir.path().join("b.bib")));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        ma.dev() == mb.dev() && ma.ino() == mb.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (ma, mb);
        std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok()
    }
}

/// Whether the file at `path` holds exactly `bytes` (read in chunks, nothing kept).
fn same_contents(path: &Path, bytes: &[u8]) -> bool {
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let mut chunk = vec![0u8; 1 << 16];
    let mut pos = 0;
    loop {
        match f.read(&mut chunk) {
            Ok(0) => return pos == bytes.len(),
            Ok(n) => {
                if bytes.get(pos..pos + n) != Some(&chunk[..n]) {
                    return false;
                }
                pos += n;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}

/// Refuses a path that names something other than a regular file (following links: a
/// pipe behind `/dev/stdin` is a FIFO).
fn not_special(path: &Path) -> Result<(), WriteError> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => Err(WriteError::new(
            WriteErrorKind::NotRegular,
            path,
            format!(
                "is {}, not a regular file; not rewritten",
                file_type_name(&m.file_type())
            ),
        )),
        _ => Ok(()),
    }
}

/// The file a path names, symbolic links followed (also for a file not yet created, whose
/// directory is resolved).
fn resolve(path: &Path) -> Result<PathBuf, WriteError> {
    match std::fs::canonicalize(path) {
        Ok(p) => Ok(p),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if std::fs::symlink_metadata(path).is_ok() {
                return Err(WriteError::new(
                    WriteErrorKind::DanglingLink,
                    path,
                    "is a symbolic link to a file that does not exist; not written",
                ));
            }
            let name = path.file_name().ok_or_else(|| {
                WriteError::new(WriteErrorKind::NotRegular, path, "names no file")
            })?;
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            let dir = std::fs::canonicalize(dir).map_err(|e| WriteError::io(path, e))?;
            Ok(dir.join(name))
        }
        Err(e) => Err(WriteError::io(path, e)),
    }
}

/// Checks that an existing file may be replaced; returns what it is now.
fn replaceable(path: &Path, target: &Path, meta: &std::fs::Metadata) -> Result<Meta, WriteError> {
    if !meta.is_file() {
        return Err(WriteError::new(
            WriteErrorKind::NotRegular,
            path,
            format!(
                "is {}, not a regular file; not rewritten",
                file_type_name(&meta.file_type())
            ),
        ));
    }
    let m = Meta::of(meta);
    // Read-only by its mode, or not writable by this user (opening for writing changes
    // nothing).
    let writable = !meta.permissions().readonly()
        && std::fs::OpenOptions::new().write(true).open(target).is_ok();
    if !writable {
        return Err(WriteError::new(
            WriteErrorKind::ReadOnly,
            path,
            "is read-only; not rewritten",
        ));
    }
    if m.links() > 1 {
        return Err(WriteError::new(
            WriteErrorKind::HardLinks,
            path,
            format!(
                "has {} hard links; a rewritten file would no longer be shared with the others, so it is not rewritten (format it to standard output and copy that over it)",
                m.links()
            ),
        ));
    }
    Ok(m)
}

/// Writes `path` (created, or replaced when it exists) with what `write` writes, through a
/// temporary file in its directory: synced, given the old file's permissions and owner,
/// renamed over it. An existing FIFO or character device (`/dev/null`, a terminal) is
/// written to directly, as a shell redirection would.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let p = dir.path().join("out.json");
/// std::fs::write(&p, "old")?;
/// let err = bibkit::io::write_file(&p, |w| {
///     w.write_all(b"half")?;
///     Err(std::io::Error::other("disk full"))
/// })
/// .unwrap_err();
/// assert_eq!(err.kind(), bibkit::io::WriteErrorKind::Io);
/// assert_eq!(std::fs::read(&p)?, b"old");
/// assert_eq!(std::fs::read_dir(dir.path())?.count(), 1); // no temporary file left
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`WriteError`]; an existing file is then as it was, and no temporary file is left.
pub fn write_file(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    // A stream (`/dev/stdout` to a pipe, `/dev/null`) is written where it is.
    if let Ok(m) = std::fs::metadata(path) {
        if is_stream(&m) {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| WriteError::io(path, e))?;
            let mut w = io::BufWriter::with_capacity(1 << 20, &mut f);
            write(&mut w).map_err(|e| WriteError::io(path, e))?;
            return w.flush().map_err(|e| WriteError::io(path, e));
        }
    }
    let target = resolve(path)?;
    let existing = match std::fs::metadata(&target) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(WriteError::io(path, e)),
    };
    let meta = match &existing {
        Some(m) if !m.is_file() => {
            return Err(WriteError::new(
                WriteErrorKind::NotRegular,
                path,
                format!("is {}; not written", file_type_name(&m.file_type())),
            ));
        }
        Some(m) => Some(Meta::of(m)),
        None => None,
    };
    atomic_write(path, &target, meta.as_ref(), write, || Ok(()))
}

/// A FIFO or character device: written in place, never replaced.
fn is_stream(m: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = m.file_type();
        t.is_fifo() || t.is_char_device()
    }
    #[cfg(not(unix))]
    {
        let _ = m;
        false
    }
}

/// Temporary files that exist now, for [`remove_temporary_files`].
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Removes every temporary file bibkit is writing right now. The command-line program
/// calls it when it is interrupted (SIGINT, SIGTERM, SIGHUP), before it exits.
pub fn remove_temporary_files() {
    let live = match LIVE.lock() {
        Ok(l) => l,
        Err(poisoned) => poisoned.into_inner(),
    };
    for p in live.iter() {
        let _ = std::fs::remove_file(p);
    }
}

/// A temporary file that removes itself unless it was renamed into place.
struct Temp {
    path: PathBuf,
    done: bool,
}

impl Drop for Temp {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.path);
        }
        let mut live = match LIVE.lock() {
            Ok(l) => l,
            Err(p) => p.into_inner(),
        };
        if let Some(i) = live.iter().position(|p| *p == self.path) {
            live.swap_remove(i);
        }
    }
}

/// The prefix of the temporary files for `name`: `.NAME.bibkit-`.
fn temp_prefix(name: &std::ffi::OsStr) -> String {
    format!(".{}.bibkit-", name.to_string_lossy())
}

/// Removes temporary files for `name` in `dir` that a process which no longer runs left
/// (killed before it could clean up). Only where `/proc` tells which processes run.
fn remove_stale(dir: &Path, name: &std::ffi::OsStr) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let prefix = temp_prefix(name);
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let me = std::process::id();
    for e in entries.flatten() {
        let file = e.file_name();
        let Some(rest) = file
            .to_str()
            .and_then(|f| f.strip_prefix(&prefix))
            .and_then(|f| f.strip_suffix(".tmp"))
        else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != me && !Path::new("/proc").join(pid.to_string()).exists() {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

fn atomic_write(
    path: &Path,
    target: &Path,
    existing: Option<&Meta>,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    verify: impl FnOnce() -> Result<(), WriteError>,
) -> Result<(), WriteError> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let err = |e: io::Error| WriteError::io(path, e);
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target.file_name().unwrap_or_default();
    remove_stale(dir, name);
    // Create the temporary file, listed before it exists so that a signal cannot leave it.
    let (file, mut temp) = loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let p = dir.join(format!(
            "{}{}-{n}.tmp",
            temp_prefix(name),
            std::process::id()
        ));
        {
            let mut live = match LIVE.lock() {
                Ok(l) => l,
                Err(poisoned) => poisoned.into_inner(),
            };
            live.push(p.clone());
        }
        let temp = Temp {
            path: p.clone(),
            done: true, // nothing to remove until it exists
        };
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&p)
        {
            Ok(f) => {
                let mut temp = temp;
                temp.done = false;
                break (f, temp);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(err(e)),
        }
    };
    if let Some(m) = existing {
        // The old file's mode first (before any content is written) and owner.
        file.set_permissions(m.permissions.clone()).map_err(err)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let mine = file.metadata().map_err(err)?;
            let (uid, gid) = (m.ids.2, m.ids.3);
            if mine.uid() != uid || mine.gid() != gid {
                std::os::unix::fs::fchown(&file, Some(uid), Some(gid)).map_err(|e| {
                    WriteError::new(
                        WriteErrorKind::Owner,
                        path,
                        format!("the rewritten file could not keep its owner {uid}:{gid} ({e}); not rewritten"),
                    )
                })?;
                // chown may clear set-user-id bits: the mode again.
                file.set_permissions(m.permissions.clone()).map_err(err)?;
            }
        }
    }
    {
        let mut w = io::BufWriter::with_capacity(1 << 20, &file);
        write(&mut w).map_err(err)?;
        w.flush().map_err(err)?;
    }
    file.sync_all().map_err(err)?;
    drop(file);
    verify()?;
    std::fs::rename(&temp.path, target).map_err(err)?;
    temp.done = true;
    drop(temp);
    // The rename is durable once the directory is synced (where the platform allows it).
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_keeping_mode_and_links_stay() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.bib");
        std::fs::write(&real, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
            let link = dir.path().join("link.bib");
            std::os::unix::fs::symlink(&real, &link).unwrap();
            let snap = Snapshot::read(&link, &Limits::default()).unwrap();
            snap.replace(|w| w.write_all(b"new")).unwrap();
            assert!(
                std::fs::symlink_metadata(&link)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
            assert_eq!(std::fs::read(&real).unwrap(), b"new");
            let mode = std::fs::metadata(&real).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o640);
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn refuses_read_only_and_hard_links() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.bib");
        std::fs::write(&p, "x").unwrap();
        let mut perm = std::fs::metadata(&p).unwrap().permissions();
        perm.set_readonly(true);
        std::fs::set_permissions(&p, perm).unwrap();
        let snap = Snapshot::read(&p, &Limits::default()).unwrap();
        let e = snap.replace(|w| w.write_all(b"y")).unwrap_err();
        assert_eq!(e.kind(), WriteErrorKind::ReadOnly);
        assert_eq!(std::fs::read(&p).unwrap(), b"x");

        let q = dir.path().join("b.bib");
        std::fs::write(&q, "x").unwrap();
        std::fs::hard_link(&q, dir.path().join("c.bib")).unwrap();
        let snap = Snapshot::read(&q, &Limits::default()).unwrap();
        let e = snap.replace(|w| w.write_all(b"y")).unwrap_err();
        assert_eq!(e.kind(), WriteErrorKind::HardLinks);
        assert_eq!(std::fs::read(&q).unwrap(), b"x");
    }

    #[test]
    fn stale_temporary_files_of_dead_processes_are_removed() {
        if !Path::new("/proc/self").exists() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        // A pid above the kernel's maximum (4194304) never runs.
        let stale = dir.path().join(".out.bib.bibkit-4999999-0.tmp");
        let other = dir.path().join(".else.bib.bibkit-4999999-0.tmp");
        std::fs::write(&stale, "half").unwrap();
        std::fs::write(&other, "half").unwrap();
        write_file(&dir.path().join("out.bib"), |w| w.write_all(b"x")).unwrap();
        assert!(!stale.exists());
        assert!(other.exists(), "only the file being written is cleaned up");
    }

    #[test]
    fn devices_are_written_in_place_and_refused_as_snapshots() {
        #[cfg(target_os = "linux")]
        {
            write_file(Path::new("/dev/null"), |w| w.write_all(b"x")).unwrap();
            let e = write_file(Path::new("/dev/full"), |w| w.write_all(&[0; 1 << 21])).unwrap_err();
            assert_eq!(e.kind(), WriteErrorKind::Io);
        }
    }
}
