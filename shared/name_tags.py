"""Keyed hashes of a petitioner's name: how the name is found in a text without being kept.

Intake computes them when it accepts an appeal (AppealAccepted.name_tags) and publication
scans appeal and reply texts with them (services/publication/domain/redaction.py), so both
must agree on every detail: the folding, the surname rule and the tag format. A tag is
`n<len>:<hmac>` for the whole name and `s<len>:<hmac>` for the surname, HMAC-SHA256 under the
platform secret (Settings.pepper()), cut to 128 bits. Without the secret a tag cannot be
tested against guessed names.
"""

import functools
import hmac
import unicodedata
from collections.abc import Iterable
from hashlib import sha256

COMPOUND_SURNAMES = frozenset({"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
                               "宇文", "司徒", "令狐", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "百里"})


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def name_parts(names: Iterable[str]) -> list[tuple[str, str]]:
    """Each usable name, folded and without spaces, with its surname (compound ones known)."""
    parts = []
    for raw in names:
        name = fold(raw).replace(" ", "")
        if len(name) < 2:
            continue  # a single character would redact ordinary words
        # every compound surname has two characters: a set lookup, not a scan, per name
        surname = name[:2] if len(name) > 2 and name[:2] in COMPOUND_SURNAMES else name[0]
        parts.append((name, surname))
    return parts


def tag(key: bytes, kind: str, value: str) -> str:
    # A text is scanned with one tag per position and length: copying a keyed HMAC saves
    # keying it again for each (about 10% of a tag).
    tagger = _keyed(key).copy()
    tagger.update(f"{kind}:{value}".encode())
    return tagger.hexdigest()[:32]


def name_tags(names: Iterable[str], key: bytes) -> frozenset[str]:
    """The tags of each name and its surname."""
    tags = set()
    for name, surname in name_parts(names):
        tags.add(f"n{len(name)}:{tag(key, 'name', name)}")
        tags.add(f"s{len(surname)}:{tag(key, 'surname', surname)}")
    return frozenset(tags)


@functools.lru_cache(maxsize=4)
def _keyed(key: bytes) -> hmac.HMAC:
    return hmac.new(key, digestmod=sha256)
