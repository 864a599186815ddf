"""Execute the book's notebooks: refresh their stored outputs (`make execute`) or benchmark them (`make bench`).

Notebooks run the way nbval runs them in `make test`: the python3 kernel, the notebook's folder as the
working directory, the same environment. Stored outputs lose stderr streams (TensorFlow's start-up log,
which readers should not see and nbval does not compare).

    python scripts/run_notebooks.py execute [NOTEBOOK ...]   # re-run in place, save outputs
    python scripts/run_notebooks.py bench [NOTEBOOK ...]     # run notebooks, write the report
    python scripts/run_notebooks.py execute --record [NOTEBOOK ...]  # both, from one run
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
RESULTS = ROOT / "benchmarks" / "results.json"
REPORT = ROOT / "book" / "execution_report.md"
INTRO = ROOT / "book" / "intro.md"
TIMEOUT = 900  # seconds per cell


def toc_notebooks() -> list[Path]:
    """The notebooks in the order `_toc.yml` lists them."""
    text = (ROOT / "_toc.yml").read_text()
    return [ROOT / f"{m}.ipynb" for m in re.findall(r"file:\s*(notebooks/\S+)", text)]


def _cell_seconds(cell: nbformat.NotebookNode) -> float:
    """Wall time of one executed cell from nbclient's timing metadata (0 when it is missing)."""
    timing = cell.metadata.get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    parse = lambda t: dt.datetime.fromisoformat(t.replace("Z", "+00:00"))  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()


def execute(path: Path) -> tuple[nbformat.NotebookNode, float]:
    """Run one notebook top to bottom; return it with stderr removed, and its wall time in seconds.

    The five slowest cells are printed (their timing metadata is not kept in the notebook)."""
    nb = nbformat.read(path, as_version=4)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    client = NotebookClient(
        nb, kernel_name="python3", timeout=TIMEOUT, record_timing=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    timed = sorted(((_cell_seconds(c), i) for i, c in enumerate(nb.cells) if c.cell_type == "code"),
                   reverse=True)
    print(f"{path.name}: slowest cells " + ", ".join(f"[{i}] {t:.0f} s" for t, i in timed[:5]), flush=True)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs
                            if not (o.output_type == "stream" and o.name == "stderr")]
    return nb, seconds


def cmd_execute(paths: list[Path], record: bool = False) -> None:
    """Re-run `paths` in place; with `record`, the run is also the benchmark's entry (one run, not two)."""
    if record:
        cmd_bench(paths, save=True)
        return
    for path in paths:
        nb, seconds = execute(path)
        nbformat.write(nb, path)
        print(f"{path.relative_to(ROOT)}: executed in {seconds:.0f} s", flush=True)


def _title(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0].source.splitlines()[0]
    return first.lstrip("# ").strip()


def cmd_bench(paths: list[Path], save: bool = False) -> None:
    """Benchmark `paths` (default: every notebook); with a subset, the other entries are kept.

    With `save`, each executed notebook is written back with its fresh outputs."""
    results = {"notebooks": {}}
    if paths and RESULTS.exists():
        results = json.loads(RESULTS.read_text())
    results.update({
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU cores",
    })
    for path in paths or toc_notebooks():
        with tempfile.TemporaryDirectory() as tmp:
            metrics_file = Path(tmp) / "metrics.json"
            os.environ["CNN_COURSE_BENCH_FILE"] = str(metrics_file)
            try:
                nb, seconds = execute(path)
            finally:
                del os.environ["CNN_COURSE_BENCH_FILE"]
            metrics = json.loads(metrics_file.read_text()) if metrics_file.exists() else {}
        if save:
            nbformat.write(nb, path)
        results["notebooks"][path.stem] = {
            "title": _title(path), "seconds": round(seconds, 1), "metrics": metrics,
            "date": dt.date.today().isoformat(),
        }
        print(f"{path.stem}: {seconds:.0f} s, {len(metrics)} metrics", flush=True)
    order = [p.stem for p in toc_notebooks()]
    results["notebooks"] = {k: results["notebooks"][k] for k in order if k in results["notebooks"]}
    results["total_seconds"] = round(sum(nb["seconds"] for nb in results["notebooks"].values()), 1)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    write_report(results)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def write_report(results: dict) -> None:
    """Write the "Execution report" page and the chapter-time table on the front page."""
    def measured(nb: dict) -> str:  # entries written before per-chapter dates carry the run's date
        return nb.get("date", results["date"])

    rows = [
        f"| [{nb['title']}](../notebooks/{stem}.ipynb) | {nb['seconds'] / 60:.1f} min | {measured(nb)} | "
        + ("<br>".join(f"{k} = {_fmt(v)}" for k, v in nb["metrics"].items()) or "-") + " |"
        for stem, nb in results["notebooks"].items()
    ]
    dates = sorted({measured(nb) for nb in results["notebooks"].values()})
    when = dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]} (each chapter's date is in the table)"
    REPORT.write_text(
        "# Execution report\n\n"
        "`make bench` executes every chapter top to bottom and records its wall time and the key numbers "
        "it reports. This page is written by that run (`scripts/run_notebooks.py`, results in "
        "`benchmarks/results.json`); nothing here is typed by hand.\n\n"
        f"- Run on {when}, {results['machine']}, no GPU.\n"
        f"- Whole book: {results['total_seconds'] / 60:.1f} minutes (the sum of the chapter times).\n\n"
        "| chapter | wall time | measured | key results |\n|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )
    times = "\n".join(
        f"| [{nb['title']}](../notebooks/{stem}.ipynb) | "
        + ("under 1 min" if nb["seconds"] < 60 else f"{nb['seconds'] / 60:.0f} min") + " |"
        for stem, nb in results["notebooks"].items()
    )
    block = ("<!-- chapter-times: written by `make bench` -->\n"
             "| chapter | time to execute on a 2-core CPU |\n|---|---|\n" + times +
             "\n<!-- /chapter-times -->")
    intro = INTRO.read_text()
    intro = re.sub(r"<!-- chapter-times.*?<!-- /chapter-times -->", lambda _: block, intro, flags=re.S)
    INTRO.write_text(intro)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["execute", "bench"])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook in _toc.yml")
    parser.add_argument("--record", action="store_true",
                        help="execute: also record the run as the benchmark's entry for each notebook")
    args = parser.parse_intermixed_args(argv)  # `execute --record NOTEBOOK` as well as `execute NOTEBOOK --record`
    if args.command == "execute":
        cmd_execute([p.resolve() for p in args.notebooks] or toc_notebooks(), record=args.record)
    else:
        cmd_bench([p.resolve() for p in args.notebooks])
    return 0


if __name__ == "__main__":
    sys.exit(main())
