"""Checks every uploaded partner file passes before anything is stored.

The first bytes say what a file claims to be; then the file is parsed as that type, with
bounded resources: a PDF by pypdf (pages, objects and decompressed bytes capped; no
JavaScript, launch, embedded-file or form-script content), an image by Pillow (decoded
fully, pixels capped). A `%PDF-` header in front of HTML, or a 5 MB file that expands
to 300 MB, is refused before anything is stored.
"""

import os
import warnings

from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from PIL import Image
from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError, PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

from tenants.errors import ApplicationError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# The file's first bytes decide its type: a name or a browser's content type can lie.
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
ACCEPTED_TYPES_TEXT = "a PDF, PNG or JPEG file"

MAX_PDF_PAGES = 100
MAX_PDF_OBJECTS = 50_000
MAX_DECOMPRESSED_BYTES = 25 * 1024 * 1024
MAX_IMAGE_PIXELS = 50_000_000  # e.g. 8,000 x 6,000: a scan, never a decompression bomb
#: pypdf's own caps (75 MB per stream by default) brought down to an upload's, per check
PDF_LIMITS = {
    name: MAX_DECOMPRESSED_BYTES
    for name in (
        "maximum_declared_stream_length",
        "array_based_stream_maximum_output_length",
        "jbig2_maximum_output_length",
        "lzw_maximum_output_length",
        "run_length_maximum_output_length",
        "zlib_maximum_output_length",
    )
}
#: names whose presence makes a PDF active content we never store
ACTIVE_PDF_NAMES = {
    "/JS": "JavaScript",
    "/JavaScript": "JavaScript",
    "/Launch": "a launch action",
    "/EmbeddedFile": "an embedded file",
    "/EmbeddedFiles": "embedded files",
    "/RichMedia": "embedded media",
    "/XFA": "a form script (XFA)",
    "/SubmitForm": "a form that submits itself",
    "/ImportData": "a form that imports data",
}


def detect_file_type(head: bytes) -> tuple[str, str] | None:
    """Return (content type, extension) for the file's leading bytes, or None if not accepted."""
    for signature, content_type, extension in SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    return None


def checked_upload(upload: UploadedFile, *, field: str, hint: str = "") -> tuple[str, str]:
    """Return (content type, extension) of an acceptable upload; raise ApplicationError if not."""
    if not upload.size:
        raise ApplicationError("The file is empty.", fields={field: ["The file is empty."]})
    if upload.size > MAX_UPLOAD_BYTES:
        message = f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is 5 MB."
        raise ApplicationError(message, fields={field: [message]})
    upload.seek(0)
    detected = detect_file_type(upload.read(16))
    upload.seek(0)
    if detected is None:
        message = f"This file is not {ACCEPTED_TYPES_TEXT} (its content was checked, not its name)"
        message += f"; {hint}" if hint else "."
        raise ApplicationError(message, fields={field: [message]})
    try:
        refusal = _pdf_refusal(upload) if detected[1] == "pdf" else _image_refusal(upload)
    finally:
        upload.seek(0)
    if refusal:
        message = f"This file cannot be accepted: {refusal}."
        message += f" {hint[0].upper()}{hint[1:]}" if hint else ""
        raise ApplicationError(message, fields={field: [message]})
    return detected


def _pdf_refusal(upload: UploadedFile) -> str | None:
    """Why this PDF is refused (unreadable, too big once expanded, active content), or None."""
    try:
        with apply_configuration(**PDF_LIMITS):
            return _pdf_refusal_within_limits(upload)
    except LimitReachedError:
        return f"its content expands beyond {MAX_DECOMPRESSED_BYTES // (1024 * 1024)} MB"
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return "it is not a readable PDF (only its first bytes look like one)"


def _pdf_refusal_within_limits(upload: UploadedFile) -> str | None:
    reader = PdfReader(upload, strict=False)
    if reader.is_encrypted:
        return "it is an encrypted PDF (save it without a password)"
    if len(reader.pages) > MAX_PDF_PAGES:
        return f"it has more than {MAX_PDF_PAGES} pages"
    return _walk_pdf(reader)


def _walk_pdf(reader: PdfReader) -> str | None:
    """Every object reachable from the trailer, once: active content or too much expansion."""
    seen: set[tuple[int, int]] = set()
    pending = [reader.trailer]
    expanded = 0
    visited = 0
    while pending:
        node = pending.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            return f"it has more than {MAX_PDF_OBJECTS:,} objects"
        if isinstance(node, DictionaryObject):
            for name, value in node.items():
                what = ACTIVE_PDF_NAMES.get(str(name)) or (
                    ACTIVE_PDF_NAMES.get(str(value)) if isinstance(value, NameObject) else None
                )
                if what and name != "/Type":
                    return f"it contains {what}"
                if isinstance(value, NameObject) and str(value) in ("/EmbeddedFile",):
                    return "it contains an embedded file"
                if name not in ("/Parent", "/P"):  # back-links: the tree is walked from the top
                    pending.append(value)
            if isinstance(node, StreamObject):
                expanded += len(node.get_data())
                if expanded > MAX_DECOMPRESSED_BYTES:
                    raise LimitReachedError("expanded")
        elif isinstance(node, ArrayObject):
            pending.extend(node)
    return None


def _image_refusal(upload: UploadedFile) -> str | None:
    """Why this PNG/JPEG is refused (undecodable, too many pixels), or None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    return f"the image is {width:,} x {height:,} pixels, more than a scan needs"
                image.load()  # decodes every pixel: a truncated or forged file fails here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return "the image is far larger than a scan needs"
    except (OSError, SyntaxError, ValueError):
        return "it is not a readable image (only its first bytes look like one)"
    return None


CONTENT_TYPE_OF = {f".{extension}": content_type for _, content_type, extension in SIGNATURES}
EXTENSION_OF = {content_type: extension for _, content_type, extension in SIGNATURES}


def attachment_response(file, *, filename: str, content_type: str) -> FileResponse:
    """Send a stored partner file as an attachment the browser will not sniff or render."""
    try:
        handle = file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The stored file is missing.") from exc
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def certification_evidence_response(certification) -> FileResponse:
    """A certification's evidence under a name that never echoes the uploader's."""
    extension = os.path.splitext(certification.evidence.name)[1]
    return attachment_response(
        certification.evidence,
        filename=f"certification-{certification.pk}{extension}",
        content_type=CONTENT_TYPE_OF.get(extension, "application/octet-stream"),
    )
