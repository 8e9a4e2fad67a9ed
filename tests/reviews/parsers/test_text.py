import codecs

import pytest

from reviews.parsers import ImportFormatError

from .helpers import fixture_bytes, parse

TITLE = "Müller – Köln café study"
RIS = f"TY  - JOUR\nTI  - {TITLE}\nAU  - Ñúñez, José\nER  - \n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (RIS.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + RIS.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + RIS.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + RIS.encode("utf-16-be"), "utf-16"),
        (RIS.encode("cp1252"), "cp1252"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le", "utf-16-be", "windows-1252"],
)
def test_it_decodes_each_supported_encoding(data, encoding):
    result = parse(data)

    assert result.encoding == encoding
    assert result.records[0].title == TITLE
    assert result.records[0].authors == ["Ñúñez, José"]


def test_it_reads_latin1_text_that_is_not_valid_utf8_as_windows_1252():
    data = "Title\nRésumé of the café\n".encode("latin-1")

    result = parse(data, filename="refs.csv")

    assert (result.encoding, result.records[0].title) == ("cp1252", "Résumé of the café")


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize(
    "name", ["ovid_medline.ris", "pubmed.nbib", "savedrecs.ciw", "refs.bib", "scopus.csv"]
)
def test_it_reads_every_line_ending_the_same_way(name, newline):
    original = parse(fixture_bytes(name), filename=name)
    data = fixture_bytes(name).replace(b"\n", newline.encode())

    converted = parse(data, filename=name)

    assert [(r.title, r.line, r.authors) for r in converted.records] == [
        (r.title, r.line, r.authors) for r in original.records
    ]


def test_it_reads_a_file_that_mixes_line_endings():
    data = b"TY  - JOUR\r\nTI  - One\rAB  - First line\n  second line\r\nER  - \n"

    record = parse(data).records[0]

    assert (record.title, record.abstract) == ("One", "First line second line")


@pytest.mark.parametrize("data", [b"", b"   \n\r\n\t", codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\n\n"])
def test_it_refuses_an_empty_file(data):
    with pytest.raises(ImportFormatError) as caught:
        parse(data, filename="empty.ris")

    assert str(caught.value) == "empty.ris: the file is empty"


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 4,
        b"\x00\x01\x02\x03" * 100,
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
    ],
    ids=["all-bytes", "nul-bytes", "png", "pdf"],
)
def test_it_refuses_binary_files(data):
    with pytest.raises(ImportFormatError, match=r"^junk.bin: this is"):
        parse(data, filename="junk.bin")


@pytest.mark.parametrize(
    ("codec", "filename"),
    [("utf-16-le", "refs.ris"), ("utf-16-be", "refs.ris"), ("utf-16-le", "refs.txt")],
)
def test_it_reads_utf16_saved_without_a_byte_order_mark(codec, filename):
    result = parse(RIS.replace("\n", "\r\n").encode(codec), filename=filename)

    assert (result.format, result.encoding) == ("ris", codec)
    assert result.records[0].title == TITLE
    assert result.records[0].authors == ["Ñúñez, José"]


def test_it_reads_a_utf16_table_without_a_byte_order_mark():
    table = 'Title,Authors,Year\r\n"Эффективность лечения, 一项研究",Ñúñez J,2020\r\nSecond,Smith J,2021\r\n'

    result = parse(table.encode("utf-16-le"), filename="scopus.csv")

    assert (result.format, result.encoding) == ("csv", "utf-16-le")
    assert [record.title for record in result.records] == ["Эффективность лечения, 一项研究", "Second"]
    assert result.records[0].year == 2020


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (RIS.encode("utf-16-le") + b"\n", "UTF-16 little-endian"),
        (RIS.encode("utf-16-be")[:-2] + b"\xd8\x00", "UTF-16 big-endian"),
    ],
    ids=["odd-length", "half-a-surrogate-pair"],
)
def test_it_says_a_file_that_does_not_read_as_utf16_may_be_utf16_and_how_to_save_it(data, name):
    with pytest.raises(ImportFormatError) as caught:
        parse(data, filename="refs.ris")

    assert str(caught.value) == (
        f"refs.ris: this may be {name} text saved without a byte-order mark, but it does not read as such; "
        "open it in a text editor and save it again as UTF-8 (in Excel: Save As, CSV UTF-8), then upload that"
    )


def test_binary_data_with_nul_bytes_on_one_side_is_still_binary():
    with pytest.raises(ImportFormatError, match="^junk.bin: this is not a text file"):
        parse(b"\x00\x01\x00\x02" * 100, filename="junk.bin")


def test_it_reports_text_that_breaks_its_own_byte_order_mark():
    data = codecs.BOM_UTF16_LE + b"T\x00Y\x00\x00\xd8"

    with pytest.raises(
        ImportFormatError, match="starts with a UTF-16 byte-order mark but is not valid UTF-16"
    ):
        parse(data)


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("TI  - Эффективность лечения артериальной гипертензии у пожилых пациентов\n", "cp1251"),
        ("TI  - Αποτελεσματικότητα της θεραπείας σε ηλικιωμένους ασθενείς\n", "cp1253"),
    ],
)
def test_it_still_recognises_non_latin_code_pages(text, codec):
    data = ("TY  - JOUR\n" + text + "ER  - \n").encode(codec)

    result = parse(data)

    assert result.encoding == codec
    assert result.records[0].title == text[6:].strip()


def test_it_believes_the_encoding_an_xml_declaration_gives():
    xml = '<?xml version="1.0" encoding="ISO-8859-1"?><xml><records><record><titles><title>Café</title>'
    data = (xml + "</titles></record></records></xml>").encode("latin-1")

    result = parse(data, filename="refs.xml")

    assert (result.encoding, result.records[0].title) == ("iso8859-1", "Café")


@pytest.mark.parametrize("block", [1, 2, 3, 7, 1 << 20])
@pytest.mark.parametrize(
    "text",
    ["", "\n", "a", "a\n", "a\nb", "a\r\nb\rc\n", "\n\nab\r\n\r\ncd\n\n", "TY  - JOUR\r\nER  - \r\n\r\n" * 5],
)
def test_lines_come_out_the_same_whatever_the_block_they_are_split_in(text, block):
    from reviews.parsers.text import split_lines

    expected = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    assert list(split_lines(text, block=block)) == expected
