//! `debrief upload`: a tus 1.0.0 client for the command line. It sends a
//! recording in chunks (each a PATCH of `--chunk-mib`, so memory stays at one
//! chunk), shows a progress line, retries with backoff after network errors
//! and resumes from the server's offset. An interrupted upload resumes on the
//! next run of the same command (the upload URL is remembered per file in
//! `~/.local/state/debrief/uploads.json`) or explicitly with `--resume URL`.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest_openai as reqwest;
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};

/// What to upload, where, with which interview context.
#[derive(Debug, clap::Args)]
pub struct UploadArgs {
    /// The recording (mp4, mov, m4a, webm, wav).
    pub file: PathBuf,
    /// The Debrief server.
    #[arg(long, default_value = "http://127.0.0.1:8080", env = "DEBRIEF_SERVER")]
    pub server: String,
    /// A bearer token (from login).
    #[arg(long, env = "DEBRIEF_TOKEN")]
    pub token: String,
    #[arg(long)]
    pub company: Option<String>,
    #[arg(long)]
    pub job_title: Option<String>,
    /// behavioral, technical, phone or panel.
    #[arg(long)]
    pub interview_type: Option<String>,
    #[arg(long)]
    pub notes: Option<String>,
    /// A file holding the job description.
    #[arg(long)]
    pub job_description_file: Option<PathBuf>,
    /// Continue this upload (`/files/ID` URL) instead of looking one up.
    #[arg(long)]
    pub resume: Option<String>,
    /// Size of each PATCH, in MiB.
    #[arg(long, default_value_t = 8)]
    pub chunk_mib: u64,
    /// Attempts per chunk before giving up.
    #[arg(long, default_value_t = 8)]
    pub retries: u32,
}

/// Uploads the file and prints the interview id. Errors carry the server's message.
pub async fn run(args: UploadArgs) -> anyhow::Result<()> {
    let client = reqwest::Client::builder().connect_timeout(Duration::from_secs(10)).build()?;
    let file_path = args.file.canonicalize().with_context(|| format!("cannot read {}", args.file.display()))?;
    let size = tokio::fs::metadata(&file_path).await?.len();
    let key = fingerprint(&args.server, &file_path, size).await?;
    let mut remembered = Remembered::load();
    let url = match args.resume.clone().or_else(|| remembered.urls.get(&key).cloned()) {
        Some(url) => match head(&client, &args.token, &url).await {
            Ok((_, Some(length))) if length == size => url,
            Ok(_) if args.resume.is_some() => bail!("{url} is not an upload of this file"),
            Err(error) if args.resume.is_some() => return Err(error),
            _ => create(&client, &args, &file_path, size).await?,
        },
        None => create(&client, &args, &file_path, size).await?,
    };
    remembered.urls.insert(key.clone(), url.clone());
    remembered.save();
    eprintln!("upload: {url}");

    let interview = send(&client, &args, &file_path, &url, size).await?;
    remembered.urls.remove(&key);
    remembered.save();
    println!("interview: {interview}");
    Ok(())
}

fn tus(request: reqwest::RequestBuilder, token: &str) -> reqwest::RequestBuilder {
    request.header("Tus-Resumable", "1.0.0").bearer_auth(token)
}

/// Turns a refused request into an error with the server's message.
async fn refused(response: reqwest::Response) -> anyhow::Error {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let message = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
        .unwrap_or(text);
    anyhow::anyhow!("the server refused the upload ({status}): {message}")
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

async fn create(client: &reqwest::Client, args: &UploadArgs, path: &Path, size: u64) -> anyhow::Result<String> {
    let filename = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let description = match &args.job_description_file {
        Some(file) => Some(std::fs::read_to_string(file).context("cannot read the job description")?),
        None => None,
    };
    let pairs = [
        ("filename", Some(filename)),
        ("company", args.company.clone()),
        ("job_title", args.job_title.clone()),
        ("interview_type", args.interview_type.clone()),
        ("notes", args.notes.clone()),
        ("job_description", description),
    ];
    let metadata = pairs
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {}", STANDARD.encode(v))))
        .collect::<Vec<_>>()
        .join(",");
    let endpoint = format!("{}/files/", args.server.trim_end_matches('/'));
    let response = tus(client.post(&endpoint), &args.token)
        .header("Upload-Length", size.to_string())
        .header("Upload-Metadata", metadata)
        .send()
        .await
        .context("cannot reach the server")?;
    if response.status() != reqwest::StatusCode::CREATED {
        return Err(refused(response).await);
    }
    let location = header(&response, "Location").context("the server sent no Location")?;
    Ok(resolve(&args.server, &location))
}

fn resolve(server: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        location.to_owned()
    } else {
        format!("{}{location}", server.trim_end_matches('/'))
    }
}

/// The stored offset and length of an upload.
async fn head(client: &reqwest::Client, token: &str, url: &str) -> anyhow::Result<(u64, Option<u64>)> {
    let response = tus(client.head(url), token).send().await.context("cannot reach the server")?;
    if !response.status().is_success() {
        bail!("the upload cannot be resumed ({})", response.status());
    }
    let offset = header(&response, "Upload-Offset").and_then(|o| o.parse().ok()).context("no Upload-Offset")?;
    Ok((offset, header(&response, "Upload-Length").and_then(|l| l.parse().ok())))
}

/// Sends every chunk from the server's offset on; returns the interview id.
async fn send(
    client: &reqwest::Client,
    args: &UploadArgs,
    path: &Path,
    url: &str,
    size: u64,
) -> anyhow::Result<String> {
    let chunk = args.chunk_mib.max(1) * 1024 * 1024;
    let mut file = tokio::fs::File::open(path).await?;
    let mut progress = ProgressLine::new(size);
    let (mut offset, _) = head(client, &args.token, url).await?;
    let mut failures = 0;
    loop {
        progress.show(offset);
        let length = chunk.min(size - offset);
        let mut body = vec![0; usize::try_from(length)?];
        file.seek(std::io::SeekFrom::Start(offset)).await?;
        file.read_exact(&mut body).await?;
        let sent = tus(client.patch(url), &args.token)
            .header("Content-Type", "application/offset+octet-stream")
            .header("Upload-Offset", offset.to_string())
            .body(body)
            .send()
            .await;
        let retry = match sent {
            Ok(response) if response.status() == reqwest::StatusCode::NO_CONTENT => {
                offset = header(&response, "Upload-Offset").and_then(|o| o.parse().ok()).context("no Upload-Offset")?;
                failures = 0;
                if offset >= size {
                    progress.show(offset);
                    eprintln!();
                    return header(&response, "Debrief-Interview-Id").context("the server named no interview");
                }
                false
            }
            Ok(response) if response.status().is_server_error() || response.status().as_u16() == 423 => true,
            Ok(response) if response.status() == reqwest::StatusCode::CONFLICT => true,
            Ok(response) => return Err(refused(response).await),
            Err(_) => true,
        };
        if retry {
            failures += 1;
            if failures > args.retries {
                bail!("giving up after {} attempts; run the same command again to resume", args.retries);
            }
            let wait = Duration::from_millis(500 * 2u64.pow(failures.min(6)));
            eprintln!("\nconnection trouble; retrying in {} s", wait.as_secs_f32());
            tokio::time::sleep(wait).await;
            if let Ok((stored, _)) = head(client, &args.token, url).await {
                offset = stored;
            }
        }
    }
}

/// `  42.0 %   12.3 MB/s   0:45 left` on one line of stderr.
struct ProgressLine {
    size: u64,
    started: Instant,
    first_offset: Option<u64>,
}

impl ProgressLine {
    fn new(size: u64) -> Self {
        Self { size, started: Instant::now(), first_offset: None }
    }

    fn show(&mut self, offset: u64) {
        let first = *self.first_offset.get_or_insert(offset);
        let seconds = self.started.elapsed().as_secs_f64();
        let rate = if seconds > 0.0 { (offset - first) as f64 / seconds } else { 0.0 };
        let percent = if self.size == 0 { 100.0 } else { offset as f64 * 100.0 / self.size as f64 };
        let left = if rate > 0.0 { ((self.size - offset) as f64 / rate) as u64 } else { 0 };
        eprint!(
            "\r  {percent:5.1} %   {:6.1} MB/s   {}:{:02} left ",
            rate / 1_000_000.0,
            left / 60,
            left % 60
        );
        let _ = std::io::stderr().flush();
    }
}

/// Identifies a file upload: server, path, size and modification time.
async fn fingerprint(server: &str, path: &Path, size: u64) -> anyhow::Result<String> {
    let modified = tokio::fs::metadata(path)
        .await?
        .modified()
        .ok()
        .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    Ok(format!("{server} {} {size} {modified}", path.display()))
}

/// Upload URLs of unfinished uploads, by file fingerprint.
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Remembered {
    urls: BTreeMap<String, String>,
}

impl Remembered {
    fn path() -> Option<PathBuf> {
        let state = std::env::var_os("XDG_STATE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".local/state")))?;
        Some(state.join("debrief/uploads.json"))
    }

    fn load() -> Self {
        Self::path()
            .and_then(|path| std::fs::read_to_string(path).ok())
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    /// Best effort: failing to remember only costs a resume.
    fn save(&self) {
        let Some(path) = Self::path() else { return };
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        if let Ok(text) = serde_json::to_string_pretty(self) {
            let _ = std::fs::write(path, text);
        }
    }
}
