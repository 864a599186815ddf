"""Class activation maps: CAM and Grad-CAM, and an overlay plot.

Taught in chapter 12 (Where does the network look? CAM and Grad-CAM). :func:`gradcam` works for
Sequential and Functional models and for a model that nests a pretrained base as one layer;
:func:`cam` needs a model whose head is global average pooling followed by a linear classifier
(a dense layer, or the 1 x 1 convolution of keras.applications.MobileNet).
"""

from __future__ import annotations

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from helpers import _checks

_CONV_TYPES = (keras.layers.Conv2D, keras.layers.DepthwiseConv2D, keras.layers.SeparableConv2D)


def _is_model(layer: keras.layers.Layer) -> bool:
    return isinstance(layer, keras.Model)


def _rank(layer: keras.layers.Layer) -> int | None:
    try:
        return len(layer.output.shape)
    except (AttributeError, ValueError):
        return None


def _contains(model: keras.Model, target: keras.layers.Layer) -> bool:
    for layer in model.layers:
        if layer is target or (_is_model(layer) and _contains(layer, target)):
            return True
    return False


def _has_conv(model: keras.Model) -> bool:
    return any(isinstance(l, _CONV_TYPES) or (_is_model(l) and _has_conv(l)) for l in model.layers)


def last_conv_layer(model: keras.Model) -> keras.layers.Layer:
    """The layer whose 4-D output Grad-CAM should use: the last layer with a 4-D output at or after
    the last convolution, looking inside nested models (a pretrained base used as one layer).
    Layers with a 1 x 1 spatial output (a 1 x 1 convolution used as the classifier after pooling, as
    in keras.applications.MobileNet) are skipped: they hold no "where".

    Raises ``ValueError`` if the model has no convolutional layer.
    """
    if not _has_conv(model):
        raise ValueError(f"model {model.name!r} has no convolutional layer (Conv2D, DepthwiseConv2D "
                         "or SeparableConv2D); CAM and Grad-CAM need spatial feature maps")
    for layer in reversed(model.layers):
        if _is_model(layer) and _has_conv(layer):
            return last_conv_layer(layer)
        if (_rank(layer) == 4 and not isinstance(layer, keras.layers.InputLayer)
                and tuple(layer.output.shape[1:3]) != (1, 1)):
            return layer
    raise ValueError(f"model {model.name!r} has no layer with a 4-D output after its convolutions")


def _find_layer(model: keras.Model, name: str) -> keras.layers.Layer:
    for layer in model.layers:
        if layer.name == name:
            return layer
        if _is_model(layer):
            try:
                return _find_layer(layer, name)
            except ValueError:
                pass
    raise ValueError(f"no layer named {name!r} in model {model.name!r}")


_SQUASHES = ("softmax", "sigmoid")


def _squash(layer: keras.layers.Layer) -> str | None:
    """How ``layer`` applies a final softmax / sigmoid: "layer" (an Activation or Softmax layer: drop
    it), "dense" (a Dense with that activation: keep its affine part), "model" (a nested model that
    ends in one), or None."""
    if isinstance(layer, keras.layers.Softmax):
        return "layer"
    name = getattr(getattr(layer, "activation", None), "__name__", "")
    if isinstance(layer, keras.layers.Activation) and name in _SQUASHES:
        return "layer"
    if isinstance(layer, keras.layers.Dense) and name in _SQUASHES:
        return "dense"
    if name in _SQUASHES:  # e.g. a Conv2D with a softmax activation: no logit to reach
        raise ValueError(f"layer {layer.name!r} ({type(layer).__name__}) applies {name} inside itself; "
                         "Grad-CAM needs the logit before it. Rebuild the head with a linear layer "
                         "followed by keras.layers.Softmax() or Activation('softmax')")
    if _is_model(layer):
        inner = [l for l in layer.layers if not isinstance(l, keras.layers.InputLayer)]
        if inner and _squash(inner[-1]):
            return "model"
    return None


def _dense_logits(layer: keras.layers.Dense, t: tf.Tensor) -> tf.Tensor:
    return tf.matmul(t, layer.kernel) + (layer.bias if layer.use_bias else 0.0)


def _call_logits(layer: keras.layers.Layer, x: tf.Tensor) -> tf.Tensor:
    """``layer(x)`` without its final softmax / sigmoid (for a nested model, the one it ends in)."""
    kind = _squash(layer)
    if kind == "layer":
        return x
    if kind == "dense":
        return _dense_logits(layer, x)
    if kind == "model":
        inner = [l for l in layer.layers if not isinstance(l, keras.layers.InputLayer)]
        for l in inner[:-1]:
            x = l(x, training=False)
        return _call_logits(inner[-1], x)
    return layer(x, training=False)


def _softmax_free_head(model: keras.Model):
    """(tensor that holds the logits, function from that tensor to the logits).

    If the model ends in a softmax or sigmoid (an Activation or Softmax layer, or a Dense with that
    activation), Grad-CAM must differentiate the score before it (the logit): a saturated softmax
    has nearly zero gradient.
    """
    last = model.layers[-1]
    kind = _squash(last)
    if kind == "layer":
        return last.input, lambda t: t
    if kind == "dense":
        return last.input, lambda t: _dense_logits(last, t)
    return model.outputs[0], lambda t: t


def _chain_logits(layers: list, x: tf.Tensor) -> tf.Tensor:
    """Run a chain of layers; the last one's softmax/sigmoid is dropped to return logits."""
    layers = [l for l in layers if not isinstance(l, keras.layers.InputLayer)]
    for i, layer in enumerate(layers):
        x = _call_logits(layer, x) if i == len(layers) - 1 else layer(x, training=False)
    return x


def _forward(model: keras.Model, layer: keras.layers.Layer):
    """A function images -> (feature maps of ``layer``, logits of ``model``), differentiable."""
    if (any(l is layer for l in model.layers) and not _is_model(layer)
            and _squash(model.layers[-1]) != "model"):
        source, head = _softmax_free_head(model)
        sub = keras.Model(model.inputs, [layer.output, source])
        return lambda x: (lambda out: (out[0], head(out[1])))(sub(x, training=False))
    # The layer sits inside a nested model (or is one), or the model ends in a nested classifier:
    # walk the outer model as a chain of layers, splitting the nested model that holds the layer
    # into "up to the feature maps" and "the rest", without the final softmax.
    def run(x):
        feats = None
        layers = [l for l in model.layers if not isinstance(l, keras.layers.InputLayer)]
        for i, l in enumerate(layers):
            last = i == len(layers) - 1
            if l is layer:
                x = _call_logits(l, x) if last else l(x, training=False)
                feats = x
            elif _is_model(l) and _contains(l, layer):
                if last and _squash(l) == "model":
                    source, head = _softmax_free_head(l)
                    inner = keras.Model(l.inputs, [_find_inner_output(l, layer), source])
                    feats, t = inner(x, training=False)
                    x = head(t)
                else:
                    inner = keras.Model(l.inputs, [_find_inner_output(l, layer), l.outputs[0]])
                    feats, x = inner(x, training=False)
            else:
                x = _call_logits(l, x) if last else l(x, training=False)
        return feats, x
    return run


def _find_inner_output(model: keras.Model, layer: keras.layers.Layer):
    if any(l is layer for l in model.layers):
        return layer.output
    raise ValueError(f"layer {layer.name!r} is nested more than one level deep in {model.name!r}; "
                     "pass a layer of the outer model or of a model nested directly in it")


def _check_images(model: keras.Model, images) -> tf.Tensor:
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    arr = _checks.numeric(images, "images")
    if arr.ndim == 4 and len(arr) == 0:
        raise ValueError("images is empty: pass a batch of at least one image")
    x = tf.convert_to_tensor(arr, dtype=tf.float32)
    if x.shape.rank != 4:
        raise ValueError(f"images must be a batch of shape (N, height, width, channels); got shape "
                         f"{tuple(x.shape)} (add a batch axis with images[None] for one image)")
    expected = model.inputs[0].shape if model.inputs else None
    if expected is not None:
        for got, want in zip(x.shape[1:], expected[1:]):
            if want is not None and got != want:
                raise ValueError(f"images have shape {tuple(x.shape)} but the model expects "
                                 f"(N, {', '.join(str(d) for d in expected[1:])})")
    return x


def _resolve(model: keras.Model, layer) -> keras.layers.Layer:
    if layer is None:
        return last_conv_layer(model)
    if isinstance(layer, str):
        layer = _find_layer(model, layer)
    elif not isinstance(layer, keras.layers.Layer):
        raise TypeError(f"layer must be None, a layer name or a keras layer, got {type(layer).__name__}")
    rank = _rank(layer)
    if rank != 4:
        raise ValueError(f"layer {layer.name!r} has output shape "
                         f"{tuple(layer.output.shape) if rank else 'unknown'}; CAM and Grad-CAM need a "
                         "layer with 4-D feature maps (batch, height, width, channels), such as the "
                         "last convolution (the default, layer=None)")
    return layer


def _class_scores(logits: tf.Tensor, class_index) -> tuple[tf.Tensor, np.ndarray]:
    """The scalar score per image for the chosen class (for one sigmoid logit: class 1 = +logit,
    class 0 = -logit), and the class indices used."""
    if logits.shape.rank != 2:
        raise ValueError(f"the model's output must be (N, classes) scores, got shape {tuple(logits.shape)}")
    n, c = logits.shape[0], logits.shape[-1]
    if c > 1:
        v = logits.numpy()
        if np.all(v >= 0) and np.allclose(v.sum(axis=-1), 1.0, atol=1e-5):
            raise ValueError("the model's output looks like softmax probabilities (rows >= 0 summing to 1), "
                             "but no final softmax layer was found to step back from; Grad-CAM needs "
                             "the logit. End the model in keras.layers.Softmax() / Activation('softmax') "
                             "or a Dense(..., activation='softmax'), or pass a model that returns logits")
    if class_index is None:
        idx = (logits[:, 0].numpy() > 0).astype(int) if c == 1 else np.argmax(logits.numpy(), axis=-1)
    elif np.ndim(class_index) == 0:
        idx = np.full(n, _checks.whole_number(class_index, "class_index", minimum=None), dtype=int)
    else:
        idx = _checks.integer_labels(class_index, "class_index")
        if idx.shape != (n,):
            raise ValueError(f"class_index must be one int, or one int per image ({n}), got shape "
                             f"{np.shape(class_index)}")
    upper = 2 if c == 1 else c
    if np.any(idx < 0) or np.any(idx >= upper):
        raise ValueError(f"class_index must be in [0, {upper}); got {idx.tolist()}")
    if c == 1:
        sign = tf.constant(np.where(idx == 1, 1.0, -1.0), dtype=logits.dtype)
        return logits[:, 0] * sign, idx
    return tf.gather(logits, idx, axis=1, batch_dims=1), idx


def gradcam(model: keras.Model, images, class_index=None, layer=None) -> np.ndarray:
    """Grad-CAM maps (Selvaraju et al. 2017), shape (N, h, w) at the feature-map resolution.

    The channel weights are the gradients of the class logit with respect to the feature maps of
    ``layer``, averaged over positions; the map is ReLU(sum_k weight_k * A_k). ``class_index`` is
    None (the predicted class), an int, or one int per image. ``layer`` is None (the last
    convolutional block, found also inside a nested base model), a layer name or a layer.
    Works with Sequential, Functional and nested models whose outer model is a chain of layers.
    """
    x = _check_images(model, images)
    target = _resolve(model, layer)
    forward = _forward(model, target)
    with tf.GradientTape() as tape:
        feats, logits = forward(x)
        if feats is None:
            raise ValueError(f"layer {target.name!r} is not on the path from the input to the output")
        tape.watch(feats)
        scores, _ = _class_scores(logits, class_index)
    grads = tape.gradient(scores, feats)
    weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)
    maps = tf.nn.relu(tf.reduce_sum(weights * feats, axis=-1))
    return maps.numpy()


def _linear(layer: keras.layers.Layer) -> bool:
    name = getattr(getattr(layer, "activation", None), "__name__", "linear")
    return name in ("linear",) + _SQUASHES


def _cam_head(model: keras.Model) -> tuple[keras.layers.Layer, np.ndarray]:
    """(the global average pooling layer, the class weights (K, C)) of a CAM-ready head.

    Accepted heads, with Dropout anywhere and a final softmax / sigmoid layer allowed:
    GlobalAveragePooling2D -> Dense, and GlobalAveragePooling2D(keepdims=True) -> 1 x 1 Conv2D ->
    Reshape / Flatten (keras.applications.MobileNet's top): a 1 x 1 convolution on a 1 x 1 map is a
    dense layer.
    """
    head = [l for l in model.layers if not isinstance(l, (keras.layers.Dropout, keras.layers.InputLayer))]
    if head and _squash(head[-1]) == "layer":  # ... -> Softmax(): CAM uses the layer before
        head = head[:-1]
    if (len(head) >= 2 and isinstance(head[-1], (keras.layers.Reshape, keras.layers.Flatten))
            and isinstance(head[-2], keras.layers.Conv2D)):
        head = head[:-1]  # the reshape after a 1 x 1 convolution classifier
    classifier = head[-1] if head else None
    gap = head[-2] if len(head) >= 2 else None
    message = ("cam() needs a model that ends in GlobalAveragePooling2D followed by Dense (or by a 1 x 1 "
               "Conv2D on the pooled 1 x 1 map, as keras.applications.MobileNet does); use gradcam() "
               "for any other architecture")
    if not isinstance(gap, keras.layers.GlobalAveragePooling2D):
        raise ValueError(message)
    if isinstance(classifier, keras.layers.Dense):
        kernel = classifier.kernel.numpy()
    elif (isinstance(classifier, keras.layers.Conv2D) and tuple(classifier.kernel_size) == (1, 1)
          and getattr(gap, "keepdims", False) and getattr(classifier, "groups", 1) == 1):
        kernel = classifier.kernel.numpy()[0, 0]  # (1, 1, K, C) -> (K, C)
    else:
        raise ValueError(message)
    if not _linear(classifier):
        raise ValueError(f"the classifier {classifier.name!r} applies "
                         f"{classifier.activation.__name__}; CAM needs a linear class score "
                         "(optionally followed by softmax / sigmoid). Use gradcam() instead")
    return gap, kernel


def cam(model: keras.Model, images, class_index=None, layer=None) -> np.ndarray:
    """CAM maps (Zhou et al. 2016), shape (N, h, w): sum_k w_{k,c} A_k, without ReLU.

    The model's head must be global average pooling followed by a linear classifier: a Dense
    layer, or a 1 x 1 convolution on the pooled 1 x 1 map (keras.applications.MobileNet), with
    dropout allowed in between and a final softmax / sigmoid. The mean of a map plus the
    classifier's bias is the class logit. Raises ``ValueError`` for any other head.
    """
    x = _check_images(model, images)
    gap, w = _cam_head(model)
    target = _resolve(model, layer)
    feats, logits = _forward(model, target)(x)
    if tuple(feats.shape[1:]) != tuple(gap.input.shape[1:]):
        raise ValueError(f"cam() weights the feature maps that enter the global average pooling, "
                         f"shape {tuple(gap.input.shape[1:])}; layer {target.name!r} has shape "
                         f"{tuple(feats.shape[1:])}. Leave layer=None or use gradcam() for other layers")
    _, idx = _class_scores(logits, class_index)
    if w.shape[1] == 1:
        w_c = np.where(idx[:, None] == 1, w[:, 0][None, :], -w[:, 0][None, :])  # (N, K)
    else:
        w_c = w[:, idx].T
    return np.einsum("nhwk,nk->nhw", feats.numpy(), w_c)


def normalize(maps: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Clip at 0 and scale each map to [0, 1] by its maximum (an all-zero map stays zero).

    ``maps`` is one (h, w) map or a batch (N, h, w). The clipping at 0 is the point: CAM maps are
    signed, and only the evidence *for* the class is shown.
    """
    m = _checks.numeric(maps, "maps", ndim=(2, 3)).astype(np.float64)
    eps = _checks.real_number(eps, "eps", low=0.0, low_open=True)
    m = np.maximum(m, 0.0)
    if m.ndim == 2:
        return normalize(m[None], eps)[0]
    if m.size == 0:
        raise ValueError(f"maps is empty (shape {m.shape})")
    peak = m.reshape(len(m), -1).max(axis=1).reshape(-1, 1, 1)
    return m / np.maximum(peak, eps)


def upsample(heatmap: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear resize of one (h, w) map to ``size`` = (height, width)."""
    h = _checks.numeric(heatmap, "heatmap", ndim=2)
    if h.size == 0:
        raise ValueError(f"heatmap is empty (shape {h.shape})")
    if isinstance(size, (str, bytes)) or np.ndim(size) != 1 or len(size) != 2:
        raise ValueError(f"size must be (height, width), got {size!r}")
    size = tuple(_checks.whole_number(v, "size", minimum=1) for v in size)
    out = tf.image.resize(h.astype(np.float32)[..., None], size, method="bilinear")
    return out.numpy()[..., 0]


def overlay(image: np.ndarray, heatmap: np.ndarray, ax=None, alpha: float = 0.45,
            title: str | None = None, cmap: str = "inferno", vmax: float | None = None):
    """Show ``image`` (H, W, 3; uint8 0-255, floats in [0, 1], or floats in [0, 255]) with
    ``heatmap`` (h, w), resized to the image, on top. Returns the axes.

    The map is clipped at 0 and divided by ``vmax``; with ``vmax=None`` by its own maximum
    (:func:`normalize`). Pass one ``vmax`` to several overlays to compare maps on a shared scale
    (a near-zero map then stays dark instead of being stretched to full brightness); values above
    it are drawn at the top colour. ``cmap`` is a perceptual colour map by default.

    Float images whose maximum exceeds 1 are read as 0-255 pixels; values more than half a grey
    level below 0 or above 255 (a preprocessed model input, e.g. in [-1, 1]) are refused: pass the
    original pixels. Round-off within that half level (a resize giving 255.00008) is clipped.
    """
    image = _checks.numeric(image, "image")
    if image.ndim != 3 or image.shape[-1] not in (3, 4) or image.size == 0:
        raise ValueError(f"image must have shape (H, W, 3); got {image.shape}")
    heat = _checks.numeric(heatmap, "heatmap", ndim=2)
    alpha = _checks.real_number(alpha, "alpha", low=0.0, high=1.0)
    if vmax is not None:
        vmax = _checks.real_number(vmax, "vmax", low=0.0, low_open=True)
    if image.dtype == bool:
        raise TypeError("image must be pixels (uint8 or floats), got booleans")
    # Half a grey level of slack: a resize leaves round-off such as 255.00008, which is clipped.
    if image.min() < -0.5 or image.max() > 255.5:
        raise ValueError(f"image pixels must be in [0, 1] or [0, 255], got values from {image.min()} to "
                         f"{image.max()} (a preprocessed model input? pass the original pixels)")
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    img = image / 255.0 if image.dtype == np.uint8 or image.max() > 1.0 else image
    scaled = normalize(heat) if vmax is None else np.maximum(heat, 0.0) / vmax
    heat = upsample(scaled, image.shape[:2])
    ax.imshow(np.clip(img, 0, 1))
    ax.imshow(heat, cmap=cmap, alpha=alpha, vmin=0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return ax
