"""Pack the stand-in runtime (standin_runtime.py) into an executable bundle, for the self-test.

The executable region is a two-line POSIX shell launcher that `exec`s this venv's Python on
standin_runtime.py; the shell never reads past `exec`, so the appended regions do not disturb it.
Layout per bundle-spec 1.0 (task-sdk/docs/executable-bundle-spec.rst): executable, source,
manifest, then the 64-byte little-endian trailer `<III 32s 12s 8s>` = source_len, metadata_len,
footer_ver 1, SHA-256 of the executable region, 12 zero bytes, b"AFBNDL01".
"""

from __future__ import annotations

import argparse
import hashlib
import shlex
import struct
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
STANDIN = HERE / "standin_runtime.py"


def pack(out: Path) -> Path:
    launcher = (
        f"#!/bin/sh\nexec {shlex.quote(sys.executable)} {shlex.quote(str(STANDIN))} \"$@\"\nexit 127\n"
    ).encode()
    source = STANDIN.read_bytes()
    metadata = subprocess.run(
        [sys.executable, str(STANDIN), "--airflow-metadata"], check=True, capture_output=True
    ).stdout
    trailer = struct.pack(
        "<III32s12s8s",
        len(source),
        len(metadata),
        1,
        hashlib.sha256(launcher).digest(),
        bytes(12),
        b"AFBNDL01",
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(launcher + source + metadata + trailer)
    out.chmod(0o755)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="bundle file to write")
    args = parser.parse_args()
    print(pack(args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
