"""Figures every chapter reuses: image grids, training curves, photographs as JPEG.

Image grids are introduced in chapter 0; training curves are read in the training-practice
chapter and used by every chapter that trains a model. Figures are sized for the book's text
column (``COLUMN_INCHES`` wide at most) and drawn at twice the pixels for high-density screens.
"""

from __future__ import annotations

import io
from typing import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
import numpy as np

from helpers import _checks

#: Widest figure, in inches at matplotlib's inline 100 dpi, that fits the book's text column
#: (about 800 CSS pixels) without being shrunk, so its text stays readable on a phone.
COLUMN_INCHES = 8.0


def image_grid(
    images: np.ndarray,
    labels: Sequence[int] | np.ndarray | None = None,
    class_names: Sequence[str] | None = None,
    *,
    ncols: int = 8,
    title: str | None = None,
    size: float = 1.4,
    predictions: Sequence[int] | np.ndarray | None = None,
) -> plt.Figure:
    """Show a batch of images in a grid, each titled with its class name (and prediction, if given).

    ``images`` is (N, H, W) grey or (N, H, W, 3) RGB, uint8 0-255 or float 0-1. With
    ``predictions``, a title reads ``true / predicted`` and wrong ones are drawn in red.
    Each image is ``size`` inches, smaller when ``ncols`` of them would be wider than the
    column (``COLUMN_INCHES``).
    """
    images = np.asarray(images)
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] not in (1, 3)):
        raise ValueError(
            "images must be (N, H, W) grey or (N, H, W, 1 or 3) colour, "
            f"got an array of shape {images.shape}"
        )
    if len(images) == 0:
        raise ValueError("images is empty: pass at least one image")
    if images.dtype == object or not (np.issubdtype(images.dtype, np.number) or images.dtype == bool):
        raise TypeError(f"images must be a numeric array, got dtype {images.dtype}")
    ncols = _checks.whole_number(ncols, "ncols", minimum=1)
    size = _checks.real_number(size, "size", low=0.0, low_open=True)
    checked = {}
    for name, seq in (("labels", labels), ("predictions", predictions)):
        if seq is None:
            continue
        arr = _checks.integer_labels(seq, name, ndim=None)
        if arr.ndim == 2 and arr.shape[1] == 1:  # a Keras-style column of labels (N, 1)
            arr = arr[:, 0]
        if arr.ndim != 1 or len(arr) != len(images):
            raise ValueError(f"{name} has {np.size(arr)} entries but there are {len(images)} images "
                             f"(got shape {arr.shape}): pass one label per image")
        if class_names is not None and arr.size and (arr.min() < 0 or arr.max() >= len(class_names)):
            bad = np.unique(arr[(arr < 0) | (arr >= len(class_names))])[:5].tolist()
            raise ValueError(f"{name} has values {bad} outside 0..{len(class_names) - 1}, the indices of "
                             f"the {len(class_names)} class_names; pass one name per class")
        checked[name] = arr
    if predictions is not None and labels is None:
        raise ValueError("predictions need labels: pass labels= as well, to show 'true / predicted'")
    if class_names is not None and (isinstance(class_names, str) or not hasattr(class_names, "__len__")):
        raise TypeError(f"class_names must be a list of names, got {class_names!r}")
    labels, predictions = checked.get("labels"), checked.get("predictions")
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    n = len(images)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    size = min(size, COLUMN_INCHES / ncols)
    # Constrained layout leaves room for every row's titles (tight_layout only spaced the rows evenly).
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.4), squeeze=False,
                             layout="constrained")

    def name_of(index: int) -> str:
        return class_names[index] if class_names is not None else str(index)

    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(images[i], cmap="gray" if images.ndim == 3 else None)
        if labels is not None:
            text, colour = name_of(int(labels[i])), "black"
            if predictions is not None:
                text += f" / {name_of(int(predictions[i]))}"
                colour = "black" if int(labels[i]) == int(predictions[i]) else "red"
            ax.set_title(text, fontsize=9, color=colour)
    if title:
        fig.suptitle(title)
    return fig


def training_curves(
    history: Mapping[str, Sequence[float]] | object,
    metrics: Sequence[str] = ("loss", "accuracy"),
    *,
    title: str | None = None,
) -> plt.Figure:
    """Plot training and validation curves per epoch, one panel per metric.

    ``history`` is a ``keras.callbacks.History`` or its ``.history`` dict; ``val_<metric>`` is drawn
    beside ``<metric>`` when present. Reading these curves (under- vs overfitting) is taught in
    the training-practice chapter.
    """
    logs = getattr(history, "history", history)
    if not isinstance(logs, Mapping):
        raise TypeError(f"history must be a keras History or its .history dict, got {type(history).__name__}")
    if isinstance(metrics, str):
        metrics = (metrics,)
    if not metrics:
        raise ValueError("metrics is empty: name at least one, e.g. ('loss', 'accuracy')")
    missing = [m for m in metrics if m not in logs]
    if missing:
        raise KeyError(f"history has no {missing}; it has {sorted(logs)}")
    width = min(4.5 * len(metrics), COLUMN_INCHES)
    fig, axes = plt.subplots(1, len(metrics), figsize=(width, 3.4), squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        epochs = np.arange(1, len(logs[metric]) + 1)
        if len(epochs) == 0:
            raise ValueError(f"history[{metric!r}] is empty: train for at least one epoch")
        if f"val_{metric}" in logs and len(logs[f"val_{metric}"]) != len(epochs):
            raise ValueError(f"history has {len(epochs)} values of {metric!r} but "
                             f"{len(logs[f'val_{metric}'])} of 'val_{metric}': one per epoch each")
        ax.plot(epochs, logs[metric], marker="o", label="training")
        if f"val_{metric}" in logs:
            ax.plot(epochs, logs[f"val_{metric}"], marker="s", label="validation")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole epochs only
        ax.set_ylabel(metric)
        ax.set_title(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_as_jpeg(fig: plt.Figure, *, quality: int = 85) -> None:
    """Show a figure of photographs as a JPEG at twice its pixels, then close it.

    PNG, the inline default, is right for line art but stores a photograph 5-10 times larger
    than a JPEG that looks the same. Chapters whose figures are photographs (6, 8, 12, 13, 14)
    end those cells with ``plots.show_as_jpeg(fig)``. The image is drawn at twice the figure's
    dpi and displayed at its size in inches, so it is sharp on high-density (2x) screens.
    """
    from IPython.display import Image, display
    from PIL import Image as PILImage

    if not isinstance(fig, plt.Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}: "
                        "pass the figure, e.g. fig, ax = plt.subplots(); plots.show_as_jpeg(fig)")
    quality = _checks.whole_number(quality, "quality", minimum=1)
    if quality > 95:
        raise ValueError(f"quality must be 1..95 (Pillow's useful range), got {quality}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="jpeg", dpi=2 * fig.dpi, bbox_inches="tight",
                pil_kwargs={"quality": quality})
    plt.close(fig)
    data = buffer.getvalue()
    width, height = PILImage.open(io.BytesIO(data)).size
    display(Image(data=data, format="jpeg", width=width // 2, height=height // 2))


_STAGE_COLOURS = {
    "input": "#dddddd",
    "augmentation": "#f6e3b4",
    "conv": "#b9d7f0",
    "pool": "#fdd0a2",
    "global pool": "#c8e6c1",
    "flatten": "#eeeeee",
    "dropout": "#f4f4f4",
    "dense": "#f4c2c2",
    "add": "#d9c8ef",
    "other": "#e8e8e8",
}
_JOIN_PREVIOUS = {"BatchNormalization", "ReLU", "Activation"}


def _activation_name(layer: object) -> str | None:
    """'ReLU', 'softmax' or 'sigmoid' for a layer that applies one, else None."""
    if type(layer).__name__ == "ReLU":
        return "ReLU"
    name = getattr(getattr(layer, "activation", None), "__name__", "")
    return {"relu": "ReLU", "softmax": "softmax", "sigmoid": "sigmoid"}.get(name)


def _stage_of(layer: object, is_last: bool) -> tuple[str, str]:
    """(colour kind, label) of one Keras layer that opens a new box."""
    kind = type(layer).__name__
    if kind.startswith(("Conv", "DepthwiseConv", "SeparableConv")):
        size = "×".join(str(d) for d in layer.kernel_size)  # type: ignore[attr-defined]
        label = f"{kind.replace('2D', '').replace('Conv', ' conv').strip().capitalize()} {size}"
        if getattr(layer, "filters", None):
            label += f", {layer.filters} filters"  # type: ignore[attr-defined]
        strides = tuple(getattr(layer, "strides", (1,)))
        if any(s != 1 for s in strides):
            label += f", stride {strides[0]}"
        return "conv", label
    if kind in ("MaxPooling2D", "AveragePooling2D"):
        size = "×".join(str(d) for d in layer.pool_size)  # type: ignore[attr-defined]
        return "pool", f"{'Max' if kind.startswith('Max') else 'Average'} pool {size}"
    if kind.startswith("Global"):
        return "global pool", f"Global {'max' if 'Max' in kind else 'average'} pool"
    if kind == "Dense":
        label = f"Dense {layer.units}"  # type: ignore[attr-defined]
        if is_last and _activation_name(layer) is None:
            label += " (logits)"
        return "dense", label
    if kind == "Dropout":
        return "dropout", f"Dropout {layer.rate:.0%}"  # type: ignore[attr-defined]
    if kind == "Flatten":
        return "flatten", "Flatten"
    if kind == "Add":
        return "add", "Add (skip connection)"
    return "other", kind


def _stages(model: object, merge_pooling: bool) -> tuple[list[dict], list[tuple[int, int]]]:
    """Group a model's layers into boxes, and find the skip connections between boxes."""
    layers_ = [lay for lay in getattr(model, "layers", []) if type(lay).__name__ != "InputLayer"]
    if not layers_ or not getattr(model, "inputs", None):
        raise ValueError(
            "draw_architecture needs a built Keras model with layers, got "
            f"{type(model).__name__}; start it with keras.Input(shape=...) or call build()"
        )
    boxes: list[dict] = [
        {"kind": "input", "lines": ["Input"], "shape": tuple(model.inputs[0].shape[1:]),
         "params": 0}
    ]
    box_of = {getattr(t, "_keras_history", [None])[0].name: 0 for t in model.inputs
              if getattr(t, "_keras_history", None) is not None}
    skips: list[tuple[int, int]] = []
    for n, layer in enumerate(layers_):
        kind, prev = type(layer).__name__, boxes[-1]
        if kind in _JOIN_PREVIOUS and prev["kind"] != "input":
            extra = "BN" if kind == "BatchNormalization" else _activation_name(layer) or kind
            prev["lines"][-1] += f" + {extra}"
        elif kind.startswith("Random"):
            what = kind[len("Random"):].lower()
            if prev["kind"] == "augmentation":
                prev["lines"].append(what)
            else:
                boxes.append({"kind": "augmentation", "params": 0,
                              "lines": ["Augmentation (training only):", what]})
        elif (merge_pooling and kind in ("MaxPooling2D", "AveragePooling2D")
              and prev["kind"] == "conv"):
            prev["lines"][-1] += " + " + _stage_of(layer, False)[1].lower()
        else:
            colour, label = _stage_of(layer, n == len(layers_) - 1)
            act = _activation_name(layer)
            if act and colour in ("conv", "dense"):
                label += f" + {act}"
            boxes.append({"kind": colour, "lines": [label], "params": 0})
            if kind == "Add":
                for tensor in layer.input:
                    history = getattr(tensor, "_keras_history", None)
                    src = box_of.get(history[0].name) if history is not None else None
                    if src is not None and src < len(boxes) - 2:
                        skips.append((src, len(boxes) - 1))
        boxes[-1]["shape"] = tuple(layer.output.shape[1:])
        boxes[-1]["params"] += layer.count_params()
        box_of[layer.name] = len(boxes) - 1
    return boxes, skips


def draw_architecture(
    model: object,
    *,
    ax: plt.Axes | None = None,
    title: str | None = None,
    merge_pooling: bool = False,
    show_params: bool = True,
) -> plt.Figure:
    """Draw a Keras model as a column of boxes, one per stage, read top to bottom.

    Used in chapters 2 and 3. A stage is one layer plus the BatchNormalization, ReLU and
    Activation layers that follow it; consecutive ``Random*`` preprocessing layers form one
    "augmentation (training only)" box, and with ``merge_pooling`` a pooling layer joins the
    convolution before it. Each box shows its output shape (height × width × channels) and,
    with ``show_params``, its parameter count ("p"). An ``Add`` whose other input comes from an
    earlier box gets a curved skip arrow on the left. Pass ``ax`` to draw into an existing
    panel (for side-by-side models); the figure holding the panel is returned.
    """
    boxes, skips = _stages(model, merge_pooling)
    n = len(boxes)
    own_figure = ax is None
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.5, 0.45 * n + 0.6))
    else:
        fig = ax.figure
    left = 0.08 if skips else 0.0
    for i, box in enumerate(boxes):
        y = n - 1 - i
        ax.add_patch(plt.Rectangle((left, y + 0.15), 1 - left, 0.7, edgecolor="#444444",
                                   facecolor=_STAGE_COLOURS[box["kind"]]))
        text = box["lines"][0]
        if len(box["lines"]) > 1:
            text += " " + ", ".join(box["lines"][1:])
        ax.text(left + 0.015, y + 0.5, text, va="center", fontsize=9)
        right = " × ".join(str(d) for d in box["shape"])
        if show_params:
            right += f"  {box['params']:>9,} p"
        ax.text(0.985, y + 0.5, right, va="center", ha="right", fontsize=9, family="monospace")
        if i:
            ax.annotate("", xy=(0.5, y + 0.85), xytext=(0.5, y + 1.15),
                        arrowprops={"arrowstyle": "->", "color": "#444444"})
    for src, dst in skips:
        ax.annotate("", xy=(left, n - 1 - dst + 0.5), xytext=(left, n - 1 - src + 0.5),
                    arrowprops={"arrowstyle": "->", "color": "#6a3d9a", "lw": 1.5,
                                "connectionstyle": "arc3,rad=0.5"})
    ax.set_xlim(-0.01, 1.0)
    ax.set_ylim(0, n)
    ax.axis("off")
    total = sum(box["params"] for box in boxes)
    ax.set_title(f"{title}: {total:,} parameters" if title else f"{total:,} parameters",
                 fontsize=10)
    if own_figure:
        fig.tight_layout()
    return fig
