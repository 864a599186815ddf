"""The GitHub Actions workflow that tests and publishes the book (.github/workflows/book.yml).

Two maintained linters from PyPI (requirements.txt): zizmor, the static analyser for GitHub Actions
(template injection, credential leaks, excessive permissions, ...), and check-jsonschema with the
GitHub-workflow schema it ships (unknown keys, wrong types, misspelt events). Each is first shown to
catch a broken workflow, so a linter that silently checks nothing fails here too.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"
# A job that runs an issue title as shell code (zizmor: template-injection)...
INJECTION = """on: issues
permissions: {}
jobs:
  greet:
    runs-on: ubuntu-24.04
    steps:
      - run: echo "${{ github.event.issue.title }}"
"""
# ... and one with a misspelt key (the schema: `runs-onn` is not a job key).
MISSPELT = INJECTION.replace("runs-on:", "runs-onn:").replace("github.event.issue.title", "github.sha")


def zizmor(path: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("zizmor")
    exe = str(exe) if exe.exists() else shutil.which("zizmor")
    if exe is None:
        pytest.skip("zizmor is not installed: `pip install -r requirements.txt` (it is a PyPI wheel)")
    return subprocess.run([exe, "--offline", "--no-progress", str(path)], capture_output=True, text=True)


def schema_check(path: Path) -> subprocess.CompletedProcess:
    if importlib.util.find_spec("check_jsonschema") is None:
        pytest.skip("check-jsonschema is not installed: `pip install -r requirements.txt`")
    cmd = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows"]
    return subprocess.run([*cmd, str(path)], capture_output=True, text=True)


@pytest.mark.parametrize("lint, broken, finding", [(zizmor, INJECTION, "template-injection"),
                                                   (schema_check, MISSPELT, "runs-onn")],
                         ids=["zizmor", "check-jsonschema"])
def test_the_linters_catch_a_broken_workflow(lint, broken, finding, tmp_path):
    path = tmp_path / "broken.yml"
    path.write_text(broken)
    result = lint(path)
    assert result.returncode != 0 and finding in result.stdout + result.stderr, \
        result.stdout + result.stderr


@pytest.mark.parametrize("lint", [zizmor, schema_check], ids=["zizmor", "check-jsonschema"])
def test_the_workflow_passes_the_linters(lint):
    result = lint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_action_is_pinned_to_a_commit_with_its_version_beside_it():
    uses = re.findall(r"^\s*(?:-\s*)?uses:\s*(\S+)(.*)$", WORKFLOW.read_text(), re.M)
    assert uses
    for action, rest in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", action), f"{action}: not a full commit SHA"
        assert re.search(r"#\s*v\d+\.\d+\.\d+\b", rest), f"{action}: no `# vX.Y.Z` comment"


def test_the_workflow_tests_then_deploys_the_built_site_from_main_only():
    text = WORKFLOW.read_text()
    assert re.search(r"run:\s*make test\b", text)
    assert re.search(r"path:\s*_build/html\b", text)
    deploy = text[text.index("  deploy:"):]
    assert "needs: test" in deploy and "actions/deploy-pages@" in deploy
    assert "github.ref == 'refs/heads/main'" in deploy and "github.event_name == 'push'" in deploy
    assert "pages: write" in deploy and "id-token: write" in deploy
