"""Writes tests/corpus/datetimes.json: how the real SDK reads date-times at the ends of its range.

Python's `datetime` holds the years 1 to 9999. A date-time near either end with a UTC offset can
be valid as written yet fall outside that range once converted to UTC (`0001-01-01T00:30:00+01:00`
is in year 0 in UTC). Whether the SDK refuses it depends on the field type:
- `aware`: pydantic `AwareDatetime` (the task SDK's aware fields);
- `plain`: a plain `datetime` (naive or aware);
- `utc`: Airflow core's `UtcDateTime` (`AwareDatetime` converted to UTC after validation, as in the
  DAG run a callback request carries to the DAG processor).

For each type and each input this records what pydantic makes of it:
- `json`: `TypeAdapter(type).validate_json(json.dumps(text))`, the JSON path;
- `python`: `TypeAdapter(type).validate_python(text)`, a frame holding the date-time as a string;
- for msgpack timestamps (`timestamps`, seconds and nanoseconds in UTC), `python` is what
  msgspec's decoding of the extension value followed by `validate_python` gives: a frame
  holding the date-time as msgspec writes it.
`spellings` holds the same verdicts for date-time text spelled every way RFC 3339 and ISO 8601
allow and a few ways they do not (separators, case, fractions, offsets, out-of-range fields,
stray characters): the crate reads date-time text with speedate, pydantic's own parser, and must
draw the same line. Text pydantic reads as a unix timestamp (digits only) or as a date alone is
left out: those are lax-mode coercions, covered by the corpus and the differential run.
Each verdict is pydantic's JSON dump of the value (`dump_python(mode="json")`), or null when the
SDK refuses it (a ValidationError, or Python's own OverflowError from the conversion to UTC).

`tests/datetimes.rs` holds the crate's date-time types to these verdicts. Deterministic; CI
regenerates the file and fails when it drifts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import struct
import sys
from pathlib import Path

from pydantic import ValidationError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import CORPUS, check_pins  # noqa: E402  (tools/common.py)

DAYS = ["0001-01-01", "0001-01-02", "9999-12-30", "9999-12-31"]
TIMES = ["00:00:00", "00:00:59.999999", "00:59:59.999999", "01:00:00", "22:59:59.999999", "23:00:00",
         "23:58:59", "23:59:00", "23:59:59.999999"]
OFFSETS = ["", "Z", "+00:00", "-00:00", "+00:01", "-00:01", "+01:00", "-01:00", "+05:30", "-05:30",
           "+23:59", "-23:59", "+0100", "-0100"]
SPELLINGS = [
    "2026-01-02T03:04:05Z", "2026-01-02t03:04:05z", "2026-01-02 03:04:05Z", "2026-01-02_03:04:05Z",
    "2026-01-02T03:04Z", "2026-01-02T03:04", "2026-01-02T03Z", "2026-01-02T03:04:05.5Z",
    "2026-01-02T03:04:05,5Z", "2026-01-02T03:04:05.123456789Z", "2026-01-02T03:04:05.1234567",
    "2026-01-02T03:04:05.Z", "2026-01-02T03:04:05.", "2026-01-02T03:04:05+05", "2026-01-02T03:04:05+0530",
    "2026-01-02T03:04:05-0530", "2026-01-02T03:04:05+05:3", "2026-01-02T03:04:05+05:30:15",
    "2026-01-02T03:04:05\u221205:30", "2026-01-02T03:04:05+24:00", "2026-01-02T03:04:05+23:60",
    "2026-01-02T03:04:05-00:00", "2026-01-02T03:04:05+00:00Z", "2026-01-02T03:04:05ZZ",
    "0000-01-01T00:00:00Z", "0000-01-01T00:00:00", "2026-01-02T24:00:00Z", "2026-01-02T00:60:00Z",
    "2016-12-31T23:59:60Z", "2026-02-29T00:00:00Z", "2028-02-29T00:00:00Z", "2100-02-29T00:00:00Z",
    "2000-02-29T00:00:00Z", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z",
    "2026-01-00T00:00:00Z", "2026-01-32T00:00:00Z", "10000-01-01T00:00:00Z", "-0001-01-01T00:00:00Z",
    "+2026-01-02T03:04:05Z", " 2026-01-02T03:04:05Z", "2026-01-02T03:04:05Z ", "2026-01-02T03:04:05Z\n",
    "20260102T030405Z", "2026-W01-1T00:00:00Z", "2026-001T00:00:00Z", "2026-1-02T03:04:05Z",
    "2026-01-02T3:04:05Z", "2026-01-02T03:04:5Z", "2026-01-0203:04:05Z", "2026-01-02T03:04:05+5:30",
    "2026-01-02T03:04:05 +05:30", "2026-01-02T03-04-05Z", "2026/01/02T03:04:05Z", "12:00:00",
    "2026-01-02T", "2026-01-02T03:04:05.000000Z", "9999-12-31T23:59:59.9999999Z",
    "\uff12026-01-02T03:04:05Z", "2026-01-02T03:04:05\u00b1", "",
]
# Seconds since the epoch (UTC) around the first and last instants Python holds.
FIRST, LAST = -62135596800, 253402300799
TIMESTAMPS = [(FIRST - 1, 999_999_999), (FIRST, 0), (FIRST, 1_000), (LAST, 999_999_000),
              (LAST, 999_999_999), (LAST + 1, 0)]


def texts() -> list[str]:
    return [f"{day}T{time}{offset}" for day in DAYS for time in TIMES for offset in OFFSETS]


def timestamp_ext(secs: int, nanos: int) -> bytes:
    """The msgpack timestamp extension (type -1) for `secs` and `nanos`, in its 96-bit form."""
    return b"\xc7\x0c\xff" + struct.pack(">Iq", nanos, secs)


def verdict(adapter, validate, value) -> str | None:
    try:
        parsed = validate(value)
    except (ValidationError, OverflowError):
        return None
    return adapter.dump_python(parsed, mode="json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=CORPUS / "datetimes.json")
    args = parser.parse_args()
    check_pins("datetime_facts")

    import msgspec
    from pydantic import AwareDatetime, TypeAdapter

    from airflow.api_fastapi.common.types import UtcDateTime

    types = {"aware": AwareDatetime, "plain": dt.datetime, "utc": UtcDateTime}
    adapters = {name: TypeAdapter(ann) for name, ann in types.items()}
    cases = []
    for text in texts():
        case: dict = {"input": text}
        for name, adapter in adapters.items():
            case[name] = {
                "json": verdict(adapter, adapter.validate_json, json.dumps(text)),
                "python": verdict(adapter, adapter.validate_python, text),
            }
        cases.append(case)
    spellings = []
    for text in SPELLINGS:
        case = {"input": text}
        for name, adapter in adapters.items():
            case[name] = {
                "json": verdict(adapter, adapter.validate_json, json.dumps(text)),
                "python": verdict(adapter, adapter.validate_python, text),
            }
        spellings.append(case)
    timestamps = []
    for secs, nanos in TIMESTAMPS:
        packed = timestamp_ext(secs, nanos)
        try:
            decoded = msgspec.msgpack.decode(packed)
        except (msgspec.DecodeError, ValueError):  # msgspec refuses years beyond Python's range
            decoded = None
        case = {"secs": secs, "nanos": nanos, "msgpack": packed.hex()}
        for name, adapter in adapters.items():
            case[name] = None if decoded is None else verdict(adapter, adapter.validate_python, decoded)
        timestamps.append(case)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"cases": cases, "spellings": spellings, "timestamps": timestamps}, indent=1) + "\n")
    refused = sum(case["utc"]["json"] is None for case in cases)
    accepted = sum(case["plain"]["json"] is not None for case in spellings)
    print(f"{len(cases)} date-times ({refused} refused as UtcDateTime), {len(spellings)} spellings "
          f"({accepted} accepted as datetime), {len(timestamps)} timestamps -> {args.out}")


if __name__ == "__main__":
    main()
