"""Helpers shared by the chapters of the course "Image classification with convolutional networks".

One flat module per topic; each function's docstring names the chapter that teaches it:

- :mod:`helpers.datasets` - the data layer (registry, verified downloads, loaders);
- :mod:`helpers.env` - seeding, environment report, benchmark records;
- :mod:`helpers.plots` - image grids and training curves.
"""

__version__ = "0.1.0"
