#!/usr/bin/env python3
"""A minimal OCPP 1.6 charger for the silent-charger test: connects, boots, then sends a
Heartbeat every --every seconds and prints one line per event on stdout. The test SIGSTOPs this
process: no more frames, no more pongs, while the kernel keeps the TCP connection up."""

import argparse
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support.ocpp_peer import TestChargePoint, open_ws  # noqa: E402


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--id", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--every", type=float, default=1.0)
    args = ap.parse_args()
    ws = await open_ws(f"{args.url}/{args.id}", args.id, args.password)
    cp = TestChargePoint(args.id, ws)
    serve = asyncio.create_task(cp.start())
    boot = await cp.boot()
    print(f"BOOTED {boot.status} interval={boot.interval}", flush=True)
    n = 0
    while not serve.done():
        await asyncio.sleep(args.every)
        await cp.heartbeat()
        n += 1
        print(f"HEARTBEAT {n}", flush=True)
    print(f"CLOSED {serve.exception()!r}", flush=True)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
