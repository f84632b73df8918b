"""Loaders: CBS, DUO and PDOK files, the real 2024 map and the synthetic country."""

from __future__ import annotations

from .cbs import (
    cbs_gemeenten_from_frame,
    read_cbs_gemeenten,
    read_cbs_kerncijfers,
)
from .data import (
    ENV_VAR,
    data_dir,
    data_file,
)
from .duo import (
    pupils_per_unit,
    read_duo_pupils,
    read_duo_schools,
)
from .duo_layers import (
    board_footprint_layer,
    region_code_layer,
)
from .duo_vo import VoSchools, load_duo_vo, read_duo_vo_pupils, read_duo_vo_schools
from .links import read_water_links
from .nl2024 import (
    FILES,
    LAYERS,
    NL_2024_CREDIT,
    NL_2024_NAME,
    load_nl_2024,
    load_nl_vo,
)
from .nl2024_fine import BIG_FOUR, load_nl_2024_mixed, load_nl_2024_wijken
from .pdok import (
    CACHE_ENV_VAR,
    COLLECTION,
    PDOK_OGC_API,
    PDOK_WFS,
    FetchError,
    cache_dir,
    cache_path,
    fetch_cbs_gemeenten,
    fetch_pages,
    http_get,
    merge_pages,
    next_link,
    ogc_items_url,
    parse_collection,
    wfs_url,
)
from .regions import (
    amr_layer,
    province_layer,
    read_arbeidsmarktregio,
    read_provinces,
)
from .synthetic import (
    LAYER_KINDS,
    load_default,
    make_country,
    synthetic_overlays,
)
from .synthetic_proposals import synthetic_proposals
from .tables import gemeente_code
from .wijken import (
    AdjacencyCheck,
    WijkMap,
    check_against_gemeenten,
    read_cbs_wijken,
)

__all__ = [
    "ENV_VAR",
    "data_dir",
    "data_file",
    "read_cbs_gemeenten",
    "cbs_gemeenten_from_frame",
    "read_cbs_kerncijfers",
    "read_duo_schools",
    "read_duo_pupils",
    "pupils_per_unit",
    "board_footprint_layer",
    "region_code_layer",
    "read_arbeidsmarktregio",
    "amr_layer",
    "read_provinces",
    "province_layer",
    "read_water_links",
    "gemeente_code",
    "FILES",
    "LAYERS",
    "NL_2024_NAME",
    "NL_2024_CREDIT",
    "load_nl_2024",
    "CACHE_ENV_VAR",
    "PDOK_OGC_API",
    "PDOK_WFS",
    "COLLECTION",
    "FetchError",
    "cache_dir",
    "cache_path",
    "http_get",
    "ogc_items_url",
    "wfs_url",
    "next_link",
    "fetch_pages",
    "merge_pages",
    "parse_collection",
    "fetch_cbs_gemeenten",
    "make_country",
    "synthetic_overlays",
    "load_default",
    "LAYER_KINDS",
    "read_cbs_wijken",
    "check_against_gemeenten",
    "WijkMap",
    "AdjacencyCheck",
    "VoSchools",
    "load_duo_vo",
    "read_duo_vo_schools",
    "read_duo_vo_pupils",
    "load_nl_vo",
    "load_nl_2024_wijken",
    "load_nl_2024_mixed",
    "BIG_FOUR",
    "synthetic_proposals",
]
