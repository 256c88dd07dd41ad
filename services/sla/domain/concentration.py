"""Concentrated appeals: many appeals about one problem in one place within a window.

"One problem" is decided by the text, not by the category: near-duplicate descriptions
(character bigrams, Jaccard similarity; Chinese has no spaces, so words cannot be split
reliably) filed in the same district. Candidates are found with MinHash LSH: each appeal's
MinHash signature is cut into bands, and a band's hash (salted with the district) is a bucket
key; only groups sharing a bucket are compared. Text is kept only as hashed bigrams, so sla
never stores the appeal text itself (it may carry names or phone numbers).

The signature is datasketch's MinHash with the "affine32" scheme (datasketch >= 2.0), computed
here with numpy bit for bit (tests/unit/services/sla/test_sla_concentration.py compares the
two): importing datasketch loads scipy, which would add about 58 MB to every sla process.
"""

import hashlib
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from shared.contracts.vocabulary import AppealType, RequestSubtype

MAX_SHINGLES = 512
MINHASH_SEED = 1  # datasketch's default seed; changing it changes every band key


@dataclass(frozen=True)
class ConcentrationRules:
    """The thresholds (data in rules.json, explained in the README)."""

    window: timedelta  # a group takes members this long after its first: min_members within it make a cluster
    cluster_idle: timedelta  # a cluster takes members this long after its newest one
    min_members: int  # alike appeals of one place within the window that are more than ordinary traffic
    min_similarity: float  # Jaccard of character bigrams to one of a group's exemplars
    permutations: int  # MinHash signature length
    bands: int  # LSH bands; rows per band = permutations // bands
    exemplars: int  # a group's first members whose texts new appeals are compared with
    candidates_per_band: int  # groups read per bucket, newest first: bounds the reads of one appeal
    counted: frozenset[str]  # "appeal_type" or "appeal_type/subtype" that can make a concentration

    def __post_init__(self) -> None:
        if self.min_members < 2:
            raise ValueError("a concentration needs at least two appeals")
        if not 0 < self.min_similarity <= 1:
            raise ValueError("similarity threshold must be in (0, 1]")
        if self.bands < 1 or self.permutations % self.bands:
            raise ValueError("the bands must split the permutations evenly")
        if self.exemplars < 1 or self.candidates_per_band < 1:
            raise ValueError("at least one exemplar and one candidate per band")
        if self.window <= timedelta(0) or self.cluster_idle <= timedelta(0):
            raise ValueError("the windows must be positive")
        for kind in self.counted:
            appeal_type, _, subtype = kind.partition("/")
            AppealType(appeal_type)  # ValueError names the unknown value
            if subtype:
                RequestSubtype(subtype)

    @property
    def rows(self) -> int:
        return self.permutations // self.bands

    def counts(self, appeal_type: str, subtype: str | None) -> bool:
        """Whether an appeal of this kind can be part of a concentration (a question asked often
        is a matter for the knowledge base, not a problem to supervise)."""
        return appeal_type in self.counted or (subtype is not None and f"{appeal_type}/{subtype}" in self.counted)


def shingles(text: str) -> frozenset[int]:
    """Hashed character bigrams of the text, punctuation and spaces removed, NFKC-folded."""
    kept = [c for c in unicodedata.normalize("NFKC", text).lower() if c.isalnum()]
    grams = {zlib.crc32("".join(kept[i:i + 2]).encode()) & 0x7FFFFFFF for i in range(len(kept) - 1)}
    return frozenset(sorted(grams)[:MAX_SHINGLES])


def similarity(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


# --- MinHash (datasketch's affine32 scheme) ---------------------------------------------------

_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
_PERMUTATIONS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _permutations(count: int) -> tuple[np.ndarray, np.ndarray]:
    """h -> a*h + b mod 2^32 with odd a: the same draws as datasketch.MinHash(seed=1)."""
    if count not in _PERMUTATIONS:
        gen = np.random.RandomState(MINHASH_SEED)
        a = gen.randint(0, 1 << 31, count, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b = gen.randint(0, 1 << 32, count, dtype=np.uint32)
        _PERMUTATIONS[count] = (a, b)
    return _PERMUTATIONS[count]


def signature(items: frozenset[int], permutations: int) -> np.ndarray:
    """MinHash of a set of 32-bit hashes (the shingles), as uint32 values."""
    a, b = _permutations(permutations)
    hv = np.fromiter(items, dtype=np.uint32, count=len(items)).reshape(-1, 1)
    s1, m1, s2, m2, s3 = _FMIX32
    with np.errstate(over="ignore"):  # wrapping is the intended arithmetic mod 2^32
        hv = hv ^ (hv >> s1)
        hv = hv * m1
        hv = hv ^ (hv >> s2)
        hv = hv * m2
        hv = hv ^ (hv >> s3)
        signature: np.ndarray = (hv * a + b).min(axis=0)
        return signature


def band_keys(items: frozenset[int], district: str, rules: ConcentrationRules) -> tuple[int, ...]:
    """The LSH bucket of each band, salted with the district: one problem is in one place.

    Two texts of Jaccard similarity s share at least one bucket with probability
    1 - (1 - s^rows)^bands (16 bands of 4 rows: 0.998 at s=0.75, 0.64 at 0.5, 0.12 at 0.3).
    """
    if not items:
        return ()
    values = signature(items, rules.permutations)
    salt = district.encode()
    keys = []
    for band in range(rules.bands):
        chunk = values[band * rules.rows:(band + 1) * rules.rows].tobytes()
        digest = hashlib.blake2b(chunk, digest_size=8, key=salt[:64], person=struct.pack(">H", band)).digest()
        keys.append(struct.unpack(">q", digest)[0])  # a signed bigint for PostgreSQL
    return tuple(keys)


def description(rules: ConcentrationRules) -> str:
    """What ConcentrationDetected.rule says fired."""
    hours = int(rules.window.total_seconds() // 3600)
    return f"similar text>={rules.min_similarity} in one district, >={rules.min_members} appeals in {hours}h"
