"""Control characters in text input: refused with the field named, never stored.

PostgreSQL cannot store NUL in text at all (the query fails: a 500), and the other C0/C1
controls are invisible corruption in names and notes. Tab, line feed and carriage return
are ordinary text and stay allowed.
"""

import re
from collections.abc import Iterator, Mapping
from typing import Any

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_CHARACTER_MESSAGE = (
    "Contains a control character (such as NUL); remove it. Tab and line breaks are fine."
)


def has_control_characters(value: str) -> bool:
    return CONTROL_CHARACTERS.search(value) is not None


def _strings(data: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every (path, string) in parsed input, keys included, e.g. ('lines[0].sku', 'X1')."""
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, Mapping):
        lists = data.lists() if hasattr(data, "lists") else ((k, [v]) for k, v in data.items())
        for key, values in lists:
            name = f"{path}.{key}" if path else str(key)
            yield name, str(key)
            for value in values:
                yield from _strings(value, name)
    elif isinstance(data, list | tuple):
        for index, item in enumerate(data):
            yield from _strings(item, f"{path}[{index}]")


def control_character_errors(data: Any) -> dict[str, list[str]]:
    """The fields of `data` (parsed JSON, a QueryDict, a dict) holding control characters."""
    return {
        path or "body": [CONTROL_CHARACTER_MESSAGE]
        for path, value in _strings(data, "")
        if has_control_characters(value)
    }
