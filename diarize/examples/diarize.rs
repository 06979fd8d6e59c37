//! Diarize a WAV file and print the turns:
//! `cargo run --release -p debrief-diarize --example diarize -- MODELS_DIR in.wav [reference.json]`
//!
//! MODELS_DIR holds `silero_vad_16k_sequence.onnx` and `campplus_cn_en_common.pt`. The WAV must
//! be 16 kHz (mono, or the first channel is used). With a reference (a JSON list of
//! `{"start", "end", "speaker"}`), the diarization error rate (collar 0.25 s) is printed too.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail, ensure};
use debrief_diarize::{Audio, Models, Options, Turn, der::der, diarize};

/// A WAV file read on demand through `hound`'s seek.
struct WavAudio {
    reader: hound::WavReader<std::io::BufReader<std::fs::File>>,
    channels: usize,
    samples: usize,
    scale: f32,
    float: bool,
}

impl Audio for WavAudio {
    fn samples(&self) -> usize {
        self.samples
    }
    fn read(&mut self, start: usize, len: usize) -> Result<Vec<f32>> {
        let len = len.min(self.samples.saturating_sub(start));
        self.reader.seek(u32::try_from(start)?)?;
        let wanted = len * self.channels;
        let mut out = Vec::with_capacity(len);
        if self.float {
            for (i, s) in self.reader.samples::<f32>().take(wanted).enumerate() {
                let s = s?;
                if i % self.channels == 0 {
                    out.push(s);
                }
            }
        } else {
            for (i, s) in self.reader.samples::<i32>().take(wanted).enumerate() {
                let s = s?;
                if i % self.channels == 0 {
                    out.push(s as f32 / self.scale);
                }
            }
        }
        ensure!(out.len() == len, "short read");
        Ok(out)
    }
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        bail!("usage: diarize MODELS_DIR in.wav [reference.json]");
    }
    let dir = PathBuf::from(&args[0]);
    let t0 = Instant::now();
    let models = Models::load(&dir.join("silero_vad_16k_sequence.onnx"), &dir.join("campplus_cn_en_common.pt"))?;
    println!("models loaded in {:.2} s", t0.elapsed().as_secs_f64());
    let reader = hound::WavReader::open(&args[1]).with_context(|| format!("opening {}", args[1]))?;
    let spec = reader.spec();
    ensure!(spec.sample_rate == 16_000, "{} is {} Hz, expected 16000", args[1], spec.sample_rate);
    let channels = usize::from(spec.channels);
    let samples = reader.duration() as usize;
    let mut audio = WavAudio {
        reader,
        channels,
        samples,
        scale: (1u64 << (spec.bits_per_sample.saturating_sub(1))) as f32,
        float: spec.sample_format == hound::SampleFormat::Float,
    };
    let minutes = samples as f64 / 16_000.0 / 60.0;
    let t1 = Instant::now();
    let result = diarize(&models, &mut audio, &Options::default(), &mut |_| {})?;
    let elapsed = t1.elapsed().as_secs_f64();
    for t in &result.turns {
        println!("{:8.2} {:8.2}  speaker {}", t.start, t.end, t.speaker);
    }
    println!("speakers: {}  confidence: {:.2}", result.speakers, result.confidence);
    println!(
        "audio {:.2} min, diarized in {:.2} s: {:.2} s per audio minute ({:.3}x real time)",
        minutes,
        elapsed,
        elapsed / minutes.max(1e-9),
        elapsed / (minutes * 60.0).max(1e-9)
    );
    if let Some(path) = args.get(2) {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
        let value: serde_json::Value = serde_json::from_str(&text)?;
        let mut reference = Vec::new();
        for t in value.as_array().context("reference must be a JSON list")? {
            let field = |k: &str| t.get(k).and_then(serde_json::Value::as_f64).with_context(|| format!("turn without {k}"));
            reference.push(Turn { start: field("start")?, end: field("end")?, speaker: field("speaker")? as usize });
        }
        let r = der(&reference, &result.turns, 0.25);
        println!(
            "DER {:.2} % (missed {:.2} %, false alarm {:.2} %, confusion {:.2} %) over {:.1} s, collar 0.25 s",
            100.0 * r.der,
            100.0 * r.missed,
            100.0 * r.false_alarm,
            100.0 * r.confusion,
            r.reference_speech
        );
    }
    Ok(())
}
