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


@pytest.fixture(scope="module")
def mobilenet():
    keras.utils.set_random_seed(3)
    model = keras.applications.MobileNet(weights=None, alpha=0.25, input_shape=(96, 96, 3), classes=5)
    bias = model.get_layer("conv_preds").bias  # Keras initialises it to zero: give it a value
    bias.assign(np.linspace(-1.0, 1.0, 5).astype("float32"))
    return model


def test_cam_on_mobilenets_convolution_head(mobilenet):
    # keras.applications.MobileNet ends in GAP(keepdims) -> Dropout -> 1 x 1 Conv2D -> Reshape ->
    # softmax: the convolution on the pooled 1 x 1 map is a dense layer, so CAM applies. Reference:
    # the mean of a CAM map plus the classifier's bias is the model's logit for that class.
    x = np.random.default_rng(0).uniform(-1, 1, (3, 96, 96, 3)).astype("float32")
    logits = keras.Model(mobilenet.input, mobilenet.get_layer("reshape_2").output)(x).numpy()
    bias = mobilenet.get_layer("conv_preds").bias.numpy()
    for k in (0, 4):
        maps = cam.cam(mobilenet, x, class_index=k)
        assert maps.shape == (3, 3, 3)
        np.testing.assert_allclose(maps.mean(axis=(1, 2)) + bias[k], logits[:, k], rtol=1e-4, atol=1e-5)
        # and Grad-CAM on the same head is ReLU(CAM) / (h * w), as for GAP -> Dense
        g = cam.gradcam(mobilenet, x, class_index=k)
        np.testing.assert_allclose(g, np.maximum(maps, 0) / 9, rtol=1e-3, atol=1e-6)


def test_cam_refuses_a_nonlinear_classifier():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3),
                              keras.layers.GlobalAveragePooling2D(),
                              keras.layers.Dense(3, activation="relu")])
    with pytest.raises(ValueError, match="applies relu; CAM needs a linear class score"):
        cam.cam(model, np.zeros((1, 8, 8, 3)))
    # a 1 x 1 convolution after pooling without keepdims is not a CAM head either
    inp = keras.Input((8, 8, 3))
    feats = keras.layers.Conv2D(4, 3)(inp)
    out = keras.layers.Dense(3)(keras.layers.Flatten()(keras.layers.Conv2D(3, 1)(feats)))
    with pytest.raises(ValueError, match="GlobalAveragePooling2D"):
        cam.cam(keras.Model(inp, out), np.zeros((1, 8, 8, 3)))


def test_overlay_shared_scale():
    image = np.zeros((8, 8, 3), dtype=np.uint8)
    weak, strong = np.full((2, 2), 0.1), np.full((2, 2), 1.0)
    # on a shared scale a weak map stays dark; on its own scale it is stretched to the top colour
    shared = cam.overlay(image, weak, vmax=1.0).images[1].get_array()
    own = cam.overlay(image, weak).images[1].get_array()
    np.testing.assert_allclose(shared, 0.1, atol=1e-6)
    np.testing.assert_allclose(own, 1.0, atol=1e-6)
    np.testing.assert_allclose(cam.overlay(image, strong, vmax=2.0).images[1].get_array(), 0.5, atol=1e-6)
    for bad in (0.0, -1.0):
        with pytest.raises(ValueError, match="vmax"):
            cam.overlay(image, weak, vmax=bad)
