"""`ontmoet knowledge ...` (also `python -m knowledge.cli ...`).

    knowledge validate                 check knowledge/data (no database)
    knowledge load                     migrate + sync knowledge/data into the database
    knowledge import FILE [--place P] [--kind K] [--verified] [--demo]
                                       import HSDS (.json, .zip, directory), iCalendar (.ics)
                                       or the template CSV; all or nothing, idempotent
    knowledge lookups [--check] [--out PATH]
                                       write nlu_data/generated/lookups.yml
    knowledge list buurten|places|plans|postcodes|types
    knowledge find [--buurt B] [--postcode P] [--type T] [--group G] [--limit N]
    knowledge when PHRASE              show the time range of a Dutch date phrase
    knowledge activities PHRASE [--buurt B]
    knowledge report [--csv] [--kind place|buurt] [--missing FIELD] [--out PATH]
                                       per place and buurt: what is known, from which
                                       source, how old, what is missing

Settings (database, data dir, demo data) come from ontmoet_core.config (ONTMOET_* variables).
Exit codes: 0 ok, 1 invalid data/import file (errors printed), 2 usage.
"""
from __future__ import annotations

import argparse
import sys
from typing import Dict, List, Optional


def _settings():
    from ontmoet_core.config import load_settings

    return load_settings()


def _kb(args):
    from knowledge.api import open_knowledge

    settings = _settings()
    return open_knowledge(settings.database_url_resolved, settings.knowledge_dir,
                          include_demo=settings.demo_data, refresh=getattr(args, "refresh", False))


def _fail(exc) -> int:
    print(str(exc), file=sys.stderr)
    return 1


def cmd_validate(args) -> int:
    from knowledge.datafiles import load_dataset
    from knowledge.records import KnowledgeError

    settings = _settings()
    try:
        ds = load_dataset(settings.knowledge_dir, include_demo=True)
    except KnowledgeError as exc:
        return _fail(exc)
    print(f"ok: {len(ds.buurten)} buurten, {len(ds.seed.places)} places, {len(ds.plans)} plans, "
          f"{len(ds.postcodes)} postcode rows, {len(ds.demo.places)} demo places, "
          f"{len(ds.demo.activities)} demo activities")
    return 0


def cmd_load(args) -> int:
    from knowledge.records import KnowledgeError

    args.refresh = True
    try:
        kb = _kb(args)
    except KnowledgeError as exc:
        return _fail(exc)
    print(f"knowledge loaded: {len(kb.buurten())} buurten, {len(kb.places())} places"
          f"{'' if kb.include_demo else ' (demo data off)'}")
    return 0


def cmd_import(args) -> int:
    from knowledge.importers import import_file
    from knowledge.records import KnowledgeError

    try:
        kb = _kb(args)
        result = import_file(kb, args.file, kind=args.kind, place=args.place, verified=args.verified,
                             demo=args.demo)
    except KnowledgeError as exc:
        print(f"REJECTED, nothing was changed. {exc}", file=sys.stderr)
        return 1
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(result.summary())
    return 0


def cmd_lookups(args) -> int:
    from knowledge.lookups import DEFAULT_OUT, is_up_to_date, write_lookups
    from knowledge.records import KnowledgeError

    settings = _settings()
    out = args.out or DEFAULT_OUT
    try:
        if args.check:
            if is_up_to_date(out, settings.knowledge_dir):
                print(f"{out} is up to date")
                return 0
            print(f"{out} is out of date: run `python -m knowledge.cli lookups`", file=sys.stderr)
            return 1
        path = write_lookups(out, settings.knowledge_dir)
    except KnowledgeError as exc:
        return _fail(exc)
    print(f"wrote {path}")
    return 0


def cmd_list(args) -> int:
    kb = _kb(args)
    if args.what == "buurten":
        for b in kb.buurten():
            note = "" if b.verified else "  (stadsdeel assigned by project)"
            print(f"{b.name:22} {b.stadsdeel:11} neighbours: {', '.join(b.neighbours)}{note}")
    elif args.what == "places":
        for p in kb.places():
            flags = " [demo]" if p.is_demo else ""
            print(f"{p.key:45} {p.name:45} {p.place_type:18} {p.buurt or '-':20} {p.source}{flags}")
    elif args.what == "plans":
        for plan in kb.plans():
            print(f"{plan.buurt or plan.buurt_as_written:22} {plan.development}  [{plan.how}]")
    elif args.what == "postcodes":
        seen: Dict[str, List[str]] = {}
        for pc, key, _source, verified in kb.dataset.postcodes:
            seen.setdefault(pc, []).append(kb.dataset.buurt_by_key[key].name + ("" if verified else "?"))
        for pc in sorted(seen):
            print(f"{pc}: {', '.join(seen[pc])}")
    elif args.what == "types":
        for t in kb.place_types():
            print(f"{t.key:20} {t.explanation}")
    return 0


def cmd_find(args) -> int:
    kb = _kb(args)
    results = kb.find_places(buurt=args.buurt, postcode=args.postcode, lat=args.lat, lon=args.lon,
                             place_type=args.type, target_group=args.group, limit=args.limit)
    for r in results:
        dist = (
            "?" if r.distance_km is None else f"{r.distance_km:.1f} km{'~' if r.distance_approximate else ''}"
        )
        origin = "[demo]" if r.is_demo else r.source
        print(f"{r.name:45} {r.place_type:18} {r.buurt or '-':20} {dist:10} {origin}")
    if not results:
        print("no places found")
    return 0


def cmd_when(args) -> int:
    from knowledge.when import resolve_when

    span = resolve_when(" ".join(args.phrase))
    if span is None:
        print("not understood")
        return 1
    print(f"{span[0].isoformat()} -> {span[1].isoformat()}")
    return 0


def cmd_activities(args) -> int:
    kb = _kb(args)
    occurrences = kb.activities_when(" ".join(args.phrase), buurt=args.buurt)
    for o in occurrences:
        demo = " [demo]" if o.is_demo else ""
        print(f"{o.start:%a %d-%m %H:%M}  {o.title:40} {o.place_name} ({o.buurt}){demo}")
    if not occurrences:
        print("no activities")
    return 0


def _gap_totals():
    """Questions the knowledge base could not answer (knowledge/gaps.py), per
    place and per buurt, for the report's gaps column; None without a database."""
    from sqlalchemy import inspect

    from knowledge.gaps import KnowledgeGap, gap_counts, totals
    from ontmoet_core.db import make_engine

    engine = make_engine(_settings().database_url_resolved)
    try:
        if not inspect(engine).has_table(KnowledgeGap.__tablename__):
            return None
        counts = gap_counts(engine)
        return {**totals(counts["per_buurt"]), **totals(counts["per_place"])}
    finally:
        engine.dispose()


def cmd_report(args) -> int:
    from knowledge.datafiles import load_dataset
    from knowledge.records import KnowledgeError
    from knowledge.report import as_csv, as_table, build_report, summary

    try:
        dataset = load_dataset(_settings().knowledge_dir, include_demo=False)
    except KnowledgeError as exc:
        return _fail(exc)
    rows = build_report(dataset, kinds=(args.kind,) if args.kind else ("place", "buurt"),
                        gap_counts=_gap_totals())
    if args.missing:
        rows = [r for r in rows if any(m.split(" ")[0] == args.missing for m in r.missing)]
    text = as_csv(rows) if args.csv else as_table(rows) + "\n\n" + summary(rows) + "\n"
    if args.out:
        with open(args.out, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        print(f"{len(rows)} rows written to {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def register(subparsers) -> None:
    """Add the `knowledge` command group to an argparse sub-parser collection."""
    parser = subparsers.add_parser("knowledge", help="import and inspect the knowledge base",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="knowledge_command", required=True)
    sub.add_parser("validate", help="check knowledge/data").set_defaults(func=cmd_validate)
    sub.add_parser("load", help="migrate and load knowledge/data").set_defaults(func=cmd_load)
    p = sub.add_parser("import", help="import an HSDS, iCalendar or template file")
    p.add_argument("file")
    p.add_argument("--kind", choices=["hsds-json", "hsds-csv", "ics", "template"], default=None)
    p.add_argument("--place", help="place key or name for an .ics agenda without LOCATION")
    p.add_argument("--verified", action="store_true", help="mark the records as verified (checked source)")
    p.add_argument(
        "--demo", action="store_true", help="the file is example data (is_demo; hidden in production)"
    )
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("lookups", help="write nlu_data/generated/lookups.yml")
    p.add_argument("--check", action="store_true", help="only check that the file is up to date")
    p.add_argument("--out", default=None)
    p.set_defaults(func=cmd_lookups)
    p = sub.add_parser("list", help="list buurten, places, plans, postcodes or types")
    p.add_argument("what", choices=["buurten", "places", "plans", "postcodes", "types"])
    p.set_defaults(func=cmd_list)
    p = sub.add_parser("find", help="nearby places")
    p.add_argument("--buurt")
    p.add_argument("--postcode")
    p.add_argument("--lat", type=float)
    p.add_argument("--lon", type=float)
    p.add_argument("--type")
    p.add_argument("--group")
    p.add_argument("--limit", type=int, default=5)
    p.set_defaults(func=cmd_find)
    p = sub.add_parser("when", help="resolve a Dutch date phrase")
    p.add_argument("phrase", nargs="+")
    p.set_defaults(func=cmd_when)
    p = sub.add_parser("activities", help="activities for a Dutch date phrase")
    p.add_argument("phrase", nargs="+")
    p.add_argument("--buurt")
    p.set_defaults(func=cmd_activities)
    p = sub.add_parser(
        "report", help="what is known per place and buurt, its source and age, what is missing"
    )
    p.add_argument("--csv", action="store_true", help="CSV instead of a table (all columns, with sources)")
    p.add_argument("--kind", choices=["place", "buurt"], default=None)
    p.add_argument("--missing", help="only rows missing this field (address, opening_hours, point, ...)")
    p.add_argument("--out", help="write to this file")
    p.set_defaults(func=cmd_report)


def main(argv: Optional[List[str]] = None) -> int:
    import logging

    parser = argparse.ArgumentParser(prog="python -m knowledge.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    raw = list(sys.argv[1:] if argv is None else argv)
    if not raw or raw[0] != "knowledge":
        raw = ["knowledge", *raw]
    args = parser.parse_args(raw)
    logging.basicConfig(level=logging.WARNING)
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
