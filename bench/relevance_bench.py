"""Does search find the right account first?  Relevance per kind of query: prints JSON.

    python bench/relevance_bench.py DATABASE_URL [--samples 1000] [--seed 1] [--build N [--population census]]

Picks ``--samples`` random accounts (random ids between the smallest and the largest) and for
each types what a clerk would type to find it from what the caller says, in the kinds below,
from the account's party shown in the results (the current tenant, else the owner):

* ``last_first_initial`` "garcia a", ``first_last`` "maria garcia" (people only);
* ``last_street_word`` "garcia oak", ``last_house`` "garcia 107", ``last_phone4`` "garcia 0107";
* ``house_street`` "107 oak", ``phone_last7`` "555-0107".

Each query runs ``search_accounts(user, text, limit=10)``: ``first`` is the share of
queries whose account is the first hit, ``in_10`` the share with it among the first ten.
``fits_10`` is the share of queries whose words fit at most ten accounts as whole words
(``SearchPage.whole``: "garcia 107" fits the Garcias at a number 107, not those whose phone
has 107 in it), ``in_10_when_fits`` the share of those found in the first ten: with more
than ten equally good matches (a common name on a long street) no order can put one chosen
account in the first ten, so this is the figure a ranking owes.  ``matches_median`` is the
median count of matching accounts, anywhere in a word (the search's estimate when capped),
``whole_median`` of those matching as whole words; ``ms`` the wall time of each
``search_accounts`` call (median, p95), ``cpu_ms`` this process's CPU time for it (on a
busy machine the better measure of SQLite's work; PostgreSQL's is in its server).  ``--build N``
first fills an empty database with an N-account demo district (no history); ``--population
census`` gives it surnames with real-world frequencies and a street per ~285 accounts
(``ubtui.demo_census``), without which a large district's names tie by the hundred.
"""
from __future__ import annotations

import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import median, open_district, p95, rounded, search_arguments  # noqa: E402  (puts the project on sys.path)

from models import Account, AccountCustomer, Customer, Phone, Premise  # noqa: E402
from ubtui.accounts import fold  # noqa: E402
from ubtui.db import is_postgres  # noqa: E402
from ubtui.search import search_accounts  # noqa: E402
from ubtui.security import system_user  # noqa: E402

ROLE_ORDER = {"tenant": 0, "owner": 1, "billing": 2}
STREET_TYPES = {"st", "ave", "rd", "dr", "ln", "ct", "way", "blvd"}


def sample_accounts(n: int, rng: random.Random) -> list[Account]:
    ids = [r[0] for r in Account.select(Account.id).tuples()]
    return list(Account.select().where(Account.id.in_(rng.sample(ids, min(n, len(ids))))))


def party_of(account: Account) -> Customer | None:
    """The party the results show for the account: current before ended, tenant, owner, billing."""
    parties = (AccountCustomer.select(AccountCustomer, Customer).join(Customer)
               .where(AccountCustomer.account == account.id))
    best = min(parties, key=lambda p: (p.end_date is not None, ROLE_ORDER.get(p.role, 9)), default=None)
    return best.customer if best else None


def street_word(street: str) -> str:
    words = [w for w in fold(street).split() if w not in STREET_TYPES]
    return max(words, key=len) if words else fold(street).split()[0]


def queries(account: Account) -> dict[str, str]:
    """kind -> the text a clerk types for ``account``."""
    prem = Premise.get_by_id(account.premise_id)
    cust = party_of(account)
    out = {"house_street": f"{prem.house_number} {street_word(prem.street)}"}
    phone = Phone.select().where(Phone.customer == cust.id).order_by(Phone.id).first() if cust else None
    if phone is not None:
        out["phone_last7"] = f"{phone.digits[-7:-4]}-{phone.digits[-4:]}"
    if cust is None or cust.kind != "person" or not cust.first_name:
        return out
    last, first = fold(cust.last_name), fold(cust.first_name)
    out.update(last_first_initial=f"{last} {first[0]}", first_last=f"{first} {last}",
               last_street_word=f"{last} {street_word(prem.street)}", last_house=f"{last} {prem.house_number}")
    if phone is not None:
        out["last_phone4"] = f"{last} {phone.digits[-4:]}"
    return out


def main(argv=None) -> int:
    args = search_arguments(__doc__.splitlines()[0], samples=1000).parse_args(argv)
    open_district(args.url, args.build, args.population)
    user = system_user()
    rng = random.Random(args.seed)
    kinds: dict[str, dict] = {}
    for account in sample_accounts(args.samples, rng):
        for kind, text in queries(account).items():
            search_accounts(user, text, limit=10)  # warm the caches
            t, c = time.perf_counter(), time.process_time()
            page = search_accounts(user, text, limit=10)
            ms, cpu = (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000
            ids = [h.account_id for h in page]
            total = getattr(page, "total", None)
            whole = getattr(page, "whole", None)
            fits = whole is not None and 0 < whole <= 10
            k = kinds.setdefault(kind, {"n": 0, "first": 0, "in_10": 0, "fits": 0, "in_10_fits": 0, "ms": [], "cpu": [],
                                        "matches": [], "whole": [], "example": text, "missed": []})
            k["n"] += 1
            k["first"] += bool(ids) and ids[0] == account.id
            k["in_10"] += account.id in ids
            k["fits"] += fits
            k["in_10_fits"] += fits and account.id in ids
            k["ms"].append(ms)
            k["cpu"].append(cpu)
            k["whole"].append(whole if whole is not None else 0)
            k["matches"].append(total if total is not None else len(ids))
            if fits and account.id not in ids and len(k["missed"]) < 5:
                k["missed"].append(text)
    out = {"backend": "postgresql" if is_postgres() else "sqlite", "accounts": Account.select().count(),
           "samples": args.samples, "kinds": {}}
    for kind, k in kinds.items():
        n = k["n"]
        out["kinds"][kind] = {
            "example": k["example"], "n": n, "first": rounded(k["first"] / n, 3), "in_10": rounded(k["in_10"] / n, 3),
            "fits_10": rounded(k["fits"] / n, 3),
            "in_10_when_fits": rounded(k["in_10_fits"] / k["fits"], 3) if k["fits"] else None,
            "matches_median": statistics.median(k["matches"]), "whole_median": statistics.median(k["whole"]),
            "ms": {"median": rounded(median(k["ms"]), 2), "p95": rounded(p95(k["ms"]), 2)},
            "cpu_ms": {"median": rounded(median(k["cpu"]), 2), "p95": rounded(p95(k["cpu"]), 2)},
            **({"missed_when_fits": k["missed"]} if k["missed"] else {})}
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
