"""DUO vo vestigingen (2020) and pupils (2019) on 2024 gemeenten: rules, join, board layer."""

from __future__ import annotations

import pandas as pd
import pytest

from rato_opt.exceptions import ColumnError, UnitCodeError, WeightError
from rato_opt.sources.duo_vo import (
    RULES,
    VO_BOARD_KIND,
    VO_DATING,
    load_duo_vo,
    map_gemeenten_2024,
    read_duo_vo_pupils,
    read_duo_vo_schools,
)

#: 2024 gemeenten of the small tables below.
KNOWN = pd.Index(["GM0001", "GM0002", "GM0003"], name="code")

#: PO schools of the 2024-era reference file: PC4 -> 2024 gemeente.
#:   1111: GM0002 ×2, GM0003 ×1 (majority GM0002)    2222: GM0002 ×1, GM0003 ×1 (tie)
#:   3333: GM0003 ×1
REFERENCE = pd.DataFrame({
    "gemeentecode": ["GM0002", "GM0002", "GM0003", "GM0002", "GM0003", "GM0003"],
    "POSTCODE": ["1111 AA", "1111 AB", "1111 ZZ", "2222 AA", "2222 BB", "3333 CC"],
})


def schools() -> pd.DataFrame:
    """Old codes GM0009 (3 rows), GM0008 (1 row), GM0007 (tie only) next to kept GM0001."""
    return pd.DataFrame(
        {
            "name": ["Kept", "ByPc4", "NoPc4", "Tie", "Alone", "OnlyTie"],
            "brin": ["01AA", "02BB", "02BB", "03CC", "04DD", "05EE"],
            "board": ["1", "2", "2", "2", "3", "3"],
            "gemeentecode": ["GM0001", "GM0009", "GM0009", "GM0009", "GM0008", "GM0007"],
            "gemeentenaam": ["Een", "Oud", "Oud", "Oud", "Weg", "Gelijk"],
            "pc4": ["1000", "1111", "9999", "2222", None, "2222"],
        },
        index=pd.Index(["01AA00", "02BB00", "02BB01", "03CC00", "04DD00", "05EE00"],
                       name="vestiging"),
    )


def test_mapping_rules_in_order():
    rows, unmapped = map_gemeenten_2024(schools(), REFERENCE, KNOWN)
    assert rows["rule"].tolist() == ["kept", "pc4", "successor", "successor", "unmapped",
                                     "unmapped"]
    assert rows["gemeentecode"].fillna("-").tolist() == [
        "GM0001", "GM0002", "GM0002", "GM0002", "-", "-"]
    assert rows["gemeentecode_old"].tolist() == schools()["gemeentecode"].tolist()
    assert set(rows["rule"]) <= set(RULES)
    assert rows.loc["02BB00", "evidence"] == "PC4 1111: PO schools in GM0002 (2), GM0003 (1)"
    assert "PC4 2222 is a tie" in rows.loc["03CC00", "evidence"]
    assert "other rows of GM0009 mapped by pc4 to GM0002 (1)" in rows.loc["03CC00", "evidence"]
    # unmapped rows say which school, which old code and why
    assert unmapped["vestiging"].tolist() == ["04DD00", "05EE00"]
    assert unmapped["name"].tolist() == ["Alone", "OnlyTie"]
    assert unmapped["old_code"].tolist() == ["GM0008", "GM0007"]
    assert unmapped.loc[0, "reason"] == (
        "no postcode; no other row of GM0008 was mapped by pc4")
    assert "tie" in unmapped.loc[1, "reason"]


def test_given_successors_and_their_checks():
    rows, unmapped = map_gemeenten_2024(schools(), REFERENCE, KNOWN,
                                        successors={"GM0008": "GM0003", "GM0009": "GM0001"})
    assert rows.loc["04DD00", ["gemeentecode", "rule"]].tolist() == ["GM0003", "given"]
    # a given successor wins over the postcode for every row of its old code
    assert rows.loc[["02BB00", "02BB01", "03CC00"], "gemeentecode"].tolist() == ["GM0001"] * 3
    assert unmapped["vestiging"].tolist() == ["05EE00"]
    with pytest.raises(UnitCodeError, match="GM0001"):
        map_gemeenten_2024(schools(), REFERENCE, KNOWN, successors={"GM0001": "GM0002"})
    with pytest.raises(UnitCodeError, match="GM0008 -> GM0099"):
        map_gemeenten_2024(schools(), REFERENCE, KNOWN, successors={"GM0008": "GM0099"})
    with pytest.raises(ColumnError, match="pc4"):
        map_gemeenten_2024(schools().drop(columns="pc4"), REFERENCE, KNOWN)


def test_pupil_join_mapping_table_and_layer():
    pupils = pd.DataFrame(
        {"pupils": [100.0, 40.0, 10.0, 5.0, 7.0, 2.0, 30.0],
         "pupils_vavo": [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 3.0]},
        index=pd.Index(["01AA00", "02BB00", "02BB01", "04DD00", "05EE00", "01AA01", "03CC09"]),
    )
    vo = load_duo_vo(schools(), pupils, REFERENCE, KNOWN)
    # 03CC00 has no count (NaN), 01AA01 / 03CC09 have counts but no vestiging
    assert vo.schools.index.tolist() == ["01AA00", "02BB00", "02BB01", "03CC00"]
    assert vo.schools["pupils"].isna().tolist() == [False, False, False, True]
    assert vo.unmatched_pupils.index.tolist() == ["01AA01", "03CC09"]
    assert vo.unmapped[["vestiging", "pupils"]].values.tolist() == [["04DD00", 5.0],
                                                                    ["05EE00", 7.0]]
    assert vo.pupils_per_unit(KNOWN).tolist() == [100.0, 50.0, 0.0]
    assert vo.pupils_per_unit(KNOWN).name == "pupils_vo"
    table = vo.mapping.fillna({"new_code": "-"})
    assert table[["old_code", "new_code", "rule", "rows", "pupils"]].values.tolist() == [
        ["GM0001", "GM0001", "kept", 1, 100.0],
        ["GM0007", "-", "unmapped", 1, 7.0],
        ["GM0008", "-", "unmapped", 1, 5.0],
        ["GM0009", "GM0002", "pc4", 1, 40.0],
        ["GM0009", "GM0002", "successor", 2, 10.0],
    ]
    assert vo.changed()["old_code"].tolist() == ["GM0007", "GM0008", "GM0009", "GM0009"]
    assert vo.mapping.loc[3, "old_name"] == "Oud"
    layer = vo.board_layer(KNOWN)
    assert layer.name == "vo_boards" and layer.kind == VO_BOARD_KIND == "school board (vo)"
    assert layer.members() == {"1": ["GM0001"], "2": ["GM0002"]}
    assert layer.membership()["weight"].tolist() == [100.0, 50.0]
    assert (layer.collaborations["source"] == VO_DATING).all()
    assert "DUO 2019/2020" in VO_DATING
    assert layer.collaborations.loc["2", "schools"] == 3


def test_readers_on_small_files(tmp_path):
    vest = tmp_path / "vest.csv"
    vest.write_bytes(
        "BEVOEGD GEZAG NUMMER;BRIN NUMMER;VESTIGINGSNUMMER;VESTIGINGSNAAM;POSTCODE;"
        "GEMEENTENUMMER;GEMEENTENAAM\n"
        "41;01AA;01AA00;Lyceum é;1000 AA;1;EEN\n"
        "42;02BB;02BB03;College;1111AB;0009;OUD\n".encode("cp1252"))
    s = read_duo_vo_schools(vest)
    assert s.index.tolist() == ["01AA00", "02BB03"]
    assert s["name"].tolist() == ["Lyceum é", "College"]
    assert s["gemeentecode"].tolist() == ["GM0001", "GM0009"]
    assert s["pc4"].tolist() == ["1000", "1111"]
    assert s["brin"].tolist() == ["01AA", "02BB"]
    counts = "LEER- OF VERBLIJFSJAAR 1 - MAN;LEER- OF VERBLIJFSJAAR 1 - VROUW"
    pup = tmp_path / "pup.csv"
    pup.write_bytes(
        f"BRIN NUMMER;VESTIGINGSNUMMER;INSTELLINGSNAAM VESTIGING;PLAATSNAAM VESTIGING;"
        f"ONDERWIJSTYPE VO EN LEER- OF VERBLIJFSJAAR;{counts}\n"
        "01AA;0;Lyceum é;EEN;Brugjaar 1-2;10;12\n"
        "01AA;00;Lyceum é;EEN;HAVO uitbest. aan VAVO;1;0\n"
        "02BB;3;College;OUD;VWO lj 4-6;5;5\n".encode("cp1252"))
    p = read_duo_vo_pupils(pup)
    assert p.index.tolist() == ["01AA00", "02BB03"]  # zero-padded to 2, rows summed
    assert p["pupils"].tolist() == [23.0, 10.0]
    assert p["pupils_vavo"].tolist() == [1.0, 0.0]
    assert read_duo_vo_pupils(pup, vavo=False)["pupils"].tolist() == [22.0, 10.0]
    vo = load_duo_vo(vest, pup, REFERENCE, KNOWN)
    assert vo.schools["gemeentecode"].tolist() == ["GM0001", "GM0002"]
    bad = tmp_path / "bad.csv"
    bad.write_text(f"BRIN NUMMER;VESTIGINGSNUMMER;{counts}\n01AA;0;x;1\n", encoding="cp1252")
    with pytest.raises(WeightError, match="01AA00"):
        read_duo_vo_pupils(bad)
    none = tmp_path / "none.csv"
    none.write_text("BRIN NUMMER;VESTIGINGSNUMMER;TOTAAL\n01AA;0;1\n", encoding="cp1252")
    with pytest.raises(ColumnError, match="LEER- OF VERBLIJFSJAAR"):
        read_duo_vo_pupils(none)
    dup = tmp_path / "dup.csv"
    dup.write_text("BEVOEGD GEZAG NUMMER;VESTIGINGSNUMMER;GEMEENTENUMMER\n1;01AA00;1\n"
                   "1;01AA00;1\n", encoding="cp1252")
    with pytest.raises(UnitCodeError, match="01AA00"):
        read_duo_vo_schools(dup)


# --------------------------------------------------------------------------- real data

#: PROVENANCE.md section 11: old codes and their successors, derived by PC4 from file 5.
SUCCESSORS = {
    "GM0003": "GM1979", "GM0010": "GM1979", "GM0398": "GM1980", "GM0457": "GM0363",
    "GM0501": "GM1992", "GM0530": "GM1992", "GM0756": "GM1982", "GM0786": "GM1982",
    "GM0815": "GM1982", "GM1684": "GM1982", "GM1702": "GM1982", "GM0856": "GM1991",
}


@pytest.fixture(scope="module")
def real_vo(real_data):
    from rato_opt.sources.nl2024 import load_nl_vo

    return load_nl_vo(real_data)


@pytest.mark.realdata
def test_real_mapping(real_vo, real_data):
    from rato_opt.sources.nl2024 import FILES

    raw = read_duo_vo_schools(real_data / FILES["vo_schools"])
    assert len(raw) == 1_619 and raw["board"].nunique() == 323
    assert raw["gemeentecode"].nunique() == 296
    changed = real_vo.changed()
    assert sorted(changed["old_code"].unique()) == sorted([*SUCCESSORS, "GM0416"])  # 13
    assert changed["rows"].sum() == 32
    mapped = changed.dropna(subset=["new_code"])
    assert dict(zip(mapped["old_code"], mapped["new_code"], strict=True)) == SUCCESSORS
    # one Appingedam row has a PC4 without PO school: its code's other rows decide
    assert mapped[mapped["rule"] == "successor"][["old_code", "rows"]].values.tolist() == [
        ["GM0003", 1]]
    # Langedijk (GM0416, merged into Dijk en Waard): its one school's PC4 has no PO school
    assert real_vo.unmapped[["vestiging", "old_code", "pc4", "pupils"]].values.tolist() == [
        ["02TD04", "GM0416", "1722", 473.0]]
    kept = real_vo.mapping[real_vo.mapping["rule"] == "kept"]
    assert len(kept) == 296 - 13 and (kept["old_code"] == kept["new_code"]).all()
    fixed = load_duo_vo(real_data / FILES["vo_schools"], real_data / FILES["vo_pupils"],
                        real_vo_reference(real_data), real_vo_units(real_data),
                        successors={"GM0416": "GM1980"})
    assert fixed.unmapped.empty and len(fixed.schools) == 1_619


def real_vo_reference(real_data):
    from rato_opt.sources.duo import read_duo_schools
    from rato_opt.sources.nl2024 import FILES

    return read_duo_schools(real_data / FILES["schools"])


def real_vo_units(real_data):
    from rato_opt.sources.cbs import read_cbs_gemeenten
    from rato_opt.sources.nl2024 import FILES

    return read_cbs_gemeenten(real_data / FILES["gemeenten"]).index


@pytest.mark.realdata
def test_real_pupils_and_boards(real_vo, real_data):
    from rato_opt.sources.nl2024 import FILES

    pupils = read_duo_vo_pupils(real_data / FILES["vo_pupils"])
    assert len(pupils) == 1_450 and pupils["pupils"].sum() == 956_857  # PROVENANCE 12
    # 1,439 of 1,450 vestigingen match (953,616 pupils); 11 do not (3,241 pupils)
    assert len(real_vo.unmatched_pupils) == 11
    assert real_vo.unmatched_pupils["pupils"].sum() == 956_857 - 953_616 == 3_241
    assert real_vo.schools["pupils"].notna().sum() + 1 == 1_439  # + Langedijk, unmapped
    units = real_vo_units(real_data)
    per_unit = real_vo.pupils_per_unit(units)
    assert per_unit.sum() == 953_616 - 473 == 953_143
    assert (per_unit > 0).sum() == 284 and per_unit.idxmax() == "GM0363"
    layer = real_vo.board_layer(units)
    assert layer.n_collaborations == 323 and layer.kind == "school board (vo)"
    assert layer.membership()["weight"].sum() == 953_143
    assert (layer.collaborations["source"] == VO_DATING).all()
