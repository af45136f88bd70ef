"""City names for charts and reports: Chinese, pinyin or census code.

Real tables label cities by their census name (``石家庄市``) or ``rest of <province>``; the
crosswalk shipped in ``tables/names/china_cities_pinyin.csv`` (built once from the census codes
and names by ``scripts/build_city_pinyin.py``) gives each census unit its short Chinese name,
its Hanyu Pinyin and its 6-digit code.  Labels that match no census unit (synthetic tables,
foreign tables) are shown unchanged in every style.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from mrio_city._resources import shipped
from mrio_city.model.labels import did_you_mean

__all__ = ["LABEL_STYLES", "city_crosswalk", "city_display_names", "display_names", "shown"]

#: How city names are shown: the table's (Chinese) label, Hanyu Pinyin, or the census code.
LABEL_STYLES = ("zh", "pinyin", "code")
_REST = "rest of "


def city_crosswalk() -> pd.DataFrame:
    """The shipped census-unit name crosswalk, indexed by 6-digit city code (str).

    Columns: name_zh, short_zh, pinyin, province_code, province_zh, province_pinyin.
    """
    path = shipped("tables", "names", "china_cities_pinyin.csv")
    frame = pd.read_csv(path, dtype=str, encoding="utf-8")
    return frame.set_index("city_code")


def city_display_names(table, style: str = "zh") -> pd.Series:
    """Display name of every city of ``table`` in the chosen style.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    style : {'zh', 'pinyin', 'code'}
        ``'zh'``: the table's labels; ``'pinyin'``: Hanyu Pinyin of the census name
        (``'rest of 河北省'`` becomes ``'rest of Hebei'``); ``'code'``: the 6-digit census code.
        A city is matched to the crosswalk by its ``city_code`` attribute when the table has
        one, else by its label (full or short census name); unmatched labels stay as they are.

    Returns
    -------
    Series
        Index: the table's city labels; values: the names to show (str).

    Raises
    ------
    ValueError
        If ``style`` is not one of :data:`LABEL_STYLES`.
    """
    attrs = getattr(table, "city_attributes", None)
    codes = (
        attrs["city_code"].astype("Int64").astype(str).tolist()
        if attrs is not None and "city_code" in attrs.columns
        else None
    )
    shown_names = display_names([str(c) for c in table.cities], style, codes=codes)
    return pd.Series(shown_names.to_numpy(), index=table.cities, dtype=object)


def display_names(
    labels: Sequence[str], style: str = "zh", *, codes: Sequence[str | None] | None = None
) -> pd.Series:
    """Display names of city labels (Chinese census names) in the chosen style.

    The one helper behind every chart, map and report that shows city names: it reads the
    shipped crosswalk (:func:`city_crosswalk`).

    Parameters
    ----------
    labels : sequence of str
        City labels, e.g. ``'石家庄市'`` or ``'rest of 河北省'``.
    style : {'zh', 'pinyin', 'code'}
        See :func:`city_display_names`.
    codes : sequence of str or None, optional
        The 6-digit census code of each label where known (matched first); else a label is
        matched by its full or short census name.

    Returns
    -------
    Series
        Index: the labels; values: the names to show (str).

    Raises
    ------
    ValueError
        If ``style`` is not one of :data:`LABEL_STYLES`.
    """
    if style not in LABEL_STYLES:
        raise ValueError(
            f"city label style {style!r}{did_you_mean(style, LABEL_STYLES)}; choose one of "
            f"{', '.join(LABEL_STYLES)}"
        )
    labels = [str(c) for c in labels]
    if style == "zh":
        return pd.Series(labels, index=labels, dtype=object)
    cw = city_crosswalk()
    by_name = {**dict(zip(cw["short_zh"], cw.index)), **dict(zip(cw["name_zh"], cw.index))}
    short_province = cw["province_zh"].str.replace(r"(省|市|自治区)$", "", regex=True)
    provinces = {
        **dict(zip(cw["province_zh"], cw["province_pinyin"])),
        **dict(zip(short_province, cw["province_pinyin"])),
    }
    codes = list(codes) if codes is not None else [None] * len(labels)
    out, matched = [], []
    for label, code in zip(labels, codes):
        code = code if code in cw.index else by_name.get(label)
        matched.append(code)
        if style == "code":
            out.append(code or label)
        elif code is not None:
            out.append(cw.at[code, "pinyin"])
        elif label.startswith(_REST) and label[len(_REST) :] in provinces:
            out.append(_REST + provinces[label[len(_REST) :]])
        else:
            out.append(label)
    if style == "pinyin":  # Taizhou (Jiangsu) and Taizhou (Zhejiang): name the province
        counts = pd.Series(out).value_counts()
        out = [
            f"{name} ({cw.at[code, 'province_pinyin']})"
            if code is not None and counts[name] > 1
            else name
            for name, code in zip(out, matched)
        ]
    return pd.Series(out, index=labels, dtype=object)


def shown(labels: Iterable[object], names: Mapping[str, str] | None) -> list[str]:
    """``labels`` as shown in a chart: ``names[label]`` where given, else the label itself."""
    names = names or {}
    return [str(names.get(str(label), label)) for label in labels]
