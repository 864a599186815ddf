"""`make test-colab`: the course in a copy of Google Colab's runtime.

What a reader gets in Colab is Colab's preinstalled packages plus what the notebook's first cell installs.
This script rebuilds that situation locally and checks every chapter in it:

1. a virtual environment (default `.venv-colab`) with Colab's Python, 3.13 (from pyenv where available),
   holding the packages of requirements.txt that Colab ships, at the versions of Colab's published package
   list (`tests/colab/pip-freeze.txt`), and nothing else; the rest of that list constrains the versions
   of whatever they pull in, as in Colab, where those packages are already installed;
2. `helpers` installed the way the setup cell installs it, but from a `git+file://` URL of this checkout
   at its HEAD commit, so what is tested is the committed tree;
3. every notebook: each import in its code cells resolves, and so does every library attribute it names
   (`keras.layers.RandomShear`) and every keyword it passes to a library function;
4. every chapter that runs in under a minute (`benchmarks/results.json`) executed top to bottom, in an
   empty folder as in Colab (errors fail; outputs are not compared);
5. a report: each notebook with "imports resolve" and whether it was executed.

    python3 scripts/test_colab.py [--venv DIR] [--rebuild] [--max-seconds 60] [NOTEBOOK ...]

Only the standard library is needed to start it; the checks themselves run inside the Colab environment
(this same file, called with `probe` or `execute`). The data comes from $CNN_COURSE_DATA and
$KERAS_HOME when they are set (CI points them at its mirror), else from the official URLs.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FREEZE = ROOT / "tests" / "colab" / "pip-freeze.txt"
RESULTS = ROOT / "benchmarks" / "results.json"
COLAB_PYTHON = "3.13"
GITHUB_URL = re.compile(r"git\+https://github\.com/[\w.-]+/[\w.-]+@[\w./-]+")
CELL_TIMEOUT = 600


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# ---------------------------------------------------------------------------------------------------
# Part 1: the orchestrator (any Python 3.10+, standard library only)
# ---------------------------------------------------------------------------------------------------

def colab_pins(freeze: Path = FREEZE) -> dict[str, str]:
    """Colab's `name==version` lines, keyed by normalised name (URL-installed packages are skipped)."""
    pins = {}
    for line in freeze.read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line and " @ " not in line:
            name, version = line.split("==", 1)
            pins[normalise(name)] = f"{name.strip()}=={version.strip()}"
    return pins


def requirement_names() -> list[str]:
    names = []
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        spec = line.split("#")[0].strip()
        if spec:
            names.append(normalise(re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0]))
    return names


def find_python() -> tuple[str, str]:
    """Colab's Python (3.13): $COLAB_PYTHON, else pyenv's (installed if missing), else python3.13."""
    if os.environ.get("COLAB_PYTHON"):
        return os.environ["COLAB_PYTHON"], "from $COLAB_PYTHON"
    pyenv = shutil.which("pyenv") or str(Path.home() / ".pyenv" / "bin" / "pyenv")
    if Path(pyenv).exists():
        def latest() -> str:
            r = subprocess.run([pyenv, "latest", COLAB_PYTHON], capture_output=True, text=True)
            return r.stdout.strip() if r.returncode == 0 else ""
        if not latest():
            print(f"pyenv has no Python {COLAB_PYTHON}: `pyenv install -s {COLAB_PYTHON}`", flush=True)
            subprocess.run([pyenv, "install", "-s", COLAB_PYTHON])
        if version := latest():
            prefix = subprocess.run([pyenv, "prefix", version], capture_output=True, text=True)
            python = Path(prefix.stdout.strip()) / "bin" / "python3"
            if python.exists():
                return str(python), f"pyenv {version}"
    if found := shutil.which(f"python{COLAB_PYTHON}"):
        return found, "from PATH"
    return sys.executable, "FALLBACK"


def run(cmd: list[str], **kw) -> None:
    print("$", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run(cmd, check=True, **kw)


def build_venv(venv: Path, rebuild: bool, constraints: Path) -> tuple[Path, list[str], str]:
    """Create `venv` with Colab's Python and the Colab-shipped requirements; reuse it when unchanged."""
    python, how = find_python()
    if how == "FALLBACK":
        print(f"WARNING: no Python {COLAB_PYTHON} (no pyenv, no python{COLAB_PYTHON}, $COLAB_PYTHON "
              f"unset): falling back to {sys.executable} (Python {sys.version.split()[0]}). "
              "The check below is NOT on Colab's Python.", flush=True)
    pins = colab_pins()
    shipped = [pins[n] for n in requirement_names() if n in pins]
    stamp_text = json.dumps([python, shipped, FREEZE.read_text()])
    stamp = venv / ".colab-stamp"
    vpy = venv / "bin" / "python"
    if rebuild or not stamp.exists() or stamp.read_text() != hashlib.sha256(stamp_text.encode()).hexdigest():
        shutil.rmtree(venv, ignore_errors=True)
        run([python, "-m", "venv", str(venv)])
        run([str(vpy), "-m", "pip", "install", "-q", "-c", str(constraints), *shipped])
        stamp.write_text(hashlib.sha256(stamp_text.encode()).hexdigest())
    else:
        print(f"{venv}: up to date with requirements.txt and Colab's package list (--rebuild to redo)")
    return vpy, shipped, how


def installed(vpy: Path) -> dict[str, str]:
    code = ("import importlib.metadata as m, json; "
            "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))")
    out = subprocess.run([str(vpy), "-c", code], capture_output=True, text=True, check=True).stdout
    return {normalise(k): v for k, v in json.loads(out).items()}


def install_helpers(vpy: Path, constraints: Path) -> tuple[str, str]:
    """Run the first notebook's setup cell in a kernel that believes it is in Colab, its GitHub URL
    replaced by a `git+file://` URL of this checkout's HEAD commit."""
    nb = json.loads(sorted((ROOT / "notebooks").glob("*.ipynb"))[0].read_text())
    source = "".join(next(c for c in nb["cells"] if "google.colab" in "".join(c["source"]))["source"])
    if not GITHUB_URL.search(source):
        raise SystemExit(f"the setup cell installs from no URL matching {GITHUB_URL.pattern}:\n{source}")
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    if dirty:
        print("NOTE: uncommitted changes are not tested (helpers is installed from the HEAD commit)")
    local = f"git+file://{ROOT}@{head}"
    source = GITHUB_URL.sub(local, source)
    subprocess.run([str(vpy), "-m", "pip", "uninstall", "-q", "-y", "cnn-course-helpers"],
                   capture_output=True)
    # In Colab the packages of its list are installed already, so pip keeps them; the constraint
    # file does the same here for those the venv does not hold yet (e.g. PyWavelets).
    env = kernel_env() | {"PIP_CONSTRAINT": str(constraints)}
    print(f"setup cell, in a kernel with google.colab present:\n{source}", flush=True)
    with tempfile.TemporaryDirectory() as workdir:
        r = subprocess.run([str(vpy), __file__, "setup", source, workdir], capture_output=True,
                           text=True, env=env, cwd=workdir)
    result = json.loads(r.stdout.strip().splitlines()[-1]) if r.stdout.strip() else \
        {"ok": False, "error": r.stderr[-3000:]}
    if not result["ok"]:
        raise SystemExit(f"the setup cell failed:\n{result['error']}")
    if head not in result["output"]:
        raise SystemExit(f"after the setup cell, helpers is not the one at {head}: {result['output']}")
    return local, head


def benchmark_seconds() -> dict[str, float]:
    if not RESULTS.exists():
        return {}
    return {k: v["seconds"] for k, v in json.loads(RESULTS.read_text())["notebooks"].items()}


def kernel_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}  # helpers must be the installed copy
    env.update(PYTHONNOUSERSITE="1", TF_CPP_MIN_LOG_LEVEL="2",
               MPLBACKEND="module://matplotlib_inline.backend_inline")
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook")
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv-colab")
    parser.add_argument("--rebuild", action="store_true", help="recreate the environment")
    parser.add_argument("--max-seconds", type=float, default=60.0,
                        help="execute the chapters whose benchmark time is below this (default 60; CI's "
                             "90-minute limit leaves no room for the training-heavy chapters twice)")
    parser.add_argument("--no-execute", action="store_true",
                        help="build and check imports only, execute no chapter")
    args = parser.parse_args(argv)
    if args.no_execute:
        args.max_seconds = 0.0
    start = time.perf_counter()
    paths = [p.resolve() for p in args.notebooks] or sorted((ROOT / "notebooks").glob("*.ipynb"))

    with tempfile.TemporaryDirectory() as tmp:
        constraints = Path(tmp) / "colab-constraints.txt"
        constraints.write_text("\n".join(colab_pins().values()) + "\n")
        vpy, shipped, how = build_venv(args.venv.resolve(), args.rebuild, constraints)
        before = installed(vpy)
        requirement, head = install_helpers(vpy, constraints)
        after = installed(vpy)
    built = time.perf_counter() - start
    pins = colab_pins()
    tooling = {"pip", "setuptools", "wheel"}  # the venv's own, not Colab's
    changed = sorted({f"{n} {pins[n].split('==')[1]} -> {v}" for n, v in after.items()
                      if n in pins and n not in tooling and pins[n].split("==")[1] != v}
                     | {f"{n} {before[n]} -> {v}" for n, v in after.items()
                        if n in before and before[n] != v})
    added = sorted(f"{n} {v}" for n, v in after.items() if n not in before)
    version = subprocess.run([str(vpy), "-c", "import platform; print(platform.python_version())"],
                             capture_output=True, text=True).stdout.strip()

    modules = sorted((ROOT / "helpers").glob("[!_]*.py"))
    probe = subprocess.run([str(vpy), __file__, "probe", *map(str, paths + modules)], capture_output=True,
                           text=True, env=kernel_env(), cwd=tempfile.gettempdir())
    if probe.returncode != 0:
        print(probe.stdout, probe.stderr, file=sys.stderr)
        return 1
    checks = json.loads(probe.stdout.strip().splitlines()[-1])

    seconds = benchmark_seconds()
    runs: dict[str, dict] = {}
    for path in paths:
        if seconds.get(path.stem, float("inf")) >= args.max_seconds:
            continue
        print(f"executing {path.name} ...", flush=True)
        with tempfile.TemporaryDirectory() as workdir:  # Colab has the notebook, not the repository
            r = subprocess.run([str(vpy), __file__, "execute", str(path), workdir],
                               capture_output=True, text=True, env=kernel_env(), cwd=workdir)
        lines = r.stdout.strip().splitlines()
        try:
            runs[path.stem] = json.loads(lines[-1])
        except (IndexError, json.JSONDecodeError):
            runs[path.stem] = {"ok": False, "seconds": 0, "error": (r.stderr or r.stdout)[-2000:]}

    # ---- the report ----
    failed = bool(changed)
    print("\n" + "=" * 100)
    print(f"Colab check: Python {version} ({how}); {len(shipped)} packages at Colab's versions: "
          + ", ".join(shipped))
    print(f"helpers: {requirement}")
    print("the setup cell adds: " + (", ".join(added) or "nothing"))
    if changed:
        print("FAIL: the setup cell changes packages Colab ships: " + "; ".join(changed))
    print("-" * 100)
    for path in paths:
        c = checks[path.name]
        problems = c["problems"]
        verdict = "imports resolve" if not problems else "IMPORTS/ATTRIBUTES FAIL"
        if path.stem in runs:
            run_ = runs[path.stem]
            executed = (f"executed in {run_['seconds']:.0f} s" if run_["ok"]
                        else "EXECUTION FAILED")
        else:
            t = seconds.get(path.stem)
            executed = f"not executed (benchmark {t:.0f} s)" if t is not None else \
                "not executed (no benchmark time)"
        print(f"{path.name:<40} {verdict} ({c['imports']} imports, {c['attributes']} attributes, "
              f"{c['keywords']} keywords); {executed}")
        for p in problems:
            print(f"    - {p}")
        for g in c["guarded"]:
            print(f"    - note: {g}")
        if path.stem in runs:
            run_ = runs[path.stem]
            if not run_["ok"]:
                print("    - " + run_["error"].replace("\n", "\n      "))
            for w in run_.get("stderr", []):
                print(f"    - stderr: {w}")
        failed |= bool(problems) or (path.stem in runs and not runs[path.stem]["ok"])
    for module in modules:
        c = checks[module.name]
        verdict = "imports resolve" if not c["problems"] else "IMPORTS/ATTRIBUTES FAIL"
        print(f"helpers/{module.name:<32} {verdict} ({c['imports']} imports, {c['attributes']} "
              f"attributes, {c['keywords']} keywords)")
        for p in c["problems"]:
            print(f"    - {p}")
        failed |= bool(c["problems"])
    executed_names = [k for k, v in runs.items() if v["ok"]]
    print("-" * 100)
    print(f"chapters executed: {', '.join(executed_names) or 'none'}")
    total = time.perf_counter() - start
    print(f"time: {total:.0f} s (environment and helpers install {built:.0f} s, "
          f"execution {sum(v['seconds'] for v in runs.values()):.0f} s)")
    print("Colab check: " + ("FAILED" if failed else "passed"))
    return 1 if failed else 0


# ---------------------------------------------------------------------------------------------------
# Part 2: inside the Colab environment
# ---------------------------------------------------------------------------------------------------

def code_sources(path: Path) -> list[str]:
    """The code cells, IPython magics and shell lines replaced by `pass` (same indentation)."""
    if path.suffix == ".py":  # a helpers module: one cell
        return [path.read_text(encoding="utf-8")]
    nb = json.loads(path.read_text(encoding="utf-8"))
    sources = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        lines = []
        for line in "".join(cell["source"]).splitlines():
            stripped = line.lstrip()
            lines.append(line[: len(line) - len(stripped)] + "pass" if stripped[:1] in "%!" and
                         stripped else line)
        sources.append("\n".join(lines))
    return sources


GUARDS = {"ImportError", "ModuleNotFoundError", "Exception"}


def _guarded(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.Try):
            for handler in node.handlers:
                names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
                if handler.type is None or any(getattr(n, "id", None) in GUARDS for n in names):
                    return True
    return False


def _chain(node: ast.AST) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id, *reversed(parts)]
    return None


def probe(paths: list[Path]) -> dict:
    import importlib
    import inspect
    import types
    import warnings

    warnings.simplefilter("ignore")

    def resolve(obj, dotted: str, parts: list[str]):
        for part in parts:
            if hasattr(obj, part):
                obj = getattr(obj, part)
            elif isinstance(obj, types.ModuleType):
                try:
                    obj = importlib.import_module(f"{obj.__name__}.{part}")
                except ImportError:
                    raise AttributeError(f"{dotted}: module {obj.__name__!r} has no {part!r}")
            else:
                raise AttributeError(f"{dotted}: {getattr(obj, '__qualname__', obj)!r} has no {part!r}")
        return obj

    report = {}
    for path in paths:
        problems, guarded_notes = [], []
        aliases: dict[str, object] = {}
        stored: set[str] = set()
        trees = []
        n_imports = 0
        for i, source in enumerate(code_sources(path), start=1):
            try:
                tree = ast.parse(source)
            except SyntaxError as e:
                problems.append(f"code cell {i}: syntax error {e.msg} (line {e.lineno})")
                continue
            trees.append((i, tree))
            parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
            for node in ast.walk(tree):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    stored.add(node.id)
                elif isinstance(node, ast.arg):
                    stored.add(node.arg)
                elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    stored.add(node.name)
                if not isinstance(node, (ast.Import, ast.ImportFrom)):
                    continue
                if isinstance(node, ast.ImportFrom) and node.level:
                    continue
                n_imports += 1
                try:
                    if isinstance(node, ast.Import):
                        for a in node.names:
                            module = importlib.import_module(a.name)
                            if a.asname:
                                aliases[a.asname] = module
                            else:
                                top = a.name.split(".")[0]
                                aliases[top] = importlib.import_module(top)
                    else:
                        module = importlib.import_module(node.module)
                        for a in node.names:
                            aliases[a.asname or a.name] = resolve(module, f"{node.module}.{a.name}",
                                                                  [a.name])
                except Exception as e:  # noqa: BLE001 - every failure is reported
                    what = f"code cell {i}: {ast.unparse(node)} -> {type(e).__name__}: {e}"
                    (guarded_notes if _guarded(node, parents) else problems).append(
                        what + (" (guarded by try/except)" if _guarded(node, parents) else ""))
        for name in stored:
            aliases.pop(name, None)  # a name the notebook reassigns is not the module any more
        attributes, keywords = set(), 0
        for i, tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                    chain = _chain(node)
                    if chain and chain[0] in aliases:
                        attributes.add((i, ".".join(chain)))
                if isinstance(node, ast.Call) and node.keywords:
                    chain = _chain(node.func)
                    if not chain or chain[0] not in aliases:
                        continue
                    try:
                        func = resolve(aliases[chain[0]], ".".join(chain), chain[1:])
                        sig = inspect.signature(func)
                    except (AttributeError, TypeError, ValueError):
                        continue
                    params = sig.parameters.values()
                    if any(p.kind is p.VAR_KEYWORD for p in params):
                        continue
                    names = {p.name for p in params}
                    for kw in node.keywords:
                        if kw.arg is None:
                            continue
                        keywords += 1
                        if kw.arg not in names:
                            problems.append(f"code cell {i}: {'.'.join(chain)}() has no keyword "
                                            f"argument {kw.arg!r} in this version")
        seen = set()
        for i, dotted in sorted(attributes, key=lambda t: (t[1].count("."), t)):
            chain = dotted.split(".")
            if any(dotted.startswith(s + ".") for s in seen) or dotted in seen:
                continue
            try:
                resolve(aliases[chain[0]], dotted, chain[1:])
            except AttributeError as e:
                problems.append(f"code cell {i}: {e}")
                seen.add(dotted)
        report[path.name] = {"imports": n_imports, "attributes": len({a for _, a in attributes}),
                             "keywords": keywords, "problems": problems, "guarded": guarded_notes}
    return report


def run_setup(source: str, workdir: Path) -> dict:
    """Execute the setup cell with `google.colab` in sys.modules, as in Colab."""
    import nbformat
    from nbclient import NotebookClient

    fake = "import sys, types\nsys.modules['google.colab'] = types.ModuleType('google.colab')"
    check = ("import importlib.metadata as m\n"
             "print(m.distribution('cnn-course-helpers').read_text('direct_url.json'))")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in (fake, source, check)])
    client = NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT,
                            resources={"metadata": {"path": str(workdir)}})
    try:
        client.execute()
    except Exception as e:  # noqa: BLE001
        return {"ok": False, "error": f"{type(e).__name__}: {e}"[-3000:]}
    return {"ok": True, "output": str(nb.cells[2].outputs)[:500]}


def execute(path: Path, workdir: Path) -> dict:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    shutil.copy(path, workdir / path.name)
    client = NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT,
                            resources={"metadata": {"path": str(workdir)}})
    start = time.perf_counter()
    result = {"ok": True, "error": ""}
    try:
        client.execute()
    except CellExecutionError as e:
        result.update(ok=False, error=str(e)[-3000:])
    except Exception as e:  # noqa: BLE001 - a dead kernel or a timeout fails the chapter too
        result.update(ok=False, error=f"{type(e).__name__}: {e}"[-3000:])
    result["seconds"] = time.perf_counter() - start
    stderr = []
    for i, cell in enumerate((c for c in nb.cells if c.cell_type == "code"), start=1):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                text = " ".join(out["text"].split())
                stderr.append(f"code cell {i}: {text[:300]}")
    result["stderr"] = stderr
    return result


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "probe":
        print(json.dumps(probe([Path(p) for p in sys.argv[2:]])))
    elif len(sys.argv) > 1 and sys.argv[1] == "setup":
        print(json.dumps(run_setup(sys.argv[2], Path(sys.argv[3]))))
    elif len(sys.argv) > 1 and sys.argv[1] == "execute":
        print(json.dumps(execute(Path(sys.argv[2]), Path(sys.argv[3]))))
    else:
        sys.exit(main())
