"""The simulated first-overtone (RRc) population.

Same machinery as :class:`~rrlsk.datasets.RRabPopulation` (metallicity
distribution, Gaia sampling, noise, outliers, Fourier light-curve shape),
with RRc defaults. Each field's docstring says where its value comes from;
values marked *assumed* are not taken from a publication and are there to
be changed (docs/rrc.md lists what could and could not be sourced).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..relations import RELATIONS
from ._population import RRabPopulation, _truncnorm

__all__ = ["RRC_FRACTION_DR3", "RRcPopulation", "draw_amplitude_rrc"]

#: Share of RRc among the SOS-confirmed single-mode Gaia DR3 RR Lyrae:
#: 93,952 RRc and 174,947 RRab (Clementini et al. 2023, A&A 674, A18).
RRC_FRACTION_DR3: float = 93_952 / (93_952 + 174_947)


@dataclass(frozen=True)
class RRcPopulation(RRabPopulation):
    """Parameters of a simulated Gaia DR3 RRc population.

    Every field of :class:`~rrlsk.datasets.RRabPopulation` keeps its meaning;
    the instrumental ones (cadence, noise, outliers, epochs) and the
    metallicity distribution keep the RRab values, since RRab and RRc share
    the Gaia scanning law and the halo. The RRc-specific defaults:

    Attributes
    ----------
    logp_at_feh_m15, logp_feh_slope, logp_scatter : float
        Log-normal period distribution centred on 0.32 d at [Fe/H] = -1.5
        with a weak metallicity dependence (*assumed*; the typical RRc
        period range is about 0.2-0.42 d, Clementini et al. 2023, A&A 674,
        A18, Sect. 1).
    period_range : tuple of float
        0.20-0.45 d: the lower bound is the SOS Cep&RRL pipeline's period
        limit (Gaia DR3 documentation, Sect. 10.11.2: ``0.2 <= P <= 1.0`` d);
        the upper bound leaves room above the typical 0.42 d (Clementini et
        al. 2023) where RRc and short-period RRab overlap.
    amplitude_mean, amplitude_sigma : float
        Truncated normal peak-to-peak G amplitude, mag (*assumed* centre
        and width).
    amplitude_range : tuple of float
        0.10-0.55 mag: the SOS pipeline keeps stars with a G peak-to-peak
        amplitude above 0.1 mag (Gaia DR3 documentation, Sect. 10.11.2);
        RRc amplitudes reach "about half a magnitude in the visual band"
        (Clementini et al. 2023, Sect. 1); the upper bound leaves a little
        room above that.
    relation : tuple of float
        ``(c0, c1, c2)`` of ``[Fe/H] = c0 + c1 P + c2 phi31`` (sine
        convention, rad; P in d) linking the light-curve shape to [Fe/H] and
        making the photometric labels. *Assumed* ``(-2.94, -8.0, 1.0)``:
        published G-band RRc relations exist (Muraveva et al.,
        arXiv:2407.05815, ``P-phi31-A2``; Li et al., arXiv:2206.07668,
        ``P-R21``) but their coefficients could not be retrieved here;
        the signs follow theirs and the RRab relations (longer period:
        more metal-poor; larger phi31: more metal-rich).
    relation_scatter : float
        0.21 dex: the RMS of Muraveva et al.'s RRc relation on its
        training sample (arXiv:2407.05815, abstract).
    r21_at_amp, r21_amp_slope, r21_scatter, r21_range, r31_at_r21, r31_r21_slope, r31_scatter, r31_range : float, tuple
        Near-sinusoidal curves ("almost sinusoidal", Clementini et al.
        2023, Sect. 1): R21 about 0.15 and R31 about 0.07 (*assumed*).
    phi21_at_phi31, phi21_phi31_slope, phi21_scatter : float
        *Assumed*, as for RRab.
    order, decay_range : int, tuple
        Fewer significant harmonics than RRab (*assumed*).
    blazhko_fraction : float
        Amplitude/phase modulation is rarer among RRc than RRab (*assumed*
        5 %).
    label_order : int
        Harmonics of the fit that measures phi31 for photometric labels.
    """

    logp_at_feh_m15: float = float(np.log10(0.32))
    logp_feh_slope: float = -0.03
    logp_scatter: float = 0.05
    period_range: tuple = (0.20, 0.45)
    amplitude_mean: float = 0.30
    amplitude_sigma: float = 0.08
    amplitude_range: tuple = (0.10, 0.55)
    relation: tuple = RELATIONS["rrc_g"].coefficients
    relation_scatter: float = RELATIONS["rrc_g"].scatter
    r21_at_amp: float = 0.15
    r21_amp_slope: float = 0.0
    r21_scatter: float = 0.05
    r21_range: tuple = (0.02, 0.40)
    r31_at_r21: float = 0.07
    r31_r21_slope: float = 0.3
    r31_scatter: float = 0.025
    r31_range: tuple = (0.01, 0.30)
    phi21_at_phi31: float = 4.6
    phi21_phi31_slope: float = 0.3
    phi21_scatter: float = 0.25
    order: int = 6
    decay_range: tuple = (0.3, 0.7)
    blazhko_fraction: float = 0.05
    label_order: int = 3

    def validate(self) -> None:
        """Raise ValueError naming the first inconsistent field."""
        super().validate()
        if not (self.amplitude_sigma > 0 and self.amplitude_range[0] <= self.amplitude_mean <= self.amplitude_range[1]):
            raise ValueError(
                f"RRcPopulation: invalid amplitude_mean={self.amplitude_mean!r} or "
                f"amplitude_sigma={self.amplitude_sigma!r} for amplitude_range={self.amplitude_range!r}"
            )


def draw_amplitude_rrc(pop: RRcPopulation, n: int, rng) -> np.ndarray:
    """Peak-to-peak G amplitude of RRc stars, truncated normal, mag."""
    return _truncnorm(rng, pop.amplitude_mean, pop.amplitude_sigma, *pop.amplitude_range, size=n)
