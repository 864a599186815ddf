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
"""

__version__ = "0.1.0"
