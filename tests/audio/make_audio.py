#!/usr/bin/env python3
"""Speaks a known interview script into a 16 kHz mono WAV with espeak-ng
and sox: two voices (interviewer, candidate), silences between turns, and
the reference text beside it. Used by the speech tests and benchmarks, so
they run on real audio whose words are known.

    make_audio.py SCRIPT.json OUT.wav [N]  writes OUT.wav and OUT.txt
                                           (N: the script N times over)

SCRIPT.json: {"turns": [{"speaker": "interviewer"|"candidate", "text": "...",
"pause_after": seconds}], "repeat": n (optional: the turns n times over),
"trim": true (optional: cut espeak-ng's own silence before and after each
turn, so the silences between turns are exactly `pause_after`)}.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

VOICES = {"interviewer": ("en-us", "150"), "candidate": ("en-gb+m3", "160")}


def speak(text, voice, speed, out):
    subprocess.run(["espeak-ng", "-v", voice, "-s", speed, "-w", str(out), text], check=True)


def main():
    script_path, out_path = Path(sys.argv[1]), Path(sys.argv[2])
    script = json.loads(script_path.read_text())
    repeat = int(sys.argv[3]) if len(sys.argv) > 3 else int(script.get("repeat", 1))
    turns = script["turns"] * repeat
    with tempfile.TemporaryDirectory() as tmp:
        pieces = []
        for i, turn in enumerate(turns):
            voice, speed = VOICES[turn["speaker"]]
            raw = Path(tmp) / f"{i:03}.wav"
            speak(turn["text"], voice, speed, raw)
            norm = Path(tmp) / f"{i:03}n.wav"
            pause = float(turn.get("pause_after", 0.4))
            trim = ["silence", "1", "0.01", "-60d", "reverse", "silence", "1", "0.01", "-60d", "reverse"] if script.get("trim") else []
            subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(norm), *trim, "pad", "0", str(pause)], check=True)
            pieces.append(str(norm))
        subprocess.run(["sox", *pieces, str(out_path)], check=True)
    out_path.with_suffix(".txt").write_text(" ".join(t["text"] for t in turns) + "\n")


if __name__ == "__main__":
    main()
