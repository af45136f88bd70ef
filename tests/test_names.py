"""City display names: Chinese, pinyin (from the shipped crosswalk) or census code."""

from types import SimpleNamespace

import pandas as pd
import pytest

from mrio_city.model.names import city_crosswalk, city_display_names


def _table(labels, codes=None):
    attrs = None if codes is None else pd.DataFrame({"city_code": codes}, index=labels)
    return SimpleNamespace(cities=pd.Index(labels), city_attributes=attrs)


def test_crosswalk_covers_every_census_unit_once():
    cw = city_crosswalk()
    assert len(cw) == 369 and cw.index.is_unique
    assert cw.loc["110100", "pinyin"] == "Beijing"
    assert cw.loc["610100", "pinyin"] == "Xi'an"  # apostrophe before a vowel syllable
    assert cw.loc["141100", "pinyin"] == "Lüliang"
    assert cw.loc["411100", "pinyin"] == "Luohe"  # polyphone corrected
    assert cw.loc["650500", "short_zh"] == "哈密" and cw.loc["652900", "pinyin"] == "Akesu"
    assert cw.loc["522600", "short_zh"] == "黔东南"  # ethnic designation removed
    assert not cw["pinyin"].str.contains(r"[\u4e00-\u9fff]").any()


def test_styles_by_label_and_by_code():
    table = _table(["石家庄市", "西安", "rest of 河北省", "Synthetic City 7"])
    assert list(city_display_names(table, "zh")) == list(table.cities)
    assert list(city_display_names(table, "pinyin")) == [
        "Shijiazhuang",
        "Xi'an",
        "rest of Hebei",
        "Synthetic City 7",
    ]
    assert list(city_display_names(table, "code")) == [
        "130100",
        "610100",
        "rest of 河北省",
        "Synthetic City 7",
    ]
    by_code = _table(["A", "B"], codes=[320100, 999999])
    assert list(city_display_names(by_code, "pinyin")) == ["Nanjing", "B"]


def test_same_pinyin_gets_the_province():
    table = _table(["泰州市", "台州市", "南京市"])
    assert list(city_display_names(table, "pinyin")) == [
        "Taizhou (Jiangsu)",
        "Taizhou (Zhejiang)",
        "Nanjing",
    ]


def test_unknown_style_suggests():
    with pytest.raises(ValueError, match="did you mean 'pinyin'"):
        city_display_names(_table(["A"]), "pinyn")
