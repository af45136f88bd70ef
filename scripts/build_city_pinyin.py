"""Build tables/names/china_cities_pinyin.csv: pinyin names of the census prefecture units.

Run once by a maintainer (pypinyin is needed here only, not at run time):

    python -m venv /tmp/pinyin && /tmp/pinyin/bin/pip install pypinyin==0.55.0
    /tmp/pinyin/bin/python scripts/build_city_pinyin.py ../shared/data/real

Input: china-census-cities/census_city_2010-2020_centroids.csv (city, city_code, province,
province_code; 369 units).  Output columns: city_code, name_zh (census name), short_zh (name
without the administrative suffix and ethnic designation), pinyin (short name in Hanyu
Pinyin, capitalised, syllables joined, an apostrophe before a syllable starting with a, o or
e, as in Xi'an; ü written ü, as in Lüliang), province_code, province_zh, province_pinyin.  Polyphonic characters that
pypinyin reads wrongly in place names are corrected by OVERRIDES (checked by hand).
"""

import csv
import re
import sys
from pathlib import Path

from pypinyin import lazy_pinyin

#: Readings pypinyin gets wrong in these place names (checked by hand against the official
#: romanisation), and Shaanxi, whose official spelling tells it apart from Shanxi.
OVERRIDES = {"漯河": "Luohe", "朝阳": "Chaoyang", "长治": "Changzhi", "陕西": "Shaanxi"}
#: Characters with one reading in every place name here (勒 le: Aletai, Xilinguole, Kezilesu).
CHARACTERS = {"勒": "le"}
ETHNIC = (
    "朝鲜族 土家族 苗族 黎族 藏族 羌族 彝族 布依族 侗族 哈尼族 壮族 傣族 景颇族 白族 傈僳族 "
    "回族 蒙古族 蒙古 柯尔克孜 哈萨克 土族 撒拉族 东乡族 保安族 纳西族 怒族 独龙族 普米族"
).split()
SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州",
            "自治县", "地区", "林区", "省", "市", "盟", "县")


def short_name(name: str) -> str:
    """Name without its administrative suffix and ethnic designations."""
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            name = name[: -len(suffix)]
            break
    changed = True
    while changed:
        changed = False
        for group in sorted(ETHNIC, key=len, reverse=True):
            if name.endswith(group) and len(name) > len(group) + 1:
                name, changed = name[: -len(group)], True
    return name


def to_pinyin(short: str) -> str:
    """Hanyu Pinyin of a short place name, capitalised, with syllable apostrophes."""
    if short in OVERRIDES:
        return OVERRIDES[short]
    syllables = lazy_pinyin(short, errors="ignore", v_to_u=True)
    syllables = [CHARACTERS.get(ch, syl) for ch, syl in zip(short, syllables)]
    out = ""
    for i, syl in enumerate(syllables):
        out += ("'" if i and syl[0] in "aoe" else "") + syl
    return out[:1].upper() + out[1:]


def main(data_dir: str) -> None:
    source = Path(data_dir) / "china-census-cities" / "census_city_2010-2020_centroids.csv"
    with source.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    target = Path(__file__).resolve().parents[1] / "tables" / "names" / "china_cities_pinyin.csv"
    with target.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["city_code", "name_zh", "short_zh", "pinyin", "province_code",
                    "province_zh", "province_pinyin"])
        for r in sorted(rows, key=lambda r: int(r["city_code"])):
            short, prov = short_name(r["city"]), short_name(r["province"])
            w.writerow([r["city_code"], r["city"], short, to_pinyin(short), r["province_code"],
                        r["province"], to_pinyin(prov)])
    print(f"wrote {target} ({len(rows)} units) from {source}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/real")
