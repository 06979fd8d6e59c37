//! Upload benchmark, on the real `debrief` binary and one disk:
//! 1. a plain sequential write of N MiB with fsync (`dd … conv=fsync`): the disk's ceiling;
//! 2. one tus upload of the same size (one streaming PATCH): ingest MB/s and
//!    the server's peak RSS while it runs;
//! 3. many concurrent uploads (one PATCH each): total time, aggregate MB/s,
//!    per-upload p50/p99, peak RSS.
//!
//! Run: `cargo bench --bench uploads`. Environment: `BENCH_UPLOAD_MIB`
//! (default 1024), `BENCH_CONCURRENT` (100), `BENCH_CONCURRENT_MIB` (20).
//! Files go to a temporary folder under `target/` (same disk as the build).
//! Prints one line per figure; nothing here asserts a speed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};


const MIB: usize = 1024 * 1024;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("VmRSS:")).map(str::to_owned))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Samples the process's RSS every 20 ms until stopped; returns the peak.
struct PeakRss {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    thread: std::thread::JoinHandle<()>,
}

impl PeakRss {
    fn watch(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(rss_kib(pid)));
        let thread = {
            let (stop, peak) = (Arc::clone(&stop), Arc::clone(&peak));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    peak.fetch_max(rss_kib(pid), Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
        };
        Self { stop, peak, thread }
    }

    fn mib(self) -> f64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap();
        self.peak.load(Ordering::Relaxed) as f64 / 1024.0
    }
}

/// A body of `size` bytes that starts like a WAV file, made 1 MiB at a time.
fn wav_stream(size: usize) -> reqwest::Body {
    let mut block = vec![0u8; MIB];
    let mut state: u32 = 7;
    for byte in &mut block {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        *byte = (state >> 24) as u8;
    }
    let block = bytes::Bytes::from(block);
    let chunks = (0..size.div_ceil(MIB)).map(move |i| {
        let mut chunk = block.slice(..(size - i * MIB).min(MIB));
        if i == 0 {
            let mut first = chunk.to_vec();
            first[..12].copy_from_slice(b"RIFF\0\0\0\0WAVE");
            chunk = first.into();
        }
        Ok::<_, std::io::Error>(chunk)
    });
    reqwest::Body::wrap_stream(futures_util::stream::iter(chunks))
}

async fn create(client: &reqwest::Client, address: &str, token: &str, size: usize) -> String {
    let response = client
        .post(format!("{address}/files/"))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", size.to_string())
        .header("Upload-Metadata", "filename YmVuY2gud2F2")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    let location = response.headers()["Location"].to_str().unwrap();
    format!("{address}{location}")
}

async fn upload(client: &reqwest::Client, url: &str, token: &str, size: usize) -> Duration {
    let started = Instant::now();
    let response = client
        .patch(url)
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", "0")
        .header("Content-Length", size.to_string())
        .body(wav_stream(size))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204, "{}", response.text().await.unwrap());
    started.elapsed()
}

fn mb_per_s(bytes: usize, took: Duration) -> f64 {
    bytes as f64 / 1e6 / took.as_secs_f64()
}

#[tokio::main]
async fn main() {
    let size_mib = env_usize("BENCH_UPLOAD_MIB", 1024);
    let concurrent = env_usize("BENCH_CONCURRENT", 100);
    let concurrent_mib = env_usize("BENCH_CONCURRENT_MIB", 20);
    let size = size_mib * MIB;
    std::fs::create_dir_all("target").unwrap();
    let dir = tempfile::tempdir_in("target").unwrap();

    // 1. The disk's ceiling: a sequential write with fsync.
    let dd_file = dir.path().join("dd.bin");
    let started = Instant::now();
    let status = std::process::Command::new("dd")
        .arg("if=/dev/zero")
        .arg(format!("of={}", dd_file.display()))
        .args(["bs=1M", &format!("count={size_mib}"), "conv=fsync", "status=none"])
        .status()
        .expect("dd runs");
    assert!(status.success());
    let dd = started.elapsed();
    std::fs::remove_file(&dd_file).unwrap();
    println!("dd_fsync_{size_mib}mib_mb_per_s {:.0}", mb_per_s(size, dd));

    // 2. One large upload.
    let storage = dir.path().join("files");
    let server = support::Server::start(&[
        ("DEBRIEF_STORAGE__DIR", storage.to_str().unwrap()),
        ("DEBRIEF_STORAGE__QUOTA_BYTES", "1099511627776"),
        ("DEBRIEF_AUTH__LOGIN_PER_IP_PER_MINUTE", "100000"),
        // Registering the many users of step 3 must not fill the heap with
        // Argon2 buffers (19 MiB each at the default cost) before it is measured.
        ("DEBRIEF_AUTH__ARGON2_MEMORY_KIB", "1024"),
    ]);
    let client = reqwest::Client::new();
    let address = server.address.clone();
    let register = |name: &str| {
        let (client, address) = (client.clone(), address.clone());
        let email = format!("{name}-{}@example.com", uuid::Uuid::new_v4().simple());
        async move {
            support::register(&client, &address, &email, "correct horse battery").await
        }
    };
    let token = register("big").await;
    let pid = server.child.id();
    println!("idle_rss_mib {:.1}", rss_kib(pid) as f64 / 1024.0);
    let url = create(&client, &address, &token, size).await;
    let watch = PeakRss::watch(pid);
    let took = upload(&client, &url, &token, size).await;
    println!("upload_{size_mib}mib_mb_per_s {:.0}", mb_per_s(size, took));
    println!("upload_{size_mib}mib_vs_dd_percent {:.0}", 100.0 * dd.as_secs_f64() / took.as_secs_f64());
    println!("upload_{size_mib}mib_peak_rss_mib {:.1}", watch.mib());
    let _ = std::fs::remove_dir_all(&storage);

    // 3. Many uploads at once (one user each, as in real use).
    let each = concurrent_mib * MIB;
    let mut targets = Vec::new();
    for i in 0..concurrent {
        let token = register(&format!("u{i}")).await;
        let url = create(&client, &address, &token, each).await;
        targets.push((token, url));
    }
    println!("rss_before_concurrent_mib {:.1}", rss_kib(pid) as f64 / 1024.0);
    let watch = PeakRss::watch(pid);
    let started = Instant::now();
    let tasks: Vec<_> = targets
        .into_iter()
        .map(|(token, url)| {
            let client = client.clone();
            tokio::spawn(async move { upload(&client, &url, &token, each).await })
        })
        .collect();
    let mut durations = Vec::new();
    for task in tasks {
        durations.push(task.await.unwrap());
    }
    let total = started.elapsed();
    durations.sort();
    let percentile = |p: f64| durations[((durations.len() as f64 - 1.0) * p).round() as usize];
    println!("concurrent_{concurrent}x{concurrent_mib}mib_total_s {:.2}", total.as_secs_f64());
    println!("concurrent_{concurrent}x{concurrent_mib}mib_aggregate_mb_per_s {:.0}", mb_per_s(each * concurrent, total));
    println!("concurrent_upload_p50_s {:.2}", percentile(0.5).as_secs_f64());
    println!("concurrent_upload_p99_s {:.2}", percentile(0.99).as_secs_f64());
    println!("concurrent_peak_rss_mib {:.1}", watch.mib());
    server.stop();
}
