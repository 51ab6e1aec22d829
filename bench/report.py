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


def cell(entry: Optional[dict]) -> str:
    """"median [min-max]" of a bench.common.spread entry ("" when missing)."""
    if not entry:
        return ""
    if entry["min"] == entry["max"]:
        return f"{entry['median']}"
    return f"{entry['median']} [{entry['min']}–{entry['max']}]"


def _met(flag: Optional[bool]) -> str:
    return "met" if flag else "missed"


def latency_section(result: Optional[dict]) -> List[str]:
    lines = ["## 2. Turn latency and throughput (against the bare floor)", ""]
    if not result or "summary" not in result:
        return lines + ["_Not run yet: `python -m bench.service_bench --only service`._", ""]
    lines += [f"Run: {_machine(result)}. Command: `{result['command']}`. "
              f"Model: `{Path(result['model']).name}`; floor: `rasa init` "
              f"(`{Path(result['floor_model']).name}`). Each cell: median of "
              f"{result['runs_count']} interleaved runs [min–max]; ratios within each pair.", ""]
    rows = []
    for level in [str(x) for x in result["levels"]]:
        entry = result["summary"][level]
        ours, floor, comp = entry["ours"], entry["floor"], entry["ours_over_floor"]
        checked = ours.get("place_searches_checked")
        wrong = f"{ours.get('place_searches_wrong')}/{checked}" if checked else ""
        rows.append([level, result["messages_per_level"].get(level), cell(ours.get("p50_ms")),
                     cell(ours.get("p95_ms")), cell(ours.get("throughput_msg_s")),
                     cell(ours.get("errors")), wrong, cell(floor.get("p50_ms")),
                     cell(floor.get("p95_ms")), cell(floor.get("throughput_msg_s")),
                     cell(floor.get("errors")), cell(comp.get("p95_ms")),
                     cell(comp.get("throughput_msg_s"))])
    lines.append(markdown_table(
        ["residents", "msgs per run", "ours p50 ms", "ours p95 ms", "ours msg/s", "ours errors",
         "wrong place answers", "floor p50 ms", "floor p95 ms", "floor msg/s", "floor errors",
         "p95 ours/floor", "msg/s ours/floor"], rows))
    lines += ["", "CPU time per message (psutil, user + system; load-independent), "
              "service process and, for ours, service + action server:", ""]
    cpu_rows = []
    for level in [str(x) for x in result["levels"]]:
        entry = result["summary"][level]
        cpu_rows.append([level, cell(entry["ours"].get("cpu_ms_per_msg_service")),
                         cell(entry["ours"].get("cpu_ms_per_msg_total")),
                         cell(entry["floor"].get("cpu_ms_per_msg_total")),
                         cell(entry["ours_over_floor"].get("cpu_ms_per_msg_total"))])
    lines.append(markdown_table(["residents", "ours service ms", "ours total ms", "floor ms",
                                 "ours/floor"], cpu_rows))
    t = result.get("targets", {})
    lines += ["", f"Targets at 10 residents: p95 ≤ {t.get('p95_at_10_max')} × floor: "
              f"**{t.get('p95_at_10_over_floor')}×** ({_met(t.get('p95_at_10_met'))}); "
              f"throughput ≥ {t.get('throughput_at_10_min')} × floor: "
              f"**{t.get('throughput_at_10_over_floor')}×** "
              f"({_met(t.get('throughput_at_10_met'))}).", ""]
    return lines


def startup_section(startup: Optional[dict], soak: Optional[dict]) -> List[str]:
    lines = ["## 3. Start-up time and memory", ""]
    if not startup or "summary" not in startup:
        lines += ["_Not run yet: `python -m bench.service_bench --only startup`._", ""]
    else:
        s = startup["summary"]
        lines += [f"Run: {_machine(startup)}. Command: `{startup['command']}`. Start-up to "
                  "ready: from spawning the processes (ours: service and action server at "
                  "once, as `make run`) to the first answered REST message, for both. RSS: "
                  "psutil, right after ready. Median [min–max] of "
                  f"{startup['runs_count']} interleaved runs.", ""]
        lines.append(markdown_table(
            ["", "start-up to ready (s)", "service RSS (MB)", "action server RSS (MB)"],
            [["ours (`ontmoet serve`)", cell(s.get("ours_startup_s")),
              cell(s.get("ours_rss_service_mb")), cell(s.get("ours_rss_actions_mb"))],
             ["floor (`rasa run`, rasa init)", cell(s.get("floor_startup_s")),
              cell(s.get("floor_rss_service_mb")), "none"],
             ["ours / floor", cell(s.get("startup_over_floor")),
              cell(s.get("rss_service_over_floor")), ""]]))
        t = s.get("targets", {})
        lines += ["", f"Targets: start-up ≤ {t.get('startup_over_floor_max')} × floor "
                  f"({_met(s.get('startup_met'))}); resident-facing service RSS ≤ "
                  f"{t.get('rss_over_floor_max')} × floor ({_met(s.get('rss_met'))}). "
                  "Service + action server over the floor: "
                  f"{cell(s.get('rss_total_over_floor'))}.", ""]
    if soak and soak.get("samples"):
        g = soak["service"]
        planned = soak.get("senders_planned", soak["senders"])
        short = f" (stopped early: {planned} planned)" if planned != soak["senders"] else ""
        lines += [f"Soak: {_machine(soak)}. {soak['senders']} messages{short}, each from a "
                  f"different sender, {soak['concurrency']} at a time, on one `ontmoet serve`:",
                  ""]
        lines.append(markdown_table(
            ["messages", "service RSS (MB)", "action server RSS (MB)", "errors so far",
             "msg/s", "load (1 min)"],
            [[x["messages"], x["rss_mb"], x.get("actions_rss_mb"), x.get("errors_so_far"),
              x.get("throughput_msg_s"), (x.get("load_average") or [None])[0]]
             for x in soak["samples"]]))
        lines += ["", f"Service RSS from {g.get('from_messages')} messages (after warm-up) to "
                  f"{g.get('to_messages')}: **{g.get('growth_mb')} MB, {g.get('growth_pct')} %** "
                  f"(target ± 2 %: {_met(g.get('met'))}; peak {g.get('peak_over_first_pct')} % "
                  f"above the first). Action server: {soak['actions'].get('growth_pct')} %.", ""]
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
    lines = ["## 5. Training time (against the bare floor)", ""]
    if not result or "summary" not in result:
        return lines + ["_Not run yet: `python -m bench.train_bench`._", ""]
    s = result["summary"]
    lines += [f"Run: {_machine(result)}. Command: `{result['command']}`: interleaved pairs "
              "(floor, ours), `rasa train --force`, private Rasa cache. Median [min–max] of "
              f"{len(result['full'])} runs; the ratio is taken within each pair.", ""]
    lines.append(markdown_table(
        ["model", "wall-clock s", "CPU s"],
        [["floor (`rasa init`: its config.yml, domain and data)", cell(s.get("floor_seconds")),
          cell(s.get("floor_cpu_seconds"))],
         ["full model (config.yml)", cell(s.get("full_seconds")), cell(s.get("full_cpu_seconds"))],
         ["full / floor", cell(s.get("full_over_floor")), cell(s.get("full_over_floor_cpu"))]]))
    lines += ["", f"Target: full ≤ {s.get('target')} × floor ({_met(s.get('met'))}).", ""]
    return lines


def first_run_section(result: Optional[dict]) -> List[str]:
    lines = ["### First run from a fresh clone (`make run`)", ""]
    if not result or "summary" not in result:
        return lines + ["_Not run yet: `python -m bench.first_run` (`make bench ONLY=firstrun`)._",
                        ""]
    s, runs = result["summary"], result.get("runs", [])
    lines += [f"Run: {_machine(result)}. Command: `{result['command']}`: a `git clone` of HEAD, "
              "`make run` there (a new .venv, training, start), a resident's message to the REST "
              "webhook until it is answered, then Ctrl-C; the bare floor trained in the same run. "
              f"pip: {result.get('pip_cache', '?')}. Median [min–max] of {len(runs)} runs.", ""]
    lines.append(markdown_table(
        ["install s", "training s", "start-up s", "first answer s", "floor training s",
         f"budget s ({s.get('formula')})", "margin s"],
        [[cell(s.get("install_seconds")), cell(s.get("training_seconds")),
          cell(s.get("startup_seconds")), cell(s.get("first_answer_seconds")),
          cell(s.get("floor_training_seconds")), cell(s.get("budget_seconds")),
          cell(s.get("margin_seconds"))]]))
    note = "" if result.get("reportable", True) else (
        " **Not to be reported**: a run was stopped by its time limit or failed.")
    lines += ["", f"Target: first answer within the budget ({_met(s.get('met'))}).{note}", ""]
    return lines


INTENT_CLASSIFIER_NODES = ("DIETClassifier", "LinearIntentClassifier")


def _intent_classifier(profile: dict) -> Optional[float]:
    """Mean ms of the intent classifier node: DIET in the floor, the linear one in ours."""
    nodes = profile.get("node_mean_ms", {})
    return next((v for k, v in nodes.items() if k.startswith("run_")
                 and any(name in k for name in INTENT_CLASSIFIER_NODES)), None)


def breakdown_section(result: Optional[dict]) -> List[str]:
    lines = ["### Where the time goes (in process, no HTTP)", ""]
    if not result:
        return lines + ["_Not run yet: `python -m bench.breakdown`._", ""]
    ours, floor = result.get("ours", {}), result.get("floor", {})
    lines += [f"Run: {_machine(result)}. Command: `{result['command']}`: the models loaded "
              "with Rasa's Agent, every graph node timed (mean ms per call).", ""]
    lines.append(markdown_table(
        ["", "NLU parse (ms)", "whole turn in process (ms)", "intent classifier (ms)"],
        [["ours", ours.get("nlu_parse_mean_ms"), ours.get("handle_text_mean_ms"), _intent_classifier(ours)],
         ["floor", floor.get("nlu_parse_mean_ms"), floor.get("handle_text_mean_ms"),
          _intent_classifier(floor)]]))
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
             "All at once: `make bench` (bench/run_all.sh; parts alone: `make bench "
             "ONLY=train|service|startup|soak|queue|breakdown|firstrun`). The floor is a truly bare "
             "Rasa: what `rasa init --no-prompt` writes (its own config.yml, domain and data), "
             "trained and served (`rasa run`) in the same run, on the same machine, driven by "
             "the same load generator. Ours and the floor alternate (floor, ours, floor, "
             "ours, ...) so load drifts hit both; each figure is the median of three runs with "
             "the spread [min–max]; a ratio is taken within each pair, then its median. One by "
             "one, with `.venv/bin/python -m`: `bench.train_bench` (5), `bench.service_bench "
             "--only service,startup,soak` (2 and 3), `bench.queue_bench` (4), "
             "`bench.breakdown` (time per graph node), `bench.first_run` (a fresh clone through "
             "`make run`, only when asked), then `bench.report` (these tables). "
             "Work files and private Rasa cache: `$ONTMOET_BENCH_WORK` (default "
             "/tmp/ontmoet-bench). JSON: `bench/results/`; each table names its machine "
             "and load.", ""]
    lines += latency_section(results.get("latency"))
    lines += breakdown_section(results.get("breakdown"))
    lines += startup_section(results.get("startup"), results.get("soak"))
    lines += queue_section(results.get("queue"))
    lines += training_section(results.get("training"))
    lines += first_run_section(results.get("first_run"))
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
    results = {name: _load(name) for name in ("latency", "breakdown", "startup", "soak", "queue",
                                          "training", "first_run")}
    notes_path = RESULTS / "notes.md"
    notes = notes_path.read_text() if notes_path.exists() else ""
    document = DOC.read_text() if DOC.exists() else ""
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(splice(document, render(results, notes)))
    print(DOC)


if __name__ == "__main__":
    main()
