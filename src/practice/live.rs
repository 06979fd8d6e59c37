//! The actor of one spoken answer streamed over a socket as it is recorded.
//!
//! The socket's binary frames go down a [`byte_pipe`](crate::byte_pipe) to a
//! decoder thread (the recordings' media code, reading the container front to
//! back as it arrives), which appends 16 kHz samples to the stream's buffer.
//! Every `practice.live_partial_ms` the actor transcribes what was said since
//! the last committed point (at most `practice.live_window_secs` of audio,
//! so each partial costs the same however long the answer) and pushes the
//! whole transcript so far as `practice.transcript.partial`; when the open
//! stretch is full, all but its last segment is committed (all of it when
//! it is one segment half a window too long). At
//! `practice.audio.end` the whole answer goes to [`Spoken::finish`], exactly
//! as a posted recording does. The bytes are also kept as received (at most
//! `practice.max_answer_bytes`): a container that cannot be read front to
//! back (an MP4 whose index comes last) gets no partials and is decoded
//! whole at the end. A stream whose socket closes first, that falls silent
//! for `practice.live_idle_secs`, or that outgrows its limits ends with
//! `practice.audio.error` and nothing stored.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix::prelude::*;
use actix_web::web::Bytes;
use ::actors::ports::{AudioStream, SpokenAnswers};
use protocol::error::ErrorDetail;
use protocol::spoken::AudioFormat;
use protocol::transcript::Segment;
use protocol::ws::ServerFrame;
use symphonia::core::io::ReadOnlySource;

use super::spoken::{Decoded, Spoken, SpokenError, Target, check_speech, decode_bytes};
use crate::audio::SPEECH_RATE;
use crate::byte_pipe;
use crate::media::{self, AudioInfo, MediaError};

/// New audio (seconds) worth a new partial.
const MIN_NEW_AUDIO_SECS: f64 = 0.5;
/// An open stretch this many windows long is committed even as one segment.
const COMMIT_WHOLE: f64 = 1.5;

/// The next piece of the recording.
#[derive(Message)]
#[rtype(result = "()")]
struct Chunk(Bytes);

/// The recording is complete.
#[derive(Message)]
#[rtype(result = "()")]
struct End;

/// The socket is gone before the end.
#[derive(Message)]
#[rtype(result = "()")]
struct Abandon;

/// One spoken answer being streamed.
pub struct LiveAnswer {
    spoken: Spoken,
    target: Target,
    stream_id: String,
    /// Feeds the decoder; `None` once the recording ended or failed.
    pipe: Option<byte_pipe::Writer>,
    /// The decoder thread's result, taken at the end (or earlier, when it stops early).
    decoded: Option<tokio::sync::oneshot::Receiver<Result<AudioInfo, MediaError>>>,
    /// What the decoder said when it stopped before the end.
    stopped_early: Option<Result<AudioInfo, MediaError>>,
    format: AudioFormat,
    /// The recording's bytes as received: when the container cannot be read
    /// front to back (an MP4 whose index comes last), it is decoded whole at
    /// the end, as a posted recording is.
    recording: Vec<u8>,
    /// 16 kHz samples decoded so far.
    pcm: Arc<Mutex<Vec<f32>>>,
    last_chunk: Instant,
    /// Text of the committed stretches, and the sample where the open one starts.
    committed_text: String,
    committed_at: usize,
    /// Samples heard when the last partial was asked for.
    partial_at: usize,
    last_partial: String,
    transcribing: bool,
    /// Ended (handed to `finish`) or failed: nothing more to do.
    over: bool,
}

impl LiveAnswer {
    fn settings(&self) -> &crate::config::PracticeSettings {
        &self.spoken.settings.practice
    }

    /// Tells the user's sockets the answer failed (nothing stored) and stops.
    fn fail(&mut self, error: &SpokenError, ctx: &mut Context<Self>) {
        if self.over {
            return;
        }
        self.over = true;
        self.pipe = None;
        metrics::counter!("debrief_spoken_answers_total", "outcome" => error.code()).increment(1);
        self.spoken.push(&self.target.owner, ServerFrame::PracticeAudioError {
            stream_id: Some(self.stream_id.clone()),
            answer_id: None,
            session_id: self.target.session_id.clone(),
            question_id: self.target.question_id.clone(),
            error: error.detail(),
        });
        ctx.stop();
    }

    /// Asks for a partial transcript when there is new audio and none is running.
    fn tick(&mut self, ctx: &mut Context<Self>) {
        if self.over {
            return;
        }
        if self.last_chunk.elapsed() > Duration::from_secs(self.settings().live_idle_secs) {
            let error = SpokenError::NotSaved(format!("no audio arrived for {} s; the answer was not saved, record it again", self.settings().live_idle_secs));
            return self.fail(&error, ctx);
        }
        if self.stopped_early.is_none()
            && let Some(result) = self.decoded.as_mut().and_then(|rx| rx.try_recv().ok())
        {
            self.decoded = None;
            if let Err(MediaError::TooLong { limit_secs }) = result {
                return self.fail(&SpokenError::TooLong(limit_secs), ctx);
            }
            // Any other early stop: partials end here, and the end decodes the whole recording.
            self.stopped_early = Some(result);
        }
        let heard = self.pcm.lock().unwrap_or_else(PoisonError::into_inner).len();
        if self.transcribing || (heard - self.partial_at) as f64 / f64::from(SPEECH_RATE) < MIN_NEW_AUDIO_SECS {
            return;
        }
        // The audio is read when the engine takes the partial up (it may wait
        // for another stream's turn), so it holds every word said until then.
        let window = Box::new(LatestAudio { pcm: Arc::clone(&self.pcm), from: self.committed_at, taken: None });
        self.partial_at = heard;
        self.transcribing = true;
        let spoken = self.spoken.clone();
        let live_window = self.settings().live_window_secs as f64;
        // Short context: the encoder reads only the audio there is.
        // Greedy: the partials must keep up with the speaker.
        let options = crate::stt::Options { short_context: true, beam_size: 1, ..crate::stt::Options::default() };
        let work = async move { spoken.transcribe(window, options).await };
        ctx.spawn(work.into_actor(self).map(move |result, act, ctx| {
            act.transcribing = false;
            if act.over {
                return;
            }
            let transcript = match result {
                Ok(transcript) => transcript,
                Err(error) => return act.fail(&error, ctx),
            };
            let window_secs = transcript.duration_secs.max(transcript.segments.last().map_or(0.0, |s| s.end));
            act.partial_at = act.partial_at.max(act.committed_at + (window_secs * f64::from(SPEECH_RATE)) as usize);
            let texts: Vec<&str> = transcript.segments.iter().map(|s| s.text.trim()).filter(|t| !t.is_empty()).collect();
            let open = texts.join(" ");
            let text = join(&act.committed_text, &open);
            if window_secs >= live_window {
                act.commit(&transcript.segments, window_secs >= COMMIT_WHOLE * live_window);
            }
            metrics::counter!("debrief_spoken_partials_total").increment(1);
            if text != act.last_partial {
                act.last_partial.clone_from(&text);
                act.spoken.push(&act.target.owner, ServerFrame::PracticeTranscriptPartial { stream_id: act.stream_id.clone(), text });
            }
        }));
    }
}

impl LiveAnswer {
    /// Commits a full stretch's segments but the last (it may be cut
    /// mid-word): the next partials start after them. With `whole`, a
    /// stretch that is one long segment is committed to its end, so the open
    /// stretch never outgrows the window for long.
    fn commit(&mut self, segments: &[Segment], whole: bool) {
        let keep = match segments.len() {
            0 => 0,
            1 if whole => 1,
            n => n - 1,
        };
        if keep == 0 {
            return;
        }
        let until = if keep == segments.len() { segments[keep - 1].end } else { segments[keep].start };
        let kept: Vec<&str> = segments[..keep].iter().map(|s| s.text.trim()).collect();
        self.committed_text = join(&self.committed_text, &kept.join(" "));
        self.committed_at += (until * f64::from(SPEECH_RATE)) as usize;
    }
}

/// A stream's audio from `from` on, as much as there is when the engine first
/// asks how long it is (then fixed for the rest of the transcription).
struct LatestAudio {
    pcm: Arc<Mutex<Vec<f32>>>,
    from: usize,
    taken: Option<Vec<f32>>,
}

impl LatestAudio {
    fn taken(&mut self) -> &[f32] {
        let (pcm, from) = (&self.pcm, self.from);
        self.taken.get_or_insert_with(|| {
            let all = pcm.lock().unwrap_or_else(PoisonError::into_inner);
            all[from.min(all.len())..].to_vec()
        })
    }
}

impl crate::stt::Pcm for LatestAudio {
    fn samples(&self) -> usize {
        match &self.taken {
            Some(taken) => taken.len(),
            // Not taken yet: what there is now (the engine takes it with its first read).
            None => self.pcm.lock().unwrap_or_else(PoisonError::into_inner).len().saturating_sub(self.from),
        }
    }

    fn read(&mut self, start: usize, len: usize) -> anyhow::Result<Vec<f32>> {
        self.taken().read(start, len)
    }
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_owned(),
        (_, true) => a.to_owned(),
        _ => format!("{a} {b}"),
    }
}

impl Actor for LiveAnswer {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        metrics::gauge!("debrief_spoken_streams_open").increment(1.0);
        let every = Duration::from_millis(self.settings().live_partial_ms.max(100));
        ctx.run_interval(every, |act, ctx| act.tick(ctx));
    }

    fn stopped(&mut self, _: &mut Context<Self>) {
        metrics::gauge!("debrief_spoken_streams_open").decrement(1.0);
    }
}

impl Handler<Chunk> for LiveAnswer {
    type Result = ();

    fn handle(&mut self, Chunk(bytes): Chunk, ctx: &mut Context<Self>) {
        if self.over {
            return;
        }
        self.last_chunk = Instant::now();
        let limit = self.settings().max_answer_bytes;
        if self.recording.len() + bytes.len() > limit {
            return self.fail(&SpokenError::TooLarge(limit), ctx);
        }
        self.recording.extend_from_slice(&bytes);
        if self.pipe.as_ref().is_some_and(|pipe| !pipe.push(&bytes)) {
            // The decoder stopped early; the recording is still kept whole.
            self.pipe = None;
        }
    }
}

impl LiveAnswer {
    /// Closes the pipe, waits for the decoder, and hands the answer over.
    fn end(&mut self, ctx: &mut Context<Self>) {
        if self.over {
            return;
        }
        self.over = true;
        self.pipe = None;
        let receiver = self.decoded.take();
        let stopped_early = self.stopped_early.take();
        let pcm = Arc::clone(&self.pcm);
        let spoken = self.spoken.clone();
        let target = self.target.clone();
        let stream_id = self.stream_id.clone();
        let recording = std::mem::take(&mut self.recording);
        let (format, max_secs) = (self.format, self.settings().max_answer_secs);
        let work = async move {
            let live = match (stopped_early, receiver) {
                (Some(result), _) => result,
                (None, Some(receiver)) => receiver.await.unwrap_or(Err(MediaError::Unreadable(String::from("the decoder stopped")))),
                (None, None) => Err(MediaError::Unreadable(String::from("the decoder stopped"))),
            };
            let decoded = match live {
                Ok(info) => Decoded { pcm: std::mem::take(&mut *pcm.lock().unwrap_or_else(PoisonError::into_inner)), info },
                Err(MediaError::TooLong { limit_secs }) => return Err(SpokenError::TooLong(limit_secs)),
                Err(_) => {
                    let whole = tokio::task::spawn_blocking(move || decode_bytes(recording, format, max_secs)).await;
                    whole.map_err(|e| SpokenError::Undecodable(e.to_string()))??
                }
            };
            check_speech(&decoded)?;
            let answer_id = uuid::Uuid::new_v4().simple().to_string();
            spoken.finish(target, answer_id, Some(stream_id), decoded).await;
            Ok(())
        };
        ctx.spawn(work.into_actor(self).map(|result, act, ctx| {
            if let Err(error) = result {
                act.over = false;
                act.fail(&error, ctx);
            }
            ctx.stop();
        }));
    }
}

impl Handler<End> for LiveAnswer {
    type Result = ();

    fn handle(&mut self, _: End, ctx: &mut Context<Self>) {
        self.end(ctx);
    }
}

impl Handler<Abandon> for LiveAnswer {
    type Result = ();

    fn handle(&mut self, _: Abandon, ctx: &mut Context<Self>) {
        let error = SpokenError::NotSaved(String::from("the connection closed while the answer was being recorded; it was not saved, record it again"));
        self.fail(&error, ctx);
    }
}

/// The socket's handle on its stream.
struct Handle {
    id: String,
    addr: Addr<LiveAnswer>,
    ended: bool,
}

impl AudioStream for Handle {
    fn id(&self) -> &str {
        &self.id
    }

    fn push(&self, bytes: Bytes) {
        self.addr.do_send(Chunk(bytes));
    }

    fn end(mut self: Box<Self>) {
        self.ended = true;
        self.addr.do_send(End);
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        if !self.ended {
            self.addr.do_send(Abandon);
        }
    }
}

/// Starts the decoder thread of a stream: it reads the pipe until it closes.
fn start_decoder(
    format: AudioFormat,
    max_secs: u64,
    pcm: Arc<Mutex<Vec<f32>>>,
) -> std::io::Result<(byte_pipe::Writer, tokio::sync::oneshot::Receiver<Result<AudioInfo, MediaError>>)> {
    let (writer, reader) = byte_pipe::pipe();
    let (done, result) = tokio::sync::oneshot::channel();
    std::thread::Builder::new().name(String::from("debrief-live-decode")).spawn(move || {
        let source = Box::new(ReadOnlySource::new(reader));
        let decoded = media::decode(source, Some(format.extension()), None, max_secs, &mut |samples| {
            pcm.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(samples);
            Ok(())
        });
        done.send(decoded).ok();
    })?;
    Ok((writer, result))
}

#[async_trait::async_trait]
impl SpokenAnswers for Spoken {
    async fn open(&self, user_id: &str, session_id: &str, question_id: &str, format: AudioFormat) -> Result<Box<dyn AudioStream>, ErrorDetail> {
        let target = self.target(user_id, session_id, question_id).await.map_err(|e| e.detail())?;
        let pcm = Arc::new(Mutex::new(Vec::new()));
        let (pipe, decoded) = start_decoder(format, self.settings.practice.max_answer_secs, Arc::clone(&pcm))
            .map_err(|e| SpokenError::EngineUnavailable(e.to_string()).detail())?;
        let stream_id = uuid::Uuid::new_v4().simple().to_string();
        let actor = LiveAnswer {
            spoken: self.clone(),
            target,
            stream_id: stream_id.clone(),
            pipe: Some(pipe),
            decoded: Some(decoded),
            stopped_early: None,
            format,
            recording: Vec::new(),
            pcm,
            last_chunk: Instant::now(),
            committed_text: String::new(),
            committed_at: 0,
            partial_at: 0,
            last_partial: String::new(),
            transcribing: false,
            over: false,
        };
        Ok(Box::new(Handle { id: stream_id, addr: actor.start(), ended: false }))
    }
}
