"""Reading an import file: size, encoding and header checks, then typed cells that report errors.

Nothing here touches the database. A kind's planner (imports_customers, imports_orders,
imports_registrations) reads each Row's cells through the typed accessors, which record
every problem in the shared Report instead of stopping at the first one.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from deals.matching import registrable_domain
from tenants.money import exponent, is_exact
from tenants.text_input import unsafe_text_message
from tenants.validation import normalized_country

MAX_BYTES = 10 * 1024 * 1024
# What a spreadsheet treats as the start of a formula (CSV injection); tab and CR included.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
PLAIN_INTEGER = re.compile(r"-?\d+")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TRUE_WORDS = frozenset(("true", "yes", "1"))
FALSE_WORDS = frozenset(("false", "no", "0"))
LARGEST_AMOUNT = Decimal("999999999999.99")  # far beyond any order, well inside a 64-bit integer
LARGEST_INTEGER = 2_147_483_647  # PositiveIntegerField's limit on every database


@dataclass(frozen=True)
class RowError:
    """One problem: the row as a spreadsheet numbers it (header = 1; 0 = the whole file)."""

    row: int
    column: str
    message: str

    @property
    def key(self) -> str:
        """`row 5.price`, `row 5` (the whole row) or `file`."""
        if self.row == 0:
            return "file"
        return f"row {self.row}.{self.column}" if self.column else f"row {self.row}"

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


class Report:
    """Every problem found in a file, in row order."""

    def __init__(self) -> None:
        self._errors: list[RowError] = []

    def add(self, row: int, column: str, message: str) -> None:
        self._errors.append(RowError(row, column, message))

    @property
    def errors(self) -> list[RowError]:
        return sorted(self._errors, key=lambda error: error.row)  # stable: columns keep order

    def __bool__(self) -> bool:
        return bool(self._errors)


class FileRefused(Exception):
    """The file as a whole cannot be read (size, encoding, header); no row was looked at."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


def _refuse(message: str, *, row: int = 0, column: str = "") -> FileRefused:
    return FileRefused([RowError(row, column, message)])


def _shown(value: str) -> str:
    return {"\t": "a tab", "\r": "a carriage return"}.get(value, repr(value))


class Row:
    """One data row; each accessor returns the typed value (None when empty or invalid)."""

    def __init__(self, number: int, cells: dict[str, str], report: Report):
        self.number = number
        self.cells = cells
        self.report = report
        self.bad: set[str] = set()

    def error(self, column: str, message: str) -> None:
        self.report.add(self.number, column, message)
        self.bad.add(column)

    def _cell(self, column: str, *, numeric: bool = False) -> str | None:
        """The stripped cell, or None (with an error) when it looks like a formula."""
        if column in self.bad:
            return None  # already reported (a control or bidi character): read nothing from it
        value = self.cells.get(column, "")
        stripped = value.strip()
        if not stripped:
            return ""  # blank, tabs included: nothing a spreadsheet could run
        first = value[:1] if value[:1] in ("\t", "\r") else stripped[:1]
        if first and first in FORMULA_STARTS:
            if numeric and PLAIN_NUMBER.fullmatch(stripped):
                return stripped  # a plain negative number; range checks decide about it
            self.error(
                column,
                f"Starts with {_shown(first)}, which a spreadsheet would run as a formula; "
                "remove that character (imports never take formulas).",
            )
            return None
        return stripped

    def _required(self, column: str, value: str | None, required: bool) -> bool:
        """Whether there is a value to parse (an empty required cell is an error)."""
        if value:
            return True
        if value == "" and required:
            self.error(column, "Required.")
        return False

    def text(self, column: str, *, required: bool = False, max_length: int | None = None) -> str:
        value = self._cell(column)
        if not self._required(column, value, required):
            return ""
        if max_length is not None and len(value) > max_length:
            self.error(column, f"{len(value)} characters; at most {max_length}.")
            return ""
        return value

    def decimal(
        self, column: str, *, required: bool = False, positive: bool = False, currency: str = ""
    ) -> Decimal | None:
        """A money amount: digits and a '.', not negative, no more decimals than its currency."""
        value = self._cell(column, numeric=True)
        if not self._required(column, value, required):
            return None
        if not PLAIN_NUMBER.fullmatch(value):
            self.error(column, f"{value!r} is not a number; use digits and a '.' (e.g. 1250.00).")
            return None
        amount = Decimal(value)
        if amount < 0 or (positive and amount == 0):
            self.error(column, "Must be more than 0." if positive else "Cannot be negative.")
            return None
        if amount > LARGEST_AMOUNT:
            self.error(column, f"{value} is too large.")
            return None
        if not is_exact(amount, currency):  # no currency (yet): 2 decimals
            self.error(column, f"{value} has more than {exponent(currency)} decimal places.")
            return None
        return amount

    def integer(
        self,
        column: str,
        *,
        required: bool = False,
        minimum: int = 0,
        maximum: int = LARGEST_INTEGER,
    ) -> int | None:
        value = self._cell(column, numeric=True)
        if not self._required(column, value, required):
            return None
        if not PLAIN_INTEGER.fullmatch(value):
            self.error(column, f"{value!r} is not a whole number.")
            return None
        number = int(value)
        if number < minimum:
            self.error(column, f"Must be at least {minimum}.")
            return None
        if number > maximum:
            self.error(column, f"{value} is too large.")
            return None
        return number

    def date(self, column: str, *, required: bool = False) -> datetime.date | None:
        value = self._cell(column)
        if not self._required(column, value, required):
            return None
        try:
            if not ISO_DATE.fullmatch(value):
                raise ValueError
            return datetime.date.fromisoformat(value)
        except ValueError:
            self.error(column, f"{value!r} is not a date; use YYYY-MM-DD (e.g. 2025-04-15).")
            return None

    def boolean(self, column: str) -> bool:
        """true/false, yes/no, 1/0 (any case); empty is false."""
        value = (self._cell(column) or "").lower()
        if value in TRUE_WORDS:
            return True
        if value and value not in FALSE_WORDS:
            self.error(column, f"{value!r} is not true/false (or yes/no, 1/0).")
        return False

    def country(self, column: str, *, required: bool = False) -> str:
        value = self.text(column, required=required)
        try:
            return normalized_country(value)
        except ValidationError as exc:
            self.error(column, exc.messages[0])
            return ""

    def currency(self, column: str, *, required: bool = False) -> str:
        value = self.text(column, required=required)
        if value and not (len(value) == 3 and value.isascii() and value.isalpha()):
            self.error(column, f"{value!r} is not a currency; use the ISO code, e.g. USD.")
            return ""
        return value.upper()

    def domain(self, column: str) -> str:
        value = self.text(column, max_length=253)
        if value and not registrable_domain(value):
            self.error(column, f"{value!r} is not a web domain (e.g. acme.com).")
            return ""
        return value

    def email(self, column: str) -> str:
        value = self.text(column, max_length=254)
        if value:
            try:
                validate_email(value)
            except ValidationError:
                self.error(column, f"{value!r} is not an e-mail address.")
                return ""
        return value


def _decoded(file: BinaryIO) -> str:
    data = file.read(MAX_BYTES + 1)
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX_BYTES:
        raise _refuse("The file is larger than 10 MB; split it into smaller files.")
    try:
        text = data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError as exc:
        raise _refuse(
            f"The file is not UTF-8 text (byte {exc.start + 1} is not); save it as "
            "'CSV UTF-8' and try again."
        ) from None
    if not text.strip():
        raise _refuse("The file is empty; the first row must be the header.")
    return text


def _checked_header(cells: list[str], columns: tuple[str, ...]) -> list[str]:
    names = [cell.strip().lower() for cell in cells]
    errors = []
    missing = [column for column in columns if column not in names]
    unknown = [name for name in names if name and name not in columns]
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if missing:
        errors.append(RowError(1, "", f"Missing column(s): {', '.join(missing)}."))
    if unknown:
        errors.append(RowError(1, "", f"Unknown column(s): {', '.join(map(repr, unknown))}."))
    if repeated:
        errors.append(RowError(1, "", f"Column(s) named twice: {', '.join(repeated)}."))
    if errors:
        errors.append(RowError(1, "", f"The header must name these columns: {', '.join(columns)}."))
        raise FileRefused(errors)
    return names


def read_rows(file: BinaryIO, *, columns: tuple[str, ...], report: Report) -> list[Row]:
    """The file's data rows (blank rows skipped); raise FileRefused if it cannot be read."""
    reader = csv.reader(io.StringIO(_decoded(file), newline=""))
    number = 0  # the last row read: a CSV error is in the row after it
    try:
        header = next(reader, [])
        number = 1
        names = _checked_header(header, columns)
        # Spreadsheets export trailing empty columns; a column without a name must stay empty.
        nameless = [index for index, name in enumerate(names) if not name]
        rows = []
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(names) and any(cell.strip() for cell in cells[len(names) :]):
                report.add(number, "", f"{len(cells)} cells; the header has {len(names)}.")
            if any(index < len(cells) and cells[index].strip() for index in nameless):
                report.add(number, "", "A value under a column with no name in the header.")
            named = {name: cell for name, cell in zip(names, cells, strict=False) if name}
            row = Row(number, named, report)
            for name, cell in named.items():
                # PostgreSQL cannot even compare a NUL: refuse before any planner looks it up
                message = unsafe_text_message(cell)
                if message:
                    row.error(name, message)
            rows.append(row)
    except csv.Error as exc:
        raise _refuse(f"Not readable as CSV: {exc}.", row=number + 1) from None
    return rows
