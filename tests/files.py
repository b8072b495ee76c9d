"""Real sample files for uploads: the upload check parses them, so magic bytes alone fail."""

import io
from functools import cache

from PIL import Image
from pypdf import PdfWriter


@cache
def sample_pdf() -> bytes:
    """A one-page blank PDF, as a scanner or a browser's "Save as PDF" would make."""
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@cache
def sample_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buffer, format="PNG")
    return buffer.getvalue()


@cache
def sample_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buffer, format="JPEG")
    return buffer.getvalue()
