#!/usr/bin/env python3
"""Speaks an interview script as a dialogue of two or three espeak-ng voices
into a 16 kHz mono WAV, with the ground truth of who spoke when beside it,
and optionally packs it into the formats browsers and phones upload. Used by
the speaker diarization and audio format tests.

    make_dialogue.py SCRIPT.json OUT_BASE [--voices 2|3] [--minutes M]
                     [--overlap] [--formats wav,webm,ogg,...] [--seed S]

SCRIPT.json: {"turns": [{"speaker": "interviewer"|"interviewer2"|"candidate",
"text": "...", "pause_after": seconds}], "repeat": n (optional)}, the shape
of interview.json. "interviewer2" is a second interviewer (a panel).
pause_after is the silence between the voiced spans of two turns.

    --voices 3   a panel: every other interviewer turn (a run of consecutive
                 interviewer lines) is spoken by interviewer2, unless the
                 script names interviewer2 itself. --voices 2 speaks
                 interviewer2 lines with the interviewer voice. Default: 3
                 if the script names interviewer2, else 2.
    --minutes M  cycles through the turns until at least M minutes are
                 spoken; pauses of the repeats vary by +-20 % (from the seed).
                 Without it the script is spoken once (or "repeat" times).
    --overlap    every third candidate turn that follows an interviewer
                 turn (the 1st, 4th, 7th ...) starts 0.6-1.0 s (from the
                 seed) before that interviewer turn ends, if both turns are
                 long enough; the two are mixed over that stretch.
    --seed S     seeds pauses and overlaps (default 0). Same inputs, same
                 bytes.
    --formats    also writes, from the mono WAV, with ffmpeg:
                   webm        OUT_BASE.webm        Opus 48 kHz mono (libopus)
                   ogg         OUT_BASE.ogg         Opus 48 kHz mono (libopus)
                   mp4         OUT_BASE.mp4         AAC 44.1 kHz mono
                   m4a         OUT_BASE.m4a         AAC 44.1 kHz mono
                   mp3         OUT_BASE.mp3         MP3 44.1 kHz mono
                   flac        OUT_BASE.flac        FLAC 16 kHz mono
                   stereo-mp4  OUT_BASE.stereo.mp4  AAC 48 kHz, 2 channels
                   stereo-wav  OUT_BASE.stereo.wav  PCM 16-bit 48 kHz, 2 ch.
                 The stereo files hold the interviewer(s) on the left channel
                 only and the candidate on the right only (digital silence on
                 the other side). "wav" is accepted and always written.

Always writes OUT_BASE.wav (16 kHz mono 16-bit), OUT_BASE.txt (the spoken
text, turns joined by spaces, as make_audio.py writes) and OUT_BASE.json:

    {"duration_secs": D, "sample_rate": 16000,
     "turns": [{"start": s, "end": s, "speaker": 0, "label": "S1",
                "role": "interviewer"|"candidate", "voice": "interviewer2",
                "text": "..."}]}

Turns are in order of start. start and end (seconds, exact multiples of
1/16000) bound the voiced span of each turn: espeak's leading and trailing
silence is trimmed off (first and last sample above TRIM_LEVEL), so the
stretches between turns are digital silence (apart from overlaps, where
two turns share the same stretch). speaker numbers the voices in order of
first speech (0 = first to speak), label is "S" + (speaker + 1), role is
the part played (both panel voices are "interviewer"), voice the script
name of the voice. An OUT_BASE ending in ".wav" loses that suffix.
"""

import argparse
import array
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

RATE = 16000
# voice: (espeak-ng voice, speed in words per minute, pitch 0-99). Measured
# median F0 in a generated file: about 90 Hz, 130 Hz and 245 Hz; the
# accents and speeds differ too.
VOICES = {
    "interviewer": ("en-us", 150, 30),
    "candidate": ("en-gb+m3", 170, 75),
    "interviewer2": ("en-us+f3", 135, 70),
}
ROLES = {"interviewer": "interviewer", "interviewer2": "interviewer", "candidate": "candidate"}
TRIM_LEVEL = 200  # |sample| above this (-44 dBFS) counts as voiced
LEAD_IN, TAIL = 0.5, 0.5  # seconds of silence before the first, after the last turn
OVERLAP_RANGE = (0.6, 1.0)  # seconds a candidate turn starts early
OVERLAP_MARGIN = 0.25  # seconds each overlapped turn must stay on its own
OVERLAP_EVERY = 3  # every third eligible candidate turn overlaps
PAUSE_JITTER = 0.2  # +- share of pause_after, on repeats under --minutes
CHUNK = RATE * 30  # samples rendered at a time

FORMATS = {
    # name: (file suffix, ffmpeg output options)
    "webm": (".webm", ["-c:a", "libopus", "-b:a", "32k", "-compression_level", "5", "-ar", "48000", "-ac", "1", "-f", "webm"]),
    "ogg": (".ogg", ["-c:a", "libopus", "-b:a", "32k", "-compression_level", "5", "-ar", "48000", "-ac", "1", "-f", "ogg"]),
    "mp4": (".mp4", ["-c:a", "aac", "-aac_coder", "fast", "-b:a", "64k", "-ar", "44100", "-ac", "1", "-f", "mp4"]),
    "m4a": (".m4a", ["-c:a", "aac", "-aac_coder", "fast", "-b:a", "64k", "-ar", "44100", "-ac", "1", "-f", "ipod"]),
    "mp3": (".mp3", ["-c:a", "libmp3lame", "-b:a", "64k", "-compression_level", "7", "-ar", "44100", "-ac", "1", "-f", "mp3"]),
    "flac": (".flac", ["-c:a", "flac", "-ar", "16000", "-ac", "1", "-f", "flac"]),
    # aac_ms 0: no mid/side coding, so the silent side stays silent
    "stereo-mp4": (".stereo.mp4", ["-c:a", "aac", "-aac_coder", "fast", "-aac_ms", "0", "-b:a", "128k", "-ar", "48000", "-f", "mp4"]),
    "stereo-wav": (".stereo.wav", ["-c:a", "pcm_s16le", "-ar", "48000", "-f", "wav"]),
}
# encoder speed settings above favour speed (quality is ample for speech);
# no encoder tags, creation times or random stream ids: same bytes each run
FFMPEG = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
BITEXACT = ["-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact"]


class Speaker:
    """Speaks each distinct (voice, text) once per run and keeps the voiced
    samples (16 kHz, int16, silence trimmed off both ends)."""

    def __init__(self, tmp):
        self.tmp, self.cache = Path(tmp), {}

    def __call__(self, voice, text):
        key = (voice, text)
        if key not in self.cache:
            self.cache[key] = self.speak(voice, text, len(self.cache))
        return self.cache[key]

    def speak(self, voice, text, n):
        name, speed, pitch = VOICES[voice]
        raw, norm = self.tmp / f"{n}.raw.wav", self.tmp / f"{n}.wav"
        subprocess.run(["espeak-ng", "-v", name, "-s", str(speed), "-p", str(pitch), "-w", str(raw), text], check=True)
        # -D: no dither, so silence stays exactly zero and output is repeatable;
        # gain -2 dB: headroom for the resampler and for overlapping turns
        subprocess.run(["sox", "-D", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(norm), "gain", "-2"],
                       check=True)
        samples = read_wav(norm)
        voiced = [i for i in (first_above(samples, range(len(samples))),
                              first_above(samples, range(len(samples) - 1, -1, -1))) if i is not None]
        if not voiced:
            sys.exit(f"espeak-ng said nothing audible for {voice}: {text!r}")
        return samples[voiced[0]:voiced[1] + 1]


def read_wav(path):
    with wave.open(str(path), "rb") as w:
        if (w.getnchannels(), w.getsampwidth(), w.getframerate()) != (1, 2, RATE):
            sys.exit(f"{path}: expected 16 kHz mono 16-bit")
        samples = array.array("h", w.readframes(w.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def first_above(samples, indices):
    return next((i for i in indices if abs(samples[i]) > TRIM_LEVEL), None)


def voice_picker(turns, voices):
    """A function from each turn, in order of speech (repeats included), to
    its voice, after --voices."""
    panel_in_script = any(t["speaker"] == "interviewer2" for t in turns)
    state = {"runs": -1, "previous": None}

    def pick(turn):
        who = turn["speaker"]
        if who not in VOICES:
            sys.exit(f"unknown speaker {who!r}: expected one of {', '.join(VOICES)}")
        if voices == 2 and who == "interviewer2":
            who = "interviewer"
        elif voices == 3 and not panel_in_script and who == "interviewer":
            if state["previous"] != "interviewer":
                state["runs"] += 1
            who = "interviewer2" if state["runs"] % 2 else "interviewer"
        state["previous"] = turn["speaker"]
        return who

    return pick


def plan(turns, pick, speak, minutes, overlap, rng):
    """Places the turns on the timeline: [(start sample, voice, text, samples)]."""
    placed, t, cycle = [], round(LEAD_IN * RATE), 0
    eligible = 0  # candidate turns that follow an interviewer turn so far
    while True:
        for turn in turns:
            voice = pick(turn)
            samples = speak(voice, turn["text"])
            start = t
            if overlap and placed and ROLES[voice] == "candidate" and ROLES[placed[-1][1]] == "interviewer":
                eligible += 1
                early = round(rng.uniform(*OVERLAP_RANGE) * RATE)
                prev_start, _, _, prev = placed[-1]
                prev_end = prev_start + len(prev)
                room = min(len(prev), len(samples)) - round(OVERLAP_MARGIN * RATE)
                if eligible % OVERLAP_EVERY == 1 and early <= room:
                    start = prev_end - early
            placed.append((start, voice, turn["text"], samples))
            pause = max(0.0, float(turn.get("pause_after", 0.4)))
            if cycle > 0:
                pause *= 1 + rng.uniform(-PAUSE_JITTER, PAUSE_JITTER)
            t = start + len(samples) + round(pause * RATE)
            if minutes is not None and start + len(samples) >= minutes * 60 * RATE:
                return placed
        cycle += 1
        if minutes is None:
            return placed


def render(path, placed, total):
    """Writes the placed turns as a 16 kHz mono WAV of total samples, chunk
    by chunk; where two turns overlap their samples are added (clipped)."""
    clipped = 0
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        first = 0  # first placed turn that may reach into the chunk
        for c0 in range(0, total, CHUNK):
            c1 = min(c0 + CHUNK, total)
            buf = array.array("h", bytes(2 * (c1 - c0)))
            while first < len(placed) and placed[first][0] + len(placed[first][3]) <= c0:
                first += 1
            prev = None
            for k in range(max(0, first - 1), len(placed)):
                start, _, _, s = placed[k]
                if start >= c1:
                    break
                a, b = max(start, c0), min(start + len(s), c1)
                if a < b:
                    buf[a - c0:b - c0] = s[a - start:b - start]
                if prev is not None:
                    p_start, p = prev
                    for i in range(max(a, p_start), min(b, p_start + len(p))):
                        v = p[i - p_start] + s[i - start]
                        if v > 32767 or v < -32768:
                            clipped += 1
                            v = max(-32768, min(32767, v))
                        buf[i - c0] = v
                prev = (start, s)
            if sys.byteorder == "big":
                buf.byteswap()
            w.writeframes(buf.tobytes())
    return clipped


def ffmpeg(inputs, options, out):
    args = list(FFMPEG)
    for i in inputs:
        args += ["-i", str(i)]
    subprocess.run(args + options + BITEXACT + [str(out)], check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("script", type=Path, help="interview script, the shape of interview.json")
    ap.add_argument("out_base", help="output path without suffix")
    ap.add_argument("--voices", type=int, choices=(2, 3), help="2 (interviewer, candidate) or 3 (panel)")
    ap.add_argument("--minutes", type=float, help="cycle through the turns until at least M minutes are spoken")
    ap.add_argument("--overlap", action="store_true", help="let a few candidate turns start before the interviewer ends")
    ap.add_argument("--formats", default="wav", help="comma separated: wav," + ",".join(FORMATS))
    ap.add_argument("--seed", type=int, default=0, help="seed of pauses and overlaps (default 0)")
    args = ap.parse_args()

    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    unknown = [f for f in formats if f != "wav" and f not in FORMATS]
    if unknown:
        ap.error(f"unknown format(s) {', '.join(unknown)}: expected wav,{','.join(FORMATS)}")
    if args.minutes is not None and args.minutes <= 0:
        ap.error("--minutes must be positive")
    for tool in ("espeak-ng", "sox") + (("ffmpeg",) if set(formats) - {"wav"} else ()):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not found: apt-get install -y --no-install-recommends espeak-ng sox ffmpeg")

    base = args.out_base[:-4] if args.out_base.lower().endswith(".wav") else args.out_base
    script = json.loads(args.script.read_text())
    turns = script["turns"]
    if args.minutes is None:
        turns = turns * int(script.get("repeat", 1))
    if not turns:
        sys.exit("the script has no turns")
    voices = args.voices or (3 if any(t["speaker"] == "interviewer2" for t in turns) else 2)
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory(prefix="make_dialogue.") as tmp:
        placed = plan(turns, voice_picker(turns, voices), Speaker(tmp), args.minutes, args.overlap, rng)
        total = max(start + len(s) for start, _, _, s in placed) + round(TAIL * RATE)
        wav = Path(base + ".wav")
        clipped = render(wav, placed, total)
        if clipped:
            print(f"note: {clipped} samples clipped where turns overlap", file=sys.stderr)

        order = {}
        for _, voice, _, _ in placed:
            order.setdefault(voice, len(order))
        truth = {
            "duration_secs": total / RATE,
            "sample_rate": RATE,
            "turns": [{"start": start / RATE, "end": (start + len(s)) / RATE, "speaker": order[voice],
                       "label": f"S{order[voice] + 1}", "role": ROLES[voice], "voice": voice, "text": text}
                      for start, voice, text, s in placed],
        }
        Path(base + ".json").write_text(json.dumps(truth, indent=1) + "\n")
        Path(base + ".txt").write_text(" ".join(text for _, _, text, _ in placed) + "\n")

        if any(f.startswith("stereo-") for f in formats):
            left, right = Path(tmp) / "left.wav", Path(tmp) / "right.wav"
            render(left, [p for p in placed if ROLES[p[1]] == "interviewer"], total)
            render(right, [p for p in placed if ROLES[p[1]] == "candidate"], total)
        join = ["-filter_complex", "[0:a][1:a]join=inputs=2:channel_layout=stereo:map=0.0-FL|1.0-FR[a]", "-map", "[a]"]
        jobs = [([left, right], join + FORMATS[f][1]) if f.startswith("stereo-") else ([wav], FORMATS[f][1])
                for f in formats if f != "wav"]
        outs = [base + FORMATS[f][0] for f in formats if f != "wav"]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            for done in [pool.submit(ffmpeg, i, o, out) for (i, o), out in zip(jobs, outs)]:
                done.result()


if __name__ == "__main__":
    main()
