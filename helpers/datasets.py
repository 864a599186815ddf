"""The course's data layer: a registry of datasets and trained models, a cache, verified downloads.

Every file the book reads is listed in :data:`DATA_HUB` with the official URL it comes from and
the sha256 checksum it must have. :func:`fetch` returns a file from the data directory when it is
there and its checksum is right; otherwise it downloads it from the official URL (with a progress
bar), checks it, and only then moves it into place. A file whose checksum does not match is never
used. Offline, with nothing cached, the error names the dataset, the file, the URL it tried and
the environment variable to set.

The data directory is ``$CNN_COURSE_DATA`` when that is set, otherwise ``~/.cache/cnn-course``.
Fashion-MNIST and the ImageNet weights go through Keras's own cache (``$KERAS_HOME``, by default
``~/.keras``), exactly as ``keras.datasets`` and ``keras.applications`` use it.

Taught in chapter 0 (how to use this course); every chapter loads its data through here.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import pickle
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import numpy as np

DATA_ENV = "CNN_COURSE_DATA"
"""The environment variable that points at the data directory."""

_CHECKSUMS = json.loads((Path(__file__).with_name("checksums.json")).read_text())

_MNIST_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"
_HOH_URL = "https://storage.googleapis.com/download.tensorflow.org/data/"
_COCO_JSON_URL = (
    "https://raw.githubusercontent.com/lizhogn/tiny_coco_dataset/master/tiny_coco/annotations/"
)
_UNET_URL = "https://raw.githubusercontent.com/zhixuhao/unet/master/data/"
_TINY_URL = "https://raw.githubusercontent.com/mlcommons/tiny/master/benchmark/training/"

# name -> what the data layer knows about it. "files" maps a path inside the data directory to
# (official URL, sha256 of the file). "content_sha256" holds checksums of decoded pixel arrays for
# caches that are derived from an official archive by a fixed recipe (see the loaders).
DATA_HUB: dict[str, dict] = {
    "fashion_mnist": {
        "title": "Fashion-MNIST",
        "what": "70,000 grey 28x28 images of clothing, 10 classes (60,000 train + 10,000 test)",
        "licence": "MIT (Zalando SE)",
        "citation": "xiao2017fashion",
        "via": "keras.datasets.fashion_mnist (Keras cache, $KERAS_HOME)",
        "files": {},
        # Keras downloads the four .gz files without checking them, so the loader checks the
        # decoded arrays: sha256 of the images' bytes followed by the labels' bytes (uint8).
        "content_sha256": {
            "train": "16d82e2b505296aa2b78bd5ea0992634f30419a4c97def7c907d154a35ac6157",
            "test": "9f1ec356a747bfe4ebab3cfb722d3694c9ca737e2570f6f90cf31d7b6fd689d4",
        },
    },
    "mnist": {
        "title": "MNIST",
        "what": "70,000 grey 28x28 handwritten digits, 10 classes (60,000 train + 10,000 test)",
        "licence": "CC BY-SA 3.0 (LeCun, Cortes, Burges)",
        "citation": "lecun1998gradient",
        "files": {
            f"mnist/{name}": (_MNIST_URL + name, sha)
            for name, sha in [
                ("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
                ("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
                ("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
                ("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
            ]
        },
    },
    "cifar10": {
        "title": "CIFAR-10",
        "what": "60,000 colour 32x32 images, 10 classes (50,000 train + 10,000 test)",
        "licence": "free for research; cite Krizhevsky (2009)",
        "citation": "krizhevsky2009learning",
        "files": {
            "cifar-10-python.tar.gz": (
                "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
            )
        },
        # A cache of the first 20,000 training images (official order) and the whole test set,
        # keys x_train, y_train, x_test, y_test. Read when it holds enough images.
        "subset": ("cifar10.npz", 20_000, "0fe78f4a96b59b4f05742624f1ed2bc1e57a31c376a61d3ec2ee5e197e92c7f9"),
    },
    "horses_or_humans": {
        "title": "Horses or Humans",
        "what": "1,283 computer-generated 300x300 RGBA images of horses and humans (1,027 train + 256 validation); the course uses them halved to 150x150 RGB",
        "licence": "CC BY 2.0 (Laurence Moroney)",
        "citation": "moroney2019horses",
        "files": {
            "horses-or-humans/horse-or-human.zip": (
                _HOH_URL + "horse-or-human.zip",
                "e2e6f70d3d549c5dd10a57165e55af253ee66ad750403f95c0fb76bb943633a9",
            ),
            "horses-or-humans/validation-horse-or-human.zip": (
                _HOH_URL + "validation-horse-or-human.zip",
                "ae5fff2f4f5554791f05358108e2e05d9801b191f1896ea101402f0e7f6c32c0",
            ),
        },
        # sha256 of the decoded 150 px images (uint8, files sorted by class then name) and labels.
        "content_sha256": {
            "train": "ef3d730213c0d6aafe2df4dcb0cdee17005ad591b2e79f68d56b6d6655ce3a11",
            "validation": "421a1e2ba5a9aff5b665fa7bc8f25879ef747ba348b7891e5d4d985c8974b77f",
        },
    },
    "coco_tiny": {
        "title": "COCO val2017, 50-image subset",
        "what": "50 COCO val2017 photos with their instance annotations (382 objects, 80 categories, boxes, polygons, crowd regions)",
        "licence": "annotations CC BY 4.0; each image keeps its Flickr licence",
        "citation": "lin2014microsoft",
        "files": {
            "coco-tiny/annotations/instances_val2017.json": (
                _COCO_JSON_URL + "instances_val2017.json",
                "beba70a258b233e13aed78ea3e2b21715ec8cff6f67add22cd1bbb43d906e5e7",
            ),
            **{
                path: ("http://images.cocodataset.org/val2017/" + Path(path).name, sha)
                for path, sha in _CHECKSUMS["coco-tiny-images"].items()
            },
        },
    },
    "membrane": {
        "title": "ISBI 2012 EM membranes",
        "what": "30 grey 512x512 electron-microscopy slices with binary membrane masks, 30 test slices (the original U-Net data)",
        "licence": "research use; cite Cardona et al. (2010)",
        "citation": "cardona2010integrated",
        "files": {path: (_UNET_URL + path, sha) for path, sha in _CHECKSUMS["membrane"].items()},
    },
    "imagenet_classes": {
        "title": "ImageNet class names",
        "what": "the 1,000 ILSVRC-2012 class names, index -> (WordNet id, name)",
        "licence": "-",
        "citation": "deng2009imagenet",
        # Checked on its parsed content (json.dumps with sorted keys), so that a copy differing in
        # whitespace only still passes; the content is the official file's (the one whose bytes have
        # the MD5 c2c37ea5... that keras.applications pins). A copy with changed class names fails.
        "files": {
            "imagenet_class_index.json": (
                _HOH_URL + "imagenet_class_index.json",
                "json:8dc8b1c9ca365c94a1520f1609f3bf3f87002c1db0369f4d2741bade1d52ea08",
            )
        },
    },
    "yolox_nano": {
        "title": "YOLOX-Nano COCO detector (ONNX)",
        "what": "a COCO-trained one-stage detector, 0.91 M parameters, 416x416 input, 80 classes",
        "licence": "Apache-2.0 (Megvii)",
        "citation": "ge2021yolox",
        "files": {
            "models/yolox_nano.onnx": (
                "https://github.com/Megvii-BaseDetection/YOLOX/releases/download/0.1.1rc0/yolox_nano.onnx",
                "c789161ed43c8269fcd4e67c67eeeb4e80c622da2eb296a20bc6007bd18a0b7d",
            )
        },
    },
    "vww_96": {
        "title": "Person / no-person classifier (Visual Wake Words, MLPerf Tiny)",
        "what": "a MobileNet-v1-style binary classifier, 96x96 RGB input scaled x/255, output 0 = no person, 1 = person",
        "licence": "Apache-2.0 (MLCommons)",
        "citation": "banbury2021mlperf",
        "files": {
            "models/vww_96.h5": (
                _TINY_URL + "visual_wake_words/trained_models/vww_96.h5",
                "af9111d50e6e85b2f2123345e0316ef1c384865ebf6b06340ddac7e66017450f",
            )
        },
    },
    "resnet8_cifar10": {
        "title": "ResNet-8 for CIFAR-10 (MLPerf Tiny)",
        "what": "a trained ResNet-8, 32x32x3 input in raw 0-255 floats, 10-way softmax",
        "licence": "Apache-2.0 (MLCommons)",
        "citation": "banbury2021mlperf",
        "files": {
            "models/resnet8_cifar10.h5": (
                _TINY_URL + "image_classification/trained_models/pretrainedResnet.h5",
                "5f938a8eea605438cc7360aa13c987bc6d7bd0c8d931b2917361ae7ae4eeda2f",
            )
        },
    },
}

FASHION_MNIST_CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]
CIFAR10_CLASSES = [
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
]
HORSES_OR_HUMANS_CLASSES = ["horses", "humans"]


class DataUnavailableError(RuntimeError):
    """A dataset file is neither in the data directory nor downloadable (or fails its checksum)."""


def data_dir() -> Path:
    """The directory that holds the course's data: ``$CNN_COURSE_DATA`` or ``~/.cache/cnn-course``.

    Chapter 0 explains where the data lives and how to point the course at a copy.
    """
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "cnn-course"


def sha256sum(path: str | os.PathLike) -> str:
    """The sha256 hex digest of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _matches(path: Path, expected: str) -> bool:
    if expected.startswith("json:"):
        try:
            content = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            return False
        canonical = json.dumps(content, sort_keys=True).encode()
        return hashlib.sha256(canonical).hexdigest() == expected[5:]
    return sha256sum(path) == expected


def _entry(name: str) -> dict:
    if name not in DATA_HUB:
        raise KeyError(
            f"Unknown dataset {name!r}. Known datasets: {', '.join(sorted(DATA_HUB))}."
        )
    return DATA_HUB[name]


def download(url: str, dest: str | os.PathLike, sha256: str, *, progress: bool = True) -> Path:
    """Download ``url`` to ``dest`` with a progress bar; keep it only if its checksum matches.

    The file is written to a temporary name next to ``dest`` and renamed once verified, so an
    interrupted or corrupted download never leaves a file that looks valid.
    Raises ``ValueError`` on a checksum mismatch and ``OSError`` when the URL cannot be read.
    """
    from tqdm.auto import tqdm

    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=dest.name + ".", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=dest.name,
                      disable=not progress) as bar:
                for block in iter(lambda: response.read(1 << 16), b""):
                    out.write(block)
                    bar.update(len(block))
        if not _matches(tmp, sha256):
            raise ValueError(
                f"Checksum mismatch for {url}: the downloaded file is not the expected one "
                f"(expected sha256 {sha256.removeprefix('json:')}). It was deleted; try again, "
                "and if it keeps failing the file at that URL has changed."
            )
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def fetch(name: str, path: str, *, progress: bool = True) -> Path:
    """Return the verified local copy of one file of dataset ``name``, downloading it if needed.

    ``path`` is the file's place inside the data directory, as listed in ``DATA_HUB[name]``.
    A cached file with a wrong checksum is never returned: it is downloaded again, and when that
    is impossible a :class:`DataUnavailableError` says which file, which URL and what to do.
    """
    files = _entry(name)["files"]
    if path not in files:
        raise KeyError(f"Dataset {name!r} has no file {path!r}. Its files: {', '.join(sorted(files)[:5])} ...")
    url, sha = files[path]
    local = data_dir() / path
    problem = "is not in the data directory"
    if local.exists():
        if _matches(local, sha):
            return local
        problem = "is in the data directory but fails its sha256 checksum (corrupted or changed)"
    try:
        return download(url, local, sha, progress=progress)
    except (OSError, ValueError) as err:
        raise DataUnavailableError(
            f"Dataset {name!r}: the file {path!r} {problem}, and downloading it from {url} "
            f"failed ({err}). Connect to the internet and run this again, or set {DATA_ENV} "
            f"to a directory that holds a verified copy (now: {data_dir()})."
        ) from err


def fetch_all(name: str, *, progress: bool = True) -> Path:
    """Fetch every file of dataset ``name``; return the data directory they live under."""
    for path in _entry(name)["files"]:
        fetch(name, path, progress=progress)
    return data_dir()


def _read_idx(path: Path) -> np.ndarray:
    """Read an idx file (the MNIST format), gzipped or not: big-endian dims after a magic number."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    if data[:2] != b"\x00\x00" or data[2] != 0x08:
        raise ValueError(f"{path.name} is not an idx file of unsigned bytes")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_mnist() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """MNIST from the official idx files: ``(x_train, y_train), (x_test, y_test)``, uint8.

    Images are (N, 28, 28). Used in the datasets chapter.
    """
    arrays = [
        _read_idx(fetch("mnist", f"mnist/{split}-{kind}-idx{dim}-ubyte.gz"))
        for split in ("train", "t10k")
        for kind, dim in (("images", 3), ("labels", 1))
    ]
    return (arrays[0], arrays[1]), (arrays[2], arrays[3])


def load_fashion_mnist() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Fashion-MNIST through ``keras.datasets.fashion_mnist.load_data()`` and Keras's cache.

    Returns ``(x_train, y_train), (x_test, y_test)``, uint8, images (N, 28, 28). Class names are in
    :data:`FASHION_MNIST_CLASSES`. Keras checks no checksum when it downloads the files, so the
    decoded arrays are checked against ``DATA_HUB["fashion_mnist"]["content_sha256"]``; a mismatch
    raises :class:`DataUnavailableError`. Used from chapter 0 on (the first CNN is trained on it).
    """
    import keras

    home = os.environ.get("KERAS_HOME", "~/.keras")
    try:
        (x, y), (xt, yt) = keras.datasets.fashion_mnist.load_data()
    except Exception as err:  # Keras raises a bare Exception when the download fails
        raise DataUnavailableError(
            "Dataset 'fashion_mnist': Keras could not find it in its cache "
            f"({home}/datasets/fashion-mnist) nor download it ({err}). Connect to the internet, "
            "or set KERAS_HOME to a writable directory that holds datasets/fashion-mnist/*.gz."
        ) from err
    expected = DATA_HUB["fashion_mnist"]["content_sha256"]
    for split, (images, labels) in {"train": (x, y), "test": (xt, yt)}.items():
        if _content_sha256(images, labels) != expected[split]:
            raise DataUnavailableError(
                f"Dataset 'fashion_mnist': the {split} split that Keras loaded from its cache "
                f"({home}/datasets/fashion-mnist) fails its content checksum (corrupted or changed "
                f"files; {len(labels)} images). Delete that folder and run this again to download "
                "it afresh."
            )
    return (x, y), (xt, yt)


def _read_cifar_batch(tar: tarfile.TarFile, member: str) -> tuple[np.ndarray, np.ndarray]:
    batch = pickle.load(tar.extractfile(f"cifar-10-batches-py/{member}"), encoding="bytes")
    x = batch[b"data"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(x, dtype=np.uint8), np.asarray(batch[b"labels"], dtype=np.uint8)


def load_cifar10(
    n_train: int,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """CIFAR-10: the first ``n_train`` training images in the official order, and the test set.

    Returns ``(x_train, y_train), (x_test, y_test)``, uint8, images (N, 32, 32, 3), labels (N,).
    The book uses ``n_train=20_000`` so that its models train on a CPU. A cache of that subset
    (``cifar10.npz``) is used when it holds enough images; otherwise the official archive is
    fetched and read. Class names are in :data:`CIFAR10_CLASSES`. Taught in the CNN chapter.
    """
    if not isinstance(n_train, (int, np.integer)) or not 1 <= n_train <= 50_000:
        raise ValueError(f"n_train must be an integer between 1 and 50000, got {n_train!r}")
    entry = DATA_HUB["cifar10"]
    subset, held, sha = entry["subset"]
    cached = data_dir() / subset
    if n_train <= held and cached.exists():
        if not _matches(cached, sha):
            raise DataUnavailableError(
                f"Dataset 'cifar10': the cache file {subset!r} in {data_dir()} fails its sha256 "
                "checksum (corrupted or changed). Delete it; the loader then reads the official "
                "archive instead."
            )
        with np.load(cached) as npz:
            return (npz["x_train"][:n_train], npz["y_train"][:n_train]), (npz["x_test"], npz["y_test"])
    archive = fetch("cifar10", "cifar-10-python.tar.gz")
    with tarfile.open(archive, "r:gz") as tar:
        parts = [_read_cifar_batch(tar, f"data_batch_{i}") for i in range(1, 6)]
        x_test, y_test = _read_cifar_batch(tar, "test_batch")
    x_train = np.concatenate([p[0] for p in parts])[:n_train]
    y_train = np.concatenate([p[1] for p in parts])[:n_train]
    return (x_train, y_train), (x_test, y_test)


def _hoh_from_zip(archive: Path, split_dir: Path) -> None:
    """The recipe: official 300 px RGBA PNG -> RGB -> exact 2x2 box average -> 150 px PNG."""
    from PIL import Image

    with zipfile.ZipFile(archive) as zf:
        for member in zf.namelist():
            parts = Path(member).parts
            if len(parts) != 2 or parts[0] not in HORSES_OR_HUMANS_CLASSES or not member.endswith(".png"):
                continue
            image = Image.open(io.BytesIO(zf.read(member))).convert("RGB").reduce(2)
            target = split_dir / parts[0] / parts[1]
            target.parent.mkdir(parents=True, exist_ok=True)
            image.save(target)


def _hoh_arrays(split_dir: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    from PIL import Image

    images, labels, names = [], [], []
    for label, cls in enumerate(HORSES_OR_HUMANS_CLASSES):
        for file in sorted((split_dir / cls).glob("*.png")):
            with Image.open(file) as im:
                images.append(np.asarray(im.convert("RGB")))
            labels.append(label)
            names.append(f"{cls}/{file.name}")
    if not images:
        return np.zeros((0, 150, 150, 3), np.uint8), np.zeros((0,), np.uint8), []
    return np.stack(images), np.asarray(labels, dtype=np.uint8), names


def _content_sha256(x: np.ndarray, y: np.ndarray) -> str:
    digest = hashlib.sha256(np.ascontiguousarray(x).tobytes())
    digest.update(np.ascontiguousarray(y).tobytes())
    return digest.hexdigest()


def _load_hoh_split(split: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    if split not in ("train", "validation"):
        raise ValueError(f"split must be 'train' or 'validation', got {split!r}")
    entry = DATA_HUB["horses_or_humans"]
    root = data_dir() / "horses-or-humans"
    split_dir = root / split
    expected = entry["content_sha256"][split]
    if split_dir.is_dir():
        x, y, names = _hoh_arrays(split_dir)
        if _content_sha256(x, y) == expected:
            return x, y, names
        raise DataUnavailableError(
            f"Dataset 'horses_or_humans': the folder {split_dir} does not hold the expected "
            f"150 px images (content checksum mismatch: {len(names)} images found). Delete the "
            "folder and run this again to rebuild it from the official archive."
        )
    zip_name = "horse-or-human.zip" if split == "train" else "validation-horse-or-human.zip"
    archive = fetch("horses_or_humans", f"horses-or-humans/{zip_name}")
    tmp_dir = Path(tempfile.mkdtemp(dir=root, prefix=f".{split}-"))
    try:
        _hoh_from_zip(archive, tmp_dir)
        x, y, names = _hoh_arrays(tmp_dir)
        if _content_sha256(x, y) != expected:
            raise DataUnavailableError(
                f"Dataset 'horses_or_humans': the images built from {zip_name} do not match the "
                "expected content checksum, so they were not kept. Your Pillow may resize "
                "differently; please report it with `pip show pillow`."
            )
        tmp_dir.replace(split_dir)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    return x, y, names


def load_horses_or_humans(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Horses or Humans at 150 px as arrays: ``x`` uint8 (N, 150, 150, 3) and ``y`` (0 horse, 1 human).

    ``split`` is ``"train"`` (1,027 images) or ``"validation"`` (the official 256). The first call
    without a cache downloads the official 300 px archive and halves it (RGB, exact 2x2 average).
    Used in the EDA, augmentation, transfer-learning and CAM chapters.
    """
    x, y, _ = _load_hoh_split(split)
    return x, y


def horses_or_humans_dir() -> Path:
    """The folder with ``train/`` and ``validation/``, each with ``horses/`` and ``humans/``.

    Pass ``horses_or_humans_dir() / "train"`` to ``keras.utils.image_dataset_from_directory``.
    Both splits are verified (and built if needed) first. Used in the input-pipeline chapter.
    """
    for split in ("train", "validation"):
        _load_hoh_split(split)
    return data_dir() / "horses-or-humans"


def coco_tiny() -> tuple[Path, Path]:
    """The COCO val2017 subset: ``(image_dir, instances_json)``, every file verified.

    Open the annotations with ``pycocotools.coco.COCO(str(instances_json))``. Used in the
    task chapter and the object-detection chapter.
    """
    root = fetch_all("coco_tiny")
    return root / "coco-tiny" / "val2017", root / "coco-tiny" / "annotations" / "instances_val2017.json"


def load_membrane() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ISBI 2012 membrane set: ``x_train`` (30, 512, 512) uint8, ``y_train`` masks, ``x_test``.

    Masks are 0/1 uint8: 1 = cell interior (white in the label images), 0 = membrane (the thin
    dark boundaries, about a fifth of the pixels). Used in the segmentation chapter.
    """
    from PIL import Image

    root = fetch_all("membrane") / "membrane"

    def read(path: Path) -> np.ndarray:
        with Image.open(path) as im:
            return np.asarray(im.convert("L"))

    # Only the registered (checksum-verified) files are read: extra PNGs in the folder are ignored.
    files = DATA_HUB["membrane"]["files"]

    def slices(folder: str) -> list[str]:
        prefix = f"membrane/{folder}/"
        names = [f[len(prefix):] for f in files if f.startswith(prefix) and "/" not in f[len(prefix):]]
        return sorted((n for n in names if n.endswith(".png") and "_predict" not in n),
                      key=lambda n: int(n[:-4]))

    train = slices("train/image")
    if train != slices("train/label"):
        raise DataUnavailableError("membrane: the registry lists different train images and labels")
    x_train = np.stack([read(root / "train" / "image" / n) for n in train])
    y_train = np.stack([read(root / "train" / "label" / n) for n in train])
    x_test = np.stack([read(root / "test" / n) for n in slices("test")])
    return x_train, (y_train > 127).astype(np.uint8), x_test


def model_path(name: str) -> Path:
    """The verified local file of a trained model: ``"yolox_nano"``, ``"vww_96"`` or ``"resnet8_cifar10"``.

    Used in the detection chapter (YOLOX-Nano, the person classifier) and the CNN chapter.
    """
    models = [n for n, e in DATA_HUB.items() if any(p.startswith("models/") for p in e["files"])]
    if name not in models:
        raise KeyError(f"Unknown model {name!r}. Known models: {', '.join(models)}.")
    (path,) = DATA_HUB[name]["files"]
    return fetch(name, path)


def imagenet_class_names() -> list[str]:
    """The 1,000 ImageNet class names in index order (``"tench"``, ``"goldfish"``, ...).

    Read from the official ``imagenet_class_index.json``; used with the ImageNet MobileNet in the
    CAM / Grad-CAM chapter.
    """
    index = json.loads(fetch("imagenet_classes", "imagenet_class_index.json").read_text())
    return [index[str(i)][1] for i in range(len(index))]


def registry_table() -> list[dict[str, str]]:
    """One row per registered dataset or model (name, what, licence, files): chapter 0's table."""
    return [
        {
            "name": name,
            "title": entry["title"],
            "what": entry["what"],
            "licence": entry["licence"],
            "files": str(len(entry["files"])) if entry["files"] else "Keras cache",
        }
        for name, entry in DATA_HUB.items()
    ]
