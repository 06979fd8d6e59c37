//! The recording pipeline: what a recording's job does, stage by stage,
//! as the [`JobRunner`] the `JobSupervisor` runs.
//!
//! `decoding` (container → 16 kHz mono WAV, duration, level, silence) →
//! `transcribing` (the [`Transcriber`]: remote endpoint or local Whisper) →
//! `diarizing` (who spoke when: channels, diarization or one voice; roles,
//! [`crate::speakers`]) →
//! `analyzing` (the deterministic [`analysis`](crate::analysis), plus the
//! model's judgement when an endpoint is configured) → `notifying` (in-app and
//! email) → `completed`. Each stage records its result before the next starts
//! and is skipped when its result exists, so a job re-run after a crash picks
//! up where it stopped and never stores anything twice. A re-analysis (run 2…)
//! keeps the audio and transcript and makes the analysis and notification again.
//!
//! Stage changes are durable `interview.status` events; progress within a
//! stage is pushed live (at most every `jobs.progress_interval_ms`) with an
//! ETA from the recording's duration and the engine's measured speed.

pub mod judge;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix::Addr;
use actors::Hub;
use actors::chat_ports::ChatModel;
use actors::hub::Broadcast;
use actors::jobs::{ClaimedJob, JobFailure, JobRunner};
use async_trait::async_trait;
use protocol::interview::{InterviewStatusPush, Stage};
use protocol::transcript::Transcript;
use protocol::ws::ServerFrame;

use crate::config::Settings;
use crate::events::Events;
use crate::files::FileStore;
use crate::media::{AudioInfo, MediaError};
use crate::models::loader::LocalEngines;
use crate::notify::Notifier;
use crate::store::Store;
use crate::store::results::{NewNotification, RecordingToProcess, StoredAudio};
use crate::stt::{Options, SttError, Transcriber};

/// Which engine transcribes.
#[derive(Clone)]
pub enum SpeechEngine {
    Remote(Arc<crate::stt::remote::RemoteTranscriber>),
    /// The local model, once loaded (`models.stt` names it; empty: none).
    Local { engines: LocalEngines, model: String },
}

impl SpeechEngine {
    /// The endpoint when `transcription.base_url` is set, else the local model.
    pub fn from_settings(settings: &crate::config::Settings, local: &LocalEngines) -> Self {
        if settings.transcription.base_url.trim().is_empty() {
            Self::Local { engines: local.clone(), model: settings.models.stt.clone() }
        } else {
            Self::Remote(Arc::new(crate::stt::remote::RemoteTranscriber::new(&settings.transcription)))
        }
    }

    /// The engine; the local model is loaded first when it is not in memory.
    pub async fn get(&self) -> Result<Arc<dyn Transcriber>, JobFailure> {
        match self {
            Self::Remote(remote) => Ok(Arc::clone(remote) as Arc<dyn Transcriber>),
            Self::Local { engines, model } => match engines.transcriber.acquire().await {
                Some(local) => Ok(local as Arc<dyn Transcriber>),
                None if model.is_empty() => Err(JobFailure::permanent(
                    "no speech-to-text engine is configured on this server (transcription.base_url or models.stt)",
                )),
                None => Err(JobFailure::transient("the speech model is not available yet; processing will resume shortly")),
            },
        }
    }
}

/// Everything the stages need.
pub struct Pipeline {
    store: Store,
    files: Arc<dyn FileStore>,
    events: Events,
    hub: Addr<Hub>,
    notifier: Notifier,
    speech: SpeechEngine,
    /// The model that adds judgement, when an endpoint is configured.
    judge: Option<Arc<dyn ChatModel>>,
    /// The local models; the pipeline uses their diarizer whatever transcribes.
    local: LocalEngines,
    settings: Arc<Settings>,
    /// Audio seconds transcribed per second, last measured here (f64 bits).
    measured_rtf: AtomicU64,
}

impl Pipeline {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Store,
        files: Arc<dyn FileStore>,
        events: Events,
        hub: Addr<Hub>,
        notifier: Notifier,
        speech: SpeechEngine,
        judge: Option<Arc<dyn ChatModel>>,
        local: LocalEngines,
        settings: Arc<Settings>,
    ) -> Self {
        let rtf = settings.jobs.assumed_rtf.max(0.01);
        Self { store, files, events, hub, notifier, speech, judge, local, settings, measured_rtf: AtomicU64::new(rtf.to_bits()) }
    }

    /// The diarization engine: the local models (loaded first when they are
    /// not in memory); a wait while they are still being fetched; else why
    /// there is none (the recording is then one voice).
    async fn diarizer(&self) -> Result<Result<Arc<dyn crate::speakers::Diarize>, String>, JobFailure> {
        if let Some(diarizer) = self.local.diarizer.acquire().await {
            return Ok(Ok(diarizer as Arc<dyn crate::speakers::Diarize>));
        }
        let configured = self.settings.models.diarize.trim();
        if configured.is_empty() {
            return Ok(Err(String::from("speaker diarization is turned off on this server (models.diarize)")));
        }
        if self.local.fetch.in_progress() {
            return Err(JobFailure::transient("the speaker models are still being fetched; processing will resume shortly"));
        }
        Ok(Err(format!("the speaker models ({configured}) are not installed (`debrief models fetch --only diarize`)")))
    }

    fn rtf(&self) -> f64 {
        f64::from_bits(self.measured_rtf.load(Ordering::Relaxed))
    }

    /// Seconds left: the untranscribed audio at the measured speed, plus a little for analysis.
    fn eta(&self, duration_secs: Option<f64>, transcribed_share: f64) -> Option<f64> {
        duration_secs.map(|d| (d * (1.0 - transcribed_share) / self.rtf() + 2.0).round())
    }

    /// Records a stage change and pushes it as a durable event.
    async fn enter(&self, job: &ClaimedJob, stage: Stage, eta_secs: Option<f64>, error: Option<&str>) -> Result<(), JobFailure> {
        let progress = if stage == Stage::Completed { 1.0 } else { 0.0 };
        let failure = (stage == Stage::Failed).then_some(error).flatten();
        self.store
            .set_stage(&job.owner, &job.interview_id, stage, progress, eta_secs, failure)
            .await
            .map_err(transient)?;
        let push = status_push(job, stage, progress, eta_secs, error);
        let body = serde_json::to_value(&push).map_err(|e| transient(e.into()))?;
        self.events.publish(&job.owner, "interview.status", body).await.map_err(transient)?;
        Ok(())
    }

    /// Pushes progress within a stage (live only).
    fn progress(&self, job: &ClaimedJob, stage: Stage, progress: f64, eta_secs: Option<f64>) {
        let push = status_push(job, stage, progress, eta_secs, None);
        self.hub.do_send(Broadcast { user_id: job.owner.clone(), frame: Arc::new(ServerFrame::InterviewStatus(push)) });
    }

    /// Awaits a stage's `work` while pushing the share done that `shares`
    /// reports, at most every `jobs.progress_interval_ms`, with `eta(share)`.
    async fn pushing_progress<T>(
        &self,
        job: &ClaimedJob,
        stage: Stage,
        work: impl std::future::Future<Output = T>,
        mut shares: tokio::sync::watch::Receiver<f64>,
        eta: impl Fn(f64) -> Option<f64>,
    ) -> T {
        tokio::pin!(work);
        let interval = Duration::from_millis(self.settings.jobs.progress_interval_ms.max(100));
        let mut last_push = Instant::now();
        loop {
            tokio::select! {
                done = &mut work => return done,
                changed = shares.changed() => {
                    if changed.is_err() {
                        return work.await;
                    }
                    let share = *shares.borrow_and_update();
                    if last_push.elapsed() >= interval {
                        last_push = Instant::now();
                        self.progress(job, stage, share, eta(share));
                    }
                }
            }
        }
    }

    async fn decode(&self, job: &ClaimedJob, recording: &RecordingToProcess) -> Result<(String, f64), JobFailure> {
        if let (Some(key), Some(duration)) = (&recording.audio_key, recording.duration_secs)
            && self.files.size(key).await.map_err(transient)?.is_some()
        {
            return Ok((key.clone(), duration));
        }
        self.enter(job, Stage::Decoding, None, None).await?;
        let input = self.files.local_path(&recording.file_key).await.map_err(transient)?;
        let key = format!("{}/{}_audio16k", job.owner, job.interview_id);
        let output = self.files.local_path(&key).await.map_err(transient)?;
        let envelope = self.files.local_path(&envelope_key(job)).await.map_err(transient)?;
        let extension = recording
            .filename
            .as_deref()
            .and_then(|name| name.rsplit_once('.'))
            .map(|(_, ext)| ext.to_lowercase());
        let max_secs = self.settings.media.max_duration_secs;
        let started = Instant::now();
        let decoded = tokio::task::spawn_blocking(move || crate::media::decode_to_wav(&input, extension.as_deref(), &output, &envelope, max_secs))
            .await
            .map_err(|e| JobFailure::transient(format!("decoding stopped: {e}")))?;
        let info: AudioInfo = decoded.map_err(|error: MediaError| {
            metrics::counter!("debrief_media_rejections_total").increment(1);
            JobFailure { retryable: error.is_retryable(), message: error.to_string() }
        })?;
        metrics::histogram!("debrief_job_stage_seconds", "stage" => "decoding").record(started.elapsed().as_secs_f64());
        let audio = StoredAudio {
            key: key.clone(),
            rms_dbfs: info.rms_dbfs,
            peak_dbfs: info.peak_dbfs,
            silence_share: info.silence_share,
            source: info.source.clone(),
            envelope_key: (info.channels > 1).then(|| envelope_key(job)),
        };
        self.store.set_audio(&job.owner, &job.interview_id, audio, info.duration_secs).await.map_err(transient)?;
        Ok((key, info.duration_secs))
    }

    async fn transcribe(&self, job: &ClaimedJob, audio_key: &str, duration_secs: f64) -> Result<Transcript, JobFailure> {
        if let Some(transcript) = self.store.transcript(&job.owner, &job.interview_id).await.map_err(transient)? {
            return Ok(transcript);
        }
        let transcriber = self.speech.get().await?;
        self.enter(job, Stage::Transcribing, self.eta(Some(duration_secs), 0.0), None).await?;
        let path = self.files.local_path(audio_key).await.map_err(transient)?;
        let pcm = crate::audio::WavPcm::open(&path)
            .map_err(transient)?
            .ok_or_else(|| JobFailure::transient("the decoded audio is not at 16 kHz"))?;
        let (sender, receiver) = tokio::sync::watch::channel(0.0f64);
        let progress = Box::new(move |share: f64| {
            sender.send(share).ok();
        });
        let started = Instant::now();
        let work = transcriber.transcribe(Box::new(pcm), Options::default(), progress);
        let result = self
            .pushing_progress(job, Stage::Transcribing, work, receiver, |share| {
                // The engine's speed so far makes the ETA.
                let elapsed = started.elapsed().as_secs_f64();
                (share > 0.02 && elapsed > 0.5)
                    .then(|| (duration_secs * (1.0 - share) / (duration_secs * share / elapsed) + 2.0).round())
                    .or_else(|| self.eta(Some(duration_secs), share))
            })
            .await;
        // Every speech failure may pass (an endpoint back, a model loaded): retry.
        let transcript = result.map_err(|error: SttError| JobFailure::transient(error.to_string()))?;
        let elapsed = started.elapsed().as_secs_f64();
        if elapsed > 0.0 && duration_secs > 1.0 {
            self.measured_rtf.store((duration_secs / elapsed).to_bits(), Ordering::Relaxed);
        }
        metrics::histogram!("debrief_job_stage_seconds", "stage" => "transcribing").record(elapsed);
        self.store.save_transcript(&job.owner, &job.interview_id, &transcript).await.map_err(transient)?;
        Ok(transcript)
    }

    /// Tells the speakers apart (once: the result is stored with the
    /// transcript): by channel when each side of the call has its own, else
    /// by diarization, else one voice; then gives each speaker a role.
    async fn speakers(&self, job: &ClaimedJob, audio_key: &str, mut transcript: Transcript) -> Result<Transcript, JobFailure> {
        if transcript.speakers.is_some() {
            return Ok(transcript);
        }
        // About a tenth of real time on two cores (the diarization benchmark).
        let duration = transcript.duration_secs;
        self.enter(job, Stage::Diarizing, Some((duration * DIARIZATION_RTF + 2.0).round()), None).await?;
        let started = Instant::now();
        let envelope_key = envelope_key(job);
        let envelope = match self.files.size(&envelope_key).await.map_err(transient)? {
            Some(_) => Some(self.files.local_path(&envelope_key).await.map_err(transient)?),
            None => None,
        };
        let audio = self.files.local_path(audio_key).await.map_err(transient)?;
        let diarizer = self.diarizer().await?;
        let (sender, receiver) = tokio::sync::watch::channel(0.0f64);
        let work = tokio::task::spawn_blocking(move || {
            let diarizer = diarizer.as_deref().map_err(String::as_str);
            let mut progress = |share: f64| {
                sender.send(share).ok();
            };
            let diarizer = diarizer.map(|d| d as &dyn crate::speakers::Diarize);
            crate::speakers::identify(&mut transcript, envelope.as_deref(), &audio, diarizer, &mut progress);
            transcript
        });
        let done = self
            .pushing_progress(job, Stage::Diarizing, work, receiver, |share| {
                Some((duration * DIARIZATION_RTF * (1.0 - share) + 2.0).round())
            })
            .await;
        let transcript = done.map_err(|e| JobFailure::transient(format!("telling the speakers apart stopped: {e}")))?;
        metrics::histogram!("debrief_job_stage_seconds", "stage" => "diarizing").record(started.elapsed().as_secs_f64());
        self.store.save_transcript(&job.owner, &job.interview_id, &transcript).await.map_err(transient)?;
        Ok(transcript)
    }

    /// The decoded audio's quiet stretches (for pauses the word timings
    /// hide); none, with a warning, when the audio cannot be read.
    async fn silences(&self, audio_key: &str) -> Vec<(f64, f64)> {
        let read = async {
            let path = self.files.local_path(audio_key).await?;
            tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<(f64, f64)>> {
                let Some(mut pcm) = crate::audio::WavPcm::open(&path)? else { return Ok(Vec::new()) };
                crate::silence::silences(&mut pcm, crate::analysis::pace::PAUSE_SECS)
            })
            .await?
        };
        read.await.unwrap_or_else(|error: anyhow::Error| {
            tracing::warn!(error = format!("{error:#}"), "the audio's silences could not be read; pauses come from word timings alone");
            Vec::new()
        })
    }

    async fn analyse(&self, job: &ClaimedJob, recording: &RecordingToProcess, audio_key: &str, transcript: Transcript) -> Result<(), JobFailure> {
        if let Some((_, run)) = self.store.analysis(&job.owner, &job.interview_id).await.map_err(transient)?
            && run >= job.run
        {
            return Ok(());
        }
        self.enter(job, Stage::Analyzing, Some(2.0), None).await?;
        let started = Instant::now();
        let context = crate::analysis::Context {
            interview_type: recording.context.interview_type,
            job_description: recording.context.job_description.clone(),
            silences: self.silences(audio_key).await,
            answer_only: false,
            star_reader: self.local.star_reader().await,
        };
        let transcript = Arc::new(transcript);
        let measured = {
            let transcript = Arc::clone(&transcript);
            tokio::task::spawn_blocking(move || crate::analysis::analyse(&transcript, &context))
                .await
                .map_err(|e| JobFailure::transient(format!("the analysis stopped: {e}")))?
        };
        let mut analysis = measured;
        if let Some(model) = &self.judge {
            match judge::judge(model.as_ref(), &transcript, &analysis, &recording.context).await {
                Ok(judgement) => analysis.judgement = Some(judgement),
                Err(error) => {
                    tracing::warn!(interview = %job.interview_id, error = format!("{error:#}"), "the model's judgement failed");
                    analysis.missing.push(format!(
                        "The model's judgement (relevance of each answer, written feedback) is missing: {}. \
                         The transcript and measured analytics are complete; re-analyse later to add it.",
                        error
                    ));
                }
            }
        }
        metrics::histogram!("debrief_job_stage_seconds", "stage" => "analyzing").record(started.elapsed().as_secs_f64());
        self.store.save_analysis(&job.owner, &job.interview_id, job.run, &analysis).await.map_err(transient)?;
        Ok(())
    }

    async fn notify_completed(&self, job: &ClaimedJob, recording: &RecordingToProcess) -> Result<(), JobFailure> {
        self.enter(job, Stage::Notifying, Some(1.0), None).await?;
        let body = format!(
            "The analysis of {} is ready: transcript, speech metrics, structure, tone and recommendations.",
            describe(recording)
        );
        self.notify(job, "analysis.completed", "Your interview analysis is ready", &body).await.map_err(transient)
    }

    /// The run's one notification (`<interview>_<run>`: a re-run never adds a second).
    async fn notify(&self, job: &ClaimedJob, kind: &str, title: &str, body: &str) -> anyhow::Result<()> {
        let id = format!("{}_{}", job.interview_id, job.run);
        let notification = NewNotification { id: &id, kind, title, body, interview_id: Some(&job.interview_id) };
        self.notifier.notify(&job.owner, notification).await
    }
}

/// The interview as named in a notification (its context, never its content).
fn describe(recording: &RecordingToProcess) -> String {
    match (&recording.context.job_title, &recording.context.company) {
        (Some(title), Some(company)) => format!("your {title} interview at {company}"),
        (Some(title), None) => format!("your {title} interview"),
        (None, Some(company)) => format!("your interview at {company}"),
        (None, None) => String::from("your recording"),
    }
}

/// Seconds of diarization per second of audio assumed for the ETA (measured
/// 0.08–0.10 on two cores by `cargo bench --bench diarization`).
const DIARIZATION_RTF: f64 = 0.1;

/// Where a recording's per-channel loudness envelope is kept (several channels or tracks only).
fn envelope_key(job: &ClaimedJob) -> String {
    format!("{}/{}_channels", job.owner, job.interview_id)
}

fn transient(error: anyhow::Error) -> JobFailure {
    tracing::warn!(error = format!("{error:#}"), "a job stage failed");
    JobFailure::transient("a temporary problem on the server interrupted processing")
}

#[async_trait]
impl JobRunner for Pipeline {
    async fn run(&self, job: ClaimedJob) -> Result<(), JobFailure> {
        let Some(recording) = self.store.recording_to_process(&job.owner, &job.interview_id).await.map_err(transient)? else {
            // Deleted meanwhile: nothing to do.
            return Ok(());
        };
        let (audio_key, duration_secs) = self.decode(&job, &recording).await?;
        let transcript = self.transcribe(&job, &audio_key, duration_secs).await?;
        if transcript.words().next().is_none() && transcript.text().trim().is_empty() {
            return Err(JobFailure::permanent(
                "no speech was found in the recording; check that it is the interview and that the microphone was on",
            ));
        }
        let transcript = self.speakers(&job, &audio_key, transcript).await?;
        self.analyse(&job, &recording, &audio_key, transcript).await?;
        self.notify_completed(&job, &recording).await?;
        self.enter(&job, Stage::Completed, None, None).await
    }

    async fn failed(&self, job: &ClaimedJob, failure: &JobFailure) {
        let result = async {
            self.enter(job, Stage::Failed, None, Some(&failure.message)).await.map_err(|f| anyhow::anyhow!(f.message))?;
            let name = match self.store.recording_to_process(&job.owner, &job.interview_id).await? {
                Some(recording) => describe(&recording),
                None => return Ok(()),
            };
            let body = format!("Debrief could not analyse {name}: {}", failure.message);
            self.notify(job, "analysis.failed", "Your interview could not be analysed", &body).await
        }
        .await;
        if let Err(error) = result {
            tracing::warn!(job = %job.id, error = format!("{error:#}"), "recording a failed job failed");
        }
    }

    async fn retrying(&self, job: &ClaimedJob, failure: &JobFailure, delay: Duration) {
        let note = format!("{} — trying again in {} s", failure.message, delay.as_secs());
        if let Err(f) = self.enter(job, Stage::Queued, None, Some(&note)).await {
            tracing::warn!(job = %job.id, error = %f.message, "recording a retry failed");
        }
    }
}

/// The `interview.status` push of a job at `stage`.
fn status_push(job: &ClaimedJob, stage: Stage, progress: f64, eta_secs: Option<f64>, error: Option<&str>) -> InterviewStatusPush {
    InterviewStatusPush {
        interview_id: job.interview_id.clone(),
        status: stage.status(),
        stage,
        progress,
        eta_secs,
        error: error.map(str::to_owned),
    }
}
