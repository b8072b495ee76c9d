"""Normal forms of company names and domains, so 'ACME, Incorporated' meets 'Acme Inc.'."""

import re
import unicodedata

LEGAL_SUFFIXES = frozenset(
    (
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "llc",
        "llp",
        "lp",
        "ltd",
        "limited",
        "plc",
        "pty",
        "pte",
        "gmbh",
        "mbh",
        "ag",
        "kg",
        "ohg",
        "ug",
        "se",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "bv",
        "nv",
        "oy",
        "ab",
        "as",
        "aps",
        "asa",
        "kk",
        "pvt",
        "holdings",
        "group",
    )
)
# Second-level labels under which a registrable domain takes three labels (acme.co.uk).
SECOND_LEVEL = frozenset(("co", "com", "net", "org", "gov", "edu", "ac", "ltd", "plc"))


def normalize_company(name: str) -> str:
    """'ACME, Incorporated' -> 'acme'; accents, case, punctuation and legal suffixes go."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ")
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    if words and words[0] == "the" and len(words) > 1:
        words.pop(0)
    return " ".join(words)


def normalize_domain(value: str) -> str:
    """'https://www.Sales.Acme.com/x', 'jane@acme.com' -> 'acme.com' (the registrable domain)."""
    text = value.strip().lower()
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    text = text.split("/", 1)[0].split(":", 1)[0].strip(".")
    labels = [label for label in text.split(".") if label]
    if len(labels) < 2:
        return ""
    keep = 3 if len(labels) >= 3 and labels[-2] in SECOND_LEVEL and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])
