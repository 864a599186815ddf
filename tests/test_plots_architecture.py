"""helpers.plots.draw_architecture: one box per stage, shapes and parameters from the model."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import matplotlib

matplotlib.use("Agg")

import keras  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from keras import layers  # noqa: E402

from helpers import plots  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def box_texts(fig: plt.Figure) -> list[str]:
    """The left-hand label of every box, top to bottom."""
    return [t.get_text() for t in fig.axes[0].texts if t.get_ha() == "left" and t.get_text()]


def right_texts(fig: plt.Figure) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts if t.get_ha() == "right"]


def test_sequential_model_one_box_per_stage():
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(8, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(16, 3, strides=2, use_bias=False),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.Flatten(),
            layers.Dropout(0.25),
            layers.Dense(10),
        ]
    )
    fig = plots.draw_architecture(model, title="Tiny")
    assert box_texts(fig) == [
        "Input",
        "Conv 3×3, 8 filters + ReLU",
        "Max pool 2×2",
        "Conv 3×3, 16 filters, stride 2 + BN + ReLU",
        "Flatten",
        "Dropout 25%",
        "Dense 10 (logits)",
    ]
    shapes = [t.split("  ")[0].strip() for t in right_texts(fig)]
    assert shapes[:4] == ["28 × 28 × 1", "26 × 26 × 8", "13 × 13 × 8", "6 × 6 × 16"]
    # conv 8*9+8 = 80; conv 16*8*9 = 1152 plus BN 4*16 = 64; dense 576*10+10 = 5770
    params = [int(t.split()[-2].replace(",", "")) for t in right_texts(fig)]
    assert params == [0, 80, 0, 1152 + 64, 0, 0, 5770]
    assert sum(params) == model.count_params()
    assert fig.axes[0].get_title() == f"Tiny: {model.count_params():,} parameters"


def test_functional_model_merges_augmentation_and_pooling_and_draws_skip():
    inputs = keras.Input((32, 32, 3))
    x = layers.RandomFlip("horizontal")(inputs)
    x = layers.RandomTranslation(0.1, 0.1)(x)
    x = layers.Conv2D(4, 3, padding="same")(x)
    x = layers.MaxPooling2D(2)(x)
    y = layers.Conv2D(4, 3, padding="same", activation="relu")(x)
    y = layers.Conv2D(4, 3, padding="same")(y)
    x = layers.Activation("relu")(layers.Add()([x, y]))
    outputs = layers.Dense(3, activation="softmax")(layers.GlobalAveragePooling2D()(x))
    model = keras.Model(inputs, outputs)
    fig = plots.draw_architecture(model, merge_pooling=True, show_params=False)
    assert box_texts(fig) == [
        "Input",
        "Augmentation (training only): flip, translation",
        "Conv 3×3, 4 filters + max pool 2×2",
        "Conv 3×3, 4 filters + ReLU",
        "Conv 3×3, 4 filters",
        "Add (skip connection) + ReLU",
        "Global average pool",
        "Dense 3 + softmax",
    ]
    assert not any(" p" in t for t in right_texts(fig))
    arrows = [a for a in fig.axes[0].texts if a.__class__.__name__ == "Annotation"]
    # 7 straight arrows between 8 boxes, plus one skip from the pooled conv box (box 2,
    # centre at y = 8 - 1 - 2 + 0.5) to the Add box (box 5, y = 2.5)
    assert len(arrows) == 8
    skips = [(a.xyann[1], a.xy[1]) for a in arrows if a.xyann[1] - a.xy[1] > 1]
    assert skips == [(5.5, 2.5)]


def test_draws_into_given_axes():
    model = keras.Sequential([keras.Input((8, 8, 1)), layers.Flatten(), layers.Dense(2)])
    fig, axes = plt.subplots(1, 2)
    out = plots.draw_architecture(model, ax=axes[1])
    assert out is fig and len(axes[1].patches) == 3 and len(axes[0].patches) == 0


def test_unbuilt_model_raises_clear_error():
    with pytest.raises(ValueError, match="keras.Input"):
        plots.draw_architecture(keras.Sequential([layers.Dense(2)]))
