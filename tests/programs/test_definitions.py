"""Definition files: the four seeds load and round-trip; broken files load nothing and say why."""

import copy
from collections.abc import Callable
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from programs.errors import DefinitionError
from programs.management.commands.load_programs import DEFINITIONS_DIR
from programs.models import (
    Benefit,
    CommissionRule,
    Program,
    ProgramVersion,
    Requirement,
    Tier,
    VersionStatus,
)
from programs.schema import ProgramDefinition
from programs.serialization import canonical, version_document
from programs.services import (
    parse_definition,
    program_definition_load,
    program_version_publish,
    validate_document,
)
from tenants.errors import ApplicationError
from tenants.models import Tenant
from tenants.scope import all_tenants, tenant_scope
from tests.factories import TenantFactory

SEEDS = ["entimo", "simpro", "ipsoft", "cimcloud"]
VENDOR_NAMES = {"entimo": "Entimo", "simpro": "Simpro", "ipsoft": "IPsoft", "cimcloud": "CIMcloud"}


def seed_file(name: str) -> Path:
    return DEFINITIONS_DIR / f"{name}.yaml"


def seed_document(name: str) -> dict:
    return yaml.safe_load(seed_file(name).read_text(encoding="utf-8"))


def vendor(slug: str) -> Tenant:
    return TenantFactory(slug=slug, name=VENDOR_NAMES.get(slug, slug.title()))


def write_definition(tmp_path: Path, document: dict, name: str = "definition.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), "utf-8")
    return path


def load(*paths: Path, **options) -> str:
    """Run load_programs and return what it printed."""
    out = StringIO()
    call_command(
        "load_programs", *[str(p) for p in paths], stdout=out, stderr=StringIO(), **options
    )
    return out.getvalue()


def load_refused(*paths: Path, **options) -> tuple[str, str]:
    """Run load_programs expecting a refusal; return (CommandError message, stderr)."""
    err = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command(
            "load_programs", *[str(p) for p in paths], stdout=StringIO(), stderr=err, **options
        )
    return str(refused.value), err.getvalue()


def programs_of(tenant: Tenant) -> list[Program]:
    with tenant_scope(tenant):
        return list(Program.objects.all())


def versions_of(tenant: Tenant) -> list[ProgramVersion]:
    with tenant_scope(tenant):
        return list(ProgramVersion.objects.order_by("number"))


def requirement_position(document: dict, key: str) -> tuple[int, int]:
    """(tier index, requirement index) of the requirement `key` in a definition document."""
    for i, tier in enumerate(document["tiers"]):
        for j, requirement in enumerate(tier.get("requirements", [])):
            if requirement["key"] == key:
                return i, j
    raise AssertionError(f"no requirement {key!r} in the document")


def requirement_of(document: dict, key: str) -> dict:
    i, j = requirement_position(document, key)
    return document["tiers"][i]["requirements"][j]


# --- the four seed programs -----------------------------------------------------------------


@pytest.mark.parametrize("name", SEEDS)
def test_each_seed_file_parses_and_validates(name):
    # given the seed file as shipped
    text = seed_file(name).read_text(encoding="utf-8")

    # when it is parsed
    definition = parse_definition(text, where=str(seed_file(name)))

    # then it is a valid definition for the vendor named after the file
    assert isinstance(definition, ProgramDefinition)
    assert definition.tenant == name
    assert len(definition.tiers) >= 1


@pytest.mark.parametrize("name", SEEDS)
def test_loading_a_seed_creates_v1_as_a_draft_with_every_row(db, name):
    # given the vendor the file is for
    tenant = vendor(name)
    definition = parse_definition(seed_file(name).read_text(encoding="utf-8"), where=name)

    # when the file is loaded
    printed = load(seed_file(name))

    # then v1 exists as a draft holding exactly the file's tiers, requirements, benefits, rules
    assert "v1 — new draft" in printed
    with tenant_scope(tenant):
        program = Program.objects.get()
        version = ProgramVersion.objects.get(program=program)
        assert program.slug == definition.program.slug
        assert version.number == 1
        assert version.status == VersionStatus.DRAFT
        assert version.published_at is None
        assert version.effective_from == definition.version.effective_from
        assert Tier.objects.filter(version=version).count() == len(definition.tiers)
        assert Requirement.objects.filter(version=version).count() == sum(
            len(tier.requirements) for tier in definition.tiers
        )
        assert Benefit.objects.filter(version=version).count() == len(definition.benefits)
        rules = definition.commissions.rules if definition.commissions else []
        assert CommissionRule.objects.filter(version=version).count() == len(rules)


@pytest.mark.parametrize("name", SEEDS)
def test_a_loaded_seed_round_trips_to_the_same_definition(db, name):
    # given a loaded seed
    tenant = vendor(name)
    load(seed_file(name))

    # when the version is turned back into a definition document
    with tenant_scope(tenant):
        document = version_document(ProgramVersion.objects.get())

    # then it says exactly what the file says
    assert canonical(document) == canonical(seed_document(name))


@pytest.mark.parametrize("name", SEEDS)
def test_reloading_an_unchanged_seed_changes_nothing(db, name):
    # given a seed loaded once
    tenant = vendor(name)
    load(seed_file(name))

    # when the same file is loaded again
    printed = load(seed_file(name))

    # then it reports "unchanged" and there is still one version
    assert "v1 — unchanged" in printed
    assert [v.number for v in versions_of(tenant)] == [1]


def test_reloading_after_publish_reports_unchanged_and_keeps_the_published_version(db):
    # given IPsoft's v1 loaded and published at the file's date
    tenant = vendor("ipsoft")
    load(seed_file("ipsoft"), publish=True)

    # when the same file is loaded again
    printed = load(seed_file("ipsoft"))

    # then nothing new appears
    assert "v1 — unchanged" in printed
    versions = versions_of(tenant)
    assert [(v.number, v.status) for v in versions] == [(1, VersionStatus.PUBLISHED)]


# --- changed files --------------------------------------------------------------------------


def test_a_changed_file_after_publish_is_a_new_draft_then_updates_that_draft(db, tmp_path):
    # given Simpro v1 loaded and published
    tenant = vendor("simpro")
    load(seed_file("simpro"))
    with tenant_scope(tenant):
        program_version_publish(tenant=tenant, version=ProgramVersion.objects.get())
    document = seed_document("simpro")
    original = requirement_of(document, "closed-won")["threshold"]

    # when the file comes back with a threshold edited
    requirement_of(document, "closed-won")["threshold"] = original + 2
    first_edit = load(write_definition(tmp_path, document, "simpro.yaml"))

    # then a new draft v2 carries the new threshold and v1 keeps the old one
    assert "v2 — new draft" in first_edit
    with tenant_scope(tenant):
        thresholds = dict(
            Requirement.objects.filter(key="closed-won").values_list("version__number", "threshold")
        )
    assert thresholds == {1: Decimal(original), 2: Decimal(original + 2)}

    # when the file changes again while v2 is still a draft
    requirement_of(document, "closed-won")["threshold"] = original + 5
    second_edit = load(write_definition(tmp_path, document, "simpro.yaml"))

    # then v2 is updated in place: no v3
    assert "v2 — draft updated" in second_edit
    versions = versions_of(tenant)
    assert [(v.number, v.status) for v in versions] == [
        (1, VersionStatus.PUBLISHED),
        (2, VersionStatus.DRAFT),
    ]
    with tenant_scope(tenant):
        assert Requirement.objects.get(version=versions[1], key="closed-won").threshold == (
            Decimal(original + 5)
        )
        # and the draft's rows were replaced, not duplicated
        assert Requirement.objects.filter(version=versions[1]).count() == sum(
            len(tier.get("requirements", [])) for tier in document["tiers"]
        )


# --- broken files ---------------------------------------------------------------------------


def _unknown_metric(d: dict) -> None:
    requirement_of(d, "orientation")["metric"] = "partner_happiness"


def _bad_comparator(d: dict) -> None:
    requirement_of(d, "orientation")["comparator"] = "=>"


def _comparator_misfit(d: dict) -> None:
    requirement = requirement_of(d, "agreement")
    requirement["comparator"] = ">="
    requirement["threshold"] = 1


def _rank_gap(d: dict) -> None:
    d["tiers"][2]["rank"] = 3  # Simpro: registered 0, select 1, premier 2 -> 0, 1, 3


def _missing_source(d: dict) -> None:
    del requirement_of(d, "orientation")["source"]


def _proration_without_cutoff(d: dict) -> None:
    del d["fees"]["proration"]["full_year_before"]


def _unknown_track(d: dict) -> None:
    requirement_of(d, "business-plan")["tracks"] = ["implementation", "reseller"]


def _unknown_rate_tier(d: dict) -> None:
    d["commissions"]["rules"][0]["rates"]["platinum"] = 0.5


def _path(seed: str, key: str, suffix: str = "") -> str:
    i, j = requirement_position(seed_document(seed), key)
    return f"tiers[{i}].requirements[{j}]{suffix}"


BROKEN: list[tuple[str, str, Callable[[dict], None], Callable[[], str]]] = [
    (
        "unknown metric",
        "cimcloud",
        _unknown_metric,
        lambda: (
            f"{_path('cimcloud', 'orientation', '.metric')}: unknown metric 'partner_happiness'; "
            "known metrics: activity_count, agreement_accepted,"
        ),
    ),
    (
        "bad comparator",
        "cimcloud",
        _bad_comparator,
        lambda: f"{_path('cimcloud', 'orientation', '.comparator')}: Input should be '>='",
    ),
    (
        "comparator that does not fit the metric",
        "cimcloud",
        _comparator_misfit,
        lambda: (
            f"{_path('cimcloud', 'agreement', '.comparator')}: comparator '>=' does not fit metric "
            "'agreement_accepted' (use one of is true)"
        ),
    ),
    (
        "tier rank gap",
        "simpro",
        _rank_gap,
        lambda: "tiers[2].rank: ranks must rise by one in file order; expected 2, got 3",
    ),
    (
        "requirement without a source",
        "cimcloud",
        _missing_source,
        lambda: f"{_path('cimcloud', 'orientation', '.source')}: Field required",
    ),
    (
        "fee proration without a cutoff",
        "ipsoft",
        _proration_without_cutoff,
        lambda: (
            "fees.proration: proration rule 'quarters_remaining_including_current' needs "
            "`full_year_before`"
        ),
    ),
    (
        "unknown track in a requirement",
        "ipsoft",
        _unknown_track,
        lambda: f"{_path('ipsoft', 'business-plan', '.tracks')}: unknown track 'reseller'",
    ),
    (
        "unknown tier in a commission rate",
        "cimcloud",
        _unknown_rate_tier,
        lambda: "commissions.rules[0].rates: unknown tier 'platinum'",
    ),
]


@pytest.mark.parametrize(
    ("seed", "mutate", "expected"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_a_broken_definition_names_the_path_of_its_one_problem(seed, mutate, expected):
    # given a seed definition with one thing broken
    document = seed_document(seed)
    mutate(document)

    # when it is validated
    with pytest.raises(DefinitionError) as refused:
        validate_document(document, where=f"{seed}.yaml")

    # then exactly one problem is listed, starting with the path inside the file
    problems = refused.value.problems
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected()), problems[0]
    assert str(refused.value).startswith(f"{seed}.yaml: 1 problem:")


@pytest.mark.parametrize(
    ("seed", "mutate", "expected"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_loading_a_broken_file_loads_nothing_and_reports_the_problem(
    db, tmp_path, seed, mutate, expected
):
    # given the vendor exists and its file is broken
    tenant = vendor(seed)
    document = seed_document(seed)
    mutate(document)
    path = write_definition(tmp_path, document, f"{seed}.yaml")

    # when the file is loaded
    message, stderr = load_refused(path)

    # then the command fails naming the file and the problem, and no program exists
    assert message == "1 of 1 file(s) not loaded; nothing of them."
    assert f"{path}: 1 problem:" in stderr
    assert expected() in stderr
    assert programs_of(tenant) == []


def test_invalid_yaml_names_the_line_and_loads_nothing(db, tmp_path):
    # given IPsoft's file with a stray colon in the program name on line 9
    tenant = vendor("ipsoft")
    text = seed_file("ipsoft").read_text(encoding="utf-8")
    broken_line = "  name: IPsoft: Partner Program"
    text = text.replace("  name: IPsoft Partner Program", broken_line, 1)
    line = text.splitlines().index(broken_line) + 1
    path = tmp_path / "ipsoft.yaml"
    path.write_text(text, encoding="utf-8")

    # when it is parsed and loaded
    with pytest.raises(DefinitionError) as refused:
        parse_definition(text, where="ipsoft.yaml")
    message, stderr = load_refused(path)

    # then the problem names the line, and nothing was loaded
    assert refused.value.problems == [
        f"line {line}, column 15: not valid YAML (mapping values are not allowed here)"
    ]
    assert f"line {line}, column 15: not valid YAML" in stderr
    assert message == "1 of 1 file(s) not loaded; nothing of them."
    assert programs_of(tenant) == []


def test_a_yaml_list_instead_of_a_mapping_is_refused_at_the_top_level():
    # given a file that is a YAML list
    # when it is parsed
    with pytest.raises(DefinitionError) as refused:
        parse_definition("- format: 1\n- tenant: ipsoft\n", where="list.yaml")

    # then the problem is reported at the top level
    assert refused.value.problems == ["(top level): expected a mapping of sections"]


def test_several_problems_in_one_file_are_all_listed(db, tmp_path):
    # given CIMcloud's file with an unknown metric, a bad comparator and a missing source
    tenant = vendor("cimcloud")
    document = seed_document("cimcloud")
    requirement_of(document, "orientation")["metric"] = "partner_happiness"
    requirement_of(document, "annual-training")["comparator"] = "=>"
    del requirement_of(document, "website-listing")["source"]
    path = write_definition(tmp_path, document, "cimcloud.yaml")

    # when it is validated and loaded
    with pytest.raises(DefinitionError) as refused:
        validate_document(document, where="cimcloud.yaml")
    _, stderr = load_refused(path)

    # then all three problems are listed, each with its path, and nothing is loaded
    problems = refused.value.problems
    assert len(problems) == 3, problems
    assert problems[0].startswith(f"{_path('cimcloud', 'orientation', '.metric')}: unknown metric")
    assert problems[1].startswith(f"{_path('cimcloud', 'annual-training', '.comparator')}: ")
    assert problems[2] == f"{_path('cimcloud', 'website-listing', '.source')}: Field required"
    assert f"{path}: 3 problems:" in stderr
    for problem in problems:
        assert problem in stderr
    assert programs_of(tenant) == []


def test_several_cross_section_problems_are_listed_separately(db):
    # given Simpro's file with a tier rank gap and a commission rate for an unknown tier
    document = seed_document("simpro")
    document["tiers"][2]["rank"] = 3
    document["commissions"]["rules"][0]["rates"]["platinum"] = 0.5

    # when it is validated
    with pytest.raises(DefinitionError) as refused:
        validate_document(document, where="simpro.yaml")

    # then each problem is its own entry and the count says two
    assert refused.value.problems == [
        "tiers[2].rank: ranks must rise by one in file order; expected 2, got 3 "
        "(a gap or a repeat)",
        "commissions.rules[0].rates: unknown tier 'platinum'",
    ]
    assert str(refused.value).startswith("simpro.yaml: 2 problems:")


def test_one_broken_file_does_not_stop_the_good_ones(db, tmp_path):
    # given Simpro's good file and a broken IPsoft file
    simpro, ipsoft = vendor("simpro"), vendor("ipsoft")
    document = seed_document("ipsoft")
    _proration_without_cutoff(document)
    broken = write_definition(tmp_path, document, "ipsoft.yaml")

    # when both are loaded in one run
    message, stderr = load_refused(seed_file("simpro"), broken)

    # then Simpro is loaded, IPsoft is not, and the command says one file failed
    assert message == "1 of 2 file(s) not loaded; nothing of them."
    assert "fees.proration:" in stderr
    assert [p.slug for p in programs_of(simpro)] == ["partner-program"]
    assert programs_of(ipsoft) == []


# --- which tenant ---------------------------------------------------------------------------


def test_tenant_option_loads_only_that_vendors_file(db):
    # given every seed vendor exists
    tenants = {name: vendor(name) for name in SEEDS}

    # when all four files are loaded with --tenant simpro
    printed = load(*[seed_file(name) for name in SEEDS], tenant="simpro")

    # then only Simpro has a program
    assert printed.strip() == "simpro.yaml: Simpro Partner Program v1 — new draft"
    with all_tenants():
        owners = set(Program.objects.values_list("tenant__slug", flat=True))
    assert owners == {"simpro"}
    assert [v.number for v in versions_of(tenants["simpro"])] == [1]


def test_a_file_for_a_vendor_that_does_not_exist_loads_nothing(db, tmp_path):
    # given IPsoft exists but the file names a vendor that does not
    vendor("ipsoft")
    document = seed_document("ipsoft")
    document["tenant"] = "ghostsoft"
    path = write_definition(tmp_path, document, "ghostsoft.yaml")

    # when it is loaded
    message, stderr = load_refused(path)

    # then the error names the missing vendor and no program exists anywhere
    assert message == "1 of 1 file(s) not loaded; nothing of them."
    assert "tenant: no vendor 'ghostsoft' exists" in stderr
    with all_tenants():
        assert not Program.objects.exists()
        assert not ProgramVersion.objects.exists()


def test_loading_a_definition_for_another_vendor_is_refused(db):
    # given Simpro and IPsoft's definition
    simpro = vendor("simpro")
    definition = parse_definition(seed_file("ipsoft").read_text(encoding="utf-8"), where="x")

    # when IPsoft's definition is loaded into Simpro
    with tenant_scope(simpro), pytest.raises(ApplicationError) as refused:
        program_definition_load(tenant=simpro, definition=definition, source_file="ipsoft.yaml")

    # then the error names both vendors and Simpro has no program
    assert "tenant: the file is for 'ipsoft', not 'simpro'" in str(refused.value)
    assert programs_of(simpro) == []


def test_a_refused_file_leaves_no_version_number_behind(db, tmp_path):
    # given a vendor, its broken file and its good file
    tenant = vendor("cimcloud")
    document = seed_document("cimcloud")
    pristine = copy.deepcopy(document)
    _unknown_rate_tier(document)

    # when the broken file is refused and then the good file is loaded
    load_refused(write_definition(tmp_path, document, "cimcloud.yaml"))
    printed = load(write_definition(tmp_path, pristine, "good.yaml"))

    # then the good load starts at v1: the failed one left no number behind
    assert "v1 — new draft" in printed
    assert [v.number for v in versions_of(tenant)] == [1]


# --- vocabularies: a requirement names only kinds its program declares ----------------------


def _kind_path(seed: str, key: str, param: str) -> str:
    return _path(seed, key, f".params.{param}")


UNDECLARED_KINDS = [
    (
        "activity kind",
        "cimcloud",
        "annual-training",
        lambda r: r["params"]["kinds"].__setitem__(1, "moon_landing"),
        lambda: (
            f"{_kind_path('cimcloud', 'annual-training', 'kinds')}[1]: "
            "unknown activity kind 'moon_landing'"
        ),
    ),
    (
        "attestation kind",
        "simpro",
        "branding-select",
        lambda r: r["params"].__setitem__("kind", "skywriting"),
        lambda: (
            f"{_kind_path('simpro', 'branding-select', 'kind')}: "
            "unknown attestation kind 'skywriting'"
        ),
    ),
    (
        "certification kind",
        "ipsoft",
        "cie-solution",
        lambda r: r["params"].__setitem__("certification", "wizard"),
        lambda: (
            f"{_kind_path('ipsoft', 'cie-solution', 'certification')}: "
            "unknown certification kind 'wizard'"
        ),
    ),
    (
        "designation",
        "ipsoft",
        "dedicated-partner-manager",
        lambda r: r["params"].__setitem__("role", "chief_partner_officer"),
        lambda: (
            f"{_kind_path('ipsoft', 'dedicated-partner-manager', 'role')}: "
            "unknown designation 'chief_partner_officer'"
        ),
    ),
]


@pytest.mark.parametrize(
    ("seed", "requirement", "mutate", "expected"),
    [case[1:] for case in UNDECLARED_KINDS],
    ids=[case[0] for case in UNDECLARED_KINDS],
)
def test_a_requirement_naming_an_undeclared_kind_is_refused_with_its_path(
    db, tmp_path, seed, requirement, mutate, expected
):
    # given the vendor, another vendor with its program loaded, and the file naming a kind
    # its vocabularies do not declare
    tenant, outsider = vendor(seed), vendor("entimo")
    load(seed_file("entimo"))
    document = seed_document(seed)
    mutate(requirement_of(document, requirement))

    # when it is validated and loaded
    with pytest.raises(DefinitionError) as refused:
        validate_document(document, where=f"{seed}.yaml")
    message, stderr = load_refused(write_definition(tmp_path, document, f"{seed}.yaml"))

    # then exactly that problem is listed with its path, nothing loads, the outsider is intact
    assert refused.value.problems == [expected()]
    assert f"{seed}.yaml: 1 problem:" in stderr and expected() in stderr
    assert message == "1 of 1 file(s) not loaded; nothing of them."
    assert programs_of(tenant) == []
    assert [v.number for v in versions_of(outsider)] == [1]


def test_the_exact_path_of_an_undeclared_activity_kind_in_the_third_tier(db, tmp_path):
    # given CIMcloud's Tier 2 (tiers[2]) marketing activity naming a kind nobody declares
    tenant, outsider = vendor("cimcloud"), vendor("ipsoft")
    document = seed_document("cimcloud")
    assert requirement_position(document, "marketing-activity") == (2, 1)
    requirement_of(document, "marketing-activity")["params"]["kinds"][0] = "moon_landing"

    # when it is loaded
    _, stderr = load_refused(write_definition(tmp_path, document, "cimcloud.yaml"))

    # then the command names the parameter's exact place
    assert "tiers[2].requirements[1].params.kinds[0]: unknown activity kind 'moon_landing'" in (
        stderr
    )
    assert programs_of(tenant) == programs_of(outsider) == []


def test_a_file_without_vocabularies_lists_every_kind_its_requirements_name(db):
    # given CIMcloud's file with its vocabularies section left out
    document = seed_document("cimcloud")
    del document["vocabularies"]

    # when it is validated
    with pytest.raises(DefinitionError) as refused:
        validate_document(document, where="cimcloud.yaml")

    # then every kind named is a problem of its own (3 activity-count requirements, 1 listing)
    problems = refused.value.problems
    assert len(problems) == 1 + 2 + 5 + 1, problems
    orientation = _kind_path("cimcloud", "orientation", "kinds")
    listing = _kind_path("cimcloud", "website-listing", "kind")
    assert f"{orientation}[0]: unknown activity kind 'orientation'" in problems
    assert f"{listing}: unknown attestation kind 'website_lists_vendor'" in problems
    # and the other vendors' files, which declare theirs, are valid
    for seed in ("entimo", "simpro", "ipsoft"):
        validate_document(seed_document(seed), where=f"{seed}.yaml")


def test_a_kind_declared_twice_and_a_certification_kind_without_validity_are_refused(db):
    document = seed_document("ipsoft")
    vocabularies = document["vocabularies"]
    vocabularies["activity_kinds"].append(dict(vocabularies["activity_kinds"][0]))
    del vocabularies["certification_kinds"][2]["validity_months"]

    with pytest.raises(DefinitionError) as refused:
        validate_document(document, where="ipsoft.yaml")

    assert refused.value.problems == [
        "vocabularies.certification_kinds[2].validity_months: Field required"
    ]
    vocabularies["certification_kinds"][2]["validity_months"] = None  # never expires: allowed
    with pytest.raises(DefinitionError) as refused:
        validate_document(document, where="ipsoft.yaml")
    assert refused.value.problems == [
        "vocabularies.activity_kinds: key 'pipeline_review' is used twice"
    ]
    validate_document(seed_document("cimcloud"), where="cimcloud.yaml")  # the others load


def test_vocabularies_are_stored_on_the_version_and_round_trip_exactly(db, tmp_path):
    # given an IPsoft file whose CTL never expires, and Simpro loaded alongside
    tenant, outsider = vendor("ipsoft"), vendor("simpro")
    document = seed_document("ipsoft")
    document["vocabularies"]["certification_kinds"][2]["validity_months"] = None
    path = write_definition(tmp_path, document, "ipsoft.yaml")

    # when both are loaded (and the IPsoft file twice)
    load(path, seed_file("simpro"), publish=True)
    again = load(path)

    # then the version holds the file's vocabularies, the document round-trips, the digest
    # of an equal definition is equal ("unchanged"), and Simpro keeps its own kinds
    with tenant_scope(tenant):
        version = ProgramVersion.objects.get()
        stored = version_document(version)
    assert version.vocabularies == canonical(document)["vocabularies"]
    ctl = version.vocabularies["certification_kinds"][2]
    assert (ctl["key"], ctl["validity_months"]) == ("ctl", None)
    assert canonical(stored) == canonical(document)
    assert "v1 — unchanged" in again
    with tenant_scope(outsider):
        simpro = ProgramVersion.objects.get()
    assert [k["key"] for k in simpro.vocabularies["activity_kinds"]] == ["qbr"]
    assert simpro.vocabularies["certification_kinds"] == []
