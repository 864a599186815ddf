"""helpers.env: seeding, the environment report and benchmark records."""

from __future__ import annotations

import json
import random

import keras
import numpy as np
import pytest

from helpers import env


def draws() -> tuple:
    return random.random(), float(np.random.rand()), float(keras.random.uniform((1,))[0])


def test_seed_everything_repeats_python_numpy_and_keras():
    env.seed_everything(123)
    first = draws()
    env.seed_everything(123)
    assert draws() == first
    env.seed_everything(124)
    assert draws() != first


@pytest.mark.parametrize("bad", [-1, 1.5, "42", None])
def test_seed_everything_rejects_bad_seeds(bad):
    with pytest.raises((ValueError, TypeError), match="non-negative integer"):
        env.seed_everything(bad)


def test_environment_report_has_versions_and_no_paths():
    report = env.environment_report()
    assert report["keras"].startswith("3.")
    assert report["colab"] == "no" and report["cpu cores"].isdigit()
    assert all(isinstance(v, str) and "/" not in v for k, v in report.items() if k != "platform")
    assert env.environment_report(("no-such-package-xyz",))["no-such-package-xyz"] == "not installed"


def test_record_is_silent_outside_bench(monkeypatch, tmp_path):
    monkeypatch.delenv(env.BENCH_ENV, raising=False)
    assert env.record(accuracy=0.9) == {"accuracy": 0.9}
    assert not list(tmp_path.iterdir())


def test_record_collects_metrics_for_bench(monkeypatch, tmp_path):
    target = tmp_path / "metrics.json"
    monkeypatch.setenv(env.BENCH_ENV, str(target))
    env.record(accuracy=0.91, model="baseline")
    env.record(train_seconds=np.float32(12.5))
    assert json.loads(target.read_text()) == {"accuracy": 0.91, "model": "baseline", "train_seconds": 12.5}
    with pytest.raises(TypeError, match="numbers or strings"):
        env.record(history=[0.1, 0.2])


def test_in_colab_follows_the_environment(monkeypatch):
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    assert env.in_colab() is False
    monkeypatch.setenv("COLAB_RELEASE_TAG", "release-colab_20261101")
    assert env.in_colab() is True
