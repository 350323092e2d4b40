"""``make_gaia_rrab``, ``make_gaia_rrc``: simulated Gaia DR3 RR Lyrae samples
with known truth."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..base import ragged as _ragged
from ..fourier import evaluate_fourier, fit_fourier, fourier_parameters
from ..io.gaia import MAG_ERR_PER_INVERSE_SNR
from ..photometry import transit_sigma
from . import _population as popmod
from ._population import RRabPopulation, feh_from_phi31, unwrap_phi31
from ._population_rrc import RRcPopulation, draw_amplitude_rrc
from ._sampling import draw_n_epochs, transit_times

TWO_PI = 2.0 * np.pi

__all__ = ["make_gaia_rrab", "make_gaia_rrc"]

LABELS = ("photometric", "spectroscopic")
#: First simulated source_id of each type; ids rise in steps of ``2**20``
#: plus a random part, so RRab and RRc samples never share a source_id.
SOURCE_ID_BASE = {"RRab": 4_000_000_000_000_000_000, "RRc": 5_000_000_000_000_000_000}
_POPULATIONS = {"RRab": RRabPopulation, "RRc": RRcPopulation}


def _check(n_stars, labels, population, rr_type: str) -> RRabPopulation:
    if isinstance(n_stars, bool) or not isinstance(n_stars, (int, np.integer)) or n_stars < 1:
        raise ValueError(f"n_stars must be a positive integer, got {n_stars!r}")
    if labels not in LABELS:
        raise ValueError(f"labels must be one of {LABELS}, got {labels!r}")
    kind = _POPULATIONS[rr_type]
    population = kind() if population is None else population
    # an RRcPopulation is also an RRabPopulation, but not one for RRab stars
    if not isinstance(population, kind) or (rr_type == "RRab" and isinstance(population, RRcPopulation)):
        raise ValueError(f"population must be an {kind.__name__}, got {type(population).__name__}")
    population.validate()
    return population


def _measure(time, mag, mag_err, offsets, period, epoch, pop: RRabPopulation):
    """Fourier fit of the observed curves as Gaia's pipeline would do it.

    Order ``pop.label_order``; order 3 where that is ill-posed. Returns the
    sine-convention parameters, the fit's order and the phi31 error
    (first-order propagation, uniform phase coverage:
    ``sigma(phi_k) = sqrt(2 chi2_red / sum w) / A_k``, rad).
    """
    star = np.repeat(np.arange(period.size), np.diff(offsets))
    phase = np.mod((time - epoch[star]) / period[star], 1.0)
    weights = mag_err**-2.0
    coefs, info = fit_fourier(phase, mag, offsets, pop.label_order, weights, return_info=True)
    params = fourier_parameters(coefs)[["A0", "A1", "A3", "R21", "R31", "phi21", "phi31", "amplitude", "int_average"]]
    order = np.full(period.size, pop.label_order)
    rms = info.rms
    if not info.ok.all():
        low, low_info = fit_fourier(phase, mag, offsets, 3, weights, return_info=True)
        bad = ~info.ok
        params.loc[bad] = fourier_parameters(low[bad])[params.columns].to_numpy()
        order[bad], rms = 3, np.where(bad, low_info.rms, rms)
    sum_w = np.bincount(star, weights=weights, minlength=period.size)
    n = np.diff(offsets)
    chi2_red = rms**2 * sum_w / np.maximum(n - (2 * order + 1), 1)
    unit = np.sqrt(2.0 * chi2_red / sum_w)
    phi31_error = unit * np.sqrt(params["A3"].to_numpy() ** -2 + 9.0 * params["A1"].to_numpy() ** -2)
    return params, order, phi31_error


def make_gaia_rrab(
    n_stars: int = 6002,
    *,
    labels: str = "photometric",
    random_state=0,
    population: RRabPopulation | None = None,
    keep_rejected: bool = False,
) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Simulate a Gaia DR3 sample of RRab stars with known [Fe/H].

    All stars are generated together with array operations (no per-star
    Python loop): [Fe/H] from a halo-like MDF; period from [Fe/H]; G
    amplitude from the Bailey relation; a Fourier light-curve shape whose
    phi31 follows a G-band P-phi31-[Fe/H] relation; Blazhko modulation for
    about half the stars; Gaia DR3 scanning-law-like
    sampling over 34 months; magnitude-dependent noise and outliers, most of
    them flagged. See :class:`RRabPopulation` for every parameter and its
    source, and ``docs/realism.md`` for a comparison with real Gaia curves.

    Parameters
    ----------
    n_stars : int, default 6002
        Number of stars (6002 is the size of the paper's sample).
    labels : {"photometric", "spectroscopic"}, default "photometric"
        ``"photometric"`` mimics the paper's labels: the relation of
        ``population.relation`` applied to the period and to phi31 measured
        by a Fourier fit of the noisy, sparse curve; the label error
        propagates the phi31 and period errors and adds the relation's
        intrinsic scatter in quadrature. ``"spectroscopic"``: the true
        [Fe/H] plus Gaussian noise of ``population.spectroscopic_error_range``
        (per star, uniform). X is the same for both.
    random_state : int, numpy.random.Generator or None, default 0
        Seed; the same seed gives identical arrays.
    population : RRabPopulation, optional
        Astrophysical and instrumental parameters (default
        ``RRabPopulation()``).
    keep_rejected : bool, default False
        By default X holds only the transits that
        ``rrlsk.io.read_epoch_photometry(drop_rejected=True)`` would keep.
        With True X keeps every transit and has a per-row bool array column
        ``rejected`` (flagged outliers), which :func:`to_gaia_files` writes
        as ``rejected_by_variability``.

    Returns
    -------
    X : pandas.DataFrame
        Light-curve table (index ``source_id``, int64, increasing): ``time``
        (BJD(TCB) - 2455197.5, d), ``mag`` (G, mag), ``mag_err`` (mag, as
        derived from a float32 ``flux_over_error``), sorted by time;
        ``period`` (the published period, d, true period plus
        ``N(0, population.period_error)``); ``epoch`` (a time of maximum
        light, d: phase 0 is maximum brightness, minimum magnitude);
        ``type`` (``"RRab"``, as Gaia's ``best_classification``).
    y : pandas.Series
        The label [Fe/H], dex, named ``feh``.
    sample_info : pandas.DataFrame
        Indexed like X. Truth: ``feh_true`` (dex), ``period_true`` (d),
        ``amplitude`` (peak-to-peak G of the noiseless curve, mag),
        ``mean_g`` (its intensity-averaged G, mag), ``blazhko_amplitude``
        (relative) and ``blazhko_phase`` (cycles) modulation depths (0 for
        unmodulated stars), ``blazhko_period`` (d), and its sine-convention
        Fourier parameters ``A1`` (mag), ``R21``, ``R31``, ``phi21``,
        ``phi31`` (rad; phi31 unwrapped into ``[2, 2 + 2 pi)``, the value that
        entered the relation). Labels: ``feh``, ``feh_error`` (dex).
        Observation: ``period``, ``epoch`` (d), ``n_epochs`` (transits in X
        without rejected ones), ``n_rejected``; and what a Gaia pipeline
        would measure from the noisy curve (sine convention): ``A0_fit``,
        ``int_average_fit`` (intensity-averaged G), ``amplitude_fit`` (mag), ``R21_fit``, ``R31_fit``,
        ``phi21_fit``, ``phi31_fit``, ``phi31_fit_error`` (rad) and
        ``n_harmonics_fit``.

    Raises
    ------
    ValueError
        For a bad ``n_stars``, ``labels`` or ``population``.
    """
    pop = _check(n_stars, labels, population, "RRab")
    return _simulate(int(n_stars), labels, random_state, pop, keep_rejected, "RRab")


def make_gaia_rrc(
    n_stars: int = 6002,
    *,
    labels: str = "photometric",
    random_state=0,
    population: RRcPopulation | None = None,
    keep_rejected: bool = False,
) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Simulate a Gaia DR3 sample of first-overtone (RRc) stars with known [Fe/H].

    :func:`make_gaia_rrab` with an :class:`RRcPopulation`: the same Gaia
    cadence, noise, outliers, labels and outputs, for near-sinusoidal
    curves of periods 0.2-0.45 d and G amplitudes 0.1-0.55 mag whose phi31
    follows the population's P-phi31-[Fe/H] relation. ``X["type"]`` is
    ``"RRc"``; source_ids start at ``SOURCE_ID_BASE["RRc"]`` so that RRab and
    RRc samples can be concatenated (see :func:`make_gaia_catalogue`).

    Parameters
    ----------
    n_stars : int, default 6002
        Number of stars.
    labels : {"photometric", "spectroscopic"}, default "photometric"
        As in :func:`make_gaia_rrab`, with the RRc relation of
        ``population.relation``.
    random_state : int, numpy.random.Generator or None, default 0
        Seed; the same seed gives identical arrays.
    population : RRcPopulation, optional
        Default ``RRcPopulation()``; its docstring sources every value.
    keep_rejected : bool, default False
        Keep the transits flagged ``rejected_by_variability``, as in
        :func:`make_gaia_rrab`.

    Returns
    -------
    X, y, sample_info
        As :func:`make_gaia_rrab`.

    Raises
    ------
    ValueError
        For a bad ``n_stars``, ``labels`` or ``population``.
    """
    pop = _check(n_stars, labels, population, "RRc")
    return _simulate(int(n_stars), labels, random_state, pop, keep_rejected, "RRc")


def _simulate(n: int, labels: str, random_state, pop: RRabPopulation, keep_rejected: bool, rr_type: str):
    """The simulation behind :func:`make_gaia_rrab` and :func:`make_gaia_rrc`."""
    rng = np.random.default_rng(random_state)
    feh_true = popmod.draw_feh(pop, n, rng)
    period_true = popmod.draw_period(pop, feh_true, rng)
    if rr_type == "RRc":
        amplitude = draw_amplitude_rrc(pop, n, rng)
    else:
        amplitude = popmod.draw_amplitude(pop, feh_true, period_true, rng)
    mean_g = popmod.draw_mean_g(pop, n, rng)
    coefs, shape = popmod.draw_shape(pop, feh_true, period_true, amplitude, rng)
    coefs[:, 0] = mean_g - shape["mean_offset"]

    n_all = draw_n_epochs(pop.epochs_median, pop.epochs_sigma, *pop.epochs_range, n, rng)
    time, offsets = transit_times(n_all, pop.time_range, pop.scans_per_visit, rng)
    star = np.repeat(np.arange(n), n_all)
    t_ref = np.add.reduceat(time, offsets[:-1]) / n_all
    epoch = t_ref + rng.random(n) * period_true
    period = period_true + rng.normal(0.0, pop.period_error, n)

    blazhko = popmod.draw_blazhko(pop, n, rng)
    cycle = TWO_PI * time / blazhko["period"][star]
    phase_true = (time - epoch[star]) / period_true[star] + blazhko["phase"][star] * np.sin(
        cycle + blazhko["psi_phase"][star])
    stretch = 1.0 + blazhko["amplitude"][star] * np.sin(cycle + blazhko["psi_amplitude"][star])
    shape_only = coefs.copy()
    shape_only[:, 0] = 0.0
    mag_true = coefs[star, 0] + stretch * evaluate_fourier(shape_only, np.mod(phase_true, 1.0), offsets)
    star_factor = 10.0 ** rng.normal(0.0, pop.noise_star_spread, n)
    sigma = transit_sigma(pop, mag_true, star_factor[star])
    snr = (MAG_ERR_PER_INVERSE_SNR / sigma).astype(np.float32)
    mag_err = MAG_ERR_PER_INVERSE_SNR / snr.astype(np.float64)
    mag = mag_true + sigma * rng.standard_normal(time.size)
    outlier = rng.random(time.size) < pop.outlier_fraction
    jump = (0.1 + rng.exponential(pop.outlier_scale, time.size)) * rng.choice([-1.0, 1.0], time.size)
    mag = np.where(outlier, mag + jump, mag)
    rejected = outlier & (rng.random(time.size) < pop.outlier_flagged)
    spec_error = rng.uniform(*pop.spectroscopic_error_range, n)
    spec_noise = rng.standard_normal(n)
    source_id = SOURCE_ID_BASE[rr_type] + np.arange(n, dtype=np.int64) * 2**20 + rng.integers(0, 2**20, n)

    kept = ~rejected
    n_kept = np.bincount(star[kept], minlength=n)
    kept_offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(n_kept, out=kept_offsets[1:])
    fit, n_harmonics, phi31_error = _measure(
        time[kept], mag[kept], mag_err[kept], kept_offsets, period, epoch, pop
    )

    c0, c1, c2 = pop.relation
    if labels == "photometric":
        feh = feh_from_phi31(period, fit["phi31"].to_numpy(), pop.relation)
        feh_error = np.sqrt(pop.relation_scatter**2 + (c2 * phi31_error) ** 2 + (c1 * pop.period_error) ** 2)
    else:
        feh = feh_true + spec_error * spec_noise
        feh_error = spec_error

    index = pd.Index(source_id, name="source_id")
    x_time, x_mag, x_err, x_off = (time, mag, mag_err, offsets) if keep_rejected else (
        time[kept], mag[kept], mag_err[kept], kept_offsets)
    X = pd.DataFrame(
        {
            "time": _ragged.split(x_time, x_off),
            "mag": _ragged.split(x_mag, x_off),
            "mag_err": _ragged.split(x_err, x_off),
            "period": period,
            "epoch": epoch,
            "type": rr_type,
        },
        index=index,
    )
    if keep_rejected:
        X["rejected"] = _ragged.split(rejected, offsets)
    sample_info = pd.DataFrame(
        {
            "feh_true": feh_true,
            "feh": feh,
            "feh_error": feh_error,
            "period": period,
            "period_true": period_true,
            "epoch": epoch,
            "amplitude": amplitude,
            "mean_g": mean_g,
            "n_epochs": n_kept,
            "n_rejected": n_all - n_kept,
            "blazhko_amplitude": blazhko["amplitude"],
            "blazhko_phase": blazhko["phase"],
            "blazhko_period": blazhko["period"],
            "A1": shape["A1"],
            "R21": shape["R21"],
            "R31": shape["R31"],
            "phi21": shape["phi21"],
            "phi31": shape["phi31"],
            "A0_fit": fit["A0"].to_numpy(),
            "int_average_fit": fit["int_average"].to_numpy(),
            "amplitude_fit": fit["amplitude"].to_numpy(),
            "R21_fit": fit["R21"].to_numpy(),
            "R31_fit": fit["R31"].to_numpy(),
            "phi21_fit": fit["phi21"].to_numpy(),
            "phi31_fit": unwrap_phi31(fit["phi31"].to_numpy()),
            "phi31_fit_error": phi31_error,
            "n_harmonics_fit": n_harmonics,
        },
        index=index,
    )
    y = pd.Series(feh, index=index, name="feh")
    return X, y, sample_info
