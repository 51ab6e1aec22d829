"""Operators' commands for the toeleiding queue and staff accounts.

    ontmoet queue list [--status open|nieuw|...|alle] [--area West] [--json]
    ontmoet queue show T-0042 [--json]
    ontmoet queue claim T-0042 --as USERNAME [--json]
    ontmoet queue close T-0042 --as USERNAME [--note TEXT] [--json]
    ontmoet queue release T-0042 --as USERNAME [--json]
    ontmoet queue escalate [--after-hours 48] [--json]
    ontmoet queue purge [--closed-days 180] [--json]
    ontmoet staff add USERNAME [--name N] [--role opbouwwerker|coordinator]
                      [--stadsdeel S ...] [--buurt B ...] [--telegram-id ID] [--password-stdin]
    ontmoet staff list [--json]
    ontmoet staff passwd USERNAME [--password-stdin]
    ontmoet staff disable USERNAME

Also standalone: `python -m bot.handoff.cli queue list`.
"""
from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import timedelta
from typing import List, Optional

from ontmoet_core.config import Settings, load_settings


def _json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _open(settings: Settings):
    from bot.handoff.queue import HandoffQueue
    from bot.handoff.routing import RosterCache
    from ontmoet_core.db import make_engine, upgrade_database

    url = settings.database_url_resolved
    upgrade_database(url)
    queue = HandoffQueue(make_engine(url))
    return queue, RosterCache(settings.staff_file)


def _actor(settings: Settings, queue, roster, username: str):
    from bot.staff.accounts import StaffAccounts

    member = roster().by_username(username) or StaffAccounts(queue.engine, roster).member(username)
    if member is None:
        raise SystemExit(f"onbekende medewerker: {username} (niet in {settings.staff_file} "
                         "en geen account)")
    return member


def _print_view(view) -> None:
    print(f"{view.reference}  {view.status:<11} {view.area:<28} {view.kind:<18} "
          f"{view.assigned_to or '-':<20} {view.created_at:%Y-%m-%d %H:%M}")


def cmd_queue(args: argparse.Namespace) -> int:
    from bot.handoff.queue import HandoffError
    from bot.handoff.routing import LoggingNotifier, announce_escalations

    settings = load_settings()
    queue, roster = _open(settings)
    try:
        if args.queue_command == "list":
            status = None if args.status == "alle" else args.status
            views = queue.list(status=status, area=args.area)
            if args.json:
                _json([v.to_dict() for v in views])
            else:
                for view in views:
                    _print_view(view)
                print(f"{len(views)} vraag/vragen")
            return 0
        if args.queue_command == "show":
            detail = queue.show(args.reference)
            if args.json:
                _json(detail.to_dict())
            else:
                r = detail.request
                for key, value in r.to_dict().items():
                    print(f"{key:>15}: {value if value is not None else '-'}")
                print("tijdlijn:")
                for at, kind, item in detail.timeline():
                    if kind == "note":
                        print(f"  {at:%Y-%m-%d %H:%M} [{item.kind}] {item.author}: {item.text}")
                    else:
                        print(f"  {at:%Y-%m-%d %H:%M} {item.action} ({item.actor}) "
                              f"{item.old_value or ''} -> {item.new_value or ''}")
            return 0
        if args.queue_command == "claim":
            result = queue.claim(args.reference, _actor(settings, queue, roster, args.actor))
            if args.json:
                _json(result.__dict__)
            else:
                print(f"{result.reference}: " + ("opgepakt door " + result.owner if result.won
                                                  else f"niet opgepakt; {result.status}, bij "
                                                       f"{result.owner or '-'}"))
            return 0 if result.won or result.already_owner else 3
        if args.queue_command in ("close", "release"):
            actor = _actor(settings, queue, roster, args.actor)
            # The service (which holds the residents' conversations) resumes the
            # assistant and tells the resident within seconds (assistant_sync).
            if args.queue_command == "close":
                result = queue.close(args.reference, actor, note=args.note,
                                     tell_resident_later=True)
            else:
                result = queue.release(args.reference, actor, tell_resident_later=True)
            if result.relay is not None:
                print("let op: de bewoner zat in een live chat; de service hervat de assistent "
                      "en laat het de bewoner weten.", file=sys.stderr)
            if args.json:
                _json(result.request.to_dict())
            else:
                print(f"{result.request.reference}: {result.request.status}")
            return 0
        if args.queue_command == "escalate":
            hours = args.after_hours if args.after_hours is not None else \
                settings.handoff_escalate_after_hours
            views = queue.escalate_overdue(after=timedelta(hours=hours))
            import asyncio

            asyncio.run(announce_escalations(views, roster(), LoggingNotifier()))
            if args.json:
                _json([v.to_dict() for v in views])
            else:
                print(f"{len(views)} vraag/vragen geëscaleerd: "
                      + ", ".join(v.reference for v in views))
            return 0
        if args.queue_command == "purge":
            counts = queue.purge(closed_older_than=timedelta(days=args.closed_days))
            _json(counts) if args.json else print(counts)
            return 0
    except HandoffError as exc:
        message = {"not_found": f"niet gevonden: {args.reference}",
                   "not_allowed": f"kan niet: {exc.details}"}.get(exc.code, str(exc))
        if getattr(args, "json", False):
            _json({"error": exc.code, "details": exc.details})
        print(message, file=sys.stderr)
        return 2
    finally:
        queue.engine.dispose()
    return 1


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Wachtwoord: ")
    if getpass.getpass("Nog een keer: ") != first:
        raise SystemExit("de wachtwoorden zijn niet gelijk")
    return first


def cmd_staff(args: argparse.Namespace) -> int:
    from bot.staff.accounts import AccountError, StaffAccounts

    settings = load_settings()
    queue, roster = _open(settings)
    accounts = StaffAccounts(queue.engine, roster)
    try:
        if args.staff_command == "add":
            view = accounts.add(args.username, _read_password(args), display_name=args.name,
                                role=args.role, stadsdelen=args.stadsdeel or (),
                                buurten=args.buurt or (), telegram_user_id=args.telegram_id)
            _json(view.to_dict()) if args.json else print(
                f"account {view.username} gemaakt ({view.role}, {view.werkgebied})")
        elif args.staff_command == "list":
            views = accounts.list()
            if args.json:
                _json([v.to_dict() for v in views])
            else:
                for v in views:
                    print(f"{v.username:<24} {v.role:<13} {'actief' if v.active else 'uit':<7} "
                          f"{'stafbestand' if v.in_roster else 'alleen account':<15} {v.werkgebied}")
        elif args.staff_command == "passwd":
            accounts.set_password(args.username, _read_password(args))
            print("wachtwoord gewijzigd; open sessies zijn beëindigd")
        elif args.staff_command == "disable":
            accounts.set_active(args.username, False)
            print(f"account {args.username} uitgezet")
        return 0
    except AccountError as exc:
        print(f"fout: {exc}", file=sys.stderr)
        return 2
    finally:
        queue.engine.dispose()


def register(subparsers) -> None:
    """Add `queue` and `staff` to the `ontmoet` command line."""
    from bot.handoff.models import ROLES, STATUSES

    queue = subparsers.add_parser("queue", help="de wachtrij voor toeleiding")
    qsub = queue.add_subparsers(dest="queue_command", required=True)

    def with_json(parser):
        parser.add_argument("--json", action="store_true", help="output as JSON")
        return parser

    p = with_json(qsub.add_parser("list", help="list requests"))
    p.add_argument("--status", default="open", choices=["open", "alle", *STATUSES])
    p.add_argument("--area", help="buurt or stadsdeel")
    p = with_json(qsub.add_parser("show", help="one request with its timeline"))
    p.add_argument("reference")
    for name in ("claim", "close", "release"):
        p = with_json(qsub.add_parser(name, help=f"{name} a request as a staff member"))
        p.add_argument("reference")
        p.add_argument("--as", dest="actor", required=True, help="staff username")
        if name == "close":
            p.add_argument("--note", help="closing note")
    p = with_json(qsub.add_parser("escalate", help="escalate unclaimed requests"))
    p.add_argument("--after-hours", type=float, default=None)
    p = with_json(qsub.add_parser("purge", help="anonymise old closed requests"))
    p.add_argument("--closed-days", type=float, default=180)
    queue.set_defaults(func=cmd_queue)

    staff = subparsers.add_parser("staff", help="dashboard accounts of opbouwwerkers")
    ssub = staff.add_subparsers(dest="staff_command", required=True)
    p = with_json(ssub.add_parser("add", help="create a dashboard account"))
    p.add_argument("username")
    p.add_argument("--name")
    p.add_argument("--role", choices=ROLES)
    p.add_argument("--stadsdeel", action="append")
    p.add_argument("--buurt", action="append")
    p.add_argument("--telegram-id", type=int)
    p.add_argument("--password-stdin", action="store_true")
    with_json(ssub.add_parser("list", help="list accounts"))
    p = ssub.add_parser("passwd", help="set a new password")
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true")
    p = ssub.add_parser("disable", help="switch an account off")
    p.add_argument("username")
    staff.set_defaults(func=cmd_staff)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.handoff.cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
