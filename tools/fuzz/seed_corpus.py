#!/usr/bin/env python3
"""Writes the fuzz seeds, fuzz/seeds/<target>/, from the checked-in conformance corpus.

Plain python3, no packages: it only reads what is checked in.

- tests/corpus/<channel>.jsonl      JSON inputs (accepted and rejected)    -> json_decode
- tests/corpus/frames/*.jsonl       frames the SDK wrote, as hex           -> frame_decode and
                                                                             the two readers
- tests/data/                       a captured session (JSON and frames)   -> all of them

Every seed is the target's input: one selector byte (the channel, as fuzz/targets.rs reads it),
then the input proper. Seeds are named by their SHA-1, as libFuzzer names corpus files, so
writing one twice is harmless, and inputs over the size caps below are left out.

The checked-in fuzz/seeds/ is this script's output merged with a campaign's corpus and minimized
on edge coverage (fuzz/README.md). Running the script adds its seeds back next to those;
--clean empties each target's directory first, leaving exactly this script's output.

    python3 tools/fuzz/seed_corpus.py [--out fuzz/seeds] [--clean]
"""


import os
import sys

# Seeds must not depend on Python's per-process string hashing (set order): run with a fixed seed.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})

import argparse
import hashlib
import shutil
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# CHANNEL_NAMES is ChannelName::ALL, in order: its indexes are the selectors of json_decode and
# frame_decode.
from common import (  # noqa: E402  (tools/common.py)
    CHANNEL_NAMES, CORPUS, DATA, FRAMES, REPLY_CHANNELS, REPO, REQUEST_CHANNELS, read_jsonl,
)

# json_decode selectors 7..15 are the request groups; task inputs are seeded under each in turn.
GROUP_SELECTORS = range(7, 16)
# The readers' selectors (first byte % 4 for requests, % 3 for responses) index
# REQUEST_CHANNELS and REPLY_CHANNELS.

# Frame files of each reply direction (to-task also answers the callback channel).
REPLY_FILES = {
    "to-task": ["to-task.jsonl", "to-task-sparse.jsonl"],
    "to-trigger-runner": ["to-trigger-runner.jsonl"],
    "to-dag-processor": ["to-dag-processor.jsonl"],
}

TARGETS = ["json_decode", "frame_decode", "frame_reader_request", "frame_reader_response"]

# Size caps, selector byte excluded. They match the -max_len of the campaign (fuzz/README.md).
MAX_SINGLE = 4096  # json_decode, frame_decode
MAX_STREAM = 8192  # frame_reader_request, frame_reader_response
FRAMES_PER_STREAM = 6


def frame_bytes(case):
    return bytes.fromhex(case["frame"])


def split_frames(stream):
    """Splits a captured byte stream into whole frames (prefix included)."""
    frames, at = [], 0
    while at + 4 <= len(stream):
        end = at + 4 + int.from_bytes(stream[at : at + 4], "big")
        frames.append(stream[at:end])
        at = end
    return frames


def streams(frames):
    """Groups consecutive frames into streams of a few frames, within the stream cap."""
    out, current, count = [], b"", 0
    for frame in frames:
        if len(frame) > MAX_STREAM:
            continue
        if current and (len(current) + len(frame) > MAX_STREAM or count == FRAMES_PER_STREAM):
            out.append(current)
            current, count = b"", 0
        current += frame
        count += 1
    if current:
        out.append(current)
    return out


class Seeds:
    def __init__(self, out):
        self.out = out
        self.written = {}

    def add(self, target, selector, data, cap):
        if len(data) > cap:
            return
        seed = bytes([selector]) + data
        directory = self.out / target
        directory.mkdir(parents=True, exist_ok=True)
        (directory / hashlib.sha1(seed).hexdigest()).write_bytes(seed)
        self.written.setdefault(target, set()).add(hashlib.sha1(seed).hexdigest())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "fuzz" / "seeds")
    parser.add_argument(
        "--clean", action="store_true", help="empty each target's directory first"
    )
    args = parser.parse_args()
    if args.clean:
        for target in TARGETS:
            shutil.rmtree(args.out / target, ignore_errors=True)
    seeds = Seeds(args.out)

    # json_decode: every corpus input under its channel; task inputs also under a group each.
    for index, channel in enumerate(CHANNEL_NAMES):
        for n, case in enumerate(read_jsonl(CORPUS / f"{channel}.jsonl")):
            text = case["input"].encode("utf-8")
            seeds.add("json_decode", index, text, MAX_SINGLE)
            if channel == "task":
                group = GROUP_SELECTORS[n % len(GROUP_SELECTORS)]
                seeds.add("json_decode", group, text, MAX_SINGLE)
    for name, channel in [("task-session.jsonl", "task"), ("callback-session.jsonl", "callback")]:
        with open(DATA / name, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    seeds.add("json_decode", CHANNEL_NAMES.index(channel), line.strip().encode(), MAX_SINGLE)

    # frame_decode: every frame's payload (after the length prefix) under its channel.
    session = split_frames((DATA / "task-session.frames").read_bytes())
    request_frames = {
        channel: [frame_bytes(c) for c in read_jsonl(FRAMES / f"{channel}.jsonl")]
        for channel in REQUEST_CHANNELS
    }
    request_frames["task"] += session
    reply_frames = {
        channel: [frame_bytes(c) for f in files for c in read_jsonl(FRAMES / f)]
        for channel, files in REPLY_FILES.items()
    }
    request_edges = [frame_bytes(c) for c in read_jsonl(FRAMES / "request-edges.jsonl")]
    response_edges = [frame_bytes(c) for c in read_jsonl(FRAMES / "response-edges.jsonl")]
    for channel, frames in {**request_frames, **reply_frames}.items():
        for frame in frames:
            seeds.add("frame_decode", CHANNEL_NAMES.index(channel), frame[4:], MAX_SINGLE)
    for frame in request_edges:
        seeds.add("frame_decode", CHANNEL_NAMES.index("task"), frame[4:], MAX_SINGLE)
    for frame in response_edges:
        seeds.add("frame_decode", CHANNEL_NAMES.index("to-task"), frame[4:], MAX_SINGLE)

    # The readers: streams of consecutive frames; each irregular frame followed by a good one
    # (the reader must stay in sync); the captured session whole; and the stream-level edges.
    for target, channels, edges in [
        ("frame_reader_request", REQUEST_CHANNELS, request_edges),
        ("frame_reader_response", REPLY_CHANNELS, response_edges),
    ]:
        frames = request_frames if target == "frame_reader_request" else reply_frames
        for index, channel in enumerate(channels):
            for stream in streams(frames[channel]):
                seeds.add(target, index, stream, MAX_STREAM)
        good = frames[channels[0]][0]
        for edge in edges:
            seeds.add(target, 0, edge + good, MAX_STREAM)
        for tail in [
            b"\x00\x00\x00",  # a cut-off length prefix
            b"\x00\x00\x00\x00",  # a frame of length 0
            b"\x00\x00\x10\x01",  # one byte over the readers' limit (4096)
            b"\xff\xff\xff\xff",  # 4 GiB announced
            good[:-1],  # a frame cut short
        ]:
            seeds.add(target, 0, good + tail, MAX_STREAM)
            seeds.add(target, 0, tail + good, MAX_STREAM)
    seeds.add("frame_reader_request", 0, b"".join(session), MAX_STREAM)

    total = 0
    for target in sorted(seeds.written):
        directory = args.out / target
        size = sum(p.stat().st_size for p in directory.iterdir())
        total += size
        files = len(list(directory.iterdir()))
        print(
            f"{target}: {len(seeds.written[target])} seeds written, "
            f"{files} files, {size / 1024:.0f} KiB in the directory"
        )
    print(f"total: {total / 1024:.0f} KiB in {args.out}")


if __name__ == "__main__":
    main()
