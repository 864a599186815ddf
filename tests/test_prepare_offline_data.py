"""scripts/prepare_offline_data.py: the offline mirror's damaged ImageNet class file is replaced only by
bytes that have the official MD5 (the one keras.applications pins), and nothing else is touched."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import prepare_offline_data as pod  # noqa: E402

MIRROR = ROOT.parent / "shared" / "data" / "course"


def test_official_md5_is_the_one_keras_pins():
    keras_source = Path(__import__("keras").__file__).parent / "src" / "applications" / "imagenet_utils.py"
    assert pod.OFFICIAL_MD5 in keras_source.read_text()


@pytest.fixture
def damaged() -> bytes:
    path = MIRROR / pod.CLASS_FILE
    if not path.exists():
        pytest.skip(f"no data mirror at {MIRROR}")
    data = path.read_bytes()
    if hashlib.md5(data).hexdigest() == pod.OFFICIAL_MD5:
        pytest.skip("this mirror already holds the official file")
    return data


def test_repair_gives_the_official_bytes_and_names(damaged):
    repaired = pod.official_class_file(damaged)
    assert hashlib.md5(repaired).hexdigest() == pod.OFFICIAL_MD5
    names = json.loads(repaired)
    assert [names[k][1] for k in ("619", "765", "831", "846")] == [
        "lampshade", "rocking_chair", "studio_couch", "table_lamp"]
    before = json.loads(damaged)
    changed = [k for k in names if names[k] != before[k]]
    assert sorted(changed, key=int) == ["619", "765", "831", "846"]  # nothing else moved


def test_the_official_file_passes_unchanged(damaged):
    official = pod.official_class_file(damaged)
    assert pod.official_class_file(official) == official


def test_a_copy_with_other_damage_is_refused(damaged):
    other = damaged.replace(b'"tench"', b'"tenchh"', 1)
    with pytest.raises(ValueError, match="not the official"):
        pod.official_class_file(other)
    missing = damaged.replace(b'"studio latihan"', b'"studio_couch"')
    with pytest.raises(ValueError, match="known damaged name"):
        pod.official_class_file(missing)


def test_overlay_links_everything_else_and_fills_keras_home(damaged, tmp_path):
    overlay = pod.build_overlay(MIRROR, tmp_path / "course", tmp_path / "keras")
    names = {p.name for p in MIRROR.iterdir()}
    assert {p.name for p in overlay.iterdir()} == names
    for p in overlay.iterdir():
        assert p.is_symlink() == (p.name != pod.CLASS_FILE)
    for copy in (overlay / pod.CLASS_FILE, tmp_path / "keras" / "models" / pod.CLASS_FILE):
        assert hashlib.md5(copy.read_bytes()).hexdigest() == pod.OFFICIAL_MD5
    assert (MIRROR / pod.CLASS_FILE).read_bytes() == damaged  # the mirror itself is not changed


def test_missing_mirror_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no data mirror"):
        pod.build_overlay(tmp_path / "nowhere", tmp_path / "overlay")
