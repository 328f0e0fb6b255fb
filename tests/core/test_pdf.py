"""Text for PDFs made with fpdf2's built-in fonts (Windows-1252)."""
from hypothesis import given
from hypothesis import strategies as st

from ubtui.pdf import fold, new_pdf


def test_fold_keeps_what_the_font_shows_and_spells_the_rest_in_latin():
    assert fold("Muñoz José – “A” €5") == "Muñoz José – “A” €5"
    assert fold("Nguyễn Łukasz Đorđe Ørsted") == "Nguyen Lukasz Dorde Ørsted"
    assert fold("東京") == "??"


@given(st.text(max_size=40))
def test_any_text_can_be_written_with_a_built_in_font(text):
    out = fold(text)
    out.encode("cp1252")  # never fails
    lines = text.replace("\r\n", "\n")  # one line break, as safe_text writes it
    assert len(out) >= len(lines)  # nothing silently dropped: "?" at worst


def test_a_built_in_font_document_takes_any_name(tmp_path):
    pdf = new_pdf("P", "Letter", mono=False)
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 6, "Nguyễn Łukasz 東京")
    pdf.output(str(tmp_path / "x.pdf"))
    assert (tmp_path / "x.pdf").read_bytes().startswith(b"%PDF")
