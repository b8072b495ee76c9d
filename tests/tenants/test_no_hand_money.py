"""Only tenants/money.py converts or rounds money; domain code never imports the template tags."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("commissions", "config", "deals", "demo", "partners", "programs", "tenants", "tiers")
MONEY_MODULE = ROOT / "tenants" / "money.py"
TAG_MODULE = ROOT / "tenants" / "templatetags" / "money.py"

# anywhere outside the money module: Decimal rounding or exponent shifting
ROUNDING = re.compile(r"\.quantize\(|\.scaleb\(|\.to_integral|ROUND_HALF|ROUND_UP|ROUND_DOWN")
# a factor of 100 near a minor-units name is a hand conversion (a rate as a percent is not)
HUNDRED = re.compile(r"[*/]\s*100(\.0*)?\b")
PERCENT = re.compile(r"(rate|ratio)\w*\)?\s*\*\s*100\b|ratio\([^)]*\)\s*/\s*100")
NEAR = 2  # lines either side


def app_files(*suffixes: str):
    for app in APPS:
        for path in (ROOT / app).rglob("*"):
            if path.suffix in suffixes and "migrations" not in path.parts:
                yield path
    if ".html" in suffixes:
        yield from (ROOT / "templates").rglob("*.html")
        yield from (ROOT / "templates").rglob("*.txt")


def hand_conversions(path: Path, root: Path = ROOT) -> list[str]:
    lines = path.read_text().splitlines()
    found = []
    for number, text in enumerate(lines, start=1):
        where = f"{path.relative_to(root)}:{number}: {text.strip()}"
        if ROUNDING.search(text):
            found.append(where)
        near = " ".join(lines[max(0, number - 1 - NEAR) : number + NEAR])
        if HUNDRED.search(text) and not PERCENT.search(text) and "minor" in near:
            found.append(where)
    return found


def test_no_module_but_tenants_money_converts_or_rounds_amounts_by_hand():
    files = [p for p in app_files(".py", ".html") if p not in (MONEY_MODULE, TAG_MODULE)]
    assert len(files) > 100  # the walk found the apps
    found = [line for path in files for line in hand_conversions(path)]
    assert found == [], "use tenants.money instead:\n" + "\n".join(found)


def test_templates_format_minor_units_only_through_the_money_filters():
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in app_files(".html")
        for match in re.finditer(r"_minor\s*\|\s*(?!minor_units|minor_number)\w+", path.read_text())
    ]
    assert found == []


def test_domain_code_imports_tenants_money_not_the_template_tags():
    tag = re.compile(r"templatetags(\.money|\s+import\s+money)")
    found = [
        str(path.relative_to(ROOT))
        for path in app_files(".py")
        if path != TAG_MODULE and tag.search(path.read_text())
    ]
    assert found == []


def test_the_check_catches_the_conversions_it_replaced(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "minimum_minor = int(Decimal(minimum) * 100)\n"
        "return f'{self.amount_minor / 100:.2f}'\n"
        "value = registration.estimated_value_minor\n"
        "return None if value is None else f'{value / 100:.2f}'\n"
        "return Decimal(minor).scaleb(-2)\n"
        "memo=f'Tax withheld at {line.withholding_rate * 100:.2f} %'\n"
    )
    found = hand_conversions(sample, root=tmp_path)
    assert [line.split(":")[1] for line in found] == ["1", "2", "4", "5"]
