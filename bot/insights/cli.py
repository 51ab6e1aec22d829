"""`ontmoet insights`: the plan's indicators, the review queue and its export.

    ontmoet insights [--by stadsdeel|buurt] [--months 12] [--json | --csv]
    ontmoet insights collect              read new conversations (cron, e.g. every 10 min)
    ontmoet insights review [--json]      open review items, grouped by similar wording
    ontmoet insights label ID INTENT [--example TEXT] --as USERNAME
    ontmoet insights out-of-scope ID --as USERNAME
    ontmoet insights export [--out FILE] [--all]
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from typing import Dict, List

from ontmoet_core.config import load_settings

SHORT = {
    "gesprekken": "gespr", "vragen_plekken": "plek", "vragen_activiteiten": "activ",
    "vragen_subsidie": "subs", "zelf_organiseren": "zelf", "niet_begrepen": "onbegr",
    "toeleiding": "toel", "geescaleerd": "escal", "uren_tot_contact": "u.contact",
    "uren_tot_afronden": "u.afrond",
}


def _engine(settings):
    from ontmoet_core.db import make_engine

    return make_engine(settings.database_url_resolved)


def _collect(settings, engine) -> None:
    from bot.insights.collect import collect

    collect(settings.tracker_store_url_resolved, engine)


def format_table(report) -> str:
    from bot.insights.indicators import INDICATOR_KEYS

    lines = [f"Indicatoren per {report['by']} en maand (aantallen onder 5: \"< 5\")"]
    header = ["maand", report["by"]] + [SHORT[k] for k in INDICATOR_KEYS] + ["talen"]
    rows = []
    by_month: Dict[str, List[dict]] = {}
    for row in report["rows"]:
        by_month.setdefault(row["month"], []).append(row)
    for total in report["totals"]:
        for row in by_month.get(total["month"], []) + [total]:
            languages = ", ".join(f"{k} {v['display']}" for k, v in row["languages"].items())
            rows.append([row["month"], row["area"]]
                        + [row["values"][k]["display"] for k in INDICATOR_KEYS] + [languages])
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    for r in [header] + rows:
        lines.append(
            "  ".join(str(cell).ljust(width) for cell, width in zip(r, widths, strict=False)).rstrip()
        )
    gaps = report["gaps"]
    lines.append("")
    total = gaps['total']['display'] if isinstance(gaps.get('total'), dict) else 0
    lines.append(f"Kennisgaten (vragen zonder antwoord uit de kennisbank): {total}")
    labels = gaps.get("labels", {})
    for buurt, kinds in gaps.get("per_buurt", {}).items():
        text = ", ".join(f"{labels.get(k, k)} {v['display']}" for k, v in kinds.items())
        lines.append(f"  {buurt}: {text}")
    return "\n".join(lines)


def cmd_report(args) -> int:
    from bot.insights.indicators import build_report, csv_rows

    settings = load_settings()
    engine = _engine(settings)
    try:
        if not args.no_collect:
            _collect(settings, engine)
        report = build_report(engine, by=args.by, months=args.months)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    elif args.csv:
        writer = csv.writer(sys.stdout)
        for row in csv_rows(report):
            writer.writerow(row)
    else:
        print(format_table(report))
    return 0


def cmd_collect(args) -> int:
    from bot.insights.collect import collect

    settings = load_settings()
    engine = _engine(settings)
    try:
        report = collect(settings.tracker_store_url_resolved, engine)
    finally:
        engine.dispose()
    print(f"{report.events} events gelezen, {report.conversations} gesprekken, "
          f"{report.review_items} berichten voor review, {report.gaps} kennisgaten")
    return 0


def cmd_review(args) -> int:
    from bot.insights import review

    settings = load_settings()
    engine = _engine(settings)
    try:
        _collect(settings, engine)
        groups = review.groups(engine)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps([{"group": g.key, "items": [
            {"id": i.id, "text": i.text, "reason": i.reason, "predicted_intent": i.predicted_intent,
             "confidence": i.confidence, "created_at": i.created_at.isoformat()}
            for i in g.items]} for g in groups], ensure_ascii=False, indent=2))
        return 0
    if not groups:
        print("Geen berichten om na te kijken.")
    for group in groups:
        print(f"[{group.size}] {group.key}")
        for item in group.items:
            guess = f"{item.predicted_intent} {item.confidence:.2f}" if item.confidence is not None \
                else (item.predicted_intent or "-")
            print(f"    #{item.id} {item.reason:<14} {guess:<28} {item.text}")
    return 0


def cmd_label(args) -> int:
    from bot.insights import review

    engine = _engine(load_settings())
    try:
        if args.out_of_scope:
            review.mark_out_of_scope(engine, args.id, args.username)
            print(f"#{args.id} buiten bereik")
        else:
            item = review.label(engine, args.id, args.intent, args.example, args.username)
            print(f"#{item.id} -> {item.label_intent}: {item.label_example}")
    except review.ReviewError as exc:
        print(exc.text(), file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


def cmd_export(args) -> int:
    from bot.insights import review

    settings = load_settings()
    engine = _engine(settings)
    try:
        text, n = review.export(engine, include_exported=args.all)
    finally:
        engine.dispose()
    if not n:
        from bot.handoff.texts import staff_text

        print(staff_text("insights_nothing"), file=sys.stderr)
        return 0
    out = args.out
    if out is None:
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M")
        out = settings.var_dir / "review" / f"review-{stamp}.yml"
    if str(out) == "-":
        sys.stdout.write(text)
        return 0
    from pathlib import Path

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"{n} voorbeelden in {out}: lees ze na, zet ze in nlu_data/ en commit.")
    return 0


def register(subparsers) -> None:
    insights = subparsers.add_parser(
        "insights", help="indicators, review queue and knowledge gaps",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    insights.add_argument("--by", choices=("stadsdeel", "buurt"), default="stadsdeel")
    insights.add_argument("--months", type=int, default=12)
    output = insights.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true")
    output.add_argument("--csv", action="store_true")
    insights.add_argument("--no-collect", action="store_true",
                          help="do not read new conversations first")
    insights.set_defaults(func=cmd_report)
    sub = insights.add_subparsers(dest="insights_command")
    sub.add_parser("collect", help="read new conversations").set_defaults(func=cmd_collect)
    review_parser = sub.add_parser("review", help="open review items, grouped")
    review_parser.add_argument("--json", action="store_true")
    review_parser.set_defaults(func=cmd_review)
    label = sub.add_parser("label", help="label a review item with an intent")
    label.add_argument("id", type=int)
    label.add_argument("intent")
    label.add_argument("--example", help="the example text, entities as [Malberg](buurt)")
    label.add_argument("--as", dest="username", required=True)
    label.set_defaults(func=cmd_label, out_of_scope=False)
    scope = sub.add_parser("out-of-scope", help="mark a review item out of scope")
    scope.add_argument("id", type=int)
    scope.add_argument("--as", dest="username", required=True)
    scope.set_defaults(func=cmd_label, out_of_scope=True, intent=None, example=None)
    export = sub.add_parser("export", help="labelled items as nlu_data training data")
    export.add_argument("--out", help="file (default var/review/review-<time>.yml; - = stdout)")
    export.add_argument("--all", action="store_true", help="also items exported before")
    export.set_defaults(func=cmd_export)
