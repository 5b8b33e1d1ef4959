//! Node.js packages the tests run (an OpenID Connect provider, a typed
//! client's toolchain), installed from the lock files in `tests/<name>/`
//! with `npm ci` into `target/<install_as>/`; later runs reuse an install
//! while its lock file is the same.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The folder `tests/<source>` is installed in, with its `node_modules`
/// and a copy of each of `files`.
pub fn npm_package(source: &str, install_as: &str, files: &[&str]) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = root.join("tests").join(source);
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join(install_as);
    std::fs::create_dir_all(&target).expect("a folder for the package");
    let lock = std::fs::read(source.join("package-lock.json")).expect("the package's lock file");
    let installed_lock = std::fs::read(target.join("package-lock.json")).ok();
    if installed_lock.as_deref() != Some(&lock[..]) || !target.join("node_modules").is_dir() {
        for file in ["package.json", "package-lock.json"] {
            std::fs::copy(source.join(file), target.join(file)).expect("the package files");
        }
        let status = Command::new("npm")
            .args([
                "ci",
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                "--loglevel=error",
            ])
            .current_dir(&target)
            .status()
            .unwrap_or_else(|e| {
                panic!(
                    "these tests run Node.js packages: install Node.js 20 or newer and npm \
                     (Debian: apt-get install nodejs npm) ({e})"
                )
            });
        assert!(status.success(), "npm ci of {} failed", source.display());
    }
    for file in files {
        std::fs::copy(source.join(file), target.join(file)).expect("the package's files");
    }
    target
}
