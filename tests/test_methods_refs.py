"""Every "methods §N" the code and documents cite is a section of docs/methods.md."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
METHODS = ROOT / "docs" / "methods.md"
CITE = re.compile(r"methods(?:\.md)? *§ *(\d+(?:\.\d+)?)", re.IGNORECASE)


def _sections() -> set[str]:
    found = set()
    for line in METHODS.read_text(encoding="utf-8").splitlines():
        m = re.match(r"#{2,3} (\d+)(?:\.(\d+))?(?:\s*[–-]\s*\d+\.(\d+))?[. ]", line)
        if not m:
            continue
        major, minor, last = m.groups()
        found.add(major)
        if minor is not None:
            for k in range(int(minor), int(last or minor) + 1):  # "7.2 – 7.4" covers 7.3
                found.add(f"{major}.{k}")
    return found


def _sources():
    for folder in ("mrio_city", "tests", "benchmarks", "scenarios", "docs", "tables", "scripts"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".md", ".toml", ".csv") and path != METHODS:
                yield path
    yield ROOT / "README.md"


def test_cited_sections_exist():
    sections = _sections()
    assert {"1.2", "5.2", "7.3", "11.4", "11.5"} <= sections
    missing = [
        f"{path.relative_to(ROOT)}: §{number}"
        for path in _sources()
        for number in CITE.findall(path.read_text(encoding="utf-8"))
        if number not in sections
    ]
    assert not missing


def test_no_citation_of_a_document_outside_the_repository():
    stale = re.compile(r"\bMETHODS\b")  # not INTERMEDIATE_METHODS and the like
    found = [
        str(path.relative_to(ROOT))
        for path in _sources()
        if path.name != "test_methods_refs.py" and stale.search(path.read_text(encoding="utf-8"))
    ]
    assert not found
