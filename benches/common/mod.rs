//! What the benches share: where the 100 MB benchmark file is.

use std::path::PathBuf;

/// The 100 MB file `make-big-bib.sh` builds: `$BIBKIT_BIG_BIB`, default `target/big.bib`.
pub fn big_bib() -> PathBuf {
    std::env::var_os("BIBKIT_BIG_BIB")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/big.bib"))
}

/// The 100 MB file read with `read`, or a note on how to build it when it is not there.
#[allow(dead_code)] // not every bench reads it whole
pub fn read_big_bib<T>(read: impl FnOnce(&std::path::Path) -> std::io::Result<T>) -> Option<T> {
    let big = big_bib();
    match read(&big) {
        Ok(t) => Some(t),
        Err(_) => {
            eprintln!(
                "note: {} not found; build it with ../shared/bench/make-big-bib.sh 100 {}",
                big.display(),
                big.display()
            );
            None
        }
    }
}
