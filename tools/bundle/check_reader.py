"""Airflow's own bundle reader against `airflow-comms bundle pack` and `bundle inspect`.

Run with the pinned venv (apache-airflow-task-sdk 1.3.2):

    .venv/bin/python tools/bundle/check_reader.py --cli target/debug/airflow-comms

1. Good bundles. Fake runtimes (shell scripts that print a manifest for `--airflow-metadata`)
   are packed by the CLI: a plain one, one whose ids and values are what YAML 1.1 misreads
   (dates, yes/on, 1:30, 0755, control and non-ASCII characters), one without an embedded
   source, and one whose executable spans several of the reader's 1 MiB hash chunks. For each:
   - `_read_bundle_metadata` accepts it and returns exactly the manifest the runtime meant
     (plus `source` and `digests`), which is also what `bundle inspect` prints;
   - `_Bundle.find` picks it for every dag id in it, with supervisor schema version 2026-06-16;
   - the trailer, regions and digests are what the spec says (recomputed here with hashlib);
   - packing again gives the same bytes, and the bundle still runs.
2. Corrupted bundles (bad magic, short file, unknown footer_ver, non-zero reserved bytes, regions
   past the start, no executable region, hash mismatches, a manifest that is not YAML, not a
   mapping or not UTF-8): `_read_bundle_metadata` refuses every one (returns None, with its
   reason in the debug log), and `bundle inspect` exits 1 naming the problem.
3. Where `bundle inspect` is stricter than Airflow (a manifest whose digests.integrity is not the
   trailer's digest, a source region that is not UTF-8): Airflow accepts, inspect refuses. These
   are listed, so a change on either side shows.

Exits 1 on any failed check.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import pathlib
import struct
import subprocess
import sys
import tempfile

import structlog
import yaml
from structlog.testing import capture_logs

from airflow.sdk.coordinators.executable.coordinator import _Bundle, _read_bundle_metadata

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from common import check_pins  # noqa: E402  (tools/common.py)

# The reader says why it skips a file at debug level only; importing Airflow set the level higher.
structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))

MAGIC = b"AFBNDL01"
TRAILER = struct.Struct("<III32s12s8s")
CACHE_DOMAIN = b"airflow-comms cache digest v1\x00"
# Airflow drops a file without the magic (or shorter than a trailer) silently: no log line.
NOT_A_BUNDLE = ""

# Every string here is one PyYAML (YAML 1.1) reads as something else when it is left unquoted.
YAML_11_TRAPS = [
    "2026-06-16", "2026-06-16 10:00:00", "yes", "No", "on", "OFF", "y", "n", "true", "null", "~",
    "1:30", "0755", "0x1f", "0b101", "1e3", "1_000", ".inf", "-.inf", ".nan", "+1", "=", "<<",
    "", " padded ", "a: b", "- x", "#not a comment", "'single'", '"double"', "back\\slash",
    "tab\there", "line\nbreak", "cr\rhere", "nul\x00", "del\x7f", "nel\x85", "c1\x9b", "nbsp\xa0",
    "ls\u2028", "bom\ufeff", "nonchar\ufffe", "héllo wörld", "日本語", "emoji 😀", "%percent",
    "@at", "`tick`", "!tag", "&anchor", "*alias", "|block", ">folded", "? key", "{a: 1}", "[1]",
]


class Check:
    def __init__(self) -> None:
        self.passed = 0
        self.failed: list[str] = []

    def that(self, condition: bool, what: str) -> bool:
        if condition:
            self.passed += 1
        else:
            self.failed.append(what)
            print(f"FAIL: {what}", file=sys.stderr)
        return condition


def yaml_from_json(value) -> str:
    """JSON text (which is YAML) with the characters a YAML reader refuses raw written as escapes."""
    text = json.dumps(value, ensure_ascii=False, indent=1)
    out = []
    for ch in text:
        code = ord(ch)
        if 0x7F <= code <= 0x9F or ch in "\u2028\u2029\ufeff\ufffe\uffff":
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def fake_runtime(path: pathlib.Path, manifest_text: str, padding: int = 0) -> bytes:
    """An executable script printing `manifest_text` for --airflow-metadata, then `padding`
    bytes of comment after its `exit` (so the executable region can be made large)."""
    delimiter = "END_OF_MANIFEST"
    assert delimiter not in manifest_text
    script = (
        "#!/bin/sh\n"
        '[ "$1" = --airflow-metadata ] || { echo "unexpected arguments: $*" >&2; exit 2; }\n'
        f"cat <<'{delimiter}'\n{manifest_text}\n{delimiter}\nexit 0\n"
    ).encode()
    if padding:
        line = b"# " + b"x" * 1021 + b"\n"
        script += line * (padding // len(line) + 1)
    path.write_bytes(script)
    path.chmod(0o755)
    return script


def run(cli: str, *args: str, cwd: pathlib.Path) -> subprocess.CompletedProcess:
    return subprocess.run([cli, *args], cwd=cwd, capture_output=True, text=True, check=False)


def airflow_reads(path: pathlib.Path) -> tuple[dict | None, str]:
    """`_read_bundle_metadata(path)` and the reason it logged (at debug level) for a refusal."""
    with capture_logs() as logs:
        result = _read_bundle_metadata(path)
    reason = "; ".join(f"{entry['event']}: {entry['error']}" if "error" in entry else entry["event"] for entry in logs)
    return result, " ".join(reason.split())


def cache_digest(executable: bytes, source: bytes, metadata: bytes) -> str:
    """The `digests.cache` the packer documents, from the stored manifest minus its digests."""
    lines = metadata.decode().splitlines(keepends=True)
    start = lines.index("digests:\n")
    end = start + 1
    while end < len(lines) and lines[end].startswith("  "):
        end += 1
    without = "".join(lines[:start] + lines[end:]).encode()
    h = hashlib.sha256(CACHE_DOMAIN)
    for part in (executable, source, without):
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def check_good(check: Check, cli: str, work: pathlib.Path, name: str, intended: dict,
               manifest_text: str, source: tuple[str, str] | None, padding: int = 0) -> bytes:
    """Packs one fake runtime and checks the bundle end to end; returns the bundle's bytes."""
    folder = work / name
    folder.mkdir()
    executable = fake_runtime(folder / "runtime", manifest_text, padding)
    args = ["bundle", "pack", "runtime", "--out", f"bundles/{name}"]
    source_bytes = b""
    if source is not None:
        (folder / source[0]).write_text(source[1], encoding="utf-8")
        args += ["--source", source[0]]
        source_bytes = source[1].encode()
    packed = run(cli, *args, cwd=folder)
    if not check.that(packed.returncode == 0, f"{name}: pack exits 0 ({packed.stderr.strip()})"):
        return b""
    bundle = folder / "bundles" / name
    data = bundle.read_bytes()

    # The spec's layout, read here with struct.
    source_len, metadata_len, footer_ver, digest, reserved, magic = TRAILER.unpack(data[-64:])
    metadata = data[len(data) - 64 - metadata_len:-64]
    check.that(magic == MAGIC and footer_ver == 1 and reserved == bytes(12), f"{name}: trailer")
    check.that(data[:len(executable)] == executable, f"{name}: executable region is the executable")
    check.that(len(data) == len(executable) + source_len + metadata_len + 64, f"{name}: region lengths")
    check.that(data[len(executable):len(executable) + source_len] == source_bytes, f"{name}: source region")
    check.that(digest == hashlib.sha256(executable).digest(), f"{name}: binary_sha256")
    check.that(os.stat(bundle).st_mode & 0o777 == 0o755, f"{name}: mode 0755")

    expected = dict(intended)
    if source is not None:
        expected["source"] = source[0]
    expected["digests"] = {
        "integrity": hashlib.sha256(executable).hexdigest(),
        "cache": cache_digest(executable, source_bytes, metadata),
    }

    # Airflow's reader.
    got, reason = airflow_reads(bundle)
    check.that(got == expected, f"{name}: Airflow reads the intended manifest\n got      {got!r}\n expected {expected!r} {reason}")
    check.that(yaml.safe_load(metadata.decode()) == expected, f"{name}: PyYAML reads the manifest as meant")
    for dag_id in expected["dags"]:
        try:
            with capture_logs():
                found = _Bundle.find([folder / "bundles"], dag_id)
        except (FileNotFoundError, ValueError) as err:
            check.that(False, f"{name}: the coordinator picks the bundle for {dag_id!r}: {err}")
            continue
        check.that(found.path == bundle.resolve() and found.schema_version == "2026-06-16",
                   f"{name}: the coordinator picks the bundle for {dag_id!r}")

    # bundle inspect says the same.
    shown = run(cli, "bundle", "inspect", str(bundle), cwd=folder)
    if check.that(shown.returncode == 0, f"{name}: inspect exits 0 ({shown.stderr.strip()})"):
        report = json.loads(shown.stdout)
        check.that(report == {
            "footer_ver": 1,
            "binary_sha256": digest.hex(),
            "source_len": source_len,
            "metadata_len": metadata_len,
            "manifest": got,
            "source": source_bytes.decode(),
        }, f"{name}: inspect output")

    # Deterministic, and still runnable.
    again = run(cli, *[f"bundles/{name}.again" if arg == f"bundles/{name}" else arg for arg in args], cwd=folder)
    check.that(again.returncode == 0 and (folder / "bundles" / f"{name}.again").read_bytes() == data,
               f"{name}: packing again gives the same bytes")
    (folder / "bundles" / f"{name}.again").unlink(missing_ok=True)
    ran = subprocess.run([str(bundle), "--airflow-metadata"], capture_output=True, text=True, check=False)
    check.that(ran.returncode == 0 and ran.stdout == manifest_text + "\n", f"{name}: the bundle still runs")
    return data


def rebuild(executable: bytes, source: bytes, metadata: bytes, **trailer) -> bytes:
    """A bundle assembled here from its parts, the trailer's fields overridable."""
    fields = {
        "source_len": len(source),
        "metadata_len": len(metadata),
        "footer_ver": 1,
        "binary_sha256": hashlib.sha256(executable).digest(),
        "reserved": bytes(12),
        "magic": MAGIC,
    }
    fields.update(trailer)
    return executable + source + metadata + TRAILER.pack(*fields.values())


def corrupted(good: bytes) -> dict[str, tuple[bytes, str, str]]:
    """Variants Airflow must refuse: the bytes, the words of Airflow's debug log, the words
    `bundle inspect` must use."""
    source_len, metadata_len, _, _, _, _ = TRAILER.unpack(good[-64:])
    exe_len = len(good) - 64 - metadata_len - source_len
    executable = good[:exe_len]
    source = good[exe_len:exe_len + source_len]
    metadata = good[exe_len + source_len:-64]

    def patched(offset_from_end: int, value: bytes) -> bytes:
        at = len(good) - offset_from_end
        return good[:at] + value + good[at + len(value):]

    flipped = bytearray(good)
    flipped[100] ^= 0x01
    return {
        "bad magic": (patched(8, b"AFBNDL02"), NOT_A_BUNDLE, "not a bundle: the file ends with"),
        "shorter than a trailer": (good[-63:], NOT_A_BUNDLE, "not a bundle: the file is 63 bytes"),
        "not a bundle at all": (b"#!/bin/sh\necho hello\n" * 10, NOT_A_BUNDLE, "not a bundle"),
        "byte appended after the trailer": (good + b"\n", NOT_A_BUNDLE, "not a bundle"),
        "footer_ver 2": (patched(56, struct.pack("<I", 2)), "Unsupported bundle footer_ver=2", "unsupported footer_ver 2"),
        "footer_ver 0": (patched(56, struct.pack("<I", 0)), "Unsupported bundle footer_ver=0", "unsupported footer_ver 0"),
        "reserved byte 44 set": (patched(20, b"\x01"), "non-zero reserved bytes", "reserved bytes 44..56 are not zero"),
        "reserved byte 55 set": (patched(9, b"\x80"), "non-zero reserved bytes", "reserved bytes 44..56 are not zero"),
        "source_len past the start": (patched(64, struct.pack("<I", len(good))), "extend past the start", "past the start of the file"),
        "metadata_len 0xffffffff": (patched(60, struct.pack("<I", 0xFFFFFFFF)), "extend past the start", "past the start of the file"),
        "no executable region": (patched(60, struct.pack("<I", metadata_len + exe_len)), "no room for the executable", "leaves no room for the executable"),
        "executable byte flipped": (bytes(flipped), "binary_sha256 mismatch", "binary_sha256 mismatch"),
        "first byte dropped": (good[1:], "binary_sha256 mismatch", "binary_sha256 mismatch"),
        "trailer digest flipped": (patched(40, bytes([good[-40] ^ 0xFF])), "binary_sha256 mismatch", "binary_sha256 mismatch"),
        "source_len one short": (patched(64, struct.pack("<I", source_len - 1)), "binary_sha256 mismatch", "binary_sha256 mismatch"),
        "manifest not YAML": (rebuild(executable, source, b"dags: [unclosed\n"), "Cannot decode bundle metadata", "is not valid YAML"),
        "manifest a list": (rebuild(executable, source, b"- dags\n"), "not a mapping", "is not a mapping"),
        "manifest a string": (rebuild(executable, source, b"just text\n"), "not a mapping", "is not a mapping"),
        "manifest empty": (rebuild(executable, source, b""), "not a mapping", "is not a mapping but null"),
        "manifest not UTF-8": (rebuild(executable, source, metadata.replace(b"rust", b"r\xffst")), "Cannot decode bundle metadata", "metadata region is not UTF-8"),
    }


def stricter(good: bytes) -> dict[str, tuple[bytes, None, str]]:
    """Variants Airflow 3.3.2 accepts and `bundle inspect` refuses."""
    source_len, metadata_len, _, _, _, _ = TRAILER.unpack(good[-64:])
    exe_len = len(good) - 64 - metadata_len - source_len
    executable, metadata = good[:exe_len], good[exe_len + source_len:-64]
    integrity = hashlib.sha256(executable).hexdigest().encode()
    lying = metadata.replace(integrity, b"0" * 64)
    return {
        "digests.integrity not the trailer's digest": (rebuild(executable, good[exe_len:exe_len + source_len], lying), None, "does not match the trailer's binary_sha256"),
        "source region not UTF-8": (rebuild(executable, b"\xff\xfe source", metadata), None, "source is not UTF-8"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", required=True, help="the airflow-comms binary")
    args = parser.parse_args()
    check_pins("check_reader")
    cli = str(pathlib.Path(args.cli).resolve())
    check = Check()

    plain = {
        "airflow_bundle_metadata_version": "1.0",
        "sdk": {"language": "rust", "version": "0.1.0", "supervisor_schema_version": "2026-06-16"},
        "source": "main.rs",
        "dags": {"rust_demo": {"tasks": ["greet", "connect", "sum_upstream", "always_fails", "skip_me"]}},
    }
    # As a person would write it: unquoted date, flow lists, keys unsorted.
    plain_text = (
        "source: main.rs\n"
        "dags:\n  rust_demo:\n    tasks: [greet, connect, sum_upstream, always_fails, skip_me]\n"
        "sdk:\n  version: \"0.1.0\"\n  supervisor_schema_version: 2026-06-16\n  language: rust\n"
        "airflow_bundle_metadata_version: \"1.0\"\n"
    )
    awkward = {
        "airflow_bundle_metadata_version": "1.0",
        "sdk": {"language": "rust", "version": "1.10", "supervisor_schema_version": "2026-06-16",
                "build": {"profile": "release", "features": ["yes", "on"]}},
        "source": "main.rs",
        "dags": {
            "2026-01-01": {"tasks": YAML_11_TRAPS, "owner": "data-team"},
            "yes": {"tasks": ["no"], "retries": 3},
            "rust_demo": {"tasks": []},
        },
        "x_future": {trap: trap for trap in YAML_11_TRAPS},
        "x_numbers": [0, -1, 18446744073709551615, 1.5, 1e300, 1e-300, -0.5, True, False, None, [], {}],
    }

    with tempfile.TemporaryDirectory(prefix="bundle-check-") as tmp:
        work = pathlib.Path(tmp)
        good = check_good(check, cli, work, "plain", plain, plain_text, ("demo_tasks.rs", "fn main() {}\n"))
        check_good(check, cli, work, "awkward", awkward, yaml_from_json(awkward),
                   ("on", "// 2026-06-16: yes\nfn main() { println!(\"héllo\\u{85}\"); }\n"))
        check_good(check, cli, work, "no-source", plain, plain_text, None)
        check_good(check, cli, work, "large", plain, plain_text, ("demo_tasks.rs", "x" * 100_000), padding=3 << 20)

        variants = work / "variants"
        variants.mkdir()
        for kind, cases in (("refused", corrupted(good)), ("stricter", stricter(good))):
            for name, (data, airflow_words, words) in cases.items():
                path = variants / name.replace(" ", "_").replace("'", "")
                path.write_bytes(data)
                path.chmod(0o755)
                result, reason = airflow_reads(path)
                shown = run(cli, "bundle", "inspect", str(path), cwd=work)
                message = shown.stderr.strip().removeprefix(f"error: {path}: ")
                print(f"{name}\n  Airflow: {'accepts' if result is not None else 'refuses'}"
                      f"{': ' + reason.replace(str(path), 'FILE') if reason else ''}\n  inspect: {message}")
                if kind == "refused":
                    check.that(result is None, f"Airflow refuses: {name}")
                    if airflow_words == NOT_A_BUNDLE:
                        check.that(reason == "", f"Airflow takes it for no bundle at all: {name}: {reason}")
                    else:
                        check.that(airflow_words in reason, f"Airflow's reason ({airflow_words!r}): {name}: {reason}")
                else:
                    check.that(result is not None, f"Airflow 3.3.2 accepts (inspect is stricter): {name}: {reason}")
                check.that(shown.returncode == 1 and not shown.stdout, f"inspect exits 1: {name}")
                check.that(words in message, f"inspect names the problem ({words!r}): {name}: {message}")

    print(f"bundle reader check: {check.passed} passed, {len(check.failed)} failed")
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
