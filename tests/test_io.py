"""File loaders of rato_opt.sources (cbs, duo, duo_layers, regions, links, tables), on small
files each test writes itself."""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import box

from rato_opt.exceptions import (
    ColumnError,
    DataNotFoundError,
    GeometryError,
    InputError,
    LayerError,
    UnitCodeError,
    WeightError,
)
from rato_opt.landscape.units import validate_units
from rato_opt.sources import (
    amr_layer,
    board_footprint_layer,
    cbs_gemeenten_from_frame,
    gemeente_code,
    province_layer,
    pupils_per_unit,
    read_arbeidsmarktregio,
    read_cbs_gemeenten,
    read_cbs_kerncijfers,
    read_duo_pupils,
    read_duo_schools,
    read_provinces,
    read_water_links,
    region_code_layer,
)

CODES = ["GM0001", "GM0002", "GM0003", "GM0004"]


# ----------------------------------------------------------------- fixtures
def _squares(crs="EPSG:4326"):
    """Four gemeenten in a row, 0.1° wide, near Utrecht: GM0001 | GM0002 | GM0003 | GM0004."""
    return gpd.GeoDataFrame(
        {
            "statcode": CODES,
            "jrstatcode": [f"2024{c}" for c in CODES],
            "statnaam": ["Aa", "Bé", "Cee", "Dee"],
            "rubriek": "gemeente",
        },
        geometry=[box(5 + 0.1 * i, 52, 5.1 + 0.1 * i, 52.1) for i in range(4)],
        crs=crs,
    )


@pytest.fixture
def units():
    return cbs_gemeenten_from_frame(_squares())


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


SCHOOLS_HEADER = (
    "PROVINCIE;BEVOEGD GEZAG NUMMER;INSTELLINGSCODE;VESTIGINGSCODE;VESTIGINGSNAAM;"
    "GEMEENTENUMMER;GEMEENTENAAM;RMC-REGIO CODE;RMC-REGIO NAAM;COROPGEBIED CODE\n"
)


@pytest.fixture
def schools_csv(tmp_path):
    rows = [
        "Utrecht;100;01AA;01AA00;De Eik;1;AA;01;Noord;10",
        "Utrecht;100;01AA;01AA01;De Eik dépendance;1;AA;01;Noord;10",
        "Utrecht;100;02BB;02BB00;Café Ééns;2;BÉ;01;Noord;10",
        "Utrecht;200;03CC;03CC00;Zuiderzon;2;BÉ;01;Noord;10",
        "Utrecht;200;04DD;04DD00;De Linde;3;CEE;02;Zuid;11",
        "Utrecht;300;05EE;05EE00;Klein;3;CEE;02;Zuid;11",
    ]
    return _write(tmp_path / "schools.csv", SCHOOLS_HEADER + "\n".join(rows) + "\n", "cp1252")


PUPILS_HEADER = (
    "INSTELLINGSCODE;VESTIGINGSCODE;NAAM_VESTIGING;SOORT_VESTIGING;DENOMINATIE_VESTIGING;"
    "BEVOEGD_GEZAG_NUMMER;GEMEENTECODE_VESTIGING;GEMEENTENAAM_VESTIGING;"
    "LEERLINGEN_2024;LEERLINGEN_2025\n"
)


@pytest.fixture
def pupils_csv(tmp_path):
    rows = [
        "01AA;01AA00;De Eik;BO;Openbaar;100;1;AA;200;210",
        "01AA;01AA01;De Eik dep;BO;Openbaar;100;1;AA;<5;<5",
        "02BB;02BB00;Ééns;SBO;Openbaar;100;2;BÉ;80;75",
        "03CC;03CC00;Zuiderzon;BO;Rooms-Katholiek;200;2;BÉ;50;0",
        "04DD;04DD00;De Linde;SO;Openbaar;200;3;CEE;30;31",
        "50AB;50AB00;onbekend;BO;Openbaar;999;9999;;0;0",
    ]
    return _write(tmp_path / "pupils.csv", PUPILS_HEADER + "\n".join(rows) + "\n", "utf-8-sig")


# ------------------------------------------------------------------ geometry
def test_read_cbs_gemeenten_geojson_and_gpkg(tmp_path):
    path = tmp_path / "gm.geojson"
    _squares().to_file(path)
    units = read_cbs_gemeenten(path)
    assert list(units.index) == CODES
    assert units.loc["GM0002", "name"] == "Bé"
    assert units.crs.to_epsg() == 28992
    assert list(units.columns) == ["name", "geometry"]
    gpkg = tmp_path / "gm.gpkg"
    _squares().to_crs("EPSG:28992").to_file(gpkg, layer="gemeenten")
    again = read_cbs_gemeenten(gpkg, layer="gemeenten")
    assert np.allclose(again.area, units.area, rtol=1e-6)
    pq = tmp_path / "gm.parquet"
    _squares().to_parquet(pq)
    assert list(read_cbs_gemeenten(pq).index) == CODES


def test_read_cbs_gemeenten_year_filter(tmp_path):
    two = pd.concat([_squares(), _squares().assign(jrstatcode=lambda f: "2023" + f.statcode)])
    two = gpd.GeoDataFrame(two, crs="EPSG:4326")
    with pytest.raises(InputError, match=r"several years \[2023.0, 2024.0\]|several years"):
        cbs_gemeenten_from_frame(two)
    assert len(cbs_gemeenten_from_frame(two, year=2023)) == 4
    with pytest.raises(InputError, match="no CBS gemeente features of year 2019"):
        cbs_gemeenten_from_frame(two, year=2019)


def test_read_cbs_gemeenten_errors(tmp_path):
    with pytest.raises(DataNotFoundError, match="not found"):
        read_cbs_gemeenten(tmp_path / "nope.geojson")
    f = _squares().rename(columns={"statcode": "gm"})
    with pytest.raises(ColumnError, match="statcode"):
        cbs_gemeenten_from_frame(f)
    dup = _squares().assign(statcode=["GM0001", "GM0001", "GM0003", "GM0004"])
    with pytest.raises(UnitCodeError, match="duplicate unit codes: GM0001"):
        cbs_gemeenten_from_frame(dup)


# --------------------------------------------------------------- kerncijfers
def _kern_file(tmp_path, props):
    feats = [
        {"type": "Feature", "properties": p, "geometry": box(0, 0, 1, 1).__geo_interface__}
        for p in props
    ]
    path = tmp_path / "kern.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return path


def test_read_cbs_kerncijfers(tmp_path):
    path = _kern_file(
        tmp_path,
        [
            {"gemeentecode": "GM0998", "gemeentenaam": "Buitenland", "bag": 5},
            {"gemeentecode": "GM0002", "gemeentenaam": "Bé", "aantal_inwoners": 20, "mannen": 9},
            {"gemeentecode": "GM0001", "gemeentenaam": "Aa", "aantal_inwoners": 10, "mannen": 4},
        ],
    )
    k = read_cbs_kerncijfers(path)
    assert list(k.index) == ["GM0001", "GM0002"]
    assert k["population"].tolist() == [10.0, 20.0]
    assert k.loc["GM0002", "mannen"] == 9
    assert k.loc["GM0001", "name"] == "Aa"
    assert "geometry" not in k.columns


def test_read_cbs_kerncijfers_csv(tmp_path):
    path = tmp_path / "k.csv"
    path.write_text("gemeentecode,gemeentenaam,aantal_inwoners\nGM0001,Aa,10\nGM0002,Bb,5\n")
    assert read_cbs_kerncijfers(path)["population"].sum() == 15


def test_read_cbs_kerncijfers_errors(tmp_path):
    path = _kern_file(tmp_path, [{"gemeentecode": "GM0001", "inwoners": 3}])
    with pytest.raises(ColumnError, match="aantal_inwoners"):
        read_cbs_kerncijfers(path)
    path = _kern_file(
        tmp_path,
        [{"gemeentecode": "GM0001", "aantal_inwoners": 3}] * 2,
    )
    with pytest.raises(UnitCodeError, match="more than once: GM0001"):
        read_cbs_kerncijfers(path)
    path = _kern_file(tmp_path, [{"gemeentecode": "363", "aantal_inwoners": 3}])
    with pytest.raises(UnitCodeError, match="not gemeente codes: 363"):
        read_cbs_kerncijfers(path)


# ----------------------------------------------------------------- DUO schools
def test_read_duo_schools_cp1252(schools_csv):
    s = read_duo_schools(schools_csv)
    assert s.attrs["encoding"] == "cp1252"
    assert s.index.name == "vestiging"
    assert len(s) == 6
    assert s.loc["02BB00", "name"] == "Café Ééns"
    assert s.loc["02BB00", "gemeentenaam"] == "BÉ"
    assert s.loc["04DD00", "gemeentecode"] == "GM0003"
    assert s.loc["04DD00", "board"] == "200"
    assert s.loc["04DD00", "RMC-REGIO CODE"] == "02"  # leading zero kept
    assert "COROPGEBIED CODE" in s.columns


def test_read_duo_schools_header_spelling(tmp_path):
    text = " vestigingscode ;Bevoegd_Gezag_Nummer;gemeentenummer\n01AA00;7;0014\n"
    s = read_duo_schools(_write(tmp_path / "s.csv", text))
    assert s.loc["01AA00", ["board", "gemeentecode"]].tolist() == ["7", "GM0014"]


def test_read_duo_schools_errors(tmp_path):
    text = "VESTIGINGSCODE;GEMEENTENUMMER\n01AA00;1\n"
    with pytest.raises(ColumnError, match="BEVOEGD GEZAG NUMMER"):
        read_duo_schools(_write(tmp_path / "a.csv", text))
    text = "VESTIGINGSCODE;BEVOEGD GEZAG NUMMER;GEMEENTENUMMER\n01AA00;1;1\n01AA00;1;2\n"
    with pytest.raises(UnitCodeError, match="more than once: 01AA00"):
        read_duo_schools(_write(tmp_path / "b.csv", text))
    text = "VESTIGINGSCODE;BEVOEGD GEZAG NUMMER;GEMEENTENUMMER\n01AA00;1;x12\n02BB00;1;\n"
    with pytest.raises(UnitCodeError, match=r"01AA00: 'x12'.*02BB00"):
        read_duo_schools(_write(tmp_path / "c.csv", text))
    with pytest.raises(DataNotFoundError):
        read_duo_schools(tmp_path / "missing.csv")


def test_read_csv_bad_forced_encoding(schools_csv):
    with pytest.raises(InputError, match="could not be decoded"):
        read_duo_schools(schools_csv, encoding="utf-8")


# ----------------------------------------------------------------- DUO pupils
def test_read_duo_pupils(pupils_csv):
    p = read_duo_pupils(pupils_csv, year=2025)
    # BO + SBO, 0-pupil (closed) school and the 9999 row dropped, SO left out
    assert list(p.index) == ["01AA00", "01AA01", "02BB00"]
    assert p["kind"].tolist() == ["BO", "BO", "SBO"]
    assert np.isnan(p.loc["01AA01", "pupils"]) and p.loc["01AA01", "masked"]
    assert p["pupils"].sum() == 285
    assert p.loc["02BB00", "name"] == "Ééns"
    assert p.attrs["year"] == 2025
    assert set(p["board"]) == {"100"}


def test_read_duo_pupils_kinds_year_and_empty(pupils_csv):
    p = read_duo_pupils(pupils_csv, year=2024, kinds=None)
    assert set(p["kind"]) == {"BO", "SBO", "SO"}
    assert p["pupils"].sum() == 200 + 80 + 50 + 30
    with pytest.warns(UserWarning, match=r"dropped 1 vestiging\(en\) with unknown gemeente.*50AB00"):
        full = read_duo_pupils(pupils_csv, drop_empty=False)
    assert "03CC00" in full.index and full.loc["03CC00", "pupils"] == 0


def test_read_duo_pupils_unknown_gemeente_with_pupils(tmp_path):
    text = PUPILS_HEADER + "01AA;01AA00;X;BO;O;1;9999;;3;12\n02BB;02BB00;Y;BO;O;1;1;AA;3;8\n"
    with pytest.warns(UserWarning, match=r"dropped 1 .* together 12 pupils in 2025"):
        p = read_duo_pupils(_write(tmp_path / "p.csv", text, "utf-8-sig"))
    assert list(p.index) == ["02BB00"]


def test_read_duo_pupils_errors(pupils_csv, tmp_path):
    with pytest.raises(ColumnError, match=r"no column LEERLINGEN_2030.*2024, 2025"):
        read_duo_pupils(pupils_csv, year=2030)
    with pytest.raises(InputError, match=r"\['VO'\] does not occur"):
        read_duo_pupils(pupils_csv, kinds=("BO", "VO"))
    with pytest.raises(InputError, match=r"\['VSO'\] does not occur"):
        read_duo_pupils(pupils_csv, kinds=("VSO",))
    text = PUPILS_HEADER + "01AA;01AA00;X;BO;O;1;1;AA;3;veel\n"
    with pytest.raises(WeightError, match=r"neither counts nor.*01AA00: 'veel'"):
        read_duo_pupils(_write(tmp_path / "bad.csv", text, "utf-8-sig"))
    text = PUPILS_HEADER.replace("SOORT_VESTIGING", "TYPE") + "01AA;01AA00;X;BO;O;1;1;AA;3;4\n"
    with pytest.raises(ColumnError, match="SOORT VESTIGING"):
        read_duo_pupils(_write(tmp_path / "nokind.csv", text, "utf-8-sig"))


def test_pupils_per_unit(pupils_csv, units):
    p = read_duo_pupils(pupils_csv)
    per = pupils_per_unit(p, units)
    assert per.name == "pupils_po"
    assert per.to_dict() == {"GM0001": 210.0, "GM0002": 75.0, "GM0003": 0.0, "GM0004": 0.0}
    mid = pupils_per_unit(p, units, masked_value=2.5, column="x")
    assert mid["GM0001"] == 212.5 and mid.name == "x"


def test_pupils_per_unit_errors(pupils_csv, units):
    p = read_duo_pupils(pupils_csv)
    with pytest.raises(UnitCodeError, match="GM0002"):
        pupils_per_unit(p, units.index.drop("GM0002"))
    with pytest.raises(ColumnError, match="'pupils'"):
        pupils_per_unit(p.drop(columns="pupils"), units)
    with pytest.raises(WeightError, match="masked_value"):
        pupils_per_unit(p, units, masked_value=-1)
    unmasked = p.assign(masked=False)
    with pytest.raises(WeightError, match="not masked, at 01AA01"):
        pupils_per_unit(unmasked, units)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(CODES), st.integers(0, 500), st.booleans()),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from([0.0, 2.5]),
)
def test_pupils_per_unit_total_invariant(rows, masked_value):
    """The per-unit totals add up to every count plus masked_value per masked cell."""
    p = pd.DataFrame(rows, columns=["gemeentecode", "pupils", "masked"])
    p["pupils"] = p["pupils"].astype(float).where(~p["masked"])
    per = pupils_per_unit(p, pd.Index(CODES), masked_value=masked_value)
    expected = p["pupils"].fillna(0).sum() + masked_value * p["masked"].sum()
    assert per.sum() == pytest.approx(expected)
    assert list(per.index) == CODES and (per >= 0).all()


@given(st.integers(1, 9998))
def test_gemeente_code_roundtrip(number):
    code = gemeente_code(pd.Series([str(number), number]))
    assert code.tolist() == [f"GM{number:04d}"] * 2
    assert gemeente_code(code).tolist() == code.tolist()


# ------------------------------------------------------------------- layers
def test_board_footprint_layer(schools_csv, units):
    s = read_duo_schools(schools_csv)
    layer = board_footprint_layer(s, units)
    assert layer.name == "boards"
    assert layer.members() == {
        "100": ["GM0001", "GM0002"],
        "200": ["GM0002", "GM0003"],
        "300": ["GM0003"],
    }
    assert layer.count(units.index).tolist() == [1, 2, 2, 0]
    c = layer.collaborations
    assert c.loc["100", "name"] == "Bestuur 100 (Aa +1)"  # main gemeente: most schools
    assert c.loc["100", "schools"] == 3 and c.loc["100", "gemeenten"] == 2
    two = board_footprint_layer(s, units, min_schools=2, name="b2")
    assert two.members() == {"100": ["GM0001"]}
    assert two.count(units.index).tolist() == [1, 0, 0, 0]


def test_board_footprint_layer_from_pupils_and_names(pupils_csv, units):
    with pytest.warns(UserWarning, match="unknown gemeente"):
        p = read_duo_pupils(pupils_csv, kinds=None, drop_empty=False, year=2025)
    layer = board_footprint_layer(p, units)
    # 03CC00 (board 200 in GM0002) has no pupils in 2025: it does not count
    assert layer.members() == {"100": ["GM0001", "GM0002"], "200": ["GM0003"]}
    named = pd.DataFrame(
        {"board": ["1", "1"], "gemeentecode": ["GM0001", "GM0004"], "board_name": ["Stg X", ""]}
    )
    assert board_footprint_layer(named, units).collaborations["name"].tolist() == ["Stg X"]


def test_board_footprint_layer_errors(schools_csv, units):
    s = read_duo_schools(schools_csv)
    with pytest.raises(UnitCodeError, match="GM0003"):
        board_footprint_layer(s, units.index.drop("GM0003"))
    with pytest.raises(ColumnError, match="'board'"):
        board_footprint_layer(s.drop(columns="board"), units)
    with pytest.raises(LayerError, match="min_schools"):
        board_footprint_layer(s, units, min_schools=0)
    with pytest.raises(LayerError, match=r"most is 2.*lower min_schools"):
        board_footprint_layer(s, units, min_schools=5)
    s2 = s.copy()
    s2.loc["05EE00", "board"] = np.nan
    with pytest.warns(UserWarning, match="without a board number.*05EE00"):
        layer = board_footprint_layer(s2, units)
    assert "300" not in layer.collaborations.index


def test_region_code_layer(schools_csv, units):
    s = read_duo_schools(schools_csv)
    rmc = region_code_layer(s, units)
    assert rmc.name == "rmc"
    assert rmc.members() == {"01": ["GM0001", "GM0002"], "02": ["GM0003"]}
    assert rmc.collaborations["name"].to_dict() == {"01": "Noord", "02": "Zuid"}
    assert rmc.count(units.index).tolist() == [1, 1, 1, 0]  # GM0004 has no school
    corop = region_code_layer(s, units, column="COROPGEBIED CODE", name="corop")
    assert corop.members() == {"10": ["GM0001", "GM0002"], "11": ["GM0003"]}


def test_region_code_layer_errors(schools_csv, units):
    s = read_duo_schools(schools_csv)
    s2 = s.copy()
    s2.loc["03CC00", "RMC-REGIO CODE"] = "02"
    with pytest.raises(LayerError, match=r"1 gemeente\(n\) \(GM0002: \['01', '02'\]\)"):
        region_code_layer(s2, units)
    with pytest.raises(ColumnError, match="VAKANTIE"):
        region_code_layer(s, units, column="VAKANTIE")
    with pytest.raises(UnitCodeError, match="GM0001"):
        region_code_layer(s, units.index.drop("GM0001"))


AMR_TEXT = (
    "gemeentecode,arbeidsmarktregiocode,arbeidsmarktregio,corop_code,corop,provinciecode,provincie\n"
    "GM0001,AM01,Noord,CR01,C1,PV26,Utrecht\n"
    "GM0002,AM01,Noord,CR01,C1,PV26,Utrecht\n"
    "GM0003,AM02,Zuid,CR02,C2,PV26,Utrecht\n"
    "GM0004,AM02,Zuid,CR02,C2,PV27,Noord-Holland\n"
)


def test_amr_and_provinces(tmp_path, units):
    path = tmp_path / "amr.csv"
    path.write_text(AMR_TEXT)
    table = read_arbeidsmarktregio(path)
    assert table.index.name == "code" and table.loc["GM0004", "provincie"] == "Noord-Holland"
    layer = amr_layer(path, units)
    assert layer.name == "amr"
    assert layer.members() == {"AM01": ["GM0001", "GM0002"], "AM02": ["GM0003", "GM0004"]}
    assert layer.collaborations["name"].tolist() == ["Noord", "Zuid"]
    assert read_provinces(path).tolist() == ["PV26", "PV26", "PV26", "PV27"]
    prov = province_layer(path, units)
    assert prov.collaborations["name"].to_dict() == {"PV26": "Utrecht", "PV27": "Noord-Holland"}
    alfa = tmp_path / "alfa.csv"
    alfa.write_text(
        "Gemeentecode,GemeentecodeGM,Gemeentenaam,Provinciecode,ProvinciecodePV,Provincienaam\n"
        "0001,GM0001,Aa,26,PV26,Utrecht\n"
    )
    assert read_provinces(alfa, names=True).to_dict() == {"GM0001": "Utrecht"}


def test_amr_errors(tmp_path, units):
    path = tmp_path / "amr.csv"
    path.write_text(AMR_TEXT + "GM0009,AM03,Elders,CR03,C3,PV20,Groningen\n")
    with pytest.raises(UnitCodeError, match="GM0009"):
        amr_layer(path, units)
    path.write_text(AMR_TEXT + "GM0001,AM03,Elders,CR03,C3,PV20,Groningen\n")
    with pytest.raises(UnitCodeError, match="more than once: GM0001"):
        read_arbeidsmarktregio(path)
    path.write_text("\n".join(AMR_TEXT.splitlines()[:4]) + "\n")
    with pytest.warns(UserWarning, match="does not list 1 unit.*GM0004"):
        layer = amr_layer(path, units)
    assert layer.count(units.index).tolist() == [1, 1, 1, 0]
    path.write_text("gemeentecode,amr_naam\nGM0001,x\n")
    with pytest.raises(ColumnError, match="arbeidsmarktregiocode"):
        read_arbeidsmarktregio(path)


def test_read_water_links(tmp_path, units):
    path = tmp_path / "links.csv"
    path.write_text("from_code,to_code,kind,name\nGM0001,GM0004,ferry,Veer\n")
    links = read_water_links(path, units)
    assert links.to_dict("records") == [
        {"from_code": "GM0001", "to_code": "GM0004", "kind": "ferry", "name": "Veer"}
    ]
    assert len(read_water_links(path)) == 1
    path.write_text("from_code,to_code,kind,name\nGM0001,GM0099,ferry,Ver weg\n")
    with pytest.raises(UnitCodeError, match="GM0099"):
        read_water_links(path, units)
    path.write_text("van,naar\nGM0001,GM0002\n")
    with pytest.raises(ColumnError, match="from_code"):
        read_water_links(path)


def test_loaders_make_a_landscape(schools_csv, pupils_csv, units, tmp_path):
    """The pieces fit together: units + weights + layers + links."""
    from rato_opt.landscape.coverage import Landscape, layer_summary

    amr = tmp_path / "amr.csv"
    amr.write_text(AMR_TEXT)
    u = units.copy()
    u["pupils_po"] = pupils_per_unit(read_duo_pupils(pupils_csv), u)
    u = validate_units(u)
    s = read_duo_schools(schools_csv)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        land = Landscape(
            u, [amr_layer(amr, u), board_footprint_layer(s, u), region_code_layer(s, u)]
        )
    summary = layer_summary(land)
    assert summary.loc["boards", "white_spots"] == 1
    assert summary.loc["amr", "units_1"] == 4


def test_read_cbs_gemeenten_repair(tmp_path):
    bowtie = gpd.GeoDataFrame(
        {"statcode": ["GM0001"], "statnaam": ["Strik"]},
        geometry=[shapely.Polygon([(0, 0), (1000, 1000), (1000, 0), (0, 1000)])],
        crs="EPSG:28992",
    )
    path = tmp_path / "bowtie.gpkg"
    bowtie.to_file(path)
    with pytest.raises(GeometryError, match="GM0001.*repair=True"):
        read_cbs_gemeenten(path)
    repaired = read_cbs_gemeenten(path, repair=True)
    assert repaired.geometry.is_valid.all()
    assert repaired.area.iloc[0] == pytest.approx(500_000)
