"""`ontmoet`: the operators' command line.

    ontmoet init                 prepare var/, migrate the database, load knowledge/
    ontmoet serve                start the assistant service (web chat, channels, staff)
    ontmoet knowledge ...        import and inspect knowledge (see README)
    ontmoet queue ...            work the toeleiding queue (see README)
    ontmoet staff ...            manage opbouwwerker accounts
    ontmoet insights ...         indicators, review queue, knowledge gaps (issue 21)
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import List, Optional

from ontmoet_core.config import load_settings

# Feature packages that add their own sub-commands through `register(subparsers)`.
_SUBCOMMAND_MODULES = ("knowledge.cli", "bot.handoff.cli", "bot.privacy", "bot.insights.cli")


def cmd_init(args: argparse.Namespace) -> int:
    from ontmoet_core.db import upgrade_database

    settings = load_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    settings.pseudonym_key_bytes()  # creates var/pseudonym.key on first run
    upgrade_database(settings.database_url_resolved)
    from ontmoet_core.keys import check_settings

    check_settings(settings)  # production: strong secrets; one pseudonym key for all replicas
    from knowledge import open_knowledge

    open_knowledge(
        settings.database_url_resolved,
        settings.knowledge_dir,
        include_demo=settings.demo_data,
    )
    print(f"database ready: {settings.database_url_resolved.split('///')[0]}... knowledge loaded")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.service import configure_logging, serve

    configure_logging(logging.DEBUG if args.verbose else logging.INFO)
    serve()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ontmoet", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="prepare the database and load knowledge").set_defaults(func=cmd_init)
    sub.add_parser("serve", help="start the assistant service").set_defaults(func=cmd_serve)
    for module_name in _SUBCOMMAND_MODULES:
        module = importlib.import_module(module_name)
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from bot.handoff.cli import run_quietly_on_closed_pipe

    return run_quietly_on_closed_pipe(lambda: int(args.func(args) or 0))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
