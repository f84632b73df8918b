"""Secondary-school (vo) vestigingen, pupils and boards from the DUO 2019/2020 files.

- :func:`read_duo_vo_schools` — DUO "Alle vestigingen VO" (board, 2020 gemeente, PC4)
- :func:`read_duo_vo_pupils` — DUO "leerlingen VO per vestiging naar onderwijstype"
- :func:`map_gemeenten_2024` — move the gemeente codes of those years to 2024 codes
- :func:`load_duo_vo` — all three, as a :class:`VoSchools` with the mapping on show

Dating
------
The only vo files at hand are old (``PROVENANCE.md`` sections 11 and 12): the vestigingen
are a **December 2020** extract (gemeente codes of 2020) and the pupils are counts of
**1 October 2019**. Everything built from them (``pupils_vo``, the ``vo_boards`` layer)
is dated "DUO 2019/2020" (:data:`VO_DATING`) and should be labelled so on maps and tables.

Mapping 2020 gemeente codes to 2024
-----------------------------------
:func:`map_gemeenten_2024` applies, per vestiging, the first rule that decides:

1. ``kept`` — the code exists in 2024;
2. ``given`` — the caller named a successor for the old code (``successors=``);
3. ``pc4`` — the 2024 gemeente of most PO schools with the same four-digit postcode in
   the 2024-era DUO PO file (a strict majority; a tie does not decide);
4. ``successor`` — the 2024 code most other rows of the same old code got by ``pc4``;
5. otherwise the row is ``unmapped`` and reported (vestiging, school, old code, why).

The rule of every row is kept in the result, and :attr:`VoSchools.mapping` lists old code,
new code, rule, rows and pupils, so a planner can see and check it.

Joining pupils to vestigingen
-----------------------------
The pupil file has ``BRIN NUMMER`` + a two-digit ``VESTIGINGSNUMMER``; the vestigingen file
has the six-character code (BRIN6). The join key is BRIN + the number zero-padded to 2.
Pupils of vestigingen missing from the 2020 file are reported in
:attr:`VoSchools.unmatched_pupils`; vestigingen without 2019 pupils keep NaN.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .._util import listing
from ..exceptions import ColumnError, InputError, UnitCodeError, WeightError
from ..landscape import Layer
from .duo import pupils_per_unit
from .duo_layers import board_footprint_layer
from .tables import PathLike, find_column, gemeente_code, norm_label, read_csv_table, unit_codes

__all__ = [
    "VO_DATING",
    "VO_BOARD_KIND",
    "RULES",
    "VoSchools",
    "read_duo_vo_schools",
    "read_duo_vo_pupils",
    "map_gemeenten_2024",
    "load_duo_vo",
]

#: How the vo data are dated; used in layer tables and credits.
VO_DATING = "DUO 2019/2020 (vo pupils 1 October 2019, vestigingen December 2020)"

#: ``Layer.kind`` of the vo board layer.
VO_BOARD_KIND = "school board (vo)"

#: Mapping rules of :func:`map_gemeenten_2024`, in the order they are tried.
RULES = ("kept", "given", "pc4", "successor", "unmapped")

_COUNT = re.compile(r"LEER OF VERBLIJFSJAAR \d+ (MAN|VROUW)")


def read_duo_vo_schools(path: PathLike, *, encoding: str | None = None) -> pd.DataFrame:
    """Read DUO "Alle vestigingen VO" as a table of vestigingen.

    Parameters
    ----------
    path : path-like
        The CSV file (``;``-separated, cp1252; the encoding is detected).
    encoding : str, optional
        Force an encoding.

    Returns
    -------
    DataFrame
        Indexed by ``vestiging`` (BRIN6, ``VESTIGINGSNUMMER``); columns ``name``, ``brin``,
        ``board`` (bevoegd gezag number, str), ``gemeentecode`` (``'GM'`` + the file's
        gemeente number, i.e. the code of the file's year), ``gemeentenaam`` and ``pc4``
        (first four digits of ``POSTCODE``, NaN when absent).

    Raises
    ------
    DataNotFoundError, ColumnError
        Missing file or column (named).
    UnitCodeError
        Duplicate vestiging codes or malformed gemeente numbers.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "vo.csv")
    >>> with open(path, "w", encoding="cp1252") as fh:
    ...     _ = fh.write("BEVOEGD GEZAG NUMMER;BRIN NUMMER;VESTIGINGSNUMMER;VESTIGINGSNAAM;"
    ...                  "POSTCODE;GEMEENTENUMMER;GEMEENTENAAM\\n"
    ...                  "10053;18BR;18BR00;Praktijkschool é;9406 NN;0106;ASSEN\\n")
    >>> read_duo_vo_schools(path).loc["18BR00", ["board", "gemeentecode", "pc4"]].tolist()
    ['10053', 'GM0106', '9406']
    """
    what = f"DUO vestigingen VO {Path(path).name}"
    frame = read_csv_table(path, what, encoding=encoding)
    vest = find_column(frame, what, "VESTIGINGSNUMMER", "VESTIGINGSCODE", "BRIN6")
    brin = find_column(frame, what, "BRIN NUMMER", "INSTELLINGSCODE", required=False)
    board = find_column(frame, what, "BEVOEGD GEZAG NUMMER", "BEVOEGD GEZAG")
    gm = find_column(frame, what, "GEMEENTENUMMER", "GEMEENTECODE")
    name = find_column(frame, what, "VESTIGINGSNAAM", "NAAM VESTIGING", required=False)
    gname = find_column(frame, what, "GEMEENTENAAM", required=False)
    post = find_column(frame, what, "POSTCODE", required=False)
    codes = frame[vest].astype(str).str.strip().str.upper()
    dup = codes[codes.duplicated()].unique()
    if len(dup):
        raise UnitCodeError(f"{what}: vestiging codes listed more than once: {listing(dup)}")
    out = pd.DataFrame(index=pd.Index(codes.to_numpy(), name="vestiging"))
    out["name"] = frame[name].to_numpy() if name else codes.to_numpy()
    out["brin"] = frame[brin].str.strip().to_numpy() if brin else codes.str[:4].to_numpy()
    out["board"] = frame[board].str.strip().to_numpy()
    numbers = frame[gm].set_axis(codes.to_numpy())
    out["gemeentecode"] = gemeente_code(numbers, what=f"{what}, column {gm!r}").to_numpy()
    out["gemeentenaam"] = frame[gname].to_numpy() if gname else np.nan
    out["pc4"] = _pc4(frame[post]).to_numpy() if post else np.nan
    return out


def read_duo_vo_pupils(
    path: PathLike, *, vavo: bool = True, encoding: str | None = None
) -> pd.DataFrame:
    """Read DUO "leerlingen VO per vestiging naar onderwijstype" as pupils per vestiging.

    Parameters
    ----------
    path : path-like
        The CSV file: one row per vestiging × onderwijstype, with count columns
        ``LEER- OF VERBLIJFSJAAR <k> - MAN`` / ``- VROUW``.
    vavo : bool, default True
        Count the pupils of rows "... uitbest. aan VAVO" (vo pupils of the school placed at
        a VAVO); they are reported in ``pupils_vavo`` either way.
    encoding : str, optional
        Force an encoding.

    Returns
    -------
    DataFrame
        Indexed by ``vestiging`` (BRIN + ``VESTIGINGSNUMMER`` zero-padded to 2); columns
        ``brin``, ``name``, ``plaats``, ``pupils`` (float) and ``pupils_vavo``.

    Raises
    ------
    ColumnError
        A key column is missing, or no count columns (the columns are listed).
    WeightError
        Counts that are not numbers >= 0 (rows named).

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "p.csv")
    >>> with open(path, "w", encoding="cp1252") as fh:
    ...     _ = fh.write("BRIN NUMMER;VESTIGINGSNUMMER;ONDERWIJSTYPE VO EN LEER- OF "
    ...                  "VERBLIJFSJAAR;LEER- OF VERBLIJFSJAAR 1 - MAN;"
    ...                  "LEER- OF VERBLIJFSJAAR 1 - VROUW\\n00AH;0;Brugjaar 1-2;89;105\\n"
    ...                  "00AH;0;VWO uitbest. aan VAVO;1;2\\n")
    >>> read_duo_vo_pupils(path)[["pupils", "pupils_vavo"]].loc["00AH00"].tolist()
    [197.0, 3.0]
    """
    what = f"DUO leerlingen VO {Path(path).name}"
    frame = read_csv_table(path, what, encoding=encoding)
    brin = find_column(frame, what, "BRIN NUMMER", "INSTELLINGSCODE")
    number = find_column(frame, what, "VESTIGINGSNUMMER")
    name = find_column(frame, what, "INSTELLINGSNAAM VESTIGING", "VESTIGINGSNAAM", required=False)
    place = find_column(frame, what, "PLAATSNAAM VESTIGING", "PLAATSNAAM", required=False)
    kind = find_column(frame, what, "ONDERWIJSTYPE VO EN LEER- OF VERBLIJFSJAAR",
                       "ONDERWIJSTYPE VO", required=False)
    counts = [c for c in frame.columns if _COUNT.fullmatch(norm_label(c))]
    if not counts:
        raise ColumnError(
            f"{what}: no count columns 'LEER- OF VERBLIJFSJAAR <k> - MAN/VROUW'; the columns "
            f"are {listing(frame.columns, 40)}"
        )
    key = (frame[brin].str.strip().str.upper()
           + frame[number].astype(str).str.strip().str.zfill(2))
    values = frame[counts].apply(pd.to_numeric, errors="coerce")
    bad = values.isna().any(axis=1) | (values < 0).any(axis=1)
    if bad.any():
        raise WeightError(
            f"{what}: {int(bad.sum())} row(s) have counts that are not numbers >= 0, at "
            f"vestigingen {listing(key[bad].unique())}"
        )
    total = values.sum(axis=1).astype(float)
    is_vavo = (frame[kind].astype(str).str.contains("VAVO", case=False) if kind
               else pd.Series(False, index=frame.index))
    table = pd.DataFrame({
        "vestiging": key.to_numpy(),
        "brin": frame[brin].str.strip().str.upper().to_numpy(),
        "name": frame[name].to_numpy() if name else key.to_numpy(),
        "plaats": frame[place].to_numpy() if place else np.nan,
        "pupils": total.where(~is_vavo | vavo, 0.0).to_numpy(),
        "pupils_vavo": total.where(is_vavo, 0.0).to_numpy(),
    })
    out = table.groupby("vestiging", sort=True).agg(
        brin=("brin", "first"), name=("name", "first"), plaats=("plaats", "first"),
        pupils=("pupils", "sum"), pupils_vavo=("pupils_vavo", "sum"))
    return out


def _pc4(postcodes: pd.Series) -> pd.Series:
    return postcodes.astype("string").str.strip().str.extract(r"^(\d{4})", expand=False)


def _majority(values: pd.Series) -> tuple[str | None, str]:
    """The strict-majority value of ``values`` and a note of the counts."""
    counts = values.value_counts()
    note = ", ".join(f"{c} ({n})" for c, n in counts.items())
    if counts.empty or (len(counts) > 1 and counts.iloc[0] == counts.iloc[1]):
        return None, note
    return str(counts.index[0]), note


def map_gemeenten_2024(
    schools: pd.DataFrame,
    reference: pd.DataFrame,
    known: pd.DataFrame | pd.Index,
    *,
    successors: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map the gemeente codes of older vestigingen to 2024 codes by the rules of the module.

    Parameters
    ----------
    schools : DataFrame
        Vestigingen with ``gemeentecode`` (old code) and ``pc4``
        (:func:`read_duo_vo_schools`); ``name`` is used in the report when present.
    reference : DataFrame
        2024-era DUO PO schools (:func:`~rato_opt.sources.duo.read_duo_schools`), with
        ``gemeentecode`` (2024 codes) and ``POSTCODE`` (or ``pc4``).
    known : GeoDataFrame or Index
        The 2024 units (or their codes): codes among them are ``kept``.
    successors : mapping of str to str, optional
        Old code -> 2024 code chosen by the caller (rule ``given``); e.g. for a gemeente
        whose schools' postcodes have no PO school.

    Returns
    -------
    rows : DataFrame
        ``schools`` with ``gemeentecode_old`` (the input code), ``gemeentecode`` (2024 code,
        missing (NaN) where unmapped), ``rule`` (one of :data:`RULES`) and ``evidence``.
    unmapped : DataFrame
        The unmapped rows: ``vestiging``, ``name``, ``old_code``, ``pc4``, ``reason``.

    Raises
    ------
    ColumnError
        Missing columns.
    UnitCodeError
        A ``successors`` key that exists in 2024, or a value that does not.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"gemeentecode": ["GM0001", "GM0009", "GM0009", "GM0008"],
    ...                   "pc4": ["1000", "2000", "2999", "3999"]}, index=list("abcd"))
    >>> ref = pd.DataFrame({"gemeentecode": ["GM0001", "GM0002", "GM0002"],
    ...                     "POSTCODE": ["1000 AA", "2000 AB", "2000 XY"]})
    >>> rows, unmapped = map_gemeenten_2024(s, ref, pd.Index(["GM0001", "GM0002"]))
    >>> rows["rule"].tolist(), rows["gemeentecode"].fillna("-").tolist()
    (['kept', 'pc4', 'successor', 'unmapped'], ['GM0001', 'GM0002', 'GM0002', '-'])
    >>> unmapped["old_code"].tolist()
    ['GM0008']
    """
    for c in ("gemeentecode", "pc4"):
        if c not in schools.columns:
            raise ColumnError(f"the vestigingen need a {c!r} column (read_duo_vo_schools); got "
                              f"{listing(schools.columns, 30)}")
    if "gemeentecode" not in reference.columns:
        raise ColumnError("the reference PO schools need 'gemeentecode' (read_duo_schools)")
    ref_pc4 = (reference["pc4"] if "pc4" in reference.columns
               else _pc4(reference[find_column(reference, "reference PO schools", "POSTCODE")]))
    codes = unit_codes(known)
    given = {str(k): str(v) for k, v in (successors or {}).items()}
    wrong = sorted(k for k in given if k in codes) + sorted(
        f"{k} -> {v}" for k, v in given.items() if v not in codes)
    if wrong:
        raise UnitCodeError(
            f"successors must map old codes (absent in 2024) to 2024 codes; not so for "
            f"{listing(wrong)}"
        )
    by_pc4 = pd.Series(reference["gemeentecode"].astype(str).to_numpy(),
                       index=ref_pc4.to_numpy())
    by_pc4 = by_pc4[by_pc4.isin(codes) & by_pc4.index.notna()]
    old = schools["gemeentecode"].astype(str)
    new = pd.Series(None, index=schools.index, dtype=object)
    rule = pd.Series("unmapped", index=schools.index, dtype=object)
    evidence = pd.Series("", index=schools.index, dtype=object)
    kept = old.isin(codes)
    new[kept], rule[kept], evidence[kept] = old[kept], "kept", "code exists in 2024"
    for idx in old.index[~kept]:
        o, pc = old[idx], schools.at[idx, "pc4"]
        if o in given:
            new[idx], rule[idx] = given[o], "given"
            evidence[idx] = f"successors[{o!r}] given by the caller"
            continue
        if pd.isna(pc):
            evidence[idx] = "no postcode"
            continue
        if pc not in by_pc4.index:
            evidence[idx] = f"PC4 {pc} has no PO school in the reference file"
            continue
        choice, note = _majority(by_pc4.loc[[pc]])
        if choice is None:
            evidence[idx] = f"PC4 {pc} is a tie between PO schools' gemeenten ({note})"
            continue
        new[idx], rule[idx], evidence[idx] = choice, "pc4", f"PC4 {pc}: PO schools in {note}"
    by_pc4_rule = rule == "pc4"
    for idx in rule.index[rule == "unmapped"]:
        o = old[idx]
        peers = new[by_pc4_rule & (old == o)]
        choice, note = _majority(peers)
        if choice is not None:
            evidence[idx] += f"; other rows of {o} mapped by pc4 to {note}"
            new[idx], rule[idx] = choice, "successor"
        else:
            evidence[idx] += (f"; no other row of {o} was mapped by pc4" if peers.empty
                              else f"; other rows of {o} tie ({note})")
    rows = schools.copy()
    rows["gemeentecode_old"] = old.to_numpy()
    rows["gemeentecode"] = new.to_numpy()
    rows["rule"] = rule.to_numpy()
    rows["evidence"] = evidence.to_numpy()
    lost = rows[rows["rule"] == "unmapped"]
    unmapped = pd.DataFrame({
        "vestiging": lost.index.astype(str),
        "name": lost["name"].to_numpy() if "name" in lost.columns else lost.index.astype(str),
        "old_code": lost["gemeentecode_old"].to_numpy(),
        "pc4": lost["pc4"].to_numpy(),
        "reason": lost["evidence"].to_numpy(),
    })
    return rows, unmapped


@dataclasses.dataclass(frozen=True, eq=False)
class VoSchools:
    """DUO vo vestigingen on 2024 gemeenten, with their pupils and the code mapping.

    Attributes
    ----------
    schools : DataFrame
        Mapped vestigingen (index ``vestiging``): ``name``, ``brin``, ``board``,
        ``gemeentecode`` (2024), ``gemeentecode_old``, ``gemeentenaam`` (old name),
        ``pc4``, ``rule``, ``evidence``, ``pupils`` (NaN: no 2019 count), ``pupils_vavo``.
    mapping : DataFrame
        One row per old code × new code × rule: ``old_code``, ``old_name``, ``new_code``
        (NaN when unmapped), ``rule``, ``rows`` (vestigingen), ``pupils``; every old code
        of the file, the ``kept`` ones included.
    unmapped : DataFrame
        Vestigingen left out: ``vestiging``, ``name``, ``old_code``, ``pc4``, ``reason``
        and ``pupils``.
    unmatched_pupils : DataFrame
        Pupil vestigingen that are not in the vestigingen file (``brin``, ``name``,
        ``plaats``, ``pupils``); their pupils are in no gemeente.
    dating : str
        :data:`VO_DATING`.
    """

    schools: pd.DataFrame
    mapping: pd.DataFrame
    unmapped: pd.DataFrame
    unmatched_pupils: pd.DataFrame
    dating: str = VO_DATING

    def changed(self) -> pd.DataFrame:
        """The rows of :attr:`mapping` whose code does not exist in 2024."""
        return self.mapping[self.mapping["rule"] != "kept"].reset_index(drop=True)

    def pupils_per_unit(self, units: pd.DataFrame | pd.Index, *, column: str = "pupils_vo"
                        ) -> pd.Series:
        """Vo pupils (1 October 2019) summed per 2024 gemeente; 0 where none."""
        counted = self.schools[self.schools["pupils"].notna()]
        return pupils_per_unit(counted, units, column=column)

    def board_layer(self, units: pd.DataFrame | pd.Index, *, name: str = "vo_boards",
                    min_schools: int = 1) -> Layer:
        """Every vo board over the 2024 gemeenten of its 2020 vestigingen.

        Built by :func:`~rato_opt.sources.duo_layers.board_footprint_layer`, as the PO
        ``boards`` layer: the footprint is every mapped 2020 vestiging (also those without a
        2019 count), the membership weights are the board's 2019 vo pupils there (0 where
        its vestigingen there have no count). The layer's ``kind`` is
        :data:`VO_BOARD_KIND` and its collaborations have a ``source`` column holding
        :data:`VO_DATING`.
        """
        pupils = self.schools[self.schools["pupils"].notna()]
        footprint = self.schools.drop(columns=["pupils", "pupils_vavo"])
        layer = board_footprint_layer(footprint, units, min_schools=min_schools, name=name,
                                      pupils=pupils)
        collab = layer.collaborations.assign(source=self.dating)
        return dataclasses.replace(layer, collaborations=collab, kind=VO_BOARD_KIND)


def load_duo_vo(
    schools: PathLike | pd.DataFrame,
    pupils: PathLike | pd.DataFrame,
    reference: pd.DataFrame,
    units: pd.DataFrame | pd.Index,
    *,
    successors: Mapping[str, str] | None = None,
    vavo: bool = True,
) -> VoSchools:
    """Read (or take) the vo vestigingen and pupils, join them, map the codes to 2024.

    Parameters
    ----------
    schools, pupils : path-like or DataFrame
        The files of :func:`read_duo_vo_schools` and :func:`read_duo_vo_pupils` (or their
        tables).
    reference : DataFrame
        2024-era PO schools (:func:`~rato_opt.sources.duo.read_duo_schools`), for the
        ``pc4`` rule.
    units : GeoDataFrame or Index
        The 2024 units.
    successors : mapping, optional
        Old code -> 2024 code (rule ``given``), see :func:`map_gemeenten_2024`.
    vavo : bool, default True
        Count vo pupils placed at a VAVO (see :func:`read_duo_vo_pupils`).

    Returns
    -------
    VoSchools

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"name": ["X", "Y"], "brin": ["01AA", "02BB"], "board": ["7", "7"],
    ...                   "gemeentecode": ["GM0001", "GM0009"], "gemeentenaam": ["A", "Old"],
    ...                   "pc4": ["1000", "2000"]}, index=pd.Index(["01AA00", "02BB00"]))
    >>> p = pd.DataFrame({"pupils": [500.0, 80.0, 9.0], "pupils_vavo": [0.0, 0.0, 0.0]},
    ...                  index=pd.Index(["01AA00", "02BB00", "03CC01"]))
    >>> ref = pd.DataFrame({"gemeentecode": ["GM0002"], "POSTCODE": ["2000 AB"]})
    >>> vo = load_duo_vo(s, p, ref, pd.Index(["GM0001", "GM0002"]))
    >>> vo.pupils_per_unit(pd.Index(["GM0001", "GM0002"])).tolist()
    [500.0, 80.0]
    >>> vo.changed()[["old_code", "new_code", "rule", "rows"]].values.tolist()
    [['GM0009', 'GM0002', 'pc4', 1]]
    >>> vo.unmatched_pupils.index.tolist()
    ['03CC01']
    """
    table = schools if isinstance(schools, pd.DataFrame) else read_duo_vo_schools(schools)
    counts = pupils if isinstance(pupils, pd.DataFrame) else read_duo_vo_pupils(pupils,
                                                                              vavo=vavo)
    if not {"pupils", "pupils_vavo"} <= set(counts.columns):
        raise InputError("the vo pupils table needs 'pupils' and 'pupils_vavo' "
                         "(read_duo_vo_pupils)")
    rows, unmapped = map_gemeenten_2024(table, reference, known=units, successors=successors)
    rows["pupils"] = counts["pupils"].reindex(rows.index).to_numpy(dtype=float)
    rows["pupils_vavo"] = counts["pupils_vavo"].reindex(rows.index).to_numpy(dtype=float)
    unmatched = counts[~counts.index.isin(rows.index)]
    unmapped = unmapped.assign(
        pupils=rows["pupils"].reindex(unmapped["vestiging"]).to_numpy())
    if "gemeentenaam" not in rows.columns:
        rows["gemeentenaam"] = np.nan
    mapping = (
        rows.assign(new_code=rows["gemeentecode"].fillna("-"),
                    pupils=rows["pupils"].fillna(0.0))
        .groupby(["gemeentecode_old", "new_code", "rule"], dropna=False)
        .agg(old_name=("gemeentenaam", "first"), rows=("rule", "size"),
             pupils=("pupils", "sum"))
        .reset_index()
        .rename(columns={"gemeentecode_old": "old_code"})
    )
    mapping["new_code"] = mapping["new_code"].where(mapping["new_code"] != "-")
    mapping = mapping[["old_code", "old_name", "new_code", "rule", "rows", "pupils"]]
    mapped = rows[rows["rule"] != "unmapped"].copy()
    return VoSchools(schools=mapped, mapping=mapping, unmapped=unmapped.reset_index(drop=True),
                     unmatched_pupils=unmatched)
