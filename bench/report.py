"""Write the figures in bench/results/*.json into docs/BENCHMARKS.md.

    .venv/bin/python -m bench.report

Only the part between the markers below is rewritten; the NLU section (owned
by bench/nlu_eval*) and anything else in the file stay as they are.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional

from bench.common import RESULTS, ROOT, markdown_table

DOC = ROOT / "docs" / "BENCHMARKS.md"
BEGIN = "<!-- bench:service:begin (written by python -m bench.report) -->"
END = "<!-- bench:service:end -->"
SKELETON = """# Benchmarks

Every figure comes from one command; the JSON behind it is in `bench/results/`.
`make bench` (bench/run_all.sh) runs them all.

## 1. Understanding (NLU)

_Written by `bench/nlu_eval.py`._

"""


def _load(name: str) -> Optional[dict]:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _machine(result: dict) -> str:
    m = result.get("machine", {})
    load = m.get("load_average_when_written", m.get("load_average_at_start", []))
    return (
        f"{m.get('date_utc', '?')}, {m.get('nproc', '?')} cores ({m.get('cpu', '?')}), "
        f"{m.get('memory_total', '?')} RAM, load average (1/5/15 min) when written "
        f"{' / '.join(str(x) for x in load)}"
    )


def latency_section(result: Optional[dict]) -> List[str]:
    lines = ["## 2. Turn latency and throughput", ""]
    if not result:
        return lines + ["_Not run yet: `python -m bench.service_bench`._", ""]
    lines += [f"Run: {_machine(result)}. Command: `{result['command']}`. "
              f"Model: `{Path(result['model']).name}`.", ""]
    rows = []
    for level in [str(x) for x in result["levels"]]:
        ours = result["ours"].get(level, {})
        floor = result["floor"].get(level, {})
        comp = result.get("ours_over_floor", {}).get(level, {})
        checked = ours.get("place_searches_checked")
        wrong_place = f"{ours.get('place_searches_wrong')}/{checked}" if checked else ""
        rows.append([level, ours.get("messages"), ours.get("errors"), wrong_place,
                     ours.get("p50_ms"), ours.get("p95_ms"), ours.get("p99_ms"),
                     ours.get("throughput_msg_s"),
                     floor.get("p50_ms"), floor.get("p95_ms"), floor.get("p99_ms"),
                     floor.get("throughput_msg_s"), comp.get("p95_over_floor"),
                     ours.get("load_average_before", [None])[0]])
    lines.append(
        markdown_table(
            [
                "residents",
                "msgs",
                "errors",
                "wrong place answers",
                "ours p50 ms",
                "ours p95 ms",
                "ours p99 ms",
                "ours msg/s",
                "floor p50 ms",
                "floor p95 ms",
                "floor p99 ms",
                "floor msg/s",
                "p95 ours/floor",
                "load (1 min)",
            ],
            rows,
        )
    )
    t = result.get("targets", {})
    lines += ["", f"Targets: p95 at 10 residents ≤ 1.5 × floor: **{t.get('p95_at_10_over_floor')}×** "
              f"({'met' if t.get('p95_at_10_met') else 'missed'}); ≥ 20 msg/s on one node: "
              f"**{t.get('max_throughput_msg_s')} msg/s** "
              f"({'met' if t.get('throughput_met') else 'missed'}).", ""]
    return lines


def startup_section(result: Optional[dict]) -> List[str]:
    lines = ["## 3. Start-up time and memory", ""]
    if not result:
        return lines + ["_Not run yet: `python -m bench.service_bench`._", ""]
    ours, floor = result["ours"], result.get("floor", {})
    lines += [f"Run: {_machine(result)}. Command: `{result['command']}`.", ""]
    lines.append(markdown_table(
        ["", "start-up to ready (s)", "RSS after start (MB)"],
        [["ours (`ontmoet serve`)", ours.get("startup_to_ready_s"), ours.get("rss_after_start_mb")],
         ["floor (`rasa run`, bare)", floor.get("startup_to_ready_s"), floor.get("rss_after_start_mb")]]))
    lines.append("")
    samples = ours.get("rss_samples") or []
    if samples:
        lines += ["RSS of the assistant process while messages flow (10 concurrent residents):", ""]
        lines.append(markdown_table(
            ["messages", "assistant RSS (MB)", "action server RSS (MB)", "errors so far"],
            [[s["messages"], s["rss_mb"], s.get("actions_rss_mb"), s.get("errors_so_far")]
             for s in samples]))
        lines += ["", f"Growth from start to {samples[-1]['messages']} messages: "
                  f"**{ours.get('rss_growth_mb')} MB**."]
        if len(samples) > 2:
            steady = round(samples[-1]["rss_mb"] - samples[1]["rss_mb"], 1)
            lines[-1] += (f" After the first {samples[1]['messages']} messages (warm-up: "
                          f"TensorFlow and caches): **{steady} MB** up to "
                          f"{samples[-1]['messages']}.")
        lines.append("")
    return lines


def queue_section(result: Optional[dict]) -> List[str]:
    lines = ["## 4. Handoff queue", ""]
    if not result:
        return lines + ["_Not run yet: `python -m bench.queue_bench`._", ""]
    lines += [f"Run: {_machine(result)}. Command: `{result['command']}`.", ""]
    rows = []
    for db in ("sqlite", "postgresql"):
        r = result.get(db, {})
        if "skipped" in r:
            rows.append([db, r["skipped"]] + [""] * 7)
            continue
        rows.append([db, r.get("enqueued"), r.get("enqueue_per_s"), r.get("claimers"),
                     r.get("claims_won_per_s"), r.get("claim_attempts_per_s"),
                     r.get("lost"), r.get("double_claimed"), r.get("owner_mismatch")])
    lines.append(markdown_table(
        ["database", "requests", "enqueue/s (8 producers)", "claimers", "claims won/s",
         "claim attempts/s", "lost", "double-claimed", "owner mismatch"], rows))
    return lines + [""]


def training_section(result: Optional[dict]) -> List[str]:
    lines = ["## 5. Training time", ""]
    if not result:
        return lines + ["_Not run yet: `python -m bench.train_bench`._", ""]
    lines += [f"Run: {_machine(result)}. Command: `{result['command']}` "
              "(`rasa train --force`, private Rasa cache).", ""]
    names = {"full": "full model (config.yml)", "test": "test model (tests/config.test.yml)",
             "bare": "bare floor (rasa init data, our config.yml)"}
    rows = [[names.get(k, k), v.get("seconds"), (v.get("load_before") or [None])[0],
             (v.get("load_after") or [None])[0]]
            for k, v in result.get("models", {}).items()]
    lines.append(markdown_table(["model", "seconds", "load before", "load after"], rows))
    return lines + [""]


def breakdown_section(result: Optional[dict]) -> List[str]:
    lines = ["### Where the time goes (in process, no HTTP)", ""]
    if not result:
        return lines + ["_Not run yet: `python -m bench.breakdown`._", ""]
    ours, floor = result.get("ours", {}), result.get("floor", {})
    lines += [f"Run: {_machine(result)}. Command: `{result['command']}`: the models loaded "
              "with Rasa's Agent, every graph node timed (mean ms per call).", ""]
    lines.append(markdown_table(
        ["", "NLU parse (ms)", "whole turn in process (ms)", "DIETClassifier (ms)"],
        [["ours", ours.get("nlu_parse_mean_ms"), ours.get("handle_text_mean_ms"),
          ours.get("node_mean_ms", {}).get("run_DIETClassifier5")],
         ["floor", floor.get("nlu_parse_mean_ms"), floor.get("handle_text_mean_ms"),
          floor.get("node_mean_ms", {}).get("run_DIETClassifier5")]]))
    return lines + [""]


def scaleout_section() -> List[str]:
    return ["## 6. Scale-out", "",
            "`tests/test_scaleout.py` (markers `model`, `postgres`) starts two `ontmoet serve` "
            "replicas on one machine against one throwaway PostgreSQL database (tracker store, "
            "queue, knowledge) and Redis (lock store, button registry), with one action server. "
            "A resident's messages alternate between the replicas (button offered by A pressed on "
            "B, form asked on B answered on A and the other way round), and simultaneous messages "
            "of one resident to both replicas are each answered exactly once. Run: "
            "`.venv/bin/python -m pytest -q tests/test_scaleout.py`.", ""]


def render(results: Dict[str, Optional[dict]], notes: str = "") -> str:
    lines = [BEGIN, "", "## How these figures were made", "",
             "All at once: `make bench` (bench/run_all.sh, 30-60 minutes). One by one, with "
             "`.venv/bin/python -m`: `bench.train_bench` (5; also trains the bare floor), "
             "`bench.queue_bench` (4), `bench.service_bench` (2 and 3; `--soak 10000`), "
             "`bench.breakdown` (time per graph node), then `bench.report` (these tables). "
             "Work files and private Rasa cache: `$ONTMOET_BENCH_WORK` (default "
             "/tmp/ontmoet-bench). JSON: `bench/results/`. Machine: `nproc` = 2, "
             "`free -h` = 23 GiB, `/proc/cpuinfo` = AMD EPYC.", ""]
    lines += latency_section(results.get("latency"))
    lines += breakdown_section(results.get("breakdown"))
    lines += startup_section(results.get("startup_memory"))
    lines += queue_section(results.get("queue"))
    lines += training_section(results.get("training"))
    lines += scaleout_section()
    if notes:
        lines += ["## Notes on these figures", "", notes.strip(), ""]
    lines.append(END)
    return "\n".join(lines) + "\n"


def splice(document: str, block: str) -> str:
    """Replace the marked block in `document`, or append it (pure; unit-tested)."""
    if BEGIN in document and END in document:
        head, rest = document.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        return head + block.rstrip("\n") + tail
    if not document.strip():
        document = SKELETON
    return document.rstrip("\n") + "\n\n" + block


def main() -> None:
    results = {name: _load(name) for name in ("latency", "breakdown", "startup_memory", "queue",
                                          "training")}
    notes_path = RESULTS / "notes.md"
    notes = notes_path.read_text() if notes_path.exists() else ""
    document = DOC.read_text() if DOC.exists() else ""
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(splice(document, render(results, notes)))
    print(DOC)


if __name__ == "__main__":
    main()
