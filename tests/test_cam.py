"""Tests for helpers.cam: CAM = Grad-CAM on GAP + Dense, nested = flat, hand-computed case, errors."""

import keras
import numpy as np
import pytest

from helpers import cam


def _gap_model(classes=3, seed=0):
    keras.utils.set_random_seed(seed)
    inp = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="c1")(inp)
    x = keras.layers.Conv2D(6, 3, strides=2, padding="same", activation="relu", name="c2")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    out = keras.layers.Dense(classes, name="head")(x)
    return keras.Model(inp, out)


def _images(n=4, seed=1):
    return np.random.default_rng(seed).uniform(0, 1, (n, 16, 16, 3)).astype("float32")


@pytest.mark.parametrize("classes", [1, 3])
def test_cam_equals_gradcam_after_normalisation(classes):
    model, x = _gap_model(classes), _images()
    for k in range(max(classes, 2)):
        a = cam.normalize(cam.cam(model, x, class_index=k))
        b = cam.normalize(cam.gradcam(model, x, class_index=k))
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_gradcam_weights_equal_dense_weights_over_positions():
    # Hand-computed: for GAP + Dense, Grad-CAM = ReLU(CAM) / (h * w) exactly.
    model, x = _gap_model(3), _images()
    g = cam.gradcam(model, x, class_index=2)
    c = cam.cam(model, x, class_index=2)
    h, w = c.shape[1:]
    np.testing.assert_allclose(g, np.maximum(c, 0) / (h * w), rtol=1e-4, atol=1e-6)


def _stack(prefix):
    return [keras.layers.Conv2D(8, 3, padding="same", activation="relu", name=prefix + "c1"),
            keras.layers.Conv2D(6, 3, strides=2, padding="same", name=prefix + "c2"),
            keras.layers.ReLU(name=prefix + "base_out")]


def _head():
    return [keras.layers.GlobalAveragePooling2D(), keras.layers.Dropout(0.3),
            keras.layers.Dense(4, activation="softmax")]


def test_nested_and_flat_models_agree():
    keras.utils.set_random_seed(3)
    base = keras.Sequential([keras.Input((16, 16, 3))] + _stack(""), name="base")
    inp = keras.Input((16, 16, 3))
    z = base(inp)
    for layer in _head():
        z = layer(z)
    nested = keras.Model(inp, z)
    f = f_in = keras.Input((16, 16, 3))
    for layer in _stack("flat_") + _head():
        f = layer(f)
    flat = keras.Model(f_in, f)
    flat.set_weights(nested.get_weights())
    seq = keras.Sequential([keras.Input((16, 16, 3)), base] + _head())
    seq.set_weights(nested.get_weights())
    x = _images(3)
    assert cam.last_conv_layer(nested).name == "base_out"
    assert cam.last_conv_layer(flat).name == "flat_base_out"
    np.testing.assert_allclose(cam.gradcam(nested, x), cam.gradcam(flat, x), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(cam.cam(nested, x, 1), cam.cam(flat, x, 1), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(cam.gradcam(seq, x, 2), cam.gradcam(flat, x, 2), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(cam.gradcam(nested, x, layer="c2"), cam.gradcam(flat, x, layer="flat_c2"),
                               rtol=1e-4, atol=1e-6)


def test_gradcam_uses_logits_not_softmax():
    keras.utils.set_random_seed(5)
    inp = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(4, 3, activation="relu")(inp)
    x = keras.layers.GlobalAveragePooling2D()(x)
    logits = keras.layers.Dense(3, name="logits")(x)
    soft = keras.Model(inp, keras.layers.Activation("softmax")(logits))
    raw = keras.Model(inp, logits)
    imgs = _images(2)
    np.testing.assert_allclose(cam.gradcam(soft, imgs, 1), cam.gradcam(raw, imgs, 1), rtol=1e-5)


def test_error_without_conv_layer():
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="no convolutional layer"):
        cam.gradcam(model, np.zeros((1, 8, 8, 3)))


def test_error_for_wrong_image_shape():
    model = _gap_model()
    with pytest.raises(ValueError, match="batch of shape"):
        cam.gradcam(model, np.zeros((16, 16, 3)))
    with pytest.raises(ValueError, match="model expects"):
        cam.gradcam(model, np.zeros((2, 20, 20, 3)))


def test_cam_needs_gap_dense_head():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(2, 3), keras.layers.Flatten(),
                              keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="GlobalAveragePooling2D"):
        cam.cam(model, np.zeros((1, 8, 8, 3)))
    assert cam.gradcam(model, np.ones((1, 8, 8, 3))).shape == (1, 6, 6)


def test_normalize_and_overlay():
    m = np.array([[[-1.0, 0.0], [1.0, 2.0]]])
    np.testing.assert_allclose(cam.normalize(m), [[[0, 0], [0.5, 1.0]]])
    np.testing.assert_allclose(cam.normalize(np.zeros((2, 2))), np.zeros((2, 2)))
    ax = cam.overlay(np.zeros((8, 8, 3), dtype=np.uint8), m[0], title="t")
    assert ax.get_title() == "t"
    with pytest.raises(ValueError):
        cam.overlay(np.zeros((8, 8)), m[0])
