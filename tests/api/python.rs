//! Python packages the tests run (a generated client's generator), installed
//! from the hash-locked `tests/<source>/requirements.txt` into a virtual
//! environment in `target/<install_as>/venv`; later runs reuse it while the
//! lock file is the same.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The virtual environment's folder, with `tests/<source>`'s packages installed.
pub fn python_packages(source: &str, install_as: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lock_file = root.join("tests").join(source).join("requirements.txt");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join(install_as);
    let venv = target.join("venv");
    let lock = std::fs::read(&lock_file).expect("the packages' lock file");
    let installed = target.join("requirements.txt");
    if std::fs::read(&installed).ok().as_deref() == Some(&lock[..]) && venv.is_dir() {
        return venv;
    }
    let _ = std::fs::remove_dir_all(&target);
    std::fs::create_dir_all(&target).expect("a folder for the packages");
    let run = |program: &Path, args: &[&std::ffi::OsStr]| {
        let status = Command::new(program)
            .args(args)
            .status()
            .unwrap_or_else(|e| {
                panic!(
                    "these tests run Python packages: install Python 3.10 or newer with venv \
                     (Debian: apt-get install python3-venv) ({e})"
                )
            });
        assert!(status.success(), "{} {args:?} failed", program.display());
    };
    run(
        Path::new("python3"),
        &["-m".as_ref(), "venv".as_ref(), venv.as_os_str()],
    );
    run(
        &venv.join("bin/pip"),
        &[
            "install".as_ref(),
            "--quiet".as_ref(),
            "--disable-pip-version-check".as_ref(),
            "--require-hashes".as_ref(),
            "--no-deps".as_ref(),
            "-r".as_ref(),
            lock_file.as_os_str(),
        ],
    );
    std::fs::write(&installed, lock).expect("a copy of the lock file");
    venv
}
