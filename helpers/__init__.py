"""Helpers shared by the chapters of the course "Image classification with convolutional networks".

One flat module per topic; each function's docstring names the chapter that teaches it:

- :mod:`helpers.datasets` - the data layer (registry, verified downloads, loaders);
- :mod:`helpers.env` - seeding, environment report, benchmark records;
- :mod:`helpers.plots` - image grids and training curves;
- :mod:`helpers.metrics` - confusion-matrix, ROC / PR plots and metric tables on top of scikit-learn (chapter 10);
- :mod:`helpers.stats` - Wilson and bootstrap intervals, McNemar, seed runs, matched starts (chapter 10);
- :mod:`helpers.cam` - CAM and Grad-CAM, also for nested pretrained models (chapter 12);
- :mod:`helpers.detection` - boxes, IoU, NMS, AP and a COCO-style evaluation, YOLOX pre/post-processing (chapter 13);
- :mod:`helpers.segmentation` - per-pixel confusion matrix, pixel accuracy, IoU, Dice, COCO label maps (chapter 14).

**The rule every public function follows: no silent wrong results.**

1. Input that cannot be right raises ``ValueError`` (wrong value, shape or range) or ``TypeError``
   (wrong kind of object), and the message says what was expected, what was given and what to do
   (for example "y_pred looks like probabilities: threshold them or take argmax(axis=1) first").
2. A metric that is undefined for the input (a recall without positives, a precision without a
   positive prediction, an IoU of a class absent from truth and prediction) is ``NaN``, with a
   ``RuntimeWarning`` that says why. It is never reported as 0.0.
3. Nothing is silently truncated, clipped, cast or dropped: a count must be a whole number (2.5
   detections is an error, not 2), a label outside the class list is an error, not a missing row,
   and a 1-D array is not broadcast where a batch or a matrix is expected. Lossless conversions
   are fine (a bool mask as labels 0/1, ``np.int64(3)`` as a seed, a float ``3.0`` as a count).

The tests check it: ``tests/test_properties.py`` feed random valid input to every module and
compare with a reference (scikit-learn, pycocotools, Keras, a direct ``tf.GradientTape``), and feed
random invalid input and require one of these errors.
"""

__version__ = "0.1.0"
