"""Where a turn's time goes: per graph node (NLU components, policies), in process.

    .venv/bin/python -m bench.breakdown [--model PATH] [--bare-model PATH] [--repeat 20]

Loads the model with Rasa's Agent (no HTTP, no action server, in-memory
tracker) and times every graph node (rasa.engine.graph.GraphNode) while the
scripted messages of bench/service_bench.py are parsed and predicted.
Result: bench/results/breakdown.json
"""
from __future__ import annotations

import argparse
import asyncio
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

from bench.common import write_result


def _patch_graph_node(timings: Dict[str, List[float]]):
    from rasa.engine.graph import GraphNode

    original = GraphNode.__call__

    def timed(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            timings[self._node_name].append(time.perf_counter() - start)

    GraphNode.__call__ = timed
    return lambda: setattr(GraphNode, "__call__", original)


async def _profile(model: Path, messages: List[str], repeat: int) -> Dict[str, object]:
    from rasa.core.agent import load_agent

    agent = await load_agent(model_path=str(model))
    timings: Dict[str, List[float]] = defaultdict(list)
    parse: List[float] = []
    predict: List[float] = []
    unpatch = _patch_graph_node(timings)
    try:
        for text in messages:  # warm-up
            await agent.parse_message(text)
        timings.clear()
        for i in range(repeat):
            for text in messages:
                t0 = time.perf_counter()
                await agent.parse_message(text)
                parse.append(time.perf_counter() - t0)
                sender = f"breakdown-{i}"
                t0 = time.perf_counter()
                await agent.handle_text(text, sender_id=sender)  # actions fail fast: no server
                predict.append(time.perf_counter() - t0)
    finally:
        unpatch()
    nodes = {name: round(sum(v) / len(v) * 1000, 2) for name, v in timings.items() if v}
    calls = {name: len(v) for name, v in timings.items()}
    top = sorted(nodes.items(), key=lambda kv: -kv[1] * calls[kv[0]])[:15]
    return {
        "model": str(model),
        "nlu_parse_mean_ms": round(sum(parse) / len(parse) * 1000, 2),
        "handle_text_mean_ms": round(sum(predict) / len(predict) * 1000, 2),
        "node_mean_ms": dict(top),
    }


def main(argv=None) -> None:
    from bench.service_bench import FLOOR_SCRIPTS, OUR_SCRIPTS
    from bench.train_bench import FLOOR_MODEL, FULL_MODEL

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=FULL_MODEL)
    parser.add_argument("--floor-model", type=Path, default=FLOOR_MODEL)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args(argv)
    ours_msgs = sorted({m for s in OUR_SCRIPTS for m in s})
    floor_msgs = sorted({m for s in FLOOR_SCRIPTS for m in s})
    result = {"command": "python -m bench.breakdown",
              "ours": asyncio.run(_profile(args.model, ours_msgs, args.repeat))}
    if args.floor_model.exists():
        result["floor"] = asyncio.run(_profile(args.floor_model, floor_msgs, args.repeat))
    print(write_result("breakdown", result))


if __name__ == "__main__":
    main()
