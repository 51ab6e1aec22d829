"""Per-resident state kept in memory is bounded: in size and in time."""
from __future__ import annotations

from bot.channels.common import ButtonRegistry
from bot.channels.stores import ResidentDirectory
from bot.channels.whatsapp.channel import WhatsAppInput
from bot.channels.whatsapp.format import Paged
from ontmoet_core.config import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _whatsapp(tmp_path, clock):
    settings = Settings(var_dir=tmp_path, pseudonym_key="k" * 40)
    return WhatsAppInput(settings, ButtonRegistry(ttl_seconds=3600), directory=ResidentDirectory(),
                         clock=clock)


def _page(n: int) -> Paged:
    return Paged(f"Kies een plek ({n})", [{"title": "meer", "payload": "/x"}])


def test_whatsapp_pages_are_bounded_in_number(tmp_path):
    channel = _whatsapp(tmp_path, Clock())
    for n in range(10_001):
        channel._pages[f"wh-{n}"] = _page(n)
    assert len(channel._pages) == 10_000
    assert "wh-0" not in channel._pages  # the oldest went first
    assert channel._pages["wh-10000"].body == "Kies een plek (10000)"


def test_whatsapp_pages_expire_with_their_buttons(tmp_path):
    clock = Clock()
    channel = _whatsapp(tmp_path, clock)
    channel._pages["wh-a"] = _page(1)
    clock.now += 3599
    assert "wh-a" in channel._pages
    clock.now += 2  # past the buttons' time to live: "meer" would be refused anyway
    assert "wh-a" not in channel._pages
