"""Figures every chapter reuses: image grids and training curves.

Image grids are introduced in chapter 0; training curves are read in the training-practice
chapter and used by every chapter that trains a model.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np


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
    """
    images = np.asarray(images)
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] not in (1, 3)):
        raise ValueError(
            "images must be (N, H, W) grey or (N, H, W, 1 or 3) colour, "
            f"got an array of shape {images.shape}"
        )
    if len(images) == 0:
        raise ValueError("images is empty: pass at least one image")
    for name, seq in (("labels", labels), ("predictions", predictions)):
        if seq is not None and len(seq) != len(images):
            raise ValueError(f"{name} has {len(seq)} entries but there are {len(images)} images")
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    n = len(images)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.4), squeeze=False)

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
            ax.set_title(text, fontsize=8, color=colour)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
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
    missing = [m for m in metrics if m not in logs]
    if missing:
        raise KeyError(f"history has no {missing}; it has {sorted(logs)}")
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.4), squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        epochs = np.arange(1, len(logs[metric]) + 1)
        ax.plot(epochs, logs[metric], marker="o", label="training")
        if f"val_{metric}" in logs:
            ax.plot(epochs, logs[f"val_{metric}"], marker="s", label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.set_title(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
