"""Tests of the French communes table and geographic helpers (shared.geo)."""

import gzip
import subprocess
import sys

import pytest

from shared.geo import (
    Commune,
    all_communes,
    by_insee,
    communes_by_insee,
    communes_of,
    distance_km,
    find_by_name,
    locate,
    match_commune,
)
from shared.geo.communes import DATA_FILE, DATA_PACKAGE
from shared.geo.normalize import city_of_arrondissement, normalize_name


@pytest.mark.parametrize(
    ("postal_code", "insee", "name"),
    [
        ("75001", "75101", "Paris 1er Arrondissement"),
        ("75116", "75116", "Paris 16e Arrondissement"),
        ("69001", "69381", "Lyon 1er Arrondissement"),
        ("13001", "13201", "Marseille 1er Arrondissement"),
        ("20000", "2A004", "Ajaccio"),
        ("97400", "97411", "Saint-Denis"),
        ("93200", "93066", "Saint-Denis"),
        ("17000", "17300", "La Rochelle"),
    ],
)
def test_locate_known_postal_codes(postal_code: str, insee: str, name: str) -> None:
    commune = locate(postal_code)
    assert commune is not None
    assert (commune.insee, commune.name) == (insee, name)
    assert postal_code in commune.postal_codes


def test_locate_returns_a_located_commune() -> None:
    reunion = locate("97400")
    assert reunion is not None
    assert isinstance(reunion, Commune)
    assert reunion.latitude == pytest.approx(-20.88, abs=0.1)
    assert reunion.longitude == pytest.approx(55.45, abs=0.1)
    assert reunion.population > 100_000


def test_shared_postal_code_defaults_to_most_populous() -> None:
    commune = locate("01140")
    assert commune is not None
    assert commune.name == "Saint-Didier-sur-Chalaronne"
    others = [c for c in all_communes() if "01140" in c.postal_codes]
    assert len(others) > 1
    assert commune.population == max(c.population for c in others)


@pytest.mark.parametrize(
    "city",
    [
        "Saint-Étienne-sur-Chalaronne",
        "Saint-Etienne-sur-Chalaronne",
        "SAINT ETIENNE SUR CHALARONNE",
        "St-Etienne-sur-Chalaronne",
        "st étienne sur chalaronne ",
    ],
)
def test_shared_postal_code_disambiguated_by_city(city: str) -> None:
    commune = locate("01140", city)
    assert commune is not None
    assert (commune.insee, commune.name) == ("01351", "Saint-Étienne-sur-Chalaronne")


def test_city_with_accents_apostrophes_and_articles() -> None:
    assert locate("01400", "Chanoz-Châtenay").insee == "01084"
    assert locate("01400", "chanoz chatenay").insee == "01084"
    assert locate("01400", "L'Abergement-Clémenciat").insee == "01001"
    assert locate("01400", "Abergement Clemenciat").insee == "01001"


def test_unmatched_city_falls_back_to_most_populous() -> None:
    assert locate("01400", "Nowhere-sur-Mer").name == "Châtillon-sur-Chalaronne"


def _first_named(postal_code: str, city: str) -> Commune | None:
    """The commune `match_commune` must give: the first (most populous) of the postal code's
    communes that the name names, its own or, for an arrondissement, its city's."""
    wanted = normalize_name(city)
    for commune in communes_of(postal_code):
        own = normalize_name(commune.name)
        if wanted in (own, city_of_arrondissement(own)):
            return commune
    return None


def test_every_commune_is_matched_by_its_name_under_each_of_its_postal_codes() -> None:
    checked = 0
    for commune in all_communes():
        for postal_code in commune.postal_codes:
            for city in (commune.name, commune.name.upper(), "Lyon", "Nowhere-sur-Mer"):
                assert match_commune(postal_code, city) == _first_named(postal_code, city)
                checked += 1
            assert match_commune(postal_code, commune.name) is not None
    assert checked > 100_000


def test_postal_code_tolerates_spaces_and_lost_leading_zero() -> None:
    assert locate(" 01 400", "Chanoz-Châtenay").insee == "01084"
    assert locate("1400", "Chanoz-Châtenay").insee == "01084"


@pytest.mark.parametrize("postal_code", ["99999", "00000", "", "abcde", "750"])
def test_unknown_postal_code_returns_none(postal_code: str) -> None:
    assert locate(postal_code) is None
    assert locate(postal_code, "Paris") is None


def test_find_by_name_most_populous_first() -> None:
    communes = find_by_name("st denis")
    assert [c.insee for c in communes[:2]] == ["97411", "93066"]
    assert all(c.name == "Saint-Denis" for c in communes)
    populations = [c.population for c in communes]
    assert populations == sorted(populations, reverse=True)


def test_find_by_name_city_level_and_unknown() -> None:
    assert [c.insee for c in find_by_name("Paris")] == ["75056"]
    assert find_by_name("rochelle")[0].insee == "17300"
    assert find_by_name("Nowhere-sur-Mer") == []


def test_by_insee() -> None:
    assert by_insee("2a004").name == "Ajaccio"
    assert by_insee("00000") is None
    table = communes_by_insee()
    assert table["2A004"] is by_insee("2A004")
    assert "2a004" not in table  # codes as INSEE writes them; `by_insee` tidies what it is given
    assert len(table) == len(all_communes())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("St-Étienne", "saint etienne"),
        ("Saint-Etienne", "saint etienne"),
        ("L'Haÿ-les-Roses", "hay les roses"),
        ("La Rochelle", "rochelle"),
        ("Œuilly", "oeuilly"),
        ("LYON CEDEX 03", "lyon"),
        ("Ste-Foy-lès-Lyon", "sainte foy les lyon"),
    ],
)
def test_normalize_name(raw: str, expected: str) -> None:
    assert normalize_name(raw) == expected


def test_distance_paris_lyon() -> None:
    paris, lyon = by_insee("75056"), by_insee("69123")
    assert distance_km(paris.latitude, paris.longitude, lyon.latitude, lyon.longitude) == (
        pytest.approx(390, abs=15)
    )
    assert locate("75001").distance_to(locate("69001")) == pytest.approx(390, abs=15)


def test_distance_symmetry_and_zero() -> None:
    a, b = (48.8566, 2.3522), (-20.879, 55.4486)
    assert distance_km(*a, *b) == pytest.approx(distance_km(*b, *a))
    assert distance_km(*a, *a) == 0.0
    assert distance_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(20015, rel=1e-3)


def test_data_file_sane() -> None:
    communes = all_communes()
    assert 34_000 < len(communes) < 36_000
    assert len({c.insee for c in communes}) == len(communes)
    for commune in communes:
        assert -22 < commune.latitude < 52, commune
        assert -64 < commune.longitude < 56, commune  # Saint-Martin to La Réunion
        assert commune.population >= 0
    from importlib import resources

    raw = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_bytes()
    header = gzip.decompress(raw).split(b"\n", 1)[0]
    assert header == b"insee;name;postal_codes;latitude;longitude;population"


def test_import_does_not_load_the_data() -> None:
    code = "import shared.geo as g; print(g.all_communes.cache_info().currsize)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"
