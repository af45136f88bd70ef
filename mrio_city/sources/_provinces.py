"""The 31 mainland provinces of China: admin code, Chinese full/short name, English name."""

from __future__ import annotations

import pandas as pd

# (code, full Chinese name as in the census file, short Chinese name, English name)
PROVINCES: tuple[tuple[str, str, str, str], ...] = (
    ("110000", "北京市", "北京", "Beijing"),
    ("120000", "天津市", "天津", "Tianjin"),
    ("130000", "河北省", "河北", "Hebei"),
    ("140000", "山西省", "山西", "Shanxi"),
    ("150000", "内蒙古自治区", "内蒙古", "Inner Mongolia"),
    ("210000", "辽宁省", "辽宁", "Liaoning"),
    ("220000", "吉林省", "吉林", "Jilin"),
    ("230000", "黑龙江省", "黑龙江", "Heilongjiang"),
    ("310000", "上海市", "上海", "Shanghai"),
    ("320000", "江苏省", "江苏", "Jiangsu"),
    ("330000", "浙江省", "浙江", "Zhejiang"),
    ("340000", "安徽省", "安徽", "Anhui"),
    ("350000", "福建省", "福建", "Fujian"),
    ("360000", "江西省", "江西", "Jiangxi"),
    ("370000", "山东省", "山东", "Shandong"),
    ("410000", "河南省", "河南", "Henan"),
    ("420000", "湖北省", "湖北", "Hubei"),
    ("430000", "湖南省", "湖南", "Hunan"),
    ("440000", "广东省", "广东", "Guangdong"),
    ("450000", "广西壮族自治区", "广西", "Guangxi"),
    ("460000", "海南省", "海南", "Hainan"),
    ("500000", "重庆市", "重庆", "Chongqing"),
    ("510000", "四川省", "四川", "Sichuan"),
    ("520000", "贵州省", "贵州", "Guizhou"),
    ("530000", "云南省", "云南", "Yunnan"),
    ("540000", "西藏自治区", "西藏", "Tibet"),
    ("610000", "陕西省", "陕西", "Shaanxi"),
    ("620000", "甘肃省", "甘肃", "Gansu"),
    ("630000", "青海省", "青海", "Qinghai"),
    ("640000", "宁夏回族自治区", "宁夏", "Ningxia"),
    ("650000", "新疆维吾尔自治区", "新疆", "Xinjiang"),
)


def province_table() -> pd.DataFrame:
    """Return the province table with columns province_code, province, province_short, en."""
    return pd.DataFrame(
        list(PROVINCES), columns=["province_code", "province", "province_short", "province_en"]
    )


BY_ZH = {p[1]: p for p in PROVINCES}
BY_SHORT = {p[2]: p for p in PROVINCES}
BY_EN = {p[3]: p for p in PROVINCES}
# CEADs sheet names drop the space: 'InnerMongolia2012'.
BY_EN_NOSPACE = {p[3].replace(" ", "").lower(): p for p in PROVINCES}
