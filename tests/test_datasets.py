"""helpers.datasets: the real download path against a local HTTP server, and the loaders on real data."""

from __future__ import annotations

import copy
import gzip
import hashlib
import io
import json
import os
import pickle
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpers import datasets


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def idx_bytes(array: np.ndarray) -> bytes:
    """An idx file as in the official MNIST layout: magic 0x0000 08 ndim, big-endian dims, bytes."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture
def hub(monkeypatch):
    """A private copy of DATA_HUB that a test may rewire to the local server."""
    private = copy.deepcopy(datasets.DATA_HUB)
    monkeypatch.setattr(datasets, "DATA_HUB", private)
    return private


@pytest.fixture
def fake_mnist(http_server, hub):
    """Small MNIST idx.gz files served over HTTP and registered with their checksums."""
    root, base = http_server
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (6, 28, 28)),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, 6),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (3, 28, 28)),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, 3),
    }
    files = {}
    for name, array in arrays.items():
        (root / name).write_bytes(gzip.compress(idx_bytes(array)))
        files[f"mnist/{name}"] = (base + name, sha(root / name))
    hub["mnist"]["files"] = files
    return root, arrays


def test_download_fetches_verifies_and_caches(fake_mnist, data_home):
    root, arrays = fake_mnist
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist()
    np.testing.assert_array_equal(x_train, arrays["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(y_train, arrays["train-labels-idx1-ubyte.gz"])
    np.testing.assert_array_equal(x_test, arrays["t10k-images-idx3-ubyte.gz"])
    assert x_train.dtype == np.uint8 and x_train.shape == (6, 28, 28)
    cached = sorted(p.name for p in (data_home / "mnist").iterdir())
    assert cached == sorted(arrays)  # no temporary .part files left behind

    # The cache is used from now on: with the server's files gone, loading still works.
    for f in root.iterdir():
        f.unlink()
    (x_again, _), _ = datasets.load_mnist()
    np.testing.assert_array_equal(x_again, x_train)


def test_progress_bar_is_shown(fake_mnist, data_home, capsys):
    datasets.fetch("mnist", "mnist/train-labels-idx1-ubyte.gz")
    err = capsys.readouterr().err
    assert "train-labels-idx1-ubyte.gz" in err and "100%" in err


def test_bad_checksum_is_never_kept(fake_mnist, hub, data_home):
    path = "mnist/train-labels-idx1-ubyte.gz"
    url, _ = hub["mnist"]["files"][path]
    hub["mnist"]["files"][path] = (url, "0" * 64)
    with pytest.raises(datasets.DataUnavailableError) as info:
        datasets.fetch("mnist", path)
    message = str(info.value)
    assert "'mnist'" in message and path in message and url in message
    assert "Checksum mismatch" in message and "CNN_COURSE_DATA" in message
    assert not (data_home / "mnist").exists() or not any((data_home / "mnist").iterdir())


def test_corrupted_cache_is_downloaded_again(fake_mnist, data_home):
    path = "mnist/t10k-labels-idx1-ubyte.gz"
    target = data_home / path
    target.parent.mkdir(parents=True)
    target.write_bytes(b"not the real file")
    fetched = datasets.fetch("mnist", path)
    assert sha(fetched) == datasets.DATA_HUB["mnist"]["files"][path][1]


def test_corrupted_cache_offline_names_the_problem(hub, data_home):
    path = "mnist/t10k-labels-idx1-ubyte.gz"
    url = "http://127.0.0.1:9/t10k-labels-idx1-ubyte.gz"  # port 9 (discard): connection refused
    hub["mnist"]["files"][path] = (url, "a" * 64)
    target = data_home / path
    target.parent.mkdir(parents=True)
    target.write_bytes(b"corrupted")
    with pytest.raises(datasets.DataUnavailableError, match="fails its sha256 checksum"):
        datasets.fetch("mnist", path)


def test_offline_without_cache_says_what_to_do(hub, data_home):
    path = "mnist/train-images-idx3-ubyte.gz"
    url = "http://127.0.0.1:9/train-images-idx3-ubyte.gz"
    hub["mnist"]["files"][path] = (url, "b" * 64)
    with pytest.raises(datasets.DataUnavailableError) as info:
        datasets.load_mnist()
    message = str(info.value)
    for needle in ("'mnist'", path, url, "CNN_COURSE_DATA", "not in the data directory"):
        assert needle in message


def test_unknown_names_list_the_known_ones():
    with pytest.raises(KeyError, match="Known datasets: .*mnist"):
        datasets.fetch("mnistt", "mnist/train-images-idx3-ubyte.gz")
    with pytest.raises(KeyError, match="has no file"):
        datasets.fetch("mnist", "mnist/nope.gz")
    with pytest.raises(KeyError, match="Known models: yolox_nano"):
        datasets.model_path("yolo")


def test_data_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CNN_COURSE_DATA", str(tmp_path / "x"))
    assert datasets.data_dir() == tmp_path / "x"
    monkeypatch.delenv("CNN_COURSE_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert datasets.data_dir() == tmp_path / "cache" / "cnn-course"


# ---------------------------------------------------------------- CIFAR-10 (official archive layout)

def cifar_archive(path: Path, per_batch: int, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A small cifar-10-python.tar.gz: five training batches and a test batch, rows as R|G|B planes."""
    xs, ys = [], []
    with tarfile.open(path, "w:gz") as tar:
        for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
            images = rng.integers(0, 256, (per_batch, 32, 32, 3), dtype=np.uint8)
            labels = rng.integers(0, 10, per_batch).tolist()
            rows = images.transpose(0, 3, 1, 2).reshape(per_batch, 3072)
            blob = pickle.dumps({b"data": rows, b"labels": labels, b"batch_label": name.encode()})
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
            xs.append(images)
            ys.append(np.array(labels, dtype=np.uint8))
    return np.concatenate(xs[:5]), np.concatenate(ys[:5]), xs[5], ys[5]


def test_cifar10_from_the_official_archive(http_server, hub, data_home):
    root, base = http_server
    x_all, y_all, x_test, y_test = cifar_archive(root / "cifar-10-python.tar.gz", 4, np.random.default_rng(1))
    hub["cifar10"]["files"] = {
        "cifar-10-python.tar.gz": (base + "cifar-10-python.tar.gz", sha(root / "cifar-10-python.tar.gz"))
    }
    (x, y), (xt, yt) = datasets.load_cifar10(n_train=10)  # batch 1, batch 2 and half of batch 3
    np.testing.assert_array_equal(x, x_all[:10])
    np.testing.assert_array_equal(y, y_all[:10])
    np.testing.assert_array_equal(xt, x_test)
    np.testing.assert_array_equal(yt, y_test)
    assert x.shape == (10, 32, 32, 3) and x.dtype == np.uint8


def test_cifar10_uses_the_subset_cache_only_when_it_is_large_enough(http_server, hub, data_home):
    root, base = http_server
    x_all, y_all, x_test, y_test = cifar_archive(root / "cifar-10-python.tar.gz", 4, np.random.default_rng(2))
    hub["cifar10"]["files"] = {
        "cifar-10-python.tar.gz": (base + "cifar-10-python.tar.gz", sha(root / "cifar-10-python.tar.gz"))
    }
    np.savez(data_home / "cifar10.npz", x_train=x_all[:6], y_train=y_all[:6], x_test=x_test, y_test=y_test)
    hub["cifar10"]["subset"] = ("cifar10.npz", 6, sha(data_home / "cifar10.npz"))
    (x, _), _ = datasets.load_cifar10(n_train=5)
    np.testing.assert_array_equal(x, x_all[:5])
    assert not (data_home / "cifar-10-python.tar.gz").exists()  # the archive was not needed
    (x, _), _ = datasets.load_cifar10(n_train=9)  # more than the cache holds: the archive
    np.testing.assert_array_equal(x, x_all[:9])
    assert (data_home / "cifar-10-python.tar.gz").exists()


def test_cifar10_bad_cache_and_bad_arguments(hub, data_home):
    (data_home / "cifar10.npz").write_bytes(b"broken")
    with pytest.raises(datasets.DataUnavailableError, match="fails its sha256"):
        datasets.load_cifar10(n_train=100)
    for bad in (0, 50_001, 2.5, None):
        with pytest.raises(ValueError, match="n_train must be an integer"):
            datasets.load_cifar10(n_train=bad)


# ---------------------------------------------------------------- Horses or Humans (the 150 px recipe)

def hoh_zip(path: Path, images: dict[str, np.ndarray]) -> None:
    """A zip in the official layout: horses/NAME.png, humans/NAME.png, 300x300 RGBA."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, rgba in images.items():
            buffer = io.BytesIO()
            Image.fromarray(rgba, "RGBA").save(buffer, format="PNG")
            zf.writestr(name, buffer.getvalue())


def box_average(rgba: np.ndarray) -> np.ndarray:
    """Independent reference for the recipe: RGB, then the rounded mean of each 2x2 block."""
    rgb = rgba[..., :3].astype(np.int64)
    sums = rgb[0::2, 0::2] + rgb[1::2, 0::2] + rgb[0::2, 1::2] + rgb[1::2, 1::2]
    return ((sums + 2) // 4).astype(np.uint8)


def test_horses_or_humans_built_from_the_official_zip(http_server, hub, data_home):
    root, base = http_server
    rng = np.random.default_rng(3)
    names = ["horses/horse01-0.png", "horses/horse02-1.png", "humans/human01-00.png"]
    originals = {}
    for n in names:
        rgba = rng.integers(0, 256, (300, 300, 4), dtype=np.uint8)
        rgba[..., 3] = 255
        originals[n] = rgba
    hoh_zip(root / "validation-horse-or-human.zip", originals)
    expected_x = np.stack([box_average(originals[n]) for n in names])
    expected_y = np.array([0, 0, 1], dtype=np.uint8)
    entry = hub["horses_or_humans"]
    entry["files"]["horses-or-humans/validation-horse-or-human.zip"] = (
        base + "validation-horse-or-human.zip", sha(root / "validation-horse-or-human.zip"))
    entry["content_sha256"]["validation"] = datasets._content_sha256(expected_x, expected_y)

    x, y = datasets.load_horses_or_humans("validation")
    np.testing.assert_array_equal(x, expected_x)
    np.testing.assert_array_equal(y, expected_y)
    built = sorted(p.relative_to(data_home).as_posix()
                   for p in (data_home / "horses-or-humans" / "validation").rglob("*.png"))
    assert built == [f"horses-or-humans/validation/{n}" for n in names]
    # A second call reads the folder; a folder with the wrong content is refused.
    np.testing.assert_array_equal(datasets.load_horses_or_humans("validation")[0], expected_x)
    (data_home / "horses-or-humans" / "validation" / names[0]).unlink()
    with pytest.raises(datasets.DataUnavailableError, match="content checksum mismatch: 2 images"):
        datasets.load_horses_or_humans("validation")


def test_horses_or_humans_wrong_recipe_output_is_not_kept(http_server, hub, data_home):
    root, base = http_server
    rgba = np.full((300, 300, 4), 255, np.uint8)
    hoh_zip(root / "horse-or-human.zip", {"horses/a.png": rgba})
    entry = hub["horses_or_humans"]
    entry["files"]["horses-or-humans/horse-or-human.zip"] = (
        base + "horse-or-human.zip", sha(root / "horse-or-human.zip"))
    entry["content_sha256"]["train"] = "f" * 64
    with pytest.raises(datasets.DataUnavailableError, match="were not kept"):
        datasets.load_horses_or_humans("train")
    assert not (data_home / "horses-or-humans" / "train").exists()
    with pytest.raises(ValueError, match="split must be"):
        datasets.load_horses_or_humans("test")


# ---------------------------------------------------------------- the real data (offline mirror)

def test_mnist_real(shared_course_data):
    (x, y), (xt, yt) = datasets.load_mnist()
    assert x.shape == (60000, 28, 28) and xt.shape == (10000, 28, 28)
    assert y[:5].tolist() == [5, 0, 4, 1, 9]  # the famous first digits
    assert np.bincount(yt).sum() == 10000


def test_cifar10_real(shared_course_data):
    (x, y), (xt, yt) = datasets.load_cifar10(n_train=20_000)
    assert x.shape == (20000, 32, 32, 3) and xt.shape == (10000, 32, 32, 3)
    assert y[:5].tolist() == [6, 9, 9, 4, 1]  # frog, truck, truck, deer, automobile
    assert (np.bincount(yt) == 1000).all()
    (x_small, _), _ = datasets.load_cifar10(n_train=100)
    np.testing.assert_array_equal(x_small, x[:100])


def test_horses_or_humans_real(shared_course_data):
    x, y = datasets.load_horses_or_humans("train")
    assert x.shape == (1027, 150, 150, 3) and np.bincount(y).tolist() == [500, 527]
    x, y = datasets.load_horses_or_humans("validation")
    assert np.bincount(y).tolist() == [128, 128]
    folder = datasets.horses_or_humans_dir()
    assert sorted(p.name for p in (folder / "train").iterdir()) == ["horses", "humans"]


def test_coco_membrane_models_and_class_names_real(shared_course_data):
    images, annotations = datasets.coco_tiny()
    coco = json.loads(annotations.read_text())
    assert len(coco["images"]) == 50 == len(list(images.glob("*.jpg")))
    assert len(coco["annotations"]) == 382 and len(coco["categories"]) == 80
    x, masks, x_test = datasets.load_membrane()
    assert x.shape == masks.shape == (30, 512, 512) and x_test.shape == (30, 512, 512)
    assert set(np.unique(masks)) == {0, 1} and 0.5 < masks.mean() < 0.95  # most pixels are cells
    for name in ("yolox_nano", "vww_96", "resnet8_cifar10"):
        assert datasets.model_path(name).stat().st_size > 100_000
    names = datasets.imagenet_class_names()
    assert len(names) == 1000 and names[0] == "tench"
    # the official names (a damaged copy with these four replaced fails the checksum)
    assert [names[i] for i in (619, 765, 831, 846)] == [
        "lampshade", "rocking_chair", "studio_couch", "table_lamp"]


def test_fashion_mnist_through_keras(shared_course_data):
    if not os.environ.get("KERAS_HOME"):
        pytest.skip("KERAS_HOME is not set to a copy of the Keras cache mirror")
    (x, y), (xt, yt) = datasets.load_fashion_mnist()
    assert x.shape == (60000, 28, 28) and (np.bincount(y) == 6000).all()
    assert xt.shape == (10000, 28, 28) and (np.bincount(yt) == 1000).all()


def test_fashion_mnist_with_a_changed_label_is_refused(monkeypatch):
    # Keras checks nothing, so the loader must: one label changed in the test split is caught.
    import keras

    x, y = np.zeros((4, 28, 28), np.uint8), np.arange(4, dtype=np.uint8)
    real = datasets._content_sha256(x, y)
    monkeypatch.setitem(datasets.DATA_HUB["fashion_mnist"], "content_sha256",
                        {"train": real, "test": real})
    changed = y.copy()
    changed[2] = 9
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", lambda: ((x, y), (x, changed)))
    with pytest.raises(datasets.DataUnavailableError, match="test split .* fails its content checksum"):
        datasets.load_fashion_mnist()
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", lambda: ((x, y), (x, y)))
    (a, b), _ = datasets.load_fashion_mnist()
    assert (b == y).all()


def test_registry_is_complete():
    for name, entry in datasets.DATA_HUB.items():
        for field in ("title", "what", "licence", "citation", "files"):
            assert field in entry, (name, field)
        for path, (url, digest) in entry["files"].items():
            assert url.startswith(("https://", "http://images.cocodataset.org/")), url
            assert len(digest.removeprefix("json:")) == 64, path
    assert len(datasets.registry_table()) == len(datasets.DATA_HUB)
