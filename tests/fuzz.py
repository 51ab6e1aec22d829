"""Generated hostile and odd resident messages, for the fuzz tests (seeded)."""
from __future__ import annotations

import random
from typing import Iterator

FRAGMENTS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "'; DROP TABLE ho_requests; --",
    "\" OR 1=1 --", "**vet** _schuin_ `code` [link](http://x)", "# kop\n- lijst", "{{7*7}}", "${jndi:ldap://x}",
    '/greet{"buurt": "Malberg"}', "/restart", "/session_start", '/inform_location{"lat": 1}',
    "knop:deadbeef00", "\u202eolleh", "\u200b\u200b", "مرحبا أين يمكنني", "שלום", "Привіт", "ሰላም",
    "😀😀😀", "👨‍👩‍👧‍👦", "\x00\x01\x02", "\r\n\r\n", "\t\t", "ẞ ǅ ﬁ", "%s%s%s%n", "../../etc/passwd",
    "null", "undefined", "NaN", "true", "[]", "{}", "\\", "'", '"', "🏳️‍🌈", "ｈａｌｌｏ",
    "Is er een buurthuis in Malberg?", "hallo", "ik ben eenzaam", "mijn nummer is 0612345678",
]


def random_unicode(rng: random.Random, length: int) -> str:
    chars = []
    for _ in range(length):
        block = rng.choice([(0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF),
                            (0x590, 0x6FF), (0x1200, 0x137F), (0x2000, 0x206F),
                            (0x1F300, 0x1FAFF), (0x0, 0x1F), (0xE000, 0xE0FF)])
        chars.append(chr(rng.randint(*block)))
    return "".join(chars)


def messages(count: int, seed: int = 2026) -> Iterator[str]:
    """`count` messages: fixed hostile fragments, mixes, random unicode, extremes."""
    rng = random.Random(seed)
    yield ""
    yield " " * 50
    yield "a" * 10_000
    yield "Is er een buurthuis in Malberg? " * 400
    for fragment in FRAGMENTS:
        yield fragment
    produced = 4 + len(FRAGMENTS)
    while produced < count:
        kind = rng.random()
        if kind < 0.4:
            text = random_unicode(rng, rng.randint(1, 80))
        elif kind < 0.8:
            text = " ".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 4)))
        elif kind < 0.95:
            text = random_unicode(rng, rng.randint(200, 3000))
        else:
            text = rng.choice(FRAGMENTS) * rng.randint(50, 300)
        produced += 1
        yield text
