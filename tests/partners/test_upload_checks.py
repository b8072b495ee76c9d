"""Uploads are parsed as what their first bytes claim, with bounded resources, before
anything is stored: a PDF header in front of HTML, a small file that expands to
hundreds of megabytes, active PDF content and forged images are refused."""

import io
import zlib

import pytest
from PIL import Image
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import NameObject, NumberObject, StreamObject

from tests.files import sample_pdf
from tests.partners.test_tax import documents, media, stored_files, upload  # noqa: F401


def written(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_with_javascript() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.add_open_action(JavaScript("app.alert('hello');"))
    return written(writer)


def pdf_with_an_attachment() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.add_attachment("invoice.exe", b"MZ" + b"\x00" * 64)
    return written(writer)


def pdf_that_expands(megabytes: int) -> bytes:
    """A one-page PDF whose content stream is `megabytes` of zeros, deflated to a few KB."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=612, height=792)
    stream = StreamObject()
    stream._data = zlib.compress(b"0" * (megabytes * 1024 * 1024), 9)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    stream[NameObject("/Length")] = NumberObject(len(stream._data))
    page[NameObject("/Contents")] = writer._add_object(stream)
    return written(writer)


def png(width: int, height: int, mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"%PDF-1.7\n<html><script>alert(1)</script></html>", "it is not a readable PDF"),
        (pdf_that_expands(40), "its content expands beyond 25 MB"),
        (pdf_with_javascript(), "it contains JavaScript"),
        (pdf_with_an_attachment(), "it contains embedded files"),
        (b"\x89PNG\r\n\x1a\n" + b"<html>" * 20, "it is not a readable image"),
        (png(9_000, 6_000, mode="1"), "the image is 9,000 x 6,000 pixels"),
    ],
    ids=["html-behind-a-pdf-header", "bomb", "javascript", "attachment", "fake-png", "huge"],
)
def test_a_file_that_only_looks_acceptable_is_refused_and_nothing_is_stored(
    cast,
    media,  # noqa: F811
    content,
    why,
):
    response = upload(cast.partner_admin_a1.user, content, name="w9.pdf")

    assert response.status_code == 400
    assert f"This file cannot be accepted: {why}" in response.content.decode()
    assert documents(cast) == [] and stored_files(media) == []


def test_a_real_pdf_and_a_real_scan_are_accepted(cast, media):  # noqa: F811
    assert upload(cast.partner_admin_a1.user, sample_pdf()).status_code == 302
    scan = png(2_480, 3_508)  # an A4 page at 300 dpi
    assert upload(cast.partner_admin_a1.user, scan, name="w8.png", kind="w8ben").status_code == 302
    assert [d.content_type for d in documents(cast)] == ["application/pdf", "image/png"]
