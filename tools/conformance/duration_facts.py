"""Writes tests/corpus/durations.json: how the real SDK reads durations (pydantic `timedelta`).

Durations reach the supervisor as ISO 8601 strings (msgspec writes `timedelta` that way in frames,
pydantic in JSON) or, less often, as numbers of seconds. For a few thousand inputs around the
parser's limits (32-bit numbers, 999,999,999 days, fractions, rounding to the microsecond,
malformed spellings), plus seeded random ones, this records what pydantic makes of each:
- `python`: `TypeAdapter(timedelta).validate_python(value)`, the frame path (msgspec hands the
  string or number over as is);
- `json`: `TypeAdapter(timedelta).validate_json(json.dumps(value))`, the JSON path.
Each verdict is the duration in microseconds (as a string: it can exceed 2^53), or null when
pydantic refuses it (a ValidationError, or Python's own OverflowError just past the bound).

`tests/durations.rs` holds the crate's `TimeDelta` to these verdicts. Deterministic; CI
regenerates the file and fails when it drifts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import CORPUS, check_pins  # noqa: E402  (tools/common.py)

SEED = 20261126
RANDOM_CASES = 3000

EDGES = [
    "P999999999D", "P1000000000D", "-P999999999D", "-P1000000000D",
    "P999999999DT23H59M59.999999S", "P999999999DT23H59M59.9999995S", "P999999999DT24H",
    "-P999999999DT0.000001S", "-P999999998DT23H59M59.999999S",
    "PT4294967295S", "PT4294967296S", "PT4294967295.999999S", "PT4294967295.9999999S",
    "P4294967295D", "P4294967296D", "PT1193046H", "PT1193047H", "PT71582788M", "PT71582789M",
    "P142857142W", "P142857143W", "P2739726Y", "P2739727Y", "P33333333M", "P33333334M",
    "P1000000000000000000000000000D1000000000000000000000000000D", "P99999999999999999999D",
    "P1969226660422097589487121570.9D", "PT0.1234565S", "PT0.1234567S", "PT0.0000005S",
    "PT0.0000004S", "P0.99999999999999999999D", "P1,5D", "P1.5DT1S", "PT1.5M1S", "PT1.5M",
    "P1.D", "P.5D", "PT1.S", "P1DT", "PT", "P", "-P", "+P1D", "--P1D", "-+P1D", "P1H", "PT1D",
    "P 1D", "P-1D", "p1d", "P1d", "pt1s", "P1DT1H1M1.5S", "PT0S", "P0D", "-PT0S", "P1Y1M1W1D",
    "P1W1D", "P1D1W", "P1M1Y", "PT1S1H", "PT1H1H", "P1DT1HT1M", "P1DTT1H", "01:00:00",
    "1 day, 01:00:00", "1d", "P1DT1H ", " P1D", "P1D\n", "PT1e3S", "P\u0661D", "",
]
NUMBERS = [
    0, 1, -1, 86399999999999, 86400000000000, -86399999913600, -86399999913601,
    -86399999999999, -86400000000000, 4294967296, 2**63 - 1, -(2**63), 2**64 - 1,
    0.5, -0.5, 1e-7, 5e-7, 86399999999999.5, -86399999913600.5, 1e17, -1e17, 1.5e300,
]


def random_duration(rng: random.Random) -> str:
    """A string near the ISO 8601 duration grammar, sometimes just outside it."""

    def number() -> str:
        digits = rng.choice([1, 1, 2, 3, 5, 8, 9, 10, 10, 11, 20])
        text = str(rng.randint(0, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(digits - 1))
        if rng.random() < 0.25:
            text += rng.choice(".,") + "".join(str(rng.randint(0, 9)) for _ in range(rng.choice([0, 1, 3, 6, 7, 9])))
        return text

    def parts(units: str) -> str:
        chosen = [u for u in units if rng.random() < 0.4] or [rng.choice(units)]
        if rng.random() < 0.05:
            rng.shuffle(chosen)
        return "".join(number() + unit for unit in chosen)

    text = rng.choice(["", "", "", "-", "+"]) + "P"
    if rng.random() < 0.7:
        text += parts("YMWD")
    if rng.random() < 0.7:
        text += "T" + parts("HMS")
    if rng.random() < 0.08:
        i = rng.randrange(len(text) + 1)
        text = text[:i] + rng.choice(["T", "D", ".", " ", "-", "p", "s", "0", ""]) + text[i:]
    if rng.random() < 0.04:
        text = text.lower()
    return text


def verdict(validate, value) -> str | None:
    try:
        delta: dt.timedelta = validate(value)
    except (ValidationError, OverflowError):
        return None
    return str((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=CORPUS / "durations.json")
    args = parser.parse_args()
    check_pins("duration_facts")

    rng = random.Random(SEED)
    inputs: list = list(EDGES) + list(NUMBERS)
    seen = set(map(repr, inputs))
    while len(inputs) < len(EDGES) + len(NUMBERS) + RANDOM_CASES:
        text = random_duration(rng)
        if repr(text) not in seen:
            seen.add(repr(text))
            inputs.append(text)

    adapter = TypeAdapter(dt.timedelta)
    cases = [
        {
            "input": value,
            "python": verdict(adapter.validate_python, value),
            "json": verdict(adapter.validate_json, json.dumps(value)),
        }
        for value in inputs
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"seed": SEED, "cases": cases}, indent=1, ensure_ascii=False) + "\n")
    accepted = sum(case["python"] is not None for case in cases)
    print(f"{len(cases)} durations, {accepted} accepted by validate_python -> {args.out}")


if __name__ == "__main__":
    main()
