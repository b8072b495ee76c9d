"""SQL that writes CSV as Python writes it: the pieces of the batch CSV made by PostgreSQL.

Python per cell costs 3.5x a COPY of the same rows at a million entries, so on PostgreSQL
the database formats each row as one line of text. Each function returns an SQL expression
that reproduces, byte for byte, one step of commissions.exports' Python writer:
`spreadsheet_text` (control characters removed, a ' before a formula's first character),
`_amount_text` and csv.writer's minimal quoting. The expressions read the constants from
`CONSTANTS`, joined once into the query, with `CONSTANT_PARAMS` as its parameters.

The whole row is one expression over one query level (no subquery fenced by OFFSET 0), so
PostgreSQL's parallel workers make the rows and sort them, and the leader only merges.
"""

# the characters openpyxl's ILLEGAL_CHARACTERS_RE matches (PostgreSQL text holds no NUL)
ILLEGAL = "".join(map(chr, [*range(1, 9), 11, 12, *range(14, 32)]))
CONSTANTS = "(SELECT %s::text AS illegal, %s::text AS illegal_class, %s::text AS special) AS k"
# a text with none of these characters, and no formula's first character, is its own field
CONSTANT_PARAMS = [ILLEGAL, f"[{ILLEGAL}]", f'[{ILLEGAL}",\r\n]']
ROW_END = r"E'\r\n'"  # csv.writer's line terminator
NEEDS_QUOTES = '",\r\n'
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # spreadsheet_text makes these inert
FORMULA_START_CODES = ", ".join(str(ord(char)) for char in FORMULA_STARTS)  # for ascii()


def field(text: str) -> str:
    """A text as csv.writer writes it as one field of a row (quoted where it must be)."""
    if any(char in text for char in NEEDS_QUOTES):
        return '"' + text.replace('"', '""') + '"'
    return text


def clean(column: str) -> str:
    """The column's text without the characters spreadsheet_text removes ('' for NULL).

    The cheap test comes first: translate() costs ten times a regular expression match.
    """
    return (
        f"CASE WHEN {column} ~ k.illegal_class THEN translate({column}, k.illegal, '') "
        f"ELSE coalesce({column}, '') END"
    )


def text_field(cleaned: str) -> str:
    """A cleaned text as spreadsheet_text, then csv.writer, write it.

    strpos and ascii, not regular expressions: a regular expression converts the whole text
    to wide characters first, and this runs for every text cell of the export.
    """
    inert = f"CASE WHEN ascii({cleaned}) IN ({FORMULA_START_CODES}) THEN '''' ELSE '' END"
    quoted = " OR ".join(f"strpos({cleaned}, chr({ord(char)})) > 0" for char in NEEDS_QUOTES)
    return (
        f"""CASE WHEN {quoted} THEN '"' || {inert} || replace({cleaned}, '"', '""') || '"' """
        f"ELSE {inert} || {cleaned} END"
    )


def cell(column: str) -> str:
    """A text column as spreadsheet_text, then csv.writer, write it: the column itself in
    the common case, found by one test; `text_field(clean(...))` for the rest."""
    return (
        f"CASE WHEN {column} ~ k.special OR ascii({column}) IN ({FORMULA_START_CODES}) "
        f"THEN {text_field(clean(column))} ELSE coalesce({column}, '') END"
    )


def amount(minor: str, unit: str) -> str:
    """Minor units as _amount_text writes them ("-12.50" with 2 places, "-1250" with 0).

    `unit` is the currency's minor unit as a numeric (`tenants.money.minor_unit`):
    a product's scale is the sum of its factors' scales, so -1250 * 0.01 is -12.50, exactly
    and without the division and rounding that cost a fifth of the export.
    """
    return f"({minor} * {unit})::text"


def date(column: str) -> str:
    """A date as str() writes it (2026-05-12), '' for NULL: its text in the ISO DateStyle,
    which psycopg requires of every connection (it reads no other). to_char cost 0.2 s more
    at 188,000 entries."""
    return f"coalesce({column}::text, '')"


def fields(*expressions: str) -> str:
    """Fields joined by commas into (part of) a row."""
    return " || ',' || ".join(expressions)


def row(*expressions: str) -> str:
    """Fields joined into a whole row, line terminator included."""
    return f"{fields(*expressions)} || {ROW_END}"
