"""Smoke test of the benchmark suite (``python -m benchmarks --smoke``) and its safeguards."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _bench(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    proc = _bench("--smoke", "--quiet", "--out", str(out))
    return proc, out


def test_smoke_run_passes_and_writes_outputs(smoke):
    proc, out = smoke
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = (out / "history.jsonl").read_text().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record == json.loads((out / "latest.json").read_text())
    for key in ("commit", "dirty", "date", "machine", "cases", "targets", "table_source"):
        assert key in record
    m = record["machine"]
    assert m["cores"] >= 1 and m["memory_bytes"] > 0
    assert set(m["env"]) >= {
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "OPENBLAS_CORETYPE",
    }
    assert any(t["user_api"] == "blas" for t in m["threadpools"])
    cases = {c["id"]: c for c in record["cases"]}
    # every operation of ours and both dense baselines ran and were checked against the
    # dense reference; pymrio ran on the tiny table only
    for cid in (
        "factorize/tiny-5x6/block",
        "multipliers/12x10/sparse",
        "accounts/12x10/block",
        "accounts/12x10/dense",
        "scenario/12x10/block",
        "accounts/12x10/numpy_inv",
        "accounts/12x10/scipy_lu",
        "accounts/tiny-5x6/pymrio",
        "scenario/tiny-5x6/pymrio",
        "solver_choice/12x10/block_polynomial",
        "solver_choice/12x10/neumann",
        "solver_choice/12x10/gmres",
    ):
        c = cases[cid]
        assert c["status"] == "ok", (cid, c.get("reason"))
        assert c["check"]["kind"] == "dense-reference"
        assert 0 <= c["check"]["max_rel_error"] <= 1e-6
        assert len(c["times"]) == 3
        assert c["time_min"] <= c["time_median"] <= c["time_max"]
        assert c["peak_memory_bytes"] > 10 * 2**20
    assert cases["accounts/12x10/pymrio"]["status"] == "skipped"
    assert "smoke" in cases["accounts/12x10/pymrio"]["reason"]
    # ratios are taken within the run, against the same operation's baseline
    r = cases["accounts/tiny-5x6/block"]["ratios"]
    assert set(r) == {"pymrio", "numpy_inv", "scipy_lu"}
    assert r["pymrio"]["against"] == "accounts/tiny-5x6/pymrio"
    expected = (
        cases["accounts/tiny-5x6/block"]["time_median"]
        / cases["accounts/tiny-5x6/pymrio"]["time_median"]
    )
    assert r["pymrio"]["time"] == pytest.approx(expected)


def test_markdown_and_chart(smoke):
    _, out = smoke
    md = (out / "latest.md").read_text()
    assert "## Targets" in md and "## 12x10 (120 nodes)" in md
    assert "| accounts | block |" in md
    png = (out / "scaling.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_wrong_fast_answer_fails(tmp_path):
    proc = _bench(
        "--smoke",
        "--quiet",
        "--sizes",
        "tiny-5x6",
        "--only",
        "accounts/tiny-5x6/b",
        "scenario/tiny-5x6/dense",
        "--inject-error",
        "accounts/tiny-5x6/block",
        "1e-3",
        "--out",
        str(tmp_path),
        "--no-chart",
    )
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    record = json.loads((tmp_path / "latest.json").read_text())
    cases = {c["id"]: c for c in record["cases"]}
    bad = cases["accounts/tiny-5x6/block"]
    assert bad["status"] == "failed"
    assert bad["check"]["passed"] is False
    assert bad["check"]["errors"]["consumption_based"] == pytest.approx(1e-3, rel=1e-3)
    assert "consumption_based" in bad["reason"]
    assert "ratios" not in bad or not bad["ratios"]  # a failed case's timing does not count
    assert cases["scenario/tiny-5x6/dense"]["status"] == "ok"
    assert "accounts/tiny-5x6/block" in proc.stderr


def _ran_case(operation: str, size: str, method: str):
    """A benchmark case after its setup and one untimed run, ready to be checked."""
    from benchmarks.cases import make_case

    case = make_case(operation, size, method)
    case.setup()
    case.reset()
    case.run()
    return case


def test_identity_check_without_reference_catches_wrong_answer():
    """County-scale sizes have no dense reference: the identities must still catch errors."""
    case = _ran_case("accounts", "tiny-5x6", "block")
    good = case.check(None)
    assert good["kind"] == "identities+residual" and good["passed"], good
    assert good["errors"]["residual_forward"] < 1e-9
    assert good["errors"]["multipliers_dot_demand_eq_sum_cbf"] < 1e-9
    case.inject_error = 1e-4
    bad = case.check(None)
    assert not bad["passed"]
    assert bad["errors"]["cbf_eq_pbf_minus_eee_plus_eei"] > 1e-6


@pytest.mark.parametrize("method", ["block", "block_totals"])
def test_scenario_identities_without_reference(method):
    """The county scenario cases are checked by identities too, totals-only included."""
    case = _ran_case("scenario", "tiny-5x6", method)
    good = case.check(None)
    assert good["kind"] == "identities+residual" and good["passed"], good
    assert good["errors"]["sum_cbf_plus_abroad_eq_sum_pbf"] < 1e-9
    case.inject_error = 1e-4
    bad = case.check(None)
    assert not bad["passed"]
    assert bad["errors"]["sum_cbf_plus_abroad_eq_sum_pbf"] > 1e-6


def _record(commit, t, mem=100 * 2**20, status="ok"):
    case = {
        "id": "accounts/309x42/block",
        "status": status,
        "time_median": t,
        "peak_memory_bytes": mem,
        "ratios": {"scipy_lu": {"time": t / 2.0}},
    }
    return {"commit": commit, "date": "2026-01-01", "cases": [case]}


def test_compare_flags_regressions(tmp_path):
    a, b, c = _record("aaa111", 1.0), _record("bbb222", 1.25), _record("ccc333", 1.05)
    for name, rec in (("a.json", a), ("b.json", b), ("c.json", c)):
        (tmp_path / name).write_text(json.dumps(rec))
    slow = _bench("compare", str(tmp_path / "a.json"), str(tmp_path / "b.json"))
    assert slow.returncode == 1 and "REGRESSION accounts/309x42/block" in slow.stdout
    ok = _bench("compare", str(tmp_path / "a.json"), str(tmp_path / "c.json"))
    assert ok.returncode == 0, ok.stdout
    assert (
        _bench(
            "compare", str(tmp_path / "a.json"), str(tmp_path / "c.json"), "--threshold", "1.02"
        ).returncode
        == 1
    )
    # by commit from a history file; a case that stopped passing is a regression
    hist = tmp_path / "history.jsonl"
    hist.write_text("\n".join(json.dumps(r) for r in (a, _record("ddd444", 0.5, status="failed"))))
    failed = _bench("compare", "aaa", "ddd", "--history", str(hist))
    assert failed.returncode == 1 and "now failed" in failed.stdout
    missing = _bench("compare", "zzz", "aaa", "--history", str(hist))
    assert missing.returncode == 2 and "zzz" in missing.stderr


def test_report_merges_runs_of_one_commit(tmp_path):
    a = {**_record("aaa111", 1.0), "sizes": {}, "machine": {}, "suite": "full"}
    b = {**_record("aaa111", 2.0), "sizes": {}, "machine": {}, "suite": "full"}
    b["cases"][0]["id"] = "scenario/309x42/block"
    b["cases"][0]["operation"] = "scenario"
    for rec in (a, b):
        rec["cases"][0].update(
            operation=rec["cases"][0]["id"].split("/")[0],
            size="309x42",
            method="block",
            n_nodes=12978,
        )
    (tmp_path / "a.json").write_text(json.dumps(a))
    (tmp_path / "b.json").write_text(json.dumps(b))
    out = tmp_path / "out"
    proc = _bench("report", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    merged = json.loads((out / "latest.json").read_text())
    assert {c["id"] for c in merged["cases"]} == {"accounts/309x42/block", "scenario/309x42/block"}
    assert len(merged["parts"]) == 2 and not (out / "history.jsonl").exists()
    other = {**b, "commit": "bbb222"}
    (tmp_path / "c.json").write_text(json.dumps(other))
    bad = _bench("report", str(tmp_path / "a.json"), str(tmp_path / "c.json"), "--out", str(out))
    assert bad.returncode == 2 and "different commits" in bad.stderr
