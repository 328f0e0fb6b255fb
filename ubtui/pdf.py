"""PDF documents (fpdf2): every bill, receipt, report, letter and export is made here.

fpdf2's built-in fonts (Helvetica, Courier) only know the Windows-1252 characters; a name
such as "Nguyễn" or "Łukasz" would stop the document with an exception.  Documents from
``new_pdf`` fold what those fonts cannot show instead ("Nguyen", "Lukasz"; "?" for what has no
Latin form) and keep everything they can ("Muñoz", "José", "–", "€") as typed.  With a
Unicode font installed (DejaVu Sans Mono), ``new_pdf`` uses it and nothing is folded.
"""
from __future__ import annotations

import unicodedata
from pathlib import Path

from .text import safe_text

_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")
# Letters with no accent to strip (NFKD leaves them whole) and their usual Latin spelling.
_SPELLED = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "ŀ": "l",
                          "Ŀ": "L", "ĸ": "k", "Ŧ": "T", "ŧ": "t", "Ə": "E", "ə": "e"})


def fold(text: str, encoding: str = "cp1252") -> str:
    """``text`` with every character ``encoding`` lacks replaced by its Latin letter (and no
    control characters: ``safe_text``)."""
    text = safe_text(text, multiline=True)
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for c in text.translate(_SPELLED):
        try:
            c.encode(encoding)
            out.append(c)
        except UnicodeEncodeError:
            base = "".join(x for x in unicodedata.normalize("NFKD", c) if not unicodedata.combining(x))
            try:
                out.append(base.encode(encoding).decode(encoding) if base else "?")
            except UnicodeEncodeError:
                out.append("?")
    return "".join(out)


_CLASS = None


def _pdf_class():
    """``PrintPDF``: an FPDF whose built-in fonts fold text they cannot show instead of failing
    (made on first use: fpdf2 is not imported until a document is)."""
    global _CLASS
    if _CLASS is None:
        from fpdf import FPDF

        class PrintPDF(FPDF):
            unicode_font = False

            def normalize_text(self, text: str) -> str:
                if not self.is_ttf_font and self.core_fonts_encoding:
                    text = fold(text, self.core_fonts_encoding)
                else:  # a Unicode font shows every letter, but never a control character
                    text = safe_text(text, multiline=True)
                return super().normalize_text(text)
        _CLASS = PrintPDF
    return _CLASS


def _add_unicode(pdf, family: str, regular: str, bold: str) -> bool:
    """Register ``family`` from the first font folder holding both files."""
    for d in _FONT_DIRS:
        r, b = Path(d, regular), Path(d, bold)
        if r.exists() and b.exists():
            pdf.add_font(family, "", str(r))
            pdf.add_font(family, "B", str(b))
            pdf.unicode_font = True
            return True
    return False


def new_pdf(orientation: str = "P", fmt="A4", *, unit: str = "mm", mono: bool = True, sans: bool = False):
    """A document with a Unicode monospace font when one is installed (``mono``: reports,
    receipts) or the built-in fonts with folding.  ``sans``: also a Unicode proportional font
    "Sans" (DejaVu Sans: letters in Vietnamese need its diacritics) when installed."""
    pdf = _pdf_class()(orientation=orientation, unit=unit, format=fmt)
    pdf.set_auto_page_break(True, margin=12)
    pdf.sans_font = sans and _add_unicode(pdf, "Sans", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
    mono_font = mono and _add_unicode(pdf, "Mono", "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf")
    pdf.font_family_name = "Mono" if mono_font else "Courier"
    return pdf
