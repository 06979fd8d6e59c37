// Spoken practice answers: a practice question answered out loud, and how it
// was said. `spokenAnswers(...).recorder(questionId)` is one question's
// recorder: the "Answer out loud" button, then while recording a level meter,
// the time against the length aimed at for the question's category, Stop and
// Redo, and the words heard so far (the delivery it gets is shown by
// delivery.js).
//
// The recording goes to Debrief as it is made, on a WebSocket of its own
// (practice.audio.start → practice.audio.ready, binary frames of at most
// 64 KiB, practice.audio.end), and practice.transcript.partial frames come
// back with the whole transcript so far. When that socket cannot be opened or
// drops before the end, the recording is kept whole and POSTed over HTTP when
// stopped. The transcript and its delivery arrive as practice.answer.transcribed
// (on either socket; while waiting, the stored session is also read now and
// then, in case no frame comes), which `onTranscribed` gets once per answer;
// practice.audio.error is shown beside the button (the previous answer stays).
// All text is set with textContent.
import { ApiError, api, session } from "./api.js";
import { clock } from "./delivery.js";
import { describeError, element, setText } from "./dom.js";

/** MediaRecorder types, best first, and the format the server is told. */
const FORMATS = [["audio/webm;codecs=opus", "webm"], ["audio/ogg;codecs=opus", "ogg"], ["audio/mp4", "mp4"]];
/** A piece of the recording every this many ms; each goes out as it comes. */
const SLICE_MS = 300;
/** The largest binary frame the server takes (ws.max_frame_bytes). */
const MAX_FRAME_BYTES = 64 * 1024;
/** Recording stops itself here, under the server's limit (practice.max_answer_secs). */
const MAX_SECS = 595;
/** Without practice.audio.ready in this long, the answer goes over HTTP when stopped. */
const LINK_TIMEOUT_MS = 10_000;
/** While an answer is transcribed, the stored session is read this often... */
const POLL_MS = 5_000;
/** ...until the transcript comes, or this long has passed. */
const GIVE_UP_MS = 10 * 60_000;
const UNCHANGED = "Your answer was not changed.";

/** The length (seconds, [shortest, longest]) aimed at for a question's category, as the server's `target_secs`. */
export function targetSecs(category) {
  if (category === "behavioral" || category === "situational") return [60, 120];
  if (category === "technical" || category === "role_specific") return [60, 180];
  return [30, 90];
}



function button(text, className, testid) {
  const node = element("button", className, text);
  node.type = "button";
  node.dataset.testid = testid;
  return node;
}

/** Why this browser cannot record here, or null. */
function cannotRecord() {
  if (!navigator.mediaDevices?.getUserMedia) {
    return window.isSecureContext === false
      ? "Recording needs a secure (https) connection to Debrief. Type your answer instead."
      : "This browser cannot use a microphone. Type your answer instead.";
  }
  if (typeof MediaRecorder !== "function") return "This browser cannot record audio. Type your answer instead.";
  if (!pickFormat()) return "This browser cannot record in a format Debrief takes (WebM, Ogg or MP4). Type your answer instead.";
  return null;
}

function pickFormat() {
  return FORMATS.find(([mime]) => MediaRecorder.isTypeSupported?.(mime)) ?? null;
}

/** A sentence for a getUserMedia failure. */
function micProblem(error) {
  switch (error?.name) {
    case "NotAllowedError":
    case "SecurityError":
      return "Debrief may not use your microphone. Allow it for this site in the browser (the icon by the address bar), then try again — or type your answer instead.";
    case "NotFoundError":
    case "OverconstrainedError":
      return "No microphone was found. Connect one and try again, or type your answer instead.";
    case "NotReadableError":
    case "AbortError":
      return "The microphone could not be started: another app may be using it. Close that app and try again, or type your answer instead.";
    default:
      return `The microphone could not be started${error?.message ? ` (${error.message})` : ""}. Type your answer instead.`;
  }
}

/** POSTs a whole recording; resolves with the 202 body, throws ApiError otherwise. */
async function postRecording(path, take) {
  const headers = { Accept: "application/json", "Content-Type": `audio/${take.format}` };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  let response;
  try {
    response = await fetch(path, { method: "POST", headers, body: new Blob(take.chunks, { type: take.mime }) });
  } catch {
    throw new ApiError(0, "network", "Cannot reach the server. Check your connection and try again.");
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = data?.error ?? {};
    throw new ApiError(response.status, error.code ?? "unknown", error.message ?? `Request failed (${response.status})`, error.details);
  }
  return data;
}

/**
 * Spoken answers to the questions of practice session `sessionId` (its REST
 * path is `base`). `call` is the page's api(), `goHome` signs out,
 * `answerIdOf(questionId)` is the stored answer's `answer_id` (or null), and
 * `onTranscribed(frame)` stores a practice.answer.transcribed (each answer
 * once). `onFrame` takes the frames of the page's own socket.
 */
export function spokenAnswers({ base, sessionId, call, goHome, answerIdOf, onTranscribed }) {
  /** question id → its recorder's insides */
  const recorders = new Map();
  /** Stream ids given up here (Redo, a dropped socket): their errors are not news. */
  const abandoned = new Set();
  /** Answer ids already handed to onTranscribed. */
  const seen = new Set();
  /** The recorder that has the microphone: one at a time. */
  let capturing = null;

  function onFrame(frame) {
    if (!frame || (frame.session_id && frame.session_id !== sessionId)) return;
    if (frame.type === "practice.transcript.partial") {
      for (const r of recorders.values()) r.partial(frame);
    } else if (frame.type === "practice.audio.error") {
      if (frame.stream_id && abandoned.has(frame.stream_id)) return;
      recorders.get(frame.question_id)?.failed(frame);
    } else if (frame.type === "practice.answer.transcribed" && frame.session_id === sessionId) {
      if (seen.has(frame.answer_id)) return;
      seen.add(frame.answer_id);
      onTranscribed(frame);
      recorders.get(frame.question_id)?.transcribed();
    }
  }

  addEventListener("beforeunload", (event) => {
    if ([...recorders.values()].some((r) => r.busy())) event.preventDefault();
  });

  function recorder(questionId) {
    let target = targetSecs(null);
    let closed = false;
    /** The recording in progress or being sent; null when idle. */
    let take = null;

    const start = button("Answer out loud", "secondary record", "record");
    const panel = element("div", "spoken");
    panel.dataset.testid = "spoken";
    const row = element("div", "spoken-recording");
    const dot = element("span", "spoken-dot", "Recording");
    const meter = element("div", "level");
    meter.setAttribute("role", "meter");
    meter.setAttribute("aria-label", "Microphone level");
    meter.setAttribute("aria-valuemin", "0");
    meter.setAttribute("aria-valuemax", "100");
    meter.setAttribute("aria-valuenow", "0");
    meter.dataset.testid = "level";
    const bar = element("span", "level-bar");
    meter.append(bar);
    const timer = element("span", "spoken-timer");
    timer.dataset.testid = "spoken-timer";
    const stop = button("Stop", "stop", "stop");
    const redo = button("Redo", "secondary", "redo");
    row.append(dot, meter, timer, stop, redo);
    const heard = element("p", "spoken-live");
    heard.dataset.testid = "live-transcript";
    heard.setAttribute("aria-live", "polite");
    const status = element("p", "spoken-status muted");
    status.setAttribute("role", "status");
    status.dataset.testid = "spoken-status";
    const error = element("p", "error spoken-error");
    error.setAttribute("role", "alert");
    error.dataset.testid = "spoken-error";
    panel.append(row, heard, status, error);

    function render() {
      const phase = take?.phase ?? "idle";
      panel.dataset.state = phase;
      row.hidden = phase !== "recording";
      start.hidden = closed || phase === "starting" || phase === "recording";
      const other = capturing !== null && capturing !== inner;
      start.disabled = phase === "idle" && other;
      start.title = start.disabled ? "Stop the other recording first." : "";
      // While it is transcribed the button stays focusable (focus lands on it after Stop).
      if (phase === "sending") start.setAttribute("aria-disabled", "true");
      else start.removeAttribute("aria-disabled");
      setText(start, phase === "sending" ? "Transcribing…" : "Answer out loud");
      heard.hidden = !heard.textContent;
      error.hidden = !error.textContent;
      status.hidden = !status.textContent;
    }

    function renderAll() {
      for (const r of recorders.values()) r.render();
    }

    function say(text) {
      setText(status, text ?? "");
      render();
    }

    function showError(message) {
      setText(error, message ?? "");
      render();
    }

    /** The words heard so far; an extension is appended, so a screen reader reads only what is new. */
    function showHeard(text) {
      const old = heard.textContent;
      if (text === old) return;
      if (old && text.startsWith(old)) heard.append(text.slice(old.length));
      else heard.textContent = text;
      render();
    }

    function setPhase(current, phase) {
      current.phase = phase;
      renderAll();
    }

    // ------------------------------------------------------------ recording

    async function begin() {
      if (take || closed || capturing) return;
      showError(null);
      showHeard("");
      const problem = cannotRecord();
      if (problem) {
        say("");
        showError(problem);
        return;
      }
      const [mime, format] = pickFormat();
      const current = { phase: "starting", mime, format, chunks: [], previousAnswerId: answerIdOf(questionId), link: null, timers: [] };
      take = current;
      capturing = inner;
      say("Waiting for the microphone…");
      renderAll();
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
      } catch (failure) {
        if (current.over) return;
        finish(current);
        say("");
        showError(micProblem(failure));
        start.focus();
        return;
      }
      current.stream = stream;
      if (current.over) {
        release(current);
        return;
      }
      try {
        current.recorder = new MediaRecorder(stream, { mimeType: mime });
        current.recorder.start(SLICE_MS);
      } catch (failure) {
        fail(current, `Recording could not start (${failure.message}). Type your answer instead.`);
        return;
      }
      current.recorder.ondataavailable = (event) => {
        if (current.over || !event.data?.size) return;
        current.chunks.push(event.data);
        pump(current);
      };
      current.recorder.onstop = () => {
        release(current);
        current.recorded = true;
        if (!current.over) deliver(current);
      };
      current.recorder.onerror = (event) => {
        fail(current, `Recording stopped: ${event.error?.message ?? "the recorder failed"}. Try again, or type your answer instead.`);
      };
      current.startedAt = performance.now();
      startMeter(current);
      tick(current);
      current.timers.push(setInterval(() => tick(current), 250));
      openLink(current);
      setPhase(current, "recording");
      say("Recording: answer the question, then press Stop.");
      stop.focus();
    }

    /** The timer: time so far against the length aimed at; stops the recording at the limit. */
    function tick(current) {
      if (current.phase !== "recording" && current.phase !== "starting") return;
      const secs = (performance.now() - current.startedAt) / 1000;
      const [shortest, longest] = target;
      setText(timer, `${clock(secs)} / ${clock(shortest)}–${clock(longest)}`);
      timer.dataset.phase = secs < shortest ? "short" : secs > longest ? "long" : "within";
      if (secs >= MAX_SECS) {
        end();
        say(`Stopped at the ${Math.round(MAX_SECS / 60)}-minute limit. Sending your answer…`);
      }
    }

    /** The level meter: a bar as wide as the microphone's loudness (RMS, -60 to 0 dBFS). */
    function startMeter(current) {
      const Context = window.AudioContext ?? window.webkitAudioContext;
      if (!Context) return;
      try {
        const audio = new Context();
        const analyser = audio.createAnalyser();
        analyser.fftSize = 1024;
        audio.createMediaStreamSource(current.stream).connect(analyser);
        audio.resume?.().catch(() => {});
        current.audio = audio;
        const samples = new Float32Array(analyser.fftSize);
        let said = -1;
        const draw = () => {
          if (current.audio !== audio) return;
          analyser.getFloatTimeDomainData(samples);
          let sum = 0;
          for (const sample of samples) sum += sample * sample;
          const rms = Math.sqrt(sum / samples.length);
          const level = rms > 0 ? Math.max(0, Math.min(100, Math.round(((20 * Math.log10(rms) + 60) / 60) * 100))) : 0;
          bar.style.width = `${level}%`;
          const step = Math.round(level / 10) * 10;
          if (step !== said) {
            said = step;
            meter.setAttribute("aria-valuenow", String(step));
          }
          current.frame = requestAnimationFrame(draw);
        };
        draw();
      } catch {
        meter.hidden = true; // no meter is better than no recording
      }
    }

    /** Lets go of the microphone and the meter (the recording is kept). */
    function release(current) {
      for (const timer of current.timers) clearInterval(timer);
      current.timers = [];
      cancelAnimationFrame(current.frame);
      current.audio?.close().catch(() => {});
      current.audio = null;
      bar.style.width = "0%";
      meter.setAttribute("aria-valuenow", "0");
      for (const track of current.stream?.getTracks() ?? []) track.stop();
      if (capturing === inner && take === current) capturing = null;
      renderAll();
    }

    /** Stop: the recording is complete; onstop sends it. */
    function end() {
      const current = take;
      if (!current || current.phase !== "recording") return;
      setPhase(current, "sending");
      say("Sending your answer…");
      start.focus();
      if (current.recorder.state !== "inactive") current.recorder.stop();
    }

    /** This take is over (sent and answered, failed or discarded): nothing of it runs on. */
    function finish(current) {
      if (current.over) return;
      const hadFocus = row.contains(document.activeElement);
      current.over = true;
      clearTimeout(current.giveUp);
      clearInterval(current.poll);
      if (current.recorder && current.recorder.state !== "inactive") current.recorder.stop();
      release(current);
      closeLink(current);
      if (capturing === inner && take === current) capturing = null;
      if (take === current) take = null;
      renderAll();
      if (hadFocus) start.focus();
    }

    function fail(current, message) {
      if (current.over) return;
      finish(current);
      showHeard("");
      say("");
      showError(message);
    }

    /** Drops the recording (Redo, or the question is gone): nothing is stored. */
    function discard() {
      if (take) finish(take);
      showHeard("");
      say("");
    }

    // ------------------------------------------------------------ sending

    /** Its own socket for the live stream; the recording waits for practice.audio.ready. */
    function openLink(current) {
      if (typeof WebSocket !== "function") return;
      const link = { socket: null, streamId: null, ready: false, dead: false, ended: false, sent: 0, sending: Promise.resolve() };
      current.link = link;
      link.timer = setTimeout(() => linkDown(current, link), LINK_TIMEOUT_MS);
      api("POST", "/api/v1/ws-ticket").then(({ ticket }) => {
        if (link.dead) return;
        const scheme = location.protocol === "https:" ? "wss" : "ws";
        const socket = new WebSocket(`${scheme}://${location.host}/ws?ticket=${encodeURIComponent(ticket)}`);
        socket.binaryType = "arraybuffer";
        link.socket = socket;
        socket.onopen = () => {
          socket.send(JSON.stringify({ type: "practice.audio.start", session_id: sessionId, question_id: questionId, format: current.format }));
        };
        socket.onmessage = (message) => {
          let frame;
          try { frame = JSON.parse(message.data); } catch { return; }
          onLinkFrame(current, link, frame);
        };
        socket.onclose = () => linkDown(current, link);
      }, () => linkDown(current, link));
    }

    function onLinkFrame(current, link, frame) {
      if (link.dead) return;
      if (frame?.type === "practice.audio.ready" && !link.streamId) {
        clearTimeout(link.timer);
        link.streamId = frame.stream_id;
        link.ready = true;
        pump(current);
        if (current.recorded) deliver(current);
      } else if (frame?.type === "error" && !link.ready) {
        // The question cannot take an answer now (gone, session completed…): HTTP would say the same.
        fail(current, `Could not record an answer: ${describeError(frame.error)}`);
      } else {
        onFrame(frame);
      }
    }

    /** The socket is gone (or never came): the recording is sent whole when stopped. */
    function linkDown(current, link) {
      if (!drop(link) || current.over || link.ended) return;
      if (current.recorded) deliver(current);
      else say("Recording. There is no live transcript (no connection): your answer is sent when you press Stop.");
    }

    function closeLink(current) {
      if (current.link) drop(current.link);
    }

    /** Closes a link (false if it was closed); a stream it had not ended is abandoned: its error is not news. */
    function drop(link) {
      if (link.dead) return false;
      link.dead = true;
      clearTimeout(link.timer);
      if (link.streamId && !link.ended) abandoned.add(link.streamId);
      link.socket?.close();
      return true;
    }

    /** Sends the pieces not sent yet, in order, in frames of at most 64 KiB. */
    function pump(current) {
      const link = current.link;
      if (!link) return Promise.resolve();
      link.sending = link.sending.then(async () => {
        while (link.ready && !link.dead && link.sent < current.chunks.length) {
          const bytes = await current.chunks[link.sent].arrayBuffer();
          link.sent += 1;
          for (let at = 0; at < bytes.byteLength && !link.dead; at += MAX_FRAME_BYTES) {
            link.socket.send(bytes.slice(at, at + MAX_FRAME_BYTES));
          }
        }
      }).catch(() => linkDown(current, link));
      return link.sending;
    }

    /** The recording is complete: end the live stream, or POST it whole. */
    function deliver(current) {
      if (current.over || current.delivered) return;
      const link = current.link;
      if (link && !link.dead && !link.ready) return; // practice.audio.ready or the link's failure calls again
      if (link && !link.dead) {
        current.delivered = true;
        pump(current).then(() => {
          if (current.over) return;
          if (link.dead) {
            current.delivered = false;
            deliver(current);
            return;
          }
          link.socket.send(JSON.stringify({ type: "practice.audio.end", stream_id: link.streamId }));
          link.ended = true;
          awaitTranscript(current);
        });
        return;
      }
      current.delivered = true;
      upload(current);
    }

    async function upload(current) {
      closeLink(current);
      say("Sending your answer…");
      try {
        const accepted = await postRecording(`${base}/questions/${encodeURIComponent(questionId)}/audio`, current);
        if (current.over) return;
        current.answerId = accepted?.answer_id ?? null;
        awaitTranscript(current);
      } catch (failure) {
        if (current.over) return;
        if (failure.status === 401) {
          session.token = null;
          goHome();
          return;
        }
        fail(current, `${describeError(failure)} ${UNCHANGED}`);
      }
    }

    /** Sent: the transcript comes as a frame; the stored session is read too, in case none does. */
    function awaitTranscript(current) {
      say("Transcribing your answer…");
      const check = async () => {
        try {
          const fresh = await call("GET", base);
          const answer = fresh?.answers?.find((a) => a.question_id === questionId);
          const id = answer?.answer_id;
          if (current.over || !id || id === current.previousAnswerId || (current.answerId && id !== current.answerId)) return;
          onFrame({ type: "practice.answer.transcribed", session_id: sessionId, question_id: questionId, answer_id: id, text: answer.text, delivery: answer.delivery });
        } catch { /* the frame, or the next read, tells */ }
      };
      current.poll = setInterval(check, POLL_MS);
      current.giveUp = setTimeout(() => {
        fail(current, "No transcript came back. Reload the page in a while to see whether the answer was stored.");
      }, GIVE_UP_MS);
    }

    // ------------------------------------------------------------ frames

    const inner = {
      render,
      busy: () => Boolean(take),
      partial(frame) {
        if (take && !take.over && take.link?.streamId === frame.stream_id && typeof frame.text === "string") showHeard(frame.text);
      },
      failed(frame) {
        const current = take;
        if (!current) return;
        const ours = (frame.stream_id && frame.stream_id === current.link?.streamId) || (frame.answer_id && frame.answer_id === current.answerId);
        if (!ours) return;
        fail(current, `${describeError(frame.error)} ${UNCHANGED}`);
      },
      transcribed() {
        const current = take;
        if (!current || current.phase !== "sending") return;
        finish(current);
        showHeard("");
        showError(null);
        say("Your spoken answer is in the box above: correct any word it got wrong. Coaching follows.");
      },
    };
    recorders.set(questionId, inner);

    start.addEventListener("click", () => {
      if (start.getAttribute("aria-disabled") !== "true") begin();
    });
    stop.addEventListener("click", end);
    redo.addEventListener("click", () => {
      discard();
      begin();
    });
    render();

    return {
      /** The "Answer out loud" button, for the question's actions. */
      button: start,
      /** The recording's meter, timer, controls, live transcript and messages. */
      panel,
      /** The question's category (the length aimed at), whether the session still takes answers, and what labels it. */
      update({ category, closed: isClosed, describedBy }) {
        target = targetSecs(category);
        closed = Boolean(isClosed);
        if (closed && take) discard();
        for (const control of [start, stop, redo]) control.setAttribute("aria-describedby", describedBy);
        render();
      },
      /** The question is gone: stop and forget. */
      remove() {
        discard();
        recorders.delete(questionId);
        renderAll();
      },
    };
  }

  return { recorder, onFrame };
}
