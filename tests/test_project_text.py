"""User-facing text speaks of the library only, and the version lives in one place."""

import importlib.metadata
import re
from pathlib import Path

import pytest

import skmdn

ROOT = Path(__file__).resolve().parents[1]

#: Internal history that belongs in notes, not in user docs: issue numbers,
#: branches, sessions, commit ids and the planning file of the project.
HISTORY = re.compile(
    r"\bissue[ -]?#?\d+|\bbranch ``|\bsession\b|SEEDS\.md|\bcommit [0-9a-f]{7,40}\b"
    r"|\b[0-9a-f]{7}[0-9a-f]*\b(?=.*\bcommit)",
    re.IGNORECASE,
)


def _user_text_files():
    files = [ROOT / "README.md", ROOT / "CHANGELOG.md"]
    files += sorted((ROOT / "docs").glob("**/*.rst"))
    files += sorted((ROOT / "skmdn").glob("**/*.py"))
    files += sorted((ROOT / "examples").glob("*.py")) + [ROOT / "examples" / "README.rst"]
    skip = ("_build", "auto_examples", "generated")
    return [f for f in files if f.exists() and not any(part in f.parts for part in skip)]


@pytest.mark.parametrize("path", _user_text_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_internal_history_in_user_text(path):
    hits = [
        f"{path.name}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if HISTORY.search(line)
    ]
    assert not hits, "\n".join(hits)


def test_the_history_pattern_catches_what_it_should():
    for text in ("see issue 3", "on branch ``issue-5``", "as SEEDS.md says",
                 "measured at commit 0b75cf8", "an earlier session"):
        assert HISTORY.search(text), text
    for text in ("the branches of the inverse", "mean 1.333", "0x1f", "ISSUES"):
        assert not HISTORY.search(text), text


def test_one_version_source():
    assert skmdn.__version__ == importlib.metadata.version("skmdn")
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject
    assert re.search(r"^version\s*=\s*\"", pyproject, re.MULTILINE) is None  # no literal
    assert f"## [{skmdn.__version__}]" in (ROOT / "CHANGELOG.md").read_text()


def test_readme_warns_about_the_other_skmdn_package():
    readme = (ROOT / "README.md").read_text()
    assert "scikit-mdn" in readme
    for example in sorted((ROOT / "examples").glob("plot_*.py")):
        assert f"examples/{example.name}" in readme, example.name
