"""The API's parsers: DRF's, refusing control and bidi characters in any text field (400, named)."""

from rest_framework import exceptions, parsers

from tenants.text_input import unsafe_text_errors, unsafe_text_message


def _refuse_unsafe_text(data, files=None) -> None:
    errors = unsafe_text_errors(data)
    for name, upload in (files or {}).items():
        message = unsafe_text_message(upload.name or "")
        if message:
            errors[name] = [message]
    if errors:
        raise exceptions.ValidationError(errors)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _refuse_unsafe_text(data)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _refuse_unsafe_text(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        _refuse_unsafe_text(parsed.data, parsed.files)
        return parsed
