"""Letters from templates the district can edit, in the customer's language.

Templates are Jinja2 files ``<lang>/<letter>.j2`` (shipped in ``ubtui/data/letters``; a
district's own in the policy's ``letters_dir`` override them file by file).  Each extends
``_base.j2`` (letterhead, date, address block) and fills ``subject`` and ``body``.  They run in
Jinja2's sandbox (a template is data a district edits, not code), without autoescaping (the
output is plain text for paper and mail merge), with ``StrictUndefined`` so a misspelt name
is an error.  Every template of every language is loaded and rendered against a sample when
first used: a broken one stops the run with the file and line, before anything is sent.

Stored text (names, addresses) goes in as values, never as template source.
"""
from __future__ import annotations

import csv
import datetime as _dt
import traceback
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError, InputError
from .policy import CollectionsPolicy
from .text import safe_text

SHIPPED = Path(__file__).parent / "data" / "letters"
LETTERS = ("reminder", "notice", "final", "tenant", "plan_confirmation", "plan_broken", "returned_payment",
           "welcome", "final_bill")
MONTHS = {
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"),
}


def format_date(day: _dt.date, lang: str) -> str:
    """A date written out the way a letter in ``lang`` writes it."""
    if lang == "es":
        return f"{day.day} de {MONTHS['es'][day.month - 1]} de {day.year}"
    if lang == "vi":
        return f"ngày {day.day} tháng {day.month} năm {day.year}"
    return f"{day:%B} {day.day}, {day.year}"


# Every name a template may use, with a sample value: each template is rendered against this
# when loaded, so a name outside this list is found before a letter is sent.
SAMPLE = {
    "district_name": "Cedar Valley Water District", "district_address": "400 Reservoir Road",
    "district_phone": "(555) 010-2400", "date": "December 1, 2026", "name": "Pat Smith",
    "mail_lines": ["Pat Smith", "101 Main St", "Cedar Valley, CA 95000"], "account_number": "001234-5",
    "service_address": "101 Main St", "past_due": "$61.00", "balance": "$92.00", "shutoff_on": "December 9, 2026",
    "fee": "$15.00", "reconnect_fee": "$50.00", "appeal_days": 10, "final_business_days": 7,
    "plan_total": "$120.00", "instalments": [{"n": 1, "amount": "$60.00", "due_on": "January 1, 2027"}],
    "plan_grace_days": 60, "missed_due_on": "January 1, 2027", "amount": "$40.00", "deposit": "$50.00",
}


@dataclass(frozen=True)
class Letter:
    account_id: int
    account_number: str
    letter: str
    language: str
    subject: str
    text: str
    mail_lines: tuple[str, ...]


def _where(e: Exception) -> str:
    """``file, line N`` of the template frame an error was raised in (Jinja2 rewrites the
    traceback so template frames carry the template's file and line)."""
    for frame in reversed(traceback.extract_tb(e.__traceback__)):
        if frame.filename.endswith(".j2"):
            return f"{frame.filename}, line {frame.lineno}"
    return ""


class Templates:
    """The loaded, checked templates of one policy's letters folder and languages."""

    def __init__(self, policy: CollectionsPolicy):
        from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined
        from jinja2.sandbox import SandboxedEnvironment

        self.languages = tuple(policy.languages)
        self.envs = {}
        for lang in self.languages:
            dirs = ([str(Path(policy.letters_dir) / lang)] if policy.letters_dir else []) + [str(SHIPPED / lang)]
            self.envs[lang] = SandboxedEnvironment(loader=ChoiceLoader([FileSystemLoader(d) for d in dirs]),
                                                   undefined=StrictUndefined, autoescape=False,
                                                   keep_trailing_newline=False, finalize=_as_text)
        self.check()

    def check(self) -> int:
        """Load and render every letter of every language against ``SAMPLE``; raises
        ``ConfigError`` naming the file and line of the first broken one."""
        from jinja2 import TemplateError, TemplateNotFound, TemplateSyntaxError

        n = 0
        for lang, env in self.envs.items():
            for name in LETTERS:
                try:
                    env.get_template(f"{name}.j2").render(SAMPLE)
                except TemplateSyntaxError as e:
                    raise ConfigError(f"{e.filename or name + '.j2'}, line {e.lineno}: {e.message}") from None
                except TemplateNotFound as e:
                    raise ConfigError(f"letter template {lang}/{e.name} is missing") from None
                except TemplateError as e:
                    where = _where(e) or f"{lang}/{name}.j2"
                    raise ConfigError(f"{where}: {e.message or e}") from None
                n += 1
        return n

    def render(self, letter: str, lang: str, context: dict) -> tuple[str, str]:
        """(subject, text) of ``letter`` in ``lang`` (English when the language is not kept)."""
        if letter not in LETTERS:
            raise InputError("Letter", f"must be one of {', '.join(LETTERS)}")
        env = self.envs.get(lang) or self.envs["en"]
        out = env.get_template(f"{letter}.j2").render(context)
        subject, _, body = out.partition("\n")
        return subject.strip(), body.strip("\n") + "\n"


def _as_text(value):
    """Every value a template prints: stored text (names, addresses) as text, never control
    sequences (``safe_text``), whatever the district's template does with it."""
    return safe_text(value) if isinstance(value, str) else value


_cache: dict[tuple, Templates] = {}


def templates(policy: CollectionsPolicy) -> Templates:
    """The checked templates for ``policy`` (loaded once per letters folder and languages)."""
    key = (policy.letters_dir, tuple(policy.languages))
    if key not in _cache:
        _cache[key] = Templates(policy)
    return _cache[key]


def language_of(preferred: str | None, policy: CollectionsPolicy) -> str:
    lang = (preferred or "en").lower()[:2]
    return lang if lang in policy.languages else "en"


def write_pdf(letters: list[Letter], path: Path) -> bool:
    """One letter a page.  Returns False when no Unicode font was found, so letters were
    printed with the built-in fonts and Vietnamese diacritics folded (``pdf.fold``)."""
    from .pdf import new_pdf

    pdf = new_pdf("P", "Letter", mono=False, sans=True)
    pdf.set_auto_page_break(True, margin=20)
    family = "Sans" if pdf.sans_font else "Helvetica"
    for letter in letters:
        pdf.add_page()
        pdf.set_font(family, "B", 11)
        pdf.multi_cell(0, 6, letter.subject, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 10.5)
        pdf.multi_cell(0, 5.2, letter.text, new_x="LMARGIN", new_y="NEXT")
    if not letters:
        pdf.add_page()
        pdf.set_font(family, "", 11)
        pdf.cell(0, 6, "No letters.")
    try:
        pdf.output(str(path))
    except OSError as e:
        raise InputError("File", f"cannot write {path}: {e.strerror}") from None
    return pdf.sans_font


CSV_COLUMNS = ("account", "letter", "language", "subject", "line1", "line2", "line3", "line4", "line5", "text")


def write_csv(letters: list[Letter], path: Path) -> None:
    """Mail merge: one row a letter, the address block in line1-line5, the whole letter text."""
    try:
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(CSV_COLUMNS)
            for letter in letters:
                lines = ([safe_text(x) for x in letter.mail_lines] + [""] * 5)[:5]
                w.writerow([letter.account_number, letter.letter, letter.language, letter.subject, *lines,
                            letter.text])
    except OSError as e:
        raise InputError("File", f"cannot write {path}: {e.strerror}") from None
