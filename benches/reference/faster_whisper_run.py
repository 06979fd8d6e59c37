#!/usr/bin/env python3
"""The reference speech engine for `cargo bench --bench models`: faster-whisper
(CTranslate2, int8, 2 threads) on the same Whisper model folder Debrief reads.

    faster_whisper_run.py MODEL_DIR WAV BEAM     prints one JSON object

Times the transcription only (the model is loaded first), as Debrief's
`transcribe --timing` does.
"""

import json
import resource
import sys
import time

from faster_whisper import WhisperModel

model_dir, wav, beam = sys.argv[1], sys.argv[2], int(sys.argv[3])
model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=2)
started = time.perf_counter()
segments, info = model.transcribe(wav, language="en", beam_size=beam, word_timestamps=True, vad_filter=False)
text = " ".join(s.text.strip() for s in segments)
elapsed = time.perf_counter() - started
print(json.dumps({
    "text": text,
    "audio_secs": info.duration,
    "elapsed_secs": elapsed,
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
