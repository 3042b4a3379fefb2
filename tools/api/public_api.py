#!/usr/bin/env python3
"""The public API of the `airflow-comms` library, as rustdoc documents it, one line per item.

Reads the HTML that `cargo doc --no-deps --all-features` wrote under target/doc/airflow_comms/
(under `$CARGO_TARGET_DIR` when set):
every public item (its path and kind, and whether it is `#[non_exhaustive]`), and on each
item's page its fields, variants, required trait methods, associated items and inherent
methods. Items rustdoc hides (`#[doc(hidden)]`)
are not listed. Blanket and trait implementations are left out: they follow from the items.

    python3 tools/api/public_api.py            # print the list
    python3 tools/api/public_api.py --write    # update tests/public-api.txt
    python3 tools/api/public_api.py --check    # fail when the surface differs from it

`.ci/run` runs `--check` after rustdoc, so the public surface only changes on purpose: a change
shows in the diff of tests/public-api.txt, in the commit that makes it.
"""

from __future__ import annotations

import argparse
import difflib
import os
import pathlib
import re
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
DOC = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target")) / "doc" / "airflow_comms"
SNAPSHOT = REPO / "tests" / "public-api.txt"

# Anchors on an item's page that name a member of the item itself.
MEMBER = re.compile(
    r'id="((?:structfield|variant|tymethod|associatedconstant|associatedtype)\.[A-Za-z0-9_]+)"'
)
METHOD = re.compile(r'id="((?:method|associatedconstant)\.[A-Za-z0-9_]+)"')
# rustdoc names item pages `<kind>.<Name>.html`.
PAGE = re.compile(r"^(struct|enum|trait|fn|constant|type|macro|static|union|traitalias)\.(.+)\.html$")


def inherent_section(html: str) -> str:
    """The part of a page that lists inherent `impl` blocks."""
    start = html.find('id="implementations-list"')
    if start < 0:
        return ""
    ends = [
        i
        for i in (
            html.find('id="trait-implementations"', start),
            html.find('id="synthetic-implementations"', start),
            html.find('id="blanket-implementations"', start),
        )
        if i >= 0
    ]
    return html[start : min(ends) if ends else len(html)]


def surface() -> list[str]:
    if not DOC.is_dir():
        sys.exit(f"{DOC} is missing: run `cargo doc --no-deps --all-features` first")
    lines = []
    for page in sorted(DOC.rglob("*.html")):
        match = PAGE.match(page.name)
        if not match:
            continue
        kind, name = match.groups()
        module = page.parent.relative_to(DOC.parent).as_posix().replace("/", "::")
        html = page.read_text(encoding="utf-8")
        path = f"{module}::{name}"
        if 'http-equiv="refresh"' in html:
            # The same item, re-exported under a second path (the root and a module).
            lines.append(f"{kind} {path} (also)")
            continue
        head = html.split('id="implementations"')[0]
        # `#[non_exhaustive]` is part of the contract: adding or removing it breaks callers.
        marks = " (non-exhaustive)" if 'class="toggle non-exhaustive"' in head else ""
        lines.append(f"{kind} {path}{marks}")
        members = set(MEMBER.findall(head))
        members |= set(METHOD.findall(inherent_section(html)))
        lines.extend(f"  {kind} {path} {member}" for member in sorted(members))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true", help="update tests/public-api.txt")
    group.add_argument("--check", action="store_true", help="fail when it differs")
    args = parser.parse_args()
    text = "\n".join(surface()) + "\n"
    if args.write:
        SNAPSHOT.write_text(text, encoding="utf-8")
        print(f"wrote {SNAPSHOT.relative_to(REPO)} ({text.count(chr(10))} lines)")
    elif args.check:
        old = SNAPSHOT.read_text(encoding="utf-8") if SNAPSHOT.exists() else ""
        if old != text:
            diff = difflib.unified_diff(
                old.splitlines(), text.splitlines(), "tests/public-api.txt", "rustdoc", lineterm=""
            )
            sys.stdout.write("\n".join(diff) + "\n")
            sys.exit(
                "the public API differs from tests/public-api.txt; if that is on purpose, run "
                "`python3 tools/api/public_api.py --write` and commit the change"
            )
        print(f"public API: {text.count(chr(10))} lines, as in tests/public-api.txt")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
