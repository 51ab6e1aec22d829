"""Benchmark 4: handoff queue enqueue and claim throughput, lost and double claims.

    .venv/bin/python -m bench.queue_bench [--requests 400] [--claimers 8]

Uses bot/handoff/queue.py:HandoffQueue as the service does, on a throwaway
SQLite file and a throwaway PostgreSQL database (127.0.0.1:5432, dropped after;
skipped with a note when unreachable). 8 producers enqueue concurrently; then
8 claimers (each its own engine, like separate processes) race over every
request in their own random order. A request is *lost* when it was
acknowledged but is missing or unclaimed at the end, *double-claimed* when more
than one claimer got won=True. Both must be 0.
Result: bench/results/queue.json
"""
from __future__ import annotations

import argparse
import random
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Dict, List

from bench.common import load_average, write_result
from tests.postgres import throwaway_postgres


def count_outcomes(created: List[str], wins: List[tuple], final_owner: Dict[str, str]) -> Dict[str, int]:
    """Lost / double-claimed counts from the claim log (pure; unit-tested).

    created: references acknowledged to producers; wins: (reference, claimer)
    for every won=True; final_owner: reference -> assigned_to read back.
    """
    per_ref = Counter(ref for ref, _ in wins)
    double = sum(1 for ref in created if per_ref[ref] > 1)
    lost = sum(1 for ref in created if per_ref[ref] == 0 or not final_owner.get(ref))
    mismatch = sum(1 for ref, who in wins if per_ref[ref] == 1 and final_owner.get(ref) != who)
    return {"lost": lost, "double_claimed": double, "owner_mismatch": mismatch}


def _threads(n: int, target) -> float:
    barrier = threading.Barrier(n)
    errors: List[BaseException] = []

    def run(i):
        try:
            barrier.wait()
            target(i)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    if errors:
        raise errors[0]
    return wall


def run(url: str, requests: int, claimers: int, producers: int = 8) -> Dict[str, object]:
    from bot.handoff.queue import HandoffQueue
    from bot.handoff.routing import StaffMember
    from ontmoet_core.db import make_engine, upgrade_database

    upgrade_database(url)
    created: List[str] = []
    lock = threading.Lock()
    per_producer = [requests // producers + (1 if i < requests % producers else 0)
                    for i in range(producers)]

    def produce(i):
        engine = make_engine(url)
        try:
            queue = HandoffQueue(engine)
            for n in range(per_producer[i]):
                view = queue.create_request(channel="rest", resident_key=f"bench-{i}-{n}",
                                            consent=False, reason="benchmark",
                                            stadsdeel="West")
                with lock:
                    created.append(view.reference)
        finally:
            engine.dispose()

    enqueue_wall = _threads(producers, produce)
    wins: List[tuple] = []
    attempts = [0]
    staff = [StaffMember(f"bench-{i}", f"Bench {i}", stadsdelen=("West",)) for i in range(claimers)]

    def claim(i):
        engine = make_engine(url)
        try:
            queue = HandoffQueue(engine)
            order = list(created)
            random.Random(i).shuffle(order)
            for ref in order:
                result = queue.claim(ref, staff[i])
                with lock:
                    attempts[0] += 1
                    if result.won:
                        wins.append((ref, staff[i].username))
        finally:
            engine.dispose()

    claim_wall = _threads(claimers, claim)
    reader = HandoffQueue(make_engine(url))
    try:
        final_owner = {ref: reader.get(ref).assigned_to for ref in created}
    finally:
        reader.engine.dispose()
    outcome = count_outcomes(created, wins, final_owner)
    return {
        "requests": requests, "producers": producers, "claimers": claimers,
        "enqueued": len(created),
        "enqueue_per_s": round(len(created) / enqueue_wall, 1),
        "claims_won": len(wins), "claim_attempts": attempts[0],
        "claims_won_per_s": round(len(wins) / claim_wall, 1),
        "claim_attempts_per_s": round(attempts[0] / claim_wall, 1),
        **outcome, "load_average_after": load_average(),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--claimers", type=int, default=8)
    args = parser.parse_args(argv)
    results: Dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="ontmoet-queue-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'queue.db'}"
        results["sqlite"] = run(url, args.requests, args.claimers)
        print("sqlite", results["sqlite"], flush=True)
    with ExitStack() as stack:
        try:
            url = stack.enter_context(throwaway_postgres("ontmoet_bench"))
        except Exception as exc:  # unreachable server: reported, not fatal
            results["postgresql"] = {"skipped": f"PostgreSQL unreachable: {type(exc).__name__}"}
        else:
            results["postgresql"] = run(url, args.requests, args.claimers)
    print("postgresql", results["postgresql"], flush=True)
    path = write_result("queue", {"command": "python -m bench.queue_bench", **results})
    print(path)


if __name__ == "__main__":
    main()
