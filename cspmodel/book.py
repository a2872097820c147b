"""The book's rules: customers leaving and seats changing month by month.

- **Churn hazard** of a monthly term: ``h = 1 - (1 - churn_annual)^(1/12)``, so twelve monthly
  chances to leave compound to the annual churn; an annual customer leaves only at renewal,
  with probability ``churn_annual``.
- **Seat changes**: a customer's users change each month by a share ``X ~ Normal(mu, sigma)``
  with ``mu = (1 + seat_growth_annual)^(1/12) - 1`` and ``sigma = seat_volatility_annual /
  sqrt(12)``. Expected gross additions per user ``E[max(X, 0)] = mu Phi(mu/sigma) + sigma
  phi(mu/sigma)``, reductions ``E[max(-X, 0)] = additions - mu``.

Example (a 20% yearly churn: what share of monthly-term customers leave each month?):
    >>> round(float(monthly_hazard(0.2)), 5)
    0.01842
    >>> add, red = seat_change_rates(0.0, 0.0)
    >>> float(add), float(red)
    (0.0, 0.0)
"""

from __future__ import annotations

import numpy as np


def monthly_hazard(churn_annual: float | np.ndarray) -> np.ndarray:
    """Monthly churn hazard from an annual churn rate.

    Example:
        >>> round(float(1 - (1 - monthly_hazard(0.3)) ** 12), 12)
        0.3
    """
    return 1.0 - (1.0 - np.asarray(churn_annual, dtype=float)) ** (1.0 / 12.0)


def _normal_cdf(z: np.ndarray) -> np.ndarray:
    """The standard normal CDF (scipy's ``ndtr``, loaded when first needed)."""
    from scipy.special import ndtr

    return ndtr(np.asarray(z, dtype=float))


def seat_change_rates(growth_annual: float | np.ndarray, volatility_annual: float | np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Expected gross seat additions and reductions per user and month.

    Example (10% yearly growth with 20% volatility: additions outweigh reductions by the
    drift):
        >>> add, red = seat_change_rates(0.1, 0.2)
        >>> round(float(add - red), 6) == round((1.1 ** (1 / 12)) - 1, 6)
        True
    """
    mu = (1.0 + np.asarray(growth_annual, dtype=float)) ** (1.0 / 12.0) - 1.0
    sigma = np.asarray(volatility_annual, dtype=float) / np.sqrt(12.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sigma > 0, mu / np.where(sigma > 0, sigma, 1.0), 0.0)
        add = np.where(sigma > 0, mu * _normal_cdf(z) + sigma * np.exp(-0.5 * z * z)
                       / np.sqrt(2 * np.pi), np.maximum(mu, 0.0))
    return add, add - mu


def running_max_factor(growth_annual: float | np.ndarray, volatility_annual: float | np.ndarray,
                       months: int) -> np.ndarray:
    """Expected running maximum of a customer's users within a term, per user at the term's
    start, after ``j = 0 .. months`` months: ``G(j) = 1 + sum_{k=1..j} E[max(W_k, 0)] / k``
    (Spitzer's identity for the random walk of relative user changes ``W_k = X_1 + .. + X_k``,
    ``X ~ Normal(mu, sigma)``): ``E[max(W_k, 0)] / k = mu Phi(sqrt(k) mu / sigma) +
    sigma phi(sqrt(k) mu / sigma) / sqrt(k)``. Committed seats follow it: a customer who
    shrank and grows again reuses its idle committed seats before buying more. Shape
    ``(..., months + 1)``.

    Example (no growth, 20% volatility: after a year a customer has bought ~12% more seats
    than it started with, not the 28% that buying every gross addition would give):
        >>> g = running_max_factor(0.0, 0.2, 11)
        >>> round(float(g[1]), 4), round(float(g[11]), 4)
        (1.023, 1.1226)
    """
    mu = (1.0 + np.asarray(growth_annual, dtype=float)) ** (1.0 / 12.0) - 1.0
    sigma = np.asarray(volatility_annual, dtype=float) / np.sqrt(12.0)
    k = np.arange(1, months + 1, dtype=float)
    mu_, sigma_ = mu[..., None], sigma[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sigma_ > 0, np.sqrt(k) * mu_ / np.where(sigma_ > 0, sigma_, 1.0), 0.0)
        step = np.where(sigma_ > 0, mu_ * _normal_cdf(z) + sigma_ * np.exp(-0.5 * z * z)
                        / np.sqrt(2.0 * np.pi) / np.sqrt(k), np.maximum(mu_, 0.0))
    zero = np.zeros(step.shape[:-1] + (1,))
    return 1.0 + np.concatenate([zero, np.cumsum(step, axis=-1)], axis=-1)
