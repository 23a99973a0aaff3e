import numpy as np
import pytest

from adameps.measure import abs_error_summary


def test_summary_finds_the_worst_point():
    a = np.linspace(0, 1, 11)
    b = np.logspace(-2, 2, 5)
    exact = np.zeros((5, 11))
    approx = exact.copy()
    approx[3, 7] = -0.5
    approx[1, 2] = 0.25
    s = abs_error_summary(approx, exact, b, a)
    assert s.max_abs == 0.5 and s.signed_at_max == -0.5
    assert s.at == (pytest.approx(b[3]), pytest.approx(a[7]))
    assert s.mean_abs == pytest.approx(0.75 / 55)


def test_summary_rejects_mismatch_and_nan():
    with pytest.raises(ValueError, match="agree"):
        abs_error_summary(np.zeros((2, 3)), np.zeros((2, 3)), np.arange(3), np.arange(2))
    with pytest.raises(ValueError, match="finite"):
        abs_error_summary(np.array([np.nan]), np.array([0.0]), np.array([1.0]))
