"""helpers.plots: image grids and training curves."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import plots  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("shape", [(5, 28, 28), (5, 28, 28, 1), (5, 32, 32, 3)])
def test_image_grid_shapes_and_titles(shape):
    images = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    fig = plots.image_grid(images, [0, 1, 2, 1, 0], ["cat", "dog", "bird"], ncols=3, title="t")
    axes = fig.axes
    assert len(axes) == 6  # 2 rows x 3 columns; the last one stays empty
    assert [a.get_title() for a in axes[:5]] == ["cat", "dog", "bird", "dog", "cat"]
    assert len(axes[5].images) == 0 and fig._suptitle.get_text() == "t"


def test_image_grid_marks_wrong_predictions_in_red():
    images = np.zeros((3, 8, 8))
    fig = plots.image_grid(images, [0, 1, 1], ["a", "b"], predictions=[0, 0, 1])
    titles = [a.title for a in fig.axes]
    assert [t.get_text() for t in titles] == ["a / a", "b / a", "b / b"]
    assert matplotlib.colors.same_color(titles[1].get_color(), "red")
    assert matplotlib.colors.same_color(titles[0].get_color(), "black")


@pytest.mark.parametrize("images, labels, match", [
    (np.zeros((4, 8)), None, "must be \\(N, H, W\\)"),
    (np.zeros((2, 8, 8, 4)), None, "must be \\(N, H, W\\)"),
    (np.zeros((0, 8, 8)), None, "empty"),
    (np.zeros((3, 8, 8)), [0, 1], "labels has 2 entries but there are 3 images"),
])
def test_image_grid_errors(images, labels, match):
    with pytest.raises(ValueError, match=match):
        plots.image_grid(images, labels)


def test_training_curves_from_a_history_dict_and_object():
    logs = {"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.7, 0.6], "accuracy": [0.5, 0.8, 0.9]}
    fig = plots.training_curves(logs)
    loss_ax, acc_ax = fig.axes
    assert [len(line.get_xdata()) for line in loss_ax.lines] == [3, 3]
    assert len(acc_ax.lines) == 1 and acc_ax.get_xlabel() == "epoch"
    assert all(float(t).is_integer() for t in loss_ax.get_xticks())  # whole epochs, no 1.5

    class History:  # what keras.Model.fit returns
        history = logs

    assert len(plots.training_curves(History(), metrics=["loss"]).axes) == 1
    with pytest.raises(KeyError, match="history has no \\['auc'\\]"):
        plots.training_curves(logs, metrics=["auc"])


def test_show_as_jpeg_displays_a_2x_jpeg_at_the_figure_size(monkeypatch):
    import io

    import IPython.display
    from PIL import Image

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    fig, ax = plt.subplots(figsize=(4, 2), dpi=100)
    ax.imshow(np.random.default_rng(0).random((32, 64, 3)))
    plots.show_as_jpeg(fig, quality=80)
    assert not plt.fignum_exists(fig.number), "the figure is closed after it is shown"
    (image,) = shown
    assert image.format == "jpeg"
    pixels = Image.open(io.BytesIO(image.data))
    assert pixels.format == "JPEG"
    # drawn at twice the dpi, shown at the figure's size (a tight bbox trims a little)
    assert image.width == pixels.size[0] // 2 and 300 <= image.width <= 400
    assert image.height == pixels.size[1] // 2


@pytest.mark.parametrize("fig, quality, error, match", [
    ("not a figure", 85, TypeError, "matplotlib Figure"),
    (None, 0, ValueError, "quality"),
    (None, 100, ValueError, "1..95"),
])
def test_show_as_jpeg_errors(fig, quality, error, match):
    fig = plt.figure() if fig is None else fig
    with pytest.raises(error, match=match):
        plots.show_as_jpeg(fig, quality=quality)


def test_image_grid_and_curves_fit_the_column():
    fig = plots.image_grid(np.zeros((16, 8, 8)), ncols=16)
    assert fig.get_size_inches()[0] <= plots.COLUMN_INCHES + 1e-9
    fig = plots.training_curves({"loss": [1, 0.5], "accuracy": [0.5, 0.7], "auc": [0.6, 0.8]},
                                metrics=["loss", "accuracy", "auc"])
    assert fig.get_size_inches()[0] <= plots.COLUMN_INCHES + 1e-9
