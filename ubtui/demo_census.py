"""A census-like population for large demo districts (``build_demo(population="census")``).

The default demo district draws from a few dozen names and forty streets: at 1,000,000 accounts
"wright camino" then fits hundreds of accounts, and a search benchmark measures that list, not
the ranking.  This population draws surnames and first names with real-world frequencies and
scales the streets with the district, for benchmarks only (it needs Faker, a ``test`` extra):

* English speakers' surnames: Faker's ``en_US`` list, the 1,000 commonest surnames of the 2000
  US census with their frequencies.  Those cover 40.6% of people (Smith is 0.882% of them,
  2.1712% of the list); the other 59.4% is shared evenly by the other locales' surnames in
  Latin script (about 16,000, each rarer than the 1,000th): real districts have that long tail.
* Spanish speakers (``es``): Faker's ``es_MX`` names, each weighted by its census frequency
  when the census list has it (García, Hernández...), else by the rarest one's.
* Vietnamese speakers (``vi``): Faker's ``vi_VN`` surnames, commonest first, weighted 1/rank
  (Nguyễn about a third, as in Vietnam), and its given names evenly.
* Streets: one per ``ACCOUNTS_PER_STREET`` accounts, named as US streets are: surnames (census
  weighted), first names, numbers ("3rd St"), trees and landscape words, Spanish names, each
  with a common suffix; a name comes with up to three suffixes ("Oak St", "Oak Ct"), as in towns.

Draws are ``random.choices`` over precomputed cumulative weights (one bisect each), so a
1,000,000-account build costs about what the default one does.
"""
from __future__ import annotations

import functools
import importlib
import itertools
import pkgutil
import random
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .accounts import fold
from .errors import InputError

ACCOUNTS_PER_STREET = 285  # about 3,500 streets at 1,000,000 accounts
TOP_1000_SHARE = 0.406  # of people whose surname is among the census's 1,000 commonest
# The demo's own street words (ubtui.demo.STREET_NAMES) and these, the commonest US street
# names that are not people's names (National League of Cities' list of the commonest, and
# California's Spanish ones).
STREET_WORDS = (
    "Park", "Pine", "Maple", "Elm", "View", "Lake", "Hill", "Birch", "Spruce", "Chestnut", "Cherry",
    "Hickory", "Laurel", "Dogwood", "Holly", "Ash", "Redwood", "Cypress", "Olive", "Orange", "Lemon", "Peach",
    "Pecan", "Church", "Mill", "School", "Center", "Spring", "Forest", "River", "Highland", "Fairview",
    "Prospect", "Pleasant", "Broad", "Market", "Union", "College", "Grove", "Ridge", "Railroad", "Garden",
    "Heritage", "Harbor", "Bay", "Cherokee", "Canyon", "Hilltop", "Woodland", "Country Club", "Airport",
    "Alameda", "Loma", "Mesa", "Arroyo", "Paseo", "Vista", "Buena Vista", "Monte Vista", "Los Robles",
    "Las Palmas", "Santa Fe", "San Juan", "Del Mar", "Rancho", "Camino Real", "La Paz", "Los Altos")
# (kind of street name, share of streets)
STREET_NAME_KINDS = (("surname", 50), ("word", 30), ("number", 12), ("first", 8))
STREET_SUFFIXES = (("St", 25), ("Ave", 18), ("Dr", 16), ("Rd", 10), ("Ln", 10), ("Ct", 10), ("Way", 8),
                   ("Blvd", 3))
SUFFIXES_A_NAME = 3  # "Oak St", "Oak Ave" and "Oak Ct" at most
VIETNAMESE_SPEAKERS = "vi"
SPANISH_SPEAKERS = "es"


@dataclass(frozen=True)
class Pool:
    """Names and their cumulative weights: ``draw`` is one bisect."""
    names: tuple[str, ...]
    cum: tuple[float, ...]

    @classmethod
    def of(cls, weighted: Iterable[tuple[str, float]]) -> Pool:
        pairs = list(weighted)
        return cls(tuple(n for n, _ in pairs), tuple(itertools.accumulate(w for _, w in pairs)))

    def draw(self, rng: random.Random) -> str:
        return rng.choices(self.names, cum_weights=self.cum)[0]


def _person_provider(locale: str):
    try:
        return importlib.import_module(f"faker.providers.person.{locale}").Provider
    except ImportError as exc:
        raise InputError("Population", "census needs the Faker package (pip install -e '.[test]')") from exc


def _latin(name: str) -> bool:
    return bool(name) and all(c in "-'" or (c.isalpha() and "LATIN" in unicodedata.name(c, "")) for c in name)


def _by_census(names: Sequence[str], census: dict[str, float]) -> list[tuple[str, float]]:
    """Each name weighted by the census frequency of its folded form, else the rarest one's."""
    rarest = min(census.values())
    return [(n, census.get(fold(n), rarest)) for n in dict.fromkeys(names)]


@dataclass(frozen=True)
class Population:
    en_last: Pool
    en_first: tuple[Pool, Pool]  # female, male
    es_last: Pool
    es_first: Pool
    vi_last: Pool
    vi_first: Pool
    street_surnames: Pool
    first_names: tuple[str, ...]

    def person(self, rng: random.Random, language: str) -> tuple[str, str]:
        """(first, last) of a person who speaks ``language``."""
        if language == SPANISH_SPEAKERS:
            return self.es_first.draw(rng), self.es_last.draw(rng)
        if language == VIETNAMESE_SPEAKERS:
            return self.vi_first.draw(rng), self.vi_last.draw(rng)
        return self.en_first[rng.random() < 0.5].draw(rng), self.en_last.draw(rng)

    def streets(self, rng: random.Random, accounts: int, own_words: Sequence[str]) -> list[str]:
        """``accounts // ACCOUNTS_PER_STREET`` (at least 30) distinct street names."""
        want = max(30, accounts // ACCOUNTS_PER_STREET)
        words = tuple(dict.fromkeys((*own_words, *STREET_WORDS)))
        kinds, suffixes = Pool.of(STREET_NAME_KINDS), Pool.of(STREET_SUFFIXES)
        out: dict[str, None] = {}
        uses: dict[str, int] = {}  # a name comes with a few suffixes, not all of them
        while len(out) < want:
            kind = kinds.draw(rng)
            if kind == "surname":
                base = self.street_surnames.draw(rng)
            elif kind == "word":
                base = rng.choice(words)
            elif kind == "number":
                base = _ordinal(int(rng.paretovariate(0.8)) % 99 + 1)
            else:
                base = rng.choice(self.first_names)
            street = f"{base} {suffixes.draw(rng)}"
            if street not in out and uses.get(base, 0) < SUFFIXES_A_NAME:
                out[street] = None
                uses[base] = uses.get(base, 0) + 1
        streets = list(out)
        rng.shuffle(streets)
        return streets


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@functools.cache
def population() -> Population:
    """The census population (built once a process, from Faker's person providers)."""
    us = _person_provider("en_US")
    census = {fold(n): w * TOP_1000_SHARE for n, w in us.last_names.items()}
    tail: dict[str, str] = {}
    import faker.providers.person as person_providers
    for mod in pkgutil.iter_modules(person_providers.__path__):
        if mod.name in ("en", "en_US"):  # "en" is Faker's invented names
            continue
        for name in getattr(_person_provider(mod.name), "last_names", ()) or ():
            if isinstance(name, str) and _latin(name) and fold(name) not in census:
                tail.setdefault(fold(name), name)
    tail_weight = (1 - TOP_1000_SHARE) / len(tail)
    en_last = Pool.of([*((n, w * TOP_1000_SHARE) for n, w in us.last_names.items()),
                       *((n, tail_weight) for n in sorted(tail.values()))])
    first_census = {fold(n): w for n, w in (*us.first_names_female.items(), *us.first_names_male.items())}
    mx, vn = _person_provider("es_MX"), _person_provider("vi_VN")
    return Population(
        en_last=en_last,
        en_first=(Pool.of(us.first_names_female.items()), Pool.of(us.first_names_male.items())),
        es_last=Pool.of(_by_census(mx.last_names, census)),
        es_first=Pool.of(_by_census(mx.first_names, first_census)),
        vi_last=Pool.of((n, 1 / rank) for rank, n in enumerate(vn.last_names, 1)),
        vi_first=Pool.of((n, 1.0) for n in dict.fromkeys(
            (*vn.first_names_female, *vn.first_names_male, *vn.first_names_unisex))),
        street_surnames=Pool.of(us.last_names.items()),
        first_names=tuple(dict.fromkeys((*us.first_names_female, *us.first_names_male))),
    )
