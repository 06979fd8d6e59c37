#!/usr/bin/env python3
"""The reference chat engine for `cargo bench --bench models`: llama.cpp
through llama-cpp-python, on the same GGUF file Debrief runs, with the same
ChatML prompt and the same number of generated tokens.

    llama_cpp_run.py GGUF PROMPT_JSON MAX_TOKENS RUNS     prints one JSON object

PROMPT_JSON: [{"role": "system"|"assistant"|"user", "content": "..."}].
Prompt speed: prompt tokens over the time to the first token; generation
speed: the tokens after the first over the time after it (best of RUNS).
"""

import json
import resource
import sys
import time

from llama_cpp import Llama

gguf, prompt_path, max_tokens, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
turns = json.load(open(prompt_path))
prompt = "".join(f"<|im_start|>{t['role']}\n{t['content']}<|im_end|>\n" for t in turns) + "<|im_start|>assistant\n"
llm = Llama(model_path=gguf, n_threads=2, n_ctx=2048, verbose=False)
prompt_tokens = len(llm.tokenize(prompt.encode(), special=True))
best_prompt, best_generation = 0.0, 0.0
for _ in range(runs):
    llm.reset()
    started = time.perf_counter()
    first = None
    generated = 0
    for _chunk in llm(prompt, max_tokens=max_tokens, temperature=0.7, top_p=0.9, repeat_penalty=1.1, stream=True):
        generated += 1
        if first is None:
            first = time.perf_counter()
    ended = time.perf_counter()
    best_prompt = max(best_prompt, prompt_tokens / (first - started))
    if generated > 1:
        best_generation = max(best_generation, (generated - 1) / (ended - first))
print(json.dumps({
    "prompt_tokens": prompt_tokens,
    "prompt_tokens_per_s": best_prompt,
    "generation_tokens_per_s": best_generation,
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
