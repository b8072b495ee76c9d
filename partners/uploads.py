"""Checks every uploaded partner file passes before anything is stored."""

import os

from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404

from tenants.errors import ApplicationError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# The file's first bytes decide its type: a name or a browser's content type can lie.
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
ACCEPTED_TYPES_TEXT = "a PDF, PNG or JPEG file"


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
    return detected


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
