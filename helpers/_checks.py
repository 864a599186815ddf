"""Small validators shared by the helpers (private): each raises a ValueError / TypeError that says
what was expected, what was given and what to do (the rule in :mod:`helpers`)."""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def whole_number(value: Any, name: str, *, minimum: int | None = 0, allow_none: bool = False) -> int | None:
    """An integer (Python, NumPy, or a float holding a whole number); bools and 2.5 are refused."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer, got the boolean {value!r}")
    if isinstance(value, numbers.Integral):
        out = int(value)
    elif isinstance(value, numbers.Real) and np.isfinite(float(value)) and float(value).is_integer():
        out = int(value)
    else:
        raise TypeError(f"{name} must be a whole number (an int such as 3), got {_show(value)}; "
                        "counts and sizes are not rounded or truncated for you")
    if minimum is not None and out < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {out}")
    return out


def real_number(value: Any, name: str, *, low: float | None = None, high: float | None = None,
                low_open: bool = False, high_open: bool = False, allow_inf: bool = False) -> float:
    """A finite real number (bools refused) inside [low, high] (or open ends)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_show(value)}")
    out = float(value)
    if np.isnan(out) or (np.isinf(out) and not allow_inf):
        raise ValueError(f"{name} must be a finite number, got {out}")
    lo_bad = low is not None and (out <= low if low_open else out < low)
    hi_bad = high is not None and (out >= high if high_open else out > high)
    if lo_bad or hi_bad:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        raise ValueError(f"{name} must be in {left}{low if low is not None else '-inf'}, "
                         f"{high if high is not None else 'inf'}{right}, got {out}")
    return out


def array(value: Any, name: str) -> np.ndarray:
    """``np.asarray(value)``, refusing None and ragged or non-numeric input with a clear message."""
    if value is None:
        raise TypeError(f"{name} must be an array, got None")
    try:
        out = np.asarray(value)
    except ValueError as err:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array, got a ragged sequence ({err})") from None
    if out.dtype == object:
        raise TypeError(f"{name} must hold numbers, got an object array (ragged lists, None or mixed "
                        f"types): {_show(value)}")
    return out


def numeric(value: Any, name: str, *, ndim: int | tuple[int, ...] | None = None,
            finite: bool = True) -> np.ndarray:
    """A numeric (bool, int or float) array of the given rank, without NaN / inf if ``finite``."""
    out = array(value, name)
    if not (np.issubdtype(out.dtype, np.number) or out.dtype == bool):
        raise TypeError(f"{name} must hold numbers, got dtype {out.dtype}")
    if np.issubdtype(out.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers, got complex dtype {out.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if out.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}, got shape {out.shape}")
    if finite and np.issubdtype(out.dtype, np.floating) and not np.all(np.isfinite(out)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return out


def integer_labels(value: Any, name: str, *, ndim: int | None = 1) -> np.ndarray:
    """Integer class labels (int or bool dtype, or floats holding whole numbers) as int64.

    Floats with a fractional part look like probabilities or scores: refused with the advice to
    threshold them (binary) or take ``argmax`` (several classes)."""
    out = array(value, name)
    if ndim == 1 and out.ndim == 2 and out.size:
        raise ValueError(f"{name} must be 1-D, one label per example; got shape {out.shape}. If these "
                         "are per-class scores or one-hot rows, take .argmax(axis=1) first")
    if ndim is not None and out.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, one label per example; got shape {out.shape}")
    if out.dtype == bool:
        return out.astype(np.int64)
    if np.issubdtype(out.dtype, np.integer):
        return out.astype(np.int64)
    if np.issubdtype(out.dtype, np.floating):
        if not np.all(np.isfinite(out)):
            raise ValueError(f"{name} contains NaN or infinite values; labels must be whole numbers")
        if np.any(out != np.round(out)):
            raise ValueError(f"{name} holds non-integer values such as {out[out != np.round(out)][0]!r}: "
                             "these look like probabilities or scores, not labels. Threshold them "
                             "(scores >= 0.5) or take .argmax(axis=1) first")
        return out.astype(np.int64)
    raise TypeError(f"{name} must hold integer class labels, got dtype {out.dtype}")


def warn_undefined(what: str, why: str, stacklevel: int = 3) -> float:
    """Warn that ``what`` is undefined because ``why``; return NaN."""
    warnings.warn(f"{what} is undefined ({why}); returning NaN", RuntimeWarning, stacklevel=stacklevel)
    return float("nan")
