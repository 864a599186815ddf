"""Point the whole book at one GitHub repository: `_config.yml`, every setup cell, every Colab badge.

    python scripts/set_repository.py https://github.com/OWNER/REPO [--branch main]

The repository URL lives in `_config.yml` (`repository.url`, `repository.branch`); from it follow the
install line of every notebook's Colab setup cell and the "Open in Colab" link of every chapter (a
markdown cell right after the title cell, inserted when missing). Running it again with the same URL
changes nothing; only the setup cell's source and the badge cell are touched, never stored outputs.
`python scripts/set_repository.py --check` reports what is out of date without writing (exit 1).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "_config.yml"
NOTEBOOKS = ROOT / "notebooks"
GITHUB = re.compile(r"^https://github\.com/(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+?)(\.git)?/?$")
BADGE_ID = "colab-badge"


def parse(url: str) -> tuple[str, str]:
    match = GITHUB.match(url)
    if not match:
        raise SystemExit(f"expected a GitHub repository URL like https://github.com/OWNER/REPO, got "
                         f"{url!r} (Colab opens notebooks from GitHub only)")
    return match["owner"], match["repo"]


def configured() -> tuple[str, str]:
    """`repository.url` and `repository.branch` of `_config.yml`."""
    block = re.search(r"^repository:\n((?:[ \t]+.*\n|\s*\n)+)", CONFIG.read_text(), re.M)
    if not block:
        raise SystemExit("_config.yml has no `repository:` block")
    url = re.search(r"^\s+url:\s*\"?([^\"\s#]+)", block[1], re.M)
    branch = re.search(r"^\s+branch:\s*\"?([^\"\s#]+)", block[1], re.M)
    return url[1], branch[1] if branch else "main"


def setup_source(url: str, branch: str) -> str:
    """The whole setup cell: every line fits the 88-character code column."""
    owner, repo = parse(url)
    return (
        "# Setup: in Colab, install the course helpers; elsewhere this does nothing.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    url = "git+https://github.com/{owner}/{repo}@{branch}"\n'
        '    %pip install -q "cnn-course-helpers[colab] @ {url}"'
    )


def badge_source(url: str, branch: str, notebook: str) -> str:
    owner, repo = parse(url)
    link = f"https://colab.research.google.com/github/{owner}/{repo}/blob/{branch}/notebooks/{notebook}"
    return f"[Open in Colab]({link})"


def is_setup(cell: dict) -> bool:
    return cell["cell_type"] == "code" and "google.colab" in "".join(cell["source"])


def is_badge(cell: dict) -> bool:
    return cell["cell_type"] == "markdown" and (
        cell.get("id") == BADGE_ID or BADGE_ID in cell.get("metadata", {}).get("tags", []))


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def retarget(nb: dict, url: str, branch: str, name: str) -> list[str]:
    """Update `nb` in place; return what changed."""
    changes = []
    setup = [c for c in nb["cells"] if is_setup(c)]
    if not setup:
        raise SystemExit(f"{name}: no Colab setup cell (a code cell testing `google.colab`)")
    if "".join(setup[0]["source"]) != setup_source(url, branch):
        setup[0]["source"] = lines(setup_source(url, branch))
        changes.append("setup cell")
    badge = badge_source(url, branch, name)
    cells = [c for c in nb["cells"] if is_badge(c)]
    if not cells:
        nb["cells"].insert(1, {"cell_type": "markdown", "id": BADGE_ID,
                               "metadata": {"tags": [BADGE_ID]}, "source": lines(badge)})
        changes.append("badge inserted")
    elif "".join(cells[0]["source"]) != badge:
        cells[0]["source"] = lines(badge)
        changes.append("badge")
    return changes


def dump(nb: dict) -> str:
    """The notebook as nbformat writes it (so an unchanged notebook stays byte-identical)."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def set_config(url: str, branch: str) -> bool:
    text = CONFIG.read_text()
    head, block = re.search(r"^(repository:\n)((?:[ \t]+.*\n|\s*\n)+)", text, re.M).group(1, 2)
    new_block = re.sub(r"^(\s+url:\s*)\S+", lambda m: f'{m[1]}"{url}"', block, count=1, flags=re.M)
    new_block = re.sub(r"^(\s+branch:\s*)\S+", lambda m: f"{m[1]}{branch}", new_block, count=1, flags=re.M)
    new = text.replace(head + block, head + new_block, 1)
    if new != text:
        CONFIG.write_text(new)
    return new != text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", help="https://github.com/OWNER/REPO (default: _config.yml's)")
    parser.add_argument("--branch", help="the branch Colab and the setup cells use (default: main, or "
                        "_config.yml's when no URL is given)")
    parser.add_argument("--check", action="store_true", help="report what is out of date, write nothing")
    args = parser.parse_args(argv)
    url, branch = configured()
    if args.url:
        owner, repo = parse(args.url)
        url, branch = f"https://github.com/{owner}/{repo}", args.branch or "main"
    elif args.branch:
        branch = args.branch
    parse(url)
    stale = []
    if not args.check and set_config(url, branch):
        print(f"_config.yml: repository {url} @ {branch}")
    elif args.check and configured() != (url, branch):
        stale.append("_config.yml")
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        text = path.read_text(encoding="utf-8")
        nb = json.loads(text)
        changes = retarget(nb, url, branch, path.name)
        if changes:
            stale.append(path.name)
            print(f"notebooks/{path.name}: {', '.join(changes)}")
            if not args.check:
                path.write_text(dump(nb), encoding="utf-8")
    if not stale:
        print(f"the book already points at {url} @ {branch}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
