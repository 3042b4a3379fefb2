"""Interop child: talks to a supervisor over fd 0 with the Airflow SDK's own CommsDecoder.

It sends every request listed in --requests (JSON lines of canonical request bodies), reads each
reply with the SDK's decoder (msgspec `_ResponseFrame` + `TypeAdapter(ToTask)`), and checks it
against --expect (request type -> expected reply dump, `null` for an empty reply, or
`{"error": <ErrorResponse dump>}` for an error frame). A request whose line carries
`"_refused": true` must be answered with an error frame: the test fails, rather than hangs, if
the supervisor stays silent (the socket has a timeout).

With --first-id the SDK client's id counter starts there instead of 0 (Airflow's runners count
from 0; a counter near 2**63 sends ids an i64 cannot hold), and every reply must carry the id of
the request it answers, as the SDK's reader decodes it.

Prints one JSON summary line on stdout and exits 1 on any mismatch.
"""

from __future__ import annotations

import argparse
import itertools
import json
import socket
import sys

from pydantic import TypeAdapter

from airflow.sdk.exceptions import AirflowRuntimeError
from airflow.sdk.execution_time import comms

UNIONS = {
    "task": comms.ToSupervisor,
    # The callback runner sends CallbackToSupervisor members; any ToSupervisor member is
    # a valid *message* for the SDK, and the supervisor decides whether it is permitted.
    "callback": comms.ToSupervisor,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", required=True)
    parser.add_argument("--expect", required=True)
    parser.add_argument("--channel", choices=sorted(UNIONS), required=True)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--first-id", type=int, default=0)
    args = parser.parse_args()

    sock = socket.socket(fileno=0)
    sock.settimeout(args.timeout)
    read_ids: list[int] = []

    class IdCheckingDecoder(comms.CommsDecoder):
        """The SDK's client, noting the id of every reply frame its own reader decodes."""

        def _read_frame(self, maxfds=None):
            frame = super()._read_frame(maxfds) if maxfds else super()._read_frame()
            read_ids.append((frame[0] if maxfds else frame).id)
            return frame

    decoder = IdCheckingDecoder(socket=sock, id_counter=itertools.count(args.first_id))
    adapter = TypeAdapter(UNIONS[args.channel])
    expect = json.load(open(args.expect, encoding="utf-8"))

    failures: list[str] = []
    sent = 0
    for line in open(args.requests, encoding="utf-8"):
        case = json.loads(line)
        refused = case.pop("_refused", False)
        msg = adapter.validate_python(case)
        sent_id = args.first_id + sent
        sent += 1
        try:
            reply = decoder.send(msg)
        except AirflowRuntimeError as err:
            got = {"error": err.error.model_dump(mode="json", by_alias=True)}
        except socket.timeout:
            failures.append(f"{msg.type}: no reply within {args.timeout}s")
            break
        else:
            got = None if reply is None else reply.model_dump(mode="json", by_alias=True)
        if read_ids[-1:] != [sent_id]:
            failures.append(f"{msg.type}: sent id {sent_id}, the reply read carries {read_ids[-1:]}")
        if refused:
            if not (isinstance(got, dict) and "error" in got):
                failures.append(f"{msg.type}: expected an error frame, got {got!r}")
            continue
        want = expect.get(msg.type)
        if got != want:
            failures.append(f"{msg.type}: expected {want!r}, got {got!r}")

    print(json.dumps({"channel": args.channel, "sent": sent, "first_id": args.first_id, "failures": failures}))
    return 1 if failures or sent == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
