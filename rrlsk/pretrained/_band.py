"""The photometric band of a light-curve table, checked against a model's.

A table may say its band in a ``band`` column (one value per star) or in
``X.attrs["band"]``; a table that says nothing is taken to be in the
model's band. A model of one band refuses a table of another, since a
[Fe/H] model of G-band curves reads Ks-band curves as nonsense, silently.
"""

from __future__ import annotations

import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

__all__ = ["BandCheck", "check_band", "normalise_band"]

_BAND_ALIASES = {"G": "G", "KS": "Ks", "K": "Ks"}


def normalise_band(band) -> str:
    """Canonical spelling of a band name (``"g"`` -> ``"G"``; ``"K"``, ``"KS"`` -> ``"Ks"``).

    Parameters
    ----------
    band : object
        A band name as written in a table.

    Returns
    -------
    str
        The canonical name, or ``str(band)`` stripped when unknown.
    """
    text = str(band).strip()
    return _BAND_ALIASES.get(text.upper(), text)


def check_band(X: pd.DataFrame, band: str, model: str, remedy: str = "") -> None:
    """Refuse a table whose stated band differs from ``band``.

    Parameters
    ----------
    X : pandas.DataFrame
        Light-curve table; its band is read from a ``band`` column and from
        ``X.attrs["band"]`` when present.
    band : str
        The model's band (canonical spelling).
    model : str
        The model, as the message names it (``"the G-band ... ensemble"``).
    remedy : str, optional
        What to use instead, appended to the message.

    Raises
    ------
    ValueError
        Naming the table's band, where it was found, and the model's.
    """
    given = []
    if "band" in X.columns:
        given += [(value, "column 'band'") for value in pd.unique(X["band"].dropna().astype(str))]
    if "band" in X.attrs:
        given.append((X.attrs["band"], "X.attrs['band']"))
    for value, where in given:
        if normalise_band(value) != band:
            raise ValueError(f"the light curves are in band {value!r} ({where}) but this is {model}{remedy}")


class BandCheck(TransformerMixin, BaseEstimator):
    """Pass a light-curve table through unchanged, or refuse it if its band is another.

    The first step of a pretrained pipeline of one band (``rrlsk-gaia-g``).

    Parameters
    ----------
    band : str, default "G"
        The band the pipeline was trained on.
    model : str, default "a G-band model"
        How the error message names the model.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"period": [0.5]}, index=pd.Index([1], name="source_id"))
    >>> X.attrs["band"] = "Ks"
    >>> BandCheck("G").fit_transform(X)
    Traceback (most recent call last):
    ...
    ValueError: the light curves are in band 'Ks' (X.attrs['band']) but this is a G-band model
    """

    _parameter_constraints: dict = {"band": [str], "model": [str]}

    def __init__(self, band: str = "G", model: str = "a G-band model"):
        self.band = band
        self.model = model

    def fit(self, X, y=None):
        """Nothing to learn but the parameters' validity; returns self."""
        self._validate_params()
        return self

    def transform(self, X):
        """``X`` itself, after :func:`check_band`."""
        check_band(X, normalise_band(self.band), self.model)
        return X

