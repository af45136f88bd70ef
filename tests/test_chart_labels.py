"""--labels zh|pinyin|code reaches every chart that names cities (one helper, every command)."""

import pandas as pd
import pytest

from mrio_city.commands.main import main

ZH = ["郑州市", "开封市", "洛阳市", "平顶山市", "广州市", "韶关市", "深圳市", "珠海市"]
PINYIN = ["Zhengzhou", "Kaifeng", "Luoyang", "Pingdingshan", "Guangzhou", "Shaoguan"]
PINYIN += ["Shenzhen", "Zhuhai"]
CODES = ["410100", "410200", "410300", "410400", "440100", "440200", "440300", "440400"]


@pytest.fixture(scope="module")
def chinese_table(tmp_path_factory):
    """A small synthetic table whose cities carry real census names (no city_code column)."""
    from mrio_city.io.folder import write_table
    from mrio_city.sources.synthetic import city_mrio

    table = city_mrio(n_cities=8, n_sectors=8, n_provinces=2)
    attrs = table.city_attributes.copy()
    attrs.index = pd.Index(ZH, name=attrs.index.name)
    table = table.replace(cities=ZH, city_attributes=attrs)
    return write_table(table, tmp_path_factory.mktemp("t") / "t")


@pytest.fixture
def chart_texts(monkeypatch):
    """Every text drawn in every figure saved during the test, by file name."""
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    texts: dict[str, list[str]] = {}
    save = Figure.savefig

    def recording(self, fname, *args, **kwargs):
        name = getattr(fname, "name", str(fname))
        texts[name] = [t.get_text() for t in self.findobj(Text) if t.get_text()]
        return save(self, fname, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", recording)
    return texts


def _commands(table, out):
    scenario = out / "s.toml"
    scenario.write_text(
        '[super_emitter]\nrule = "threshold"\nthreshold = "calibrate"\ncalibrate_count = 3\n'
        '[pathways.p]\nlevers = [{ type = "electricity", cut = 0.5 }]\n'
    )
    return {
        "inequality": ["inequality", table, "--out", out / "i"],
        "indicators": ["indicators", table, "--out", out / "d"],
        "paths": ["paths", table, "--city", ZH[0], "--top", "4", "--out", out / "p"],
        "run": ["run", scenario, "--table", table, "--out", out / "r"],
        "montecarlo": [
            "montecarlo",
            scenario,
            "--table",
            table,
            "--draws",
            "4",
            "--out",
            out / "m",
        ],
    }


@pytest.mark.parametrize("command", ["inequality", "indicators", "paths", "run", "montecarlo"])
def test_labels_reach_every_chart(command, chinese_table, chart_texts, tmp_path, capsys):
    argv = [str(a) for a in _commands(chinese_table, tmp_path)[command]]
    styles = [("pinyin", PINYIN), ("code", CODES)] if command in ("paths", "run") else []
    for style, expected in styles or [("pinyin", PINYIN)]:
        chart_texts.clear()
        assert main([*argv, "--labels", style, "--quiet"]) == 0, capsys.readouterr().err
        drawn = " ".join(t for texts in chart_texts.values() for t in texts)
        assert chart_texts, f"{command} drew no chart"
        others = [n for s, names in (("pinyin", PINYIN), ("code", CODES), ("zh", ZH))
                  if s != style for n in names]  # fmt: skip
        leaked = [n for n in others if n in drawn and not any(n in e for e in expected)]
        assert not leaked, f"{command} --labels {style}: {leaked} drawn"
        assert any(name in drawn for name in expected), f"{command} --labels {style}"


def test_footprints_summary_uses_the_labels(chinese_table, tmp_path, capsys):
    argv = ["footprints", str(chinese_table), "--out", str(tmp_path), "--quiet"]
    assert main([*argv, "--labels", "pinyin"]) == 0
    out = capsys.readouterr().out
    assert "Zhengzhou" in out and "郑州市" not in out.split("top ")[-1]
