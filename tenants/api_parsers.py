"""The API's parsers: DRF's, refusing control characters in any text field (400, named)."""

from rest_framework import exceptions, parsers

from tenants.text_input import (
    CONTROL_CHARACTER_MESSAGE,
    control_character_errors,
    has_control_characters,
)


def _refuse_control_characters(data, files=None) -> None:
    errors = control_character_errors(data)
    for name, upload in (files or {}).items():
        if has_control_characters(upload.name or ""):
            errors[name] = [CONTROL_CHARACTER_MESSAGE]
    if errors:
        raise exceptions.ValidationError(errors)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _refuse_control_characters(data)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _refuse_control_characters(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        _refuse_control_characters(parsed.data, parsed.files)
        return parsed
