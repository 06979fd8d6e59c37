#!/usr/bin/env python3
"""Prepare a real-speech evaluation set for filler detection from Switchboard.

Usage: python3 benches/measures/switchboard.py CACHE_DIR

Writes CACHE_DIR/switchboard_fillers.json and prints its path. If that file
already exists, nothing is downloaded or rewritten.

Source: the Switchboard disfluency annotation shipped in the PyPI package
deep-disfluency 0.0.1 (Hough & Schlangen, EACL 2017). Its files
experiments/NNN/epoch_E/swbd_disf_{heldout,test}_partial_data_output_final.text
hold one word per line:

    start <TAB> end <TAB> word <TAB> GOLD_TAGS@PREDICTED_TAGS

The left side of the '@' is the gold annotation and the right side a model's
prediction: deep_disfluency/evaluation/disf_evaluation.py writes the column as
"{0}@{1}".format(g_tag, h_tag) with g_tag taken from the gold corpus; only the
left side carries the SWDA dialogue-act label (<diact .../>); and across the
eight experiment folders the left side is byte-identical while the right side
differs. This script re-checks the last point at run time.

Gold tags: <e/> edit term (a word inside a {F ...} filled pause, {D ...}
discourse marker or {E ...} explicit editing term of the Treebank-3 disfluency
markup); <i id/> interregnum (always also <e/> here); <rms id/>, <rm id/>
reparandum start / middle; <rps id/>, <rp id/> repair start / middle;
<rpnsub id/>, <rpnrep id/>, <rpndel id/> repair end of a substitution,
repetition or deletion; <f/> fluent; <tc/>, <cc/>, <ct/>, <tt/> utterance
segmentation (first letter: t = starts an utterance, c = continues the previous
word's utterance; second letter: t = ends it, c = the next word continues it);
<diact type="..."/> the SWDA dialogue act; <speechLaugh/> and the like mark
laughter.

The data is CC BY-NC-SA 3.0 (SwDA, on LDC's Switchboard): it is fetched at run
time into CACHE_DIR and must never be copied into the repository.

Python 3 standard library only.
"""

import collections
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile

PACKAGE = "deep-disfluency"
VERSION = "0.0.1"
SDIST = "deep_disfluency-0.0.1.tar.gz"
# sha256 of the sdist as pip downloaded it from PyPI (pip checks the index's hash).
SDIST_SHA256 = "664d4ba2dc59a13d80fcfd41d5209cffc705f37a99ef1d9a3fb755a7280b49ed"
ROOT = "deep_disfluency-0.0.1/deep_disfluency/experiments/"
EXPERIMENT = "034/epoch_37"
# A second experiment whose gold side must equal EXPERIMENT's.
CHECK_EXPERIMENT = "036/epoch_15"
SPLITS = ("heldout", "test")
FILE_PATTERN = "swbd_disf_{split}_partial_data_output_final.text"
OUTPUT = "switchboard_fillers.json"

MIN_WORDS = 40
MAX_TURNS = 150
RICH_FILLERS = 2  # a turn is "rich" with at least this many fillers

LICENCE = (
    "Switchboard Dialog Act Corpus (SwDA) disfluency annotation, CC BY-NC-SA 3.0, "
    "on LDC Switchboard-1 Release 2 transcripts; via the deep-disfluency 0.0.1 sdist "
    "(Hough & Schlangen 2017). Used for measurement only; not redistributed."
)
LICENCE_NOTE = (
    "note: Switchboard/SwDA data (CC BY-NC-SA 3.0, LDC Switchboard) is used here for "
    "measurement only and is not redistributed; keep the cache dir out of the repository."
)

# Hesitation sounds: um, uh, er, erm, ah, hmm in any spelling with repeated
# letters. Backchannels (uh-huh, uhhuh, um-hum, huh, hm-hm) do not match.
HESITATION = re.compile(r"^(u+m+|u+h+|e+r+|e+r+m+|a+h+|h+m+)$")
SINGLE_TERMS = ("like", "so", "basically", "actually")
PAIR_TERMS = (("you", "know"), ("i", "mean"))


def fail(message):
    sys.stderr.write("switchboard.py: " + message + "\n")
    sys.exit(1)


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_sdist(cache_dir):
    """Download the sdist into cache_dir with pip (once) and check its hash."""
    path = os.path.join(cache_dir, SDIST)
    if not os.path.exists(path):
        spec = "{}=={}".format(PACKAGE, VERSION)
        attempts = [
            [sys.executable, "-m", "pip", "download", "--no-deps",
             "--no-binary", ":all:", spec, "-d", cache_dir],
            [sys.executable, "-m", "pip", "download", "--no-deps", spec,
             "-d", cache_dir],
        ]
        for command in attempts:
            print("running: " + " ".join(command[1:]), file=sys.stderr)
            result = subprocess.run(command, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True)
            if result.returncode == 0 and os.path.exists(path):
                break
            sys.stderr.write(result.stdout[-2000:])
        if not os.path.exists(path):
            fail("could not download {} into {}".format(SDIST, cache_dir))
    found = sha256(path)
    if found != SDIST_SHA256:
        fail("{} has sha256 {}, expected {}".format(path, found, SDIST_SHA256))
    return path


def extract(sdist, cache_dir):
    """Extract only the needed annotation files; return {(experiment, split): path}."""
    wanted = {}
    for experiment in (EXPERIMENT, CHECK_EXPERIMENT):
        for split in SPLITS:
            member = ROOT + experiment + "/" + FILE_PATTERN.format(split=split)
            target = os.path.join(cache_dir, "deep_disfluency", experiment.replace("/", "_"),
                                  FILE_PATTERN.format(split=split))
            wanted[member] = ((experiment, split), target)
    paths = {}
    missing = {m for m, (_, target) in wanted.items() if not os.path.exists(target)}
    if missing:
        with tarfile.open(sdist, "r:gz") as archive:
            for info in archive:
                if info.name not in missing or not info.isfile():
                    continue
                _, target = wanted[info.name]
                os.makedirs(os.path.dirname(target), exist_ok=True)
                source = archive.extractfile(info)
                with open(target + ".part", "wb") as out:
                    out.write(source.read())
                os.replace(target + ".part", target)
                missing.discard(info.name)
                if not missing:
                    break
    if missing:
        fail("not in the sdist: " + ", ".join(sorted(missing)))
    for member, (key, target) in wanted.items():
        paths[key] = target
    return paths


Word = collections.namedtuple("Word", "start end channel word gold split")


def parse(path, split):
    """Read one *_output_final.text file into {conversation: [Word, ...]}."""
    conversations = collections.defaultdict(list)
    channel = None
    with open(path, encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            if line.startswith("Speaker:"):
                channel = line.split()[1]  # e.g. 4519A
                continue
            fields = line.split("\t")
            if len(fields) != 4 or channel is None:
                fail("{}:{}: unexpected line {!r}".format(path, line_number, line))
            start, end, word, tags = fields
            word = word.split("@")[0]  # "gold@predicted" when the ASR word differs
            if word.startswith("$unc$"):
                word = word[len("$unc$"):]
            gold = tags.rsplit("@", 1)[0]
            conversations[channel[:-1]].append(
                Word(float(start), float(end), channel[-1], word, gold, split))
    return conversations


def gold_side(path):
    """The word and gold-tag columns only, for comparing experiments."""
    rows = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            fields = line.rstrip("\n").split("\t")
            if len(fields) == 4:
                rows.append((fields[0], fields[1], fields[2], fields[3].rsplit("@", 1)[0]))
            elif line.startswith("Speaker:"):
                rows.append((line.strip(),))
    return rows


def is_edit(gold):
    return "<e/>" in gold


def count_fillers(words, edits, hesitation_needs_tag):
    """Filler occurrences by the guide's terms, judged by the gold edit-term tags."""
    counts = collections.Counter()
    i = 0
    while i < len(words):
        word = words[i]
        if i + 1 < len(words) and (word, words[i + 1]) in PAIR_TERMS \
                and i in edits and i + 1 in edits:
            counts[word + " " + words[i + 1]] += 1
            i += 2
            continue
        if HESITATION.match(word) and (i in edits or not hesitation_needs_tag):
            counts[word] += 1
        elif word in SINGLE_TERMS and i in edits:
            counts[word] += 1
        i += 1
    return counts


def build_turns(conversations):
    """Split each conversation into speaker turns, ordered by start time."""
    turns = []
    for conversation in sorted(conversations):
        words = sorted(conversations[conversation],
                       key=lambda w: (w.start, w.end, w.channel))
        current = []
        index = 0
        for word in words + [None]:
            if current and (word is None or word.channel != current[0].channel):
                turns.append((conversation, index, current))
                index += 1
                current = []
            if word is not None:
                current.append(word)
    return turns


def spread(items, count):
    """count items spread evenly over items (every k-th, k fractional)."""
    if len(items) <= count:
        return list(items)
    return [items[(i * len(items)) // count] for i in range(count)]


def main():
    if len(sys.argv) != 2:
        fail("usage: python3 benches/measures/switchboard.py CACHE_DIR")
    cache_dir = os.path.abspath(sys.argv[1])
    output = os.path.join(cache_dir, OUTPUT)
    print(LICENCE_NOTE)
    if os.path.exists(output):
        print(output)
        return
    os.makedirs(cache_dir, exist_ok=True)

    sdist = fetch_sdist(cache_dir)
    paths = extract(sdist, cache_dir)

    for split in SPLITS:
        if gold_side(paths[(EXPERIMENT, split)]) != gold_side(paths[(CHECK_EXPERIMENT, split)]):
            fail("gold side of {} differs between experiments {} and {}".format(
                split, EXPERIMENT, CHECK_EXPERIMENT))

    conversations = {}
    for split in SPLITS:
        for conversation, words in parse(paths[(EXPERIMENT, split)], split).items():
            if conversation in conversations:
                fail("conversation {} occurs twice".format(conversation))
            conversations[conversation] = words

    # Are filled pauses (uh, um, ...) always edit-tagged in the gold side?
    all_words = [w for ws in conversations.values() for w in ws]
    hesitations = [w for w in all_words if HESITATION.match(w.word)]
    tagged = sum(1 for w in hesitations if is_edit(w.gold))
    hesitation_needs_tag = tagged >= 0.95 * len(hesitations)
    untagged_basically = sum(1 for w in all_words if w.word == "basically" and not is_edit(w.gold))

    candidates = []
    for conversation, index, words in build_turns(conversations):
        if len(words) < MIN_WORDS:
            continue
        tokens = [w.word for w in words]
        edits = [i for i, w in enumerate(words) if is_edit(w.gold)]
        counts = count_fillers(tokens, set(edits), hesitation_needs_tag)
        candidates.append({
            "id": "sw{}{}-{:04d}".format(conversation, words[0].channel, index),
            "text": " ".join(tokens),
            "words": tokens,
            "edit_terms": edits,
            "fillers": sum(counts.values()),
            "filler_words": dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
            "split": words[0].split,
            "start": words[0].start,
            "end": words[-1].end,
        })

    # candidates are sorted by conversation, then start time. Take every k-th;
    # if fewer than half of those are rich, take half from the rich turns and
    # half from the rest, each every k-th, and restore the order.
    chosen = spread(candidates, MAX_TURNS)
    rich = lambda turn: turn["fillers"] >= RICH_FILLERS
    method = "every k-th of all {} turns of {}+ words".format(len(candidates), MIN_WORDS)
    if 2 * sum(1 for t in chosen if rich(t)) < len(chosen):
        rich_turns = [t for t in candidates if rich(t)]
        other_turns = [t for t in candidates if not rich(t)]
        take_rich = min(len(rich_turns), max((len(chosen) + 1) // 2, len(chosen) - len(other_turns)))
        chosen = spread(rich_turns, take_rich) + spread(other_turns, len(chosen) - take_rich)
        order = {id(t): i for i, t in enumerate(candidates)}
        chosen.sort(key=lambda t: order[id(t)])
        method = ("every k-th of the {} turns of {}+ words with {}+ fillers and every k-th "
                  "of the other {}".format(len(rich_turns), MIN_WORDS, RICH_FILLERS,
                                          len(other_turns)))

    totals = collections.Counter()
    for turn in chosen:
        totals.update(turn["filler_words"])
    notes = (
        "Turns: consecutive words of one speaker (channel A or B) of one conversation, "
        "both channels merged and ordered by word start time, from the gold side of "
        "experiments/{exp}/swbd_disf_{{heldout,test}}_partial_data_output_final.text "
        "(gold side identical to experiment {chk}). id = sw + conversation + channel + "
        "turn index within the conversation. Kept: turns of {min}+ words; chosen: {method}; "
        "{n} turns, {r} with {rich}+ fillers. words: as in the file, '$unc$' prefix removed. "
        "edit_terms: indices whose gold tag has <e/> (a word inside {{F }}, {{D }} or {{E }} "
        "of the Treebank-3 disfluency markup: filled pauses, discourse markers, editing "
        "terms). fillers: occurrences of um/uh/er/erm/ah/hmm (any repeated-letter spelling; "
        "uh-huh, um-hum, huh are backchannels and excluded), like, so, basically, actually "
        "(one word) and you know, i mean (both words, counted once) whose words are gold edit "
        "terms. In the whole source {tagged}/{hes} hesitation tokens are edit-tagged, so they "
        "are {how}. Edit terms that are not fillers by the guide (well, oh, okay, see, now, "
        "yeah, ...) are in edit_terms but not in fillers. 'basically' is never edit-tagged "
        "in the source ({ub} untagged tokens), so it never counts although the guide counts "
        "it always; 'right?' tags are not counted. Filler totals: {totals}."
    ).format(exp=EXPERIMENT, chk=CHECK_EXPERIMENT, min=MIN_WORDS, method=method,
             n=len(chosen), r=sum(1 for t in chosen if rich(t)), rich=RICH_FILLERS,
             tagged=tagged, hes=len(hesitations),
             how="counted only when tagged" if hesitation_needs_tag else "counted by the word alone",
             ub=untagged_basically,
             totals=", ".join("{} {}".format(k, v) for k, v in sorted(
                 totals.items(), key=lambda kv: (-kv[1], kv[0]))))

    document = {
        "source": "PyPI deep-disfluency {} sdist ({}, sha256 {}), {}".format(
            VERSION, SDIST, SDIST_SHA256,
            ROOT + EXPERIMENT + "/" + FILE_PATTERN.format(split="{heldout,test}")),
        "licence": LICENCE,
        "turns": chosen,
        "notes": notes,
    }
    with open(output + ".part", "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=1, ensure_ascii=False)
        handle.write("\n")
    os.replace(output + ".part", output)
    print(output)


if __name__ == "__main__":
    main()
