"""Prepare the offline data mirror for CI and for a machine without internet.

The course's data directory (``CNN_COURSE_DATA``) normally holds verified downloads. Offline, it
points at a mirror of those files. One file of the mirror is known to differ from the official one:
its ``imagenet_class_index.json`` has four class names replaced (619, 765, 831, 846, e.g.
"studio latihan" for ``studio_couch``). ``helpers.datasets`` pins the official checksum, so that
copy is refused. This script builds an overlay directory: every entry of the mirror linked as it is,
and that one file rewritten with the official names, kept only if its bytes then have the MD5
that Keras's own ``imagenet_utils`` pins for the official file (``c2c37ea5...``). With a
``KERAS_HOME``, the verified file is also put where ``decode_predictions`` looks for it.

    python3 scripts/prepare_offline_data.py MIRROR OVERLAY [KERAS_HOME]

Standard library only (CI runs it before any environment exists).
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

CLASS_FILE = "imagenet_class_index.json"
# keras/src/applications/imagenet_utils.py: get_file(..., file_hash=...) for CLASS_INDEX_PATH
OFFICIAL_MD5 = "c2c37ea517e94d9795004a39431a14cb"
# the four names the mirror's copy replaced, and the official ones
KNOWN_DAMAGE = {
    '"lampu shade"': '"lampshade"',
    '"kursi rocking"': '"rocking_chair"',
    '"studio latihan"': '"studio_couch"',
    '"meja lampu"': '"table_lamp"',
}


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def official_class_file(mirror_copy: bytes) -> bytes:
    """The official class file from the mirror's copy, or ValueError if it cannot be verified."""
    if md5(mirror_copy) == OFFICIAL_MD5:
        return mirror_copy
    text = mirror_copy.decode("utf-8")
    for wrong, right in KNOWN_DAMAGE.items():
        if text.count(wrong) != 1:
            raise ValueError(f"{CLASS_FILE}: expected the known damaged name {wrong} once, found "
                             f"{text.count(wrong)}; the mirror's copy has changed, get the official file")
        text = text.replace(wrong, right)
    repaired = text.rstrip("\n").encode("utf-8")
    if md5(repaired) != OFFICIAL_MD5:
        raise ValueError(f"{CLASS_FILE}: the repaired copy has MD5 {md5(repaired)}, not the official "
                         f"{OFFICIAL_MD5}; get the official file instead")
    return repaired


def build_overlay(mirror: Path, overlay: Path, keras_home: Path | None = None) -> Path:
    if not mirror.is_dir():
        raise FileNotFoundError(f"no data mirror at {mirror}")
    overlay.mkdir(parents=True, exist_ok=True)
    for entry in mirror.iterdir():
        target = overlay / entry.name
        if entry.name == CLASS_FILE or target.exists() or target.is_symlink():
            continue
        target.symlink_to(entry.resolve())
    source = mirror / CLASS_FILE
    if source.exists():
        data = official_class_file(source.read_bytes())
        out = overlay / CLASS_FILE
        out.unlink(missing_ok=True)
        out.write_bytes(data)
        if keras_home is not None:
            (keras_home / "models").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out, keras_home / "models" / CLASS_FILE)
    return overlay


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    keras_home = Path(argv[2]) if len(argv) == 3 else None
    overlay = build_overlay(Path(argv[0]), Path(argv[1]), keras_home)
    print(f"offline data overlay ready at {overlay} ({CLASS_FILE} verified, MD5 {OFFICIAL_MD5})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
