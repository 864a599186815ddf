"""Reproducibility and the environment: seeding, an environment report, benchmark records.

Taught in chapter 0 (how to use this course); every chapter calls :func:`seed_everything` in its
first cells.
"""

from __future__ import annotations

import importlib.metadata
import json
import numbers
import os
import platform
import sys
from pathlib import Path

import numpy as np

BENCH_ENV = "CNN_COURSE_BENCH_FILE"
"""When set (by ``make bench``), :func:`record` appends the metrics it is given to this JSON file."""


def in_colab() -> bool:
    """True when running inside Google Colab (chapter 0 explains the Colab route)."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def seed_everything(seed: int = 42) -> None:
    """Seed Python, NumPy and TensorFlow/Keras so that a notebook's random numbers repeat.

    Wraps ``keras.utils.set_random_seed`` and sets ``PYTHONHASHSEED``. Identical numbers across runs
    also need the same library versions and hardware: chapter 0 discusses what seeding does not
    fix (multi-threaded float reductions, GPU kernels).
    """
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be a non-negative integer such as 42, got {type(seed).__name__} "
                        f"{seed!r}")
    if not 0 <= int(seed) < 2**32:
        raise ValueError(f"seed must be a non-negative integer below 2**32 (NumPy's range), got {seed!r}")
    seed = int(seed)
    import keras

    os.environ["PYTHONHASHSEED"] = str(seed)
    keras.utils.set_random_seed(seed)


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def environment_report(packages: tuple[str, ...] = (
    "tensorflow", "keras", "numpy", "scikit-learn", "matplotlib",
)) -> dict[str, str]:
    """Python, package versions, CPU count, GPUs and whether this is Colab, as a dict of strings.

    Chapter 0 prints it; paste it into a bug report. It names no paths.
    """
    report = {
        "python": platform.python_version(),
        **{name: _version(name) for name in packages},
        "platform": f"{platform.system()} {platform.machine()}",
        "cpu cores": str(os.cpu_count()),
    }
    try:
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        report["gpus"] = str(len(gpus)) + (f" ({', '.join(g.name for g in gpus)})" if gpus else "")
    except ImportError:
        report["gpus"] = "unknown (TensorFlow not installed)"
    report["colab"] = "yes" if in_colab() else "no"
    return report


def record(**metrics: float | int | str) -> dict:
    """Note a chapter's key results for the execution report (``make bench``); returns them.

    Outside ``make bench`` this only returns its arguments, so notebooks can call it freely:
    ``record(test_accuracy=acc, train_seconds=t)``. Values must be JSON numbers or strings.
    """
    clean = {}
    for key, value in metrics.items():
        if hasattr(value, "numpy") and not isinstance(value, (numbers.Number, str)):
            value = value.numpy()  # a TensorFlow scalar
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value[()]
        if isinstance(value, (bool, np.bool_)):
            raise TypeError(f"record() takes numbers or strings, got the boolean {key}={value!r}; "
                            "record int(flag) if you mean a count")
        if isinstance(value, numbers.Integral):
            clean[key] = int(value)
        elif isinstance(value, numbers.Real):  # also NumPy scalars
            if not np.isfinite(float(value)):
                raise ValueError(f"record() got {key}={value!r}: NaN and infinity are not JSON numbers; "
                                 "check the computation, or record a string such as 'undefined'")
            clean[key] = float(value)
        elif isinstance(value, str):
            clean[key] = value
        else:
            raise TypeError(f"record() takes numbers or strings, got {key}={type(value).__name__}")
    target = os.environ.get(BENCH_ENV)
    if target:
        path = Path(target)
        existing = json.loads(path.read_text()) if path.exists() else {}
        existing.update(clean)
        path.write_text(json.dumps(existing, indent=1, sort_keys=True))
    return clean
