"""Operators' commands for the toeleiding queue and staff accounts.

    ontmoet queue list [--status open|nieuw|...|alle] [--area West] [--json]
    ontmoet queue show T-0042 [--json]
    ontmoet queue claim T-0042 --as USERNAME [--json]
    ontmoet queue note T-0042 TEXT --as USERNAME [--json]
    ontmoet queue reply T-0042 TEXT --as USERNAME [--json]
    ontmoet queue contact T-0042 gebeld|niet_bereikt|afspraak [--note TEXT] --as USERNAME
    ontmoet queue close T-0042 --as USERNAME [--note TEXT] [--message TEXT] [--ja] [--json]
    ontmoet queue reopen T-0042 --as USERNAME [--json]
    ontmoet queue release T-0042 --as USERNAME [--json]
    ontmoet queue visit T-0042 bevestig --as USERNAME [--json]
    ontmoet queue visit T-0042 voorstel "vrijdagmiddag" --as USERNAME [--json]
    ontmoet queue escalate [--after-hours 48] [--json]
    ontmoet queue purge [--closed-days 180] [--json]
    ontmoet staff add USERNAME [--name N] [--role opbouwwerker|coordinator]
                      [--stadsdeel S ...] [--buurt B ...] [--telegram-id ID] [--password-stdin]
    ontmoet staff list [--json]
    ontmoet staff passwd USERNAME [--password-stdin]
    ontmoet staff disable USERNAME
    ontmoet staff unlock USERNAME

claim, note, reply, contact, close, reopen, release and visit (an accompanied
first visit: confirm it, or propose another moment) are the staff actions of
the dashboard and Telegram (bot/staff/actions.py). This process has no
connection to the residents' channels: a message to the resident is stored and
the running service delivers it within seconds; it also resumes the assistant
after a live chat.

Output is Dutch text, or JSON with --json. Times are Dutch time
(Europe/Amsterdam); JSON times carry their UTC offset. Exit codes (EXIT_*):
0 done, 1 unexpected error, 2 wrong use (also: empty text, weak password,
unknown buurt), 3 not possible (status, owner, too late to reopen), 4 not
found (or outside the staff member's werkgebied), 5 unknown staff member.

Also standalone: `python -m bot.handoff.cli queue list`.
"""
from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import os
import sys
from datetime import datetime, timedelta
from typing import Any, Callable, List, Optional

from bot.handoff.texts import dashboard_link, staff_label, staff_text
from bot.handoff.visit import staff_line
from ontmoet_core.config import Settings, load_settings

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_REFUSED, EXIT_NOT_FOUND, EXIT_UNKNOWN_STAFF = range(6)
STAFF_COMMANDS = ("claim", "note", "reply", "contact", "close", "reopen", "release", "visit")


class UnknownStaff(Exception):
    pass


def _aware_times(value: Any, key: str = "") -> Any:
    """JSON output: ISO times (stored as naive UTC) in Europe/Amsterdam, with offset."""
    from bot.staff.clock import to_local

    if isinstance(value, dict):
        return {k: _aware_times(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_aware_times(v) for v in value]
    if isinstance(value, str) and (key == "at" or key.endswith(("_at", "_start"))):
        try:
            return to_local(datetime.fromisoformat(value)).isoformat()
        except ValueError:
            return value
    return value


def _json(data) -> None:
    print(json.dumps(_aware_times(data), ensure_ascii=False, indent=2, default=str))


def _open(settings: Settings):
    from bot.handoff.queue import HandoffQueue
    from bot.handoff.routing import RosterCache
    from ontmoet_core.db import make_engine, upgrade_database

    logging.getLogger("alembic").setLevel(logging.WARNING)  # no migration chatter
    url = settings.database_url_resolved
    upgrade_database(url)
    queue = HandoffQueue(make_engine(url))
    return queue, RosterCache(settings.staff_file)


def _actor(queue, roster, username: str):
    from bot.staff.accounts import StaffAccounts

    member = roster().by_username(username) or StaffAccounts(queue.engine, roster).member(username)
    if member is None:
        raise UnknownStaff(username)
    return member


def _when(value: Optional[datetime]) -> str:
    from bot.staff.clock import local_time

    return local_time(value)


def _print_view(view) -> None:
    status = staff_label("status", view.status)
    print(f"{view.reference}  {status:<11} {view.area:<28} {view.kind:<18} "
          f"{view.assigned_to or '-':<20} {_when(view.created_at)}")


def _print_detail(detail, settings: Settings, queue_now: datetime) -> None:
    from bot.handoff.texts import describe_contact
    from bot.staff.clock import promised_hours, response_clock
    from bot.staff.dashboard import EVENT_LABELS, NOTE_LABELS

    r = detail.request
    clock = response_clock(r, promised_hours(settings), queue_now)
    waited = (f"contact na {clock.contact_text}" if clock.contact_text
              else f"{clock.age_text} zonder contact")
    marks = (" · te laat" if clock.overdue else "") + (
        " · gemeld bij coördinator" if clock.escalated else "")
    rows = [
        ("Vraag", r.reference), ("Status", staff_label("status", r.status)),
        ("In de woorden van de bewoner", r.reason or "-"),
        ("Soort", staff_label("kind", r.kind)), ("Buurt", r.area),
        ("Taal", staff_label("language", r.language)), ("Beste moment", r.best_moment or "-"),
        ("Eerste bezoek samen", staff_line(r)),
        ("Contact", describe_contact(r)), ("Kanaal", staff_label("channel", r.channel)),
        ("Toestemming", f"ja ({_when(r.consent_at)})" if r.consent else "nee"),
        ("Bij", r.assigned_to or "-"), ("Ontvangen", _when(r.created_at)),
        ("Wachttijd", f"{waited} (beloofd: binnen {clock.promised_text}){marks}"),
        ("Live chat", "ja" if r.live else "nee"), ("Afgerond", _when(r.closed_at)),
    ]
    for label, value in rows:
        print(f"{label:>28}: {value}")
    people = {"resident": "bewoner", "system": "systeem"}
    print(staff_text("cli_timeline"))
    for at, kind, item in detail.timeline():
        if kind == "note":
            delivery = (f" ({staff_text('delivery_' + item.delivery)})"
                        if item.kind == "reply" and item.delivery else "")
            print(f"  {_when(at)}  {NOTE_LABELS.get(item.kind, item.kind)} · "
                  f"{people.get(item.author, item.author)}: {item.text}{delivery}")
        else:
            print(f"  {_when(at)}  {EVENT_LABELS.get(item.action, item.action)} · "
                  f"{people.get(item.actor, item.actor)}")
    print(staff_text("cli_times"))


def _confirm_close(args: argparse.Namespace) -> bool:
    """Closing asks first in a terminal; scripts (no terminal) or --ja do not."""
    if args.ja or not sys.stdin.isatty():
        return True
    answer = input(staff_text("cli_close_confirm", reference=args.reference) + " ")
    return answer.strip().lower() in ("j", "ja", "y", "yes")


def _staff_action(args: argparse.Namespace, settings: Settings, queue, roster) -> int:
    from bot.handoff.queue import SYNC_RESUME_ENDED
    from bot.staff.actions import StaffActions

    actor = _actor(queue, roster, args.actor)
    actions = StaffActions.for_settings(queue, settings)  # no deliver: the service delivers
    command = args.queue_command
    if command == "close" and not _confirm_close(args):
        print(staff_text("cli_close_kept", reference=args.reference))
        return EXIT_REFUSED
    calls: dict = {
        "claim": lambda: actions.claim(args.reference, actor),
        "note": lambda: actions.note(args.reference, actor, args.text),
        "reply": lambda: actions.reply(args.reference, actor, args.text),
        "contact": lambda: actions.contact(args.reference, actor, args.outcome, args.note),
        "close": lambda: actions.close(args.reference, actor, note=args.note,
                                       message=args.message),
        "reopen": lambda: actions.reopen(args.reference, actor),
        "release": lambda: actions.release(args.reference, actor),
        "visit": lambda: (actions.confirm_visit(args.reference, actor)
                          if args.step == "bevestig"
                          else actions.propose_visit(args.reference, actor, args.moment or "")),
    }
    outcome = asyncio.run(calls[command]())
    view = outcome.request
    if args.json:
        _json(dict(result=outcome.key, reference=outcome.reference, status=outcome.status,
                   owner=outcome.owner, won=outcome.key == "claimed",
                   already_owner=outcome.key == "claim_already_yours",
                   delivery=outcome.delivery,
                   request=view.to_dict() if view else None))
    else:
        print(staff_text(outcome.key, reference=outcome.reference, owner=outcome.owner or "-",
                         status=staff_label("status", outcome.status or ""),
                         area=view.area if view else "", channel=view.channel if view else "",
                         visit=staff_line(view) if view else "-",
                         link=dashboard_link(settings.dashboard_url_resolved,
                                             outcome.reference)))
    if view is not None and view.assistant_sync == SYNC_RESUME_ENDED:
        print(staff_text("cli_live_ended_later"), file=sys.stderr)
    return EXIT_OK if outcome.key not in ("claim_lost", "claim_closed") else EXIT_REFUSED


def _outside_werkgebied(queue, roster, args) -> bool:
    """Does the request exist, only outside the werkgebied of --as?"""
    from bot.handoff.queue import NotFound

    if not getattr(args, "actor", None) or not getattr(args, "reference", None):
        return False
    try:
        queue.get(args.reference)
    except NotFound:
        return False
    return True


def cmd_queue(args: argparse.Namespace) -> int:
    from bot.handoff.queue import HandoffError, InvalidInput, NotAllowed, NotFound
    from bot.handoff.routing import LoggingNotifier, announce_escalations
    from bot.staff.accounts import purge_staff

    settings = load_settings()
    queue, roster = _open(settings)
    try:
        command = args.queue_command
        if command == "list":
            status = None if args.status == "alle" else args.status
            views = queue.list(status=status, area=args.area)
            if args.json:
                _json([v.to_dict() for v in views])
            else:
                for view in views:
                    _print_view(view)
                print(staff_text("cli_count", count=len(views)) + " " + staff_text("cli_times"))
            return EXIT_OK
        if command == "show":
            detail = queue.show(args.reference)
            _json(detail.to_dict()) if args.json else _print_detail(detail, settings, queue.now())
            return EXIT_OK
        if command in STAFF_COMMANDS:
            return _staff_action(args, settings, queue, roster)
        if command == "escalate":
            hours = args.after_hours if args.after_hours is not None else \
                settings.handoff_escalate_after_hours
            views = queue.escalate_overdue(after=timedelta(hours=hours))
            asyncio.run(announce_escalations(views, roster(), LoggingNotifier()))
            if args.json:
                _json([v.to_dict() for v in views])
            else:
                print(staff_text("cli_escalated", count=len(views),
                                 references=", ".join(v.reference for v in views) or "-"))
            return EXIT_OK
        if command == "purge":
            counts = queue.purge(closed_older_than=timedelta(days=args.closed_days))
            counts.update(purge_staff(queue.engine))
            _json(counts) if args.json else print(staff_text("cli_purged", **counts))
            return EXIT_OK
        return EXIT_USAGE
    except UnknownStaff as exc:
        return _fail(args, "unknown_staff", staff_text(
            "cli_unknown_staff", username=exc.args[0], staff_file=settings.staff_file),
            EXIT_UNKNOWN_STAFF)
    except NotFound:
        if _outside_werkgebied(queue, roster, args):
            return _fail(args, "outside_werkgebied", staff_text(
                "cli_outside_werkgebied", reference=args.reference, username=args.actor),
                EXIT_NOT_FOUND)
        return _fail(args, "not_found", staff_text("cli_not_found",
                                                   reference=getattr(args, "reference", "")),
                     EXIT_NOT_FOUND)
    except NotAllowed as exc:
        return _fail(args, "not_allowed", _not_allowed_text(exc, args.reference), EXIT_REFUSED)
    except InvalidInput as exc:
        if "moment" in exc.details:
            return _fail(args, "bad_moment", staff_text("cli_visit_bad_moment",
                                                        reference=args.reference), EXIT_USAGE)
        return _fail(args, "invalid", staff_text("cli_invalid", detail=str(exc)), EXIT_USAGE)
    except HandoffError as exc:
        return _fail(args, exc.code, str(exc), EXIT_ERROR)
    finally:
        queue.engine.dispose()


def _not_allowed_text(exc, reference: str) -> str:
    if "visit" in exc.details and exc.details.get("status") in ("opgepakt", "in_contact"):
        return staff_text("visit_none", reference=reference,
                          visit=staff_label("visit", exc.details["visit"] or "geen"))
    if exc.details.get("anonymised"):
        return staff_text("anonymised", reference=reference)
    if exc.details.get("reopen_expired"):
        return staff_text("reopen_expired", reference=reference)
    owner = exc.details.get("owner")
    status = exc.details.get("status") or ""
    if status in ("opgepakt", "in_contact") and owner:
        return staff_text("not_owner", reference=reference, owner=owner)
    return staff_text("wrong_status", reference=reference, status=staff_label("status", status))


def _fail(args: argparse.Namespace, code: str, message: str, exit_code: int) -> int:
    """Say why it did not work: Dutch on stderr, and with --json also as JSON."""
    if getattr(args, "json", False):
        _json({"error": code, "message": message})
    print(message, file=sys.stderr)
    return exit_code


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Wachtwoord: ")
    if getpass.getpass("Nog een keer: ") != first:
        raise SystemExit(staff_text("cli_passwords_differ"))
    return first


def cmd_staff(args: argparse.Namespace) -> int:
    from bot.staff.accounts import AccountError, AreaNames, NoAccount, StaffAccounts

    settings = load_settings()
    queue, roster = _open(settings)
    accounts = StaffAccounts(queue.engine, roster)
    try:
        if args.staff_command == "add":
            areas = AreaNames.from_knowledge(settings.knowledge_dir)
            view = accounts.add(args.username, _read_password(args), display_name=args.name,
                                role=args.role, stadsdelen=args.stadsdeel or (),
                                buurten=args.buurt or (), telegram_user_id=args.telegram_id,
                                areas=areas)
            _json(view.to_dict()) if args.json else print(staff_text(
                "cli_account_made", username=view.username, role=view.role,
                werkgebied=view.werkgebied))
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
            print(staff_text("cli_password_set"))
        elif args.staff_command == "disable":
            accounts.set_active(args.username, False)
            print(staff_text("cli_account_disabled", username=args.username))
        elif args.staff_command == "unlock":
            forgotten = accounts.unlock(args.username)
            print(staff_text("cli_account_unlocked", username=args.username, count=forgotten))
        return EXIT_OK
    except NoAccount as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_NOT_FOUND
    except AccountError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    finally:
        queue.engine.dispose()


def register(subparsers) -> None:
    """Add `queue` and `staff` to the `ontmoet` command line."""
    from bot.handoff.models import CONTACT_OUTCOMES, ROLES, STATUSES

    queue = subparsers.add_parser("queue", help="de wachtrij voor toeleiding")
    qsub = queue.add_subparsers(dest="queue_command", required=True)

    def with_json(parser):
        parser.add_argument("--json", action="store_true", help="uitvoer als JSON")
        return parser

    p = with_json(qsub.add_parser("list", help="vragen op een rij"))
    p.add_argument("--status", default="open", choices=["open", "alle", *STATUSES])
    p.add_argument("--area", help="buurt of stadsdeel")
    p = with_json(qsub.add_parser("show", help="één vraag met de tijdlijn"))
    p.add_argument("reference")
    helps = {"claim": "vraag oppakken", "note": "interne notitie",
             "reply": "bericht aan de bewoner", "contact": "gebeld, niet bereikt, afspraak",
             "close": "vraag afronden", "reopen": "afgeronde vraag heropenen",
             "release": "vraag teruggeven aan de wachtrij",
             "visit": "eerste bezoek samen: bevestigen of een ander moment voorstellen"}
    for name in STAFF_COMMANDS:
        p = with_json(qsub.add_parser(name, help=helps[name]))
        p.add_argument("reference")
        if name in ("note", "reply"):
            p.add_argument("text")
        if name == "contact":
            p.add_argument("outcome", choices=CONTACT_OUTCOMES)
            p.add_argument("--note", help="bijvoorbeeld wanneer en waar de afspraak is")
        if name == "visit":
            p.add_argument("step", choices=("bevestig", "voorstel"))
            p.add_argument("moment", nargs="?", help="bij voorstel: bijv. vrijdagmiddag")
        p.add_argument("--as", dest="actor", required=True, help="gebruikersnaam van de medewerker")
        if name == "close":
            p.add_argument("--note", help="afsluitnotitie (intern)")
            p.add_argument("--message", help="afsluitbericht aan de bewoner")
            p.add_argument("--ja", action="store_true", help="niet om bevestiging vragen")
    p = with_json(qsub.add_parser("escalate", help="niet opgepakte vragen melden"))
    p.add_argument("--after-hours", type=float, default=None)
    p = with_json(qsub.add_parser("purge", help="oude afgeronde vragen anonimiseren"))
    p.add_argument("--closed-days", type=float, default=180)
    queue.set_defaults(func=cmd_queue)

    staff = subparsers.add_parser("staff", help="dashboard-accounts van opbouwwerkers")
    ssub = staff.add_subparsers(dest="staff_command", required=True)
    p = with_json(ssub.add_parser("add", help="account maken"))
    p.add_argument("username")
    p.add_argument("--name")
    p.add_argument("--role", choices=ROLES)
    p.add_argument("--stadsdeel", action="append")
    p.add_argument("--buurt", action="append")
    p.add_argument("--telegram-id", type=int)
    p.add_argument("--password-stdin", action="store_true")
    with_json(ssub.add_parser("list", help="accounts op een rij"))
    p = ssub.add_parser("passwd", help="nieuw wachtwoord")
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true")
    p = ssub.add_parser("disable", help="account uitzetten")
    p.add_argument("username")
    p = ssub.add_parser("unlock", help="inlogblokkade opheffen (na te veel pogingen)")
    p.add_argument("username")
    staff.set_defaults(func=cmd_staff)


def run_quietly_on_closed_pipe(run: Callable[[], int]) -> int:
    """Run a command; when the reader of its output went away (`... | head -1`),
    stop without a stack trace (stdout is pointed at /dev/null, as the Python
    documentation advises for SIGPIPE)."""
    try:
        code = run()
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.handoff.cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return run_quietly_on_closed_pipe(lambda: int(args.func(args) or 0))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
