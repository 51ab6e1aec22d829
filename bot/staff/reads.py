"""What each staff member has read: the dashboard's "ongelezen" (issue 19).

    reads = ReadMarks(engine)
    reads.mark_seen("ow-west", "T-0042")          # on opening the request
    reads.unread("ow-west", ["T-0042", "T-0043"]) # -> {"T-0043"}

A request is unread for its opbouwwerker when the resident wrote after the
last note they saw (ho_read_mark.seen_note_id; note ids only grow, so no clock
is involved). Marking first and reading the page after means a message that
arrives in between is shown and stays "ongelezen" once more, never the other way.
"""
from __future__ import annotations

from typing import Iterable, Set

from sqlalchemy import and_, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.handoff.models import HandoffNote, HandoffRequest
from bot.staff.models import ReadMark
from ontmoet_core.db import make_session_factory

RESIDENT_NOTE = "resident"


class ReadMarks:
    def __init__(self, engine: Engine) -> None:
        self._sessions = make_session_factory(engine)

    def mark_seen(self, username: str, reference: str) -> None:
        """Everything of `reference` up to now counts as read by `username`."""
        with self._sessions() as session:
            request_id = session.execute(select(HandoffRequest.id).where(
                HandoffRequest.reference == reference)).scalar_one_or_none()
            if request_id is None:
                return
            last = session.execute(select(func.coalesce(func.max(HandoffNote.id), 0)).where(
                HandoffNote.request_id == request_id)).scalar_one()
        for _attempt in range(2):  # the same person in two tabs: one inserts, one updates
            with self._sessions() as session, session.begin():
                if session.execute(
                    update(ReadMark).where(ReadMark.username == username,
                                           ReadMark.request_id == request_id)
                    .values(seen_note_id=last).execution_options(synchronize_session=False)
                ).rowcount:
                    return
            try:
                with self._sessions() as session, session.begin():
                    session.add(ReadMark(username=username, request_id=request_id,
                                         seen_note_id=last))
                return
            except IntegrityError:
                continue

    def unread(self, username: str, references: Iterable[str]) -> Set[str]:
        """Those of `references` with a message of the resident `username` has not seen."""
        wanted = list(references)
        if not wanted:
            return set()
        query = (
            select(HandoffRequest.reference).distinct()
            .join(HandoffNote, HandoffNote.request_id == HandoffRequest.id)
            .outerjoin(ReadMark, and_(ReadMark.request_id == HandoffRequest.id,
                                      ReadMark.username == username))
            .where(HandoffRequest.reference.in_(wanted), HandoffNote.kind == RESIDENT_NOTE,
                   HandoffNote.id > func.coalesce(ReadMark.seen_note_id, 0))
        )
        with self._sessions() as session:
            return set(session.execute(query).scalars().all())
