"""Kalman update (the oracle and the compiled update.py / linalg.py kernels) against hand-computed steps."""

from __future__ import annotations

import numpy as np
import oracle_kalman as kalman
import pytest

from airpicture.track import linalg, update


def test_update_2d_state_scalar_measurement_by_hand() -> None:
    # state [p v], P = [[4 1] [1 2]], measure p with variance 1, innovation 2:
    #   S = 5, K = [0.8 0.2], x+ = x + [1.6 0.4], P+ = P - K [4 1] = [[0.8 0.2] [0.2 1.8]], d2 = 4/5
    x = np.array([[10.0, 3.0]])
    P = np.array([[[4.0, 1.0], [1.0, 2.0]]])
    H = np.array([[[1.0, 0.0]]])
    R = np.array([[[1.0]]])
    y = np.array([[2.0]])
    xo, Po, ll = kalman.update(x, P, y, H, R)
    np.testing.assert_allclose(xo, [[11.6, 3.4]])
    np.testing.assert_allclose(Po, [[[0.8, 0.2], [0.2, 1.8]]])
    assert ll[0] == pytest.approx(-0.5 * (0.8 + np.log(2 * np.pi * 5.0)))


def test_update_matches_joseph_form_on_a_batch() -> None:
    rng = np.random.default_rng(7)
    K = 4
    A = rng.normal(size=(K, 6, 6))
    P = A @ A.transpose(0, 2, 1) + 0.5 * np.eye(6)
    x = rng.normal(size=(K, 6))
    H = rng.normal(size=(K, 2, 6))
    B = rng.normal(size=(K, 2, 2))
    R = B @ B.transpose(0, 2, 1) + np.eye(2)
    y = rng.normal(size=(K, 2))
    xo, Po, ll = kalman.update(x, P, y, H, R)
    for k in range(K):
        S = H[k] @ P[k] @ H[k].T + R[k]
        G = np.linalg.solve(S, H[k] @ P[k]).T  # P H^T S^-1 (S symmetric)
        IKH = np.eye(6) - G @ H[k]
        np.testing.assert_allclose(xo[k], x[k] + G @ y[k], rtol=1e-10)
        np.testing.assert_allclose(Po[k], IKH @ P[k] @ IKH.T + G @ R[k] @ G.T, rtol=1e-8, atol=1e-10)
        d2 = y[k] @ np.linalg.solve(S, y[k])
        expect = -0.5 * (d2 + np.log(np.linalg.det(2 * np.pi * S)))
        assert ll[k] == pytest.approx(expect, rel=1e-10)
    np.testing.assert_allclose(Po, Po.transpose(0, 2, 1))  # symmetric


def test_innovation_wraps_only_angular_components() -> None:
    z = np.array([[1000.0, 3.1, 0.2], [5.0, -3.1, 7.0]])
    zhat = np.array([[990.0, -3.1, 0.1], [-5.0, 3.1, 0.0]])
    y = kalman.innovation(z, zhat, np.array([False, True, False]))
    np.testing.assert_allclose(y[:, 0], [10.0, 10.0])
    np.testing.assert_allclose(y[:, 1], [6.2 - 2 * np.pi, -6.2 + 2 * np.pi])
    np.testing.assert_allclose(y[:, 2], [0.1, 7.0])


def test_wrap_range() -> None:
    a = np.array([0.0, np.pi, -np.pi, 3 * np.pi / 2, -3 * np.pi / 2, 7.0, 100.0])
    w = kalman.wrap(a)
    assert np.all((w >= -np.pi) & (w < np.pi))
    np.testing.assert_allclose(np.cos(w), np.cos(a), atol=1e-12)
    np.testing.assert_allclose(np.sin(w), np.sin(a), atol=1e-12)
    assert w[1] == pytest.approx(-np.pi)


def test_gate_stats_by_hand() -> None:
    # S = diag(4, 9), y = [2, 3]: d2 = 1 + 1, log|2 pi S| = log 36 + 2 log 2 pi
    S = np.array([[[4.0, 0.0], [0.0, 9.0]], [[2.0, 1.0], [1.0, 2.0]]])
    y = np.array([[2.0, 3.0], [1.0, -1.0]])
    d2, logdet, Si = kalman.gate_stats(y, S)
    assert d2[0] == pytest.approx(2.0)
    assert logdet[0] == pytest.approx(np.log(36.0) + 2 * np.log(2 * np.pi))
    # [[2 1] [1 2]]^-1 = [[2 -1] [-1 2]] / 3 ; d2 = (2 + 2 + 2) / 3 = 2 ; det = 3
    assert d2[1] == pytest.approx(2.0)
    assert logdet[1] == pytest.approx(np.log(3.0) + 2 * np.log(2 * np.pi))
    np.testing.assert_allclose(Si[1], np.array([[2.0, -1.0], [-1.0, 2.0]]) / 3)


# ---------------------------------------------------------------------- the compiled kernels


def _batch(seed: int, m: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    K = 6
    A = rng.normal(size=(K, 6, 6))
    P = A @ A.transpose(0, 2, 1) * 100 + 0.5 * np.eye(6)
    x = rng.normal(size=(K, 6)) * 100
    H = rng.normal(size=(K, m, 6))
    B = rng.normal(size=(K, m, m))
    R = B @ B.transpose(0, 2, 1) + np.eye(m)
    y = rng.normal(size=(K, m)) * 10
    return x, P, y, H, R


@pytest.mark.parametrize("m", [2, 3, 6])
def test_kalman_update_kernel_equals_the_oracle(m: int) -> None:
    x, P, y, H, R = _batch(8 + m, m)
    xr, Pr, llr = kalman.update(x, P, y, H, R)
    for k in range(len(x)):
        xo, Po = np.empty(6), np.empty((6, 6))
        ll = update.kalman_update(x[k], P[k], y[k], H[k], R[k], m, xo, Po)
        np.testing.assert_allclose(xo, xr[k], rtol=1e-10, atol=1e-9)
        np.testing.assert_allclose(Po, Pr[k], rtol=1e-9, atol=1e-9 * np.abs(P[k]).max())
        assert ll == pytest.approx(llr[k], rel=1e-10)


@pytest.mark.parametrize("n", [2, 3])
def test_radar_update_kernel_equals_the_padded_oracle(n: int) -> None:
    """H = [Hp 0]; a 2-D plot (n = 2) is the 3-row form with a zero row, zero innovation and unit
    variance, which changes nothing, not even the log-likelihood's constant."""
    x, P, y, H, R = _batch(20 + n, 3)
    H[:, :, 3:] = 0.0
    R[:, :, :] = np.diag([1600.0, 2e-6, 4e-5])
    if n == 2:
        H[:, 2], y[:, 2] = 0.0, 0.0
        R[:, 2, 2] = 1.0
    xr, Pr, llr = kalman.update(x, P, y, H, R)
    for k in range(len(x)):
        xo, Po = np.empty(6), np.empty((6, 6))
        ll = update.radar_update(x[k], P[k], y[k], np.ascontiguousarray(H[k, :, :3]), R[k], n, xo, Po)
        np.testing.assert_allclose(xo, xr[k], rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(Po, Pr[k], rtol=1e-9, atol=1e-9 * np.abs(P[k]).max())
        assert ll == pytest.approx(llr[k], rel=1e-9)


def test_inv_logdet_equals_the_oracle_and_refuses_indefinite() -> None:
    rng = np.random.default_rng(9)
    B = rng.normal(size=(5, 6, 6))
    S = B @ B.transpose(0, 2, 1) + np.eye(6)
    y = rng.normal(size=(5, 6))
    d2, logdet2pi, Sir = kalman.gate_stats(y, S)
    for k in range(5):
        Si = np.empty((6, 6))
        logdet = linalg.inv_logdet(S[k], 6, Si)
        assert logdet + 6 * linalg.LOG2PI == pytest.approx(logdet2pi[k], rel=1e-12)
        np.testing.assert_allclose(Si, Sir[k], rtol=1e-9, atol=1e-12 * np.abs(Sir[k]).max())
        assert linalg.mahalanobis(y[k], Si, 6) == pytest.approx(d2[k], rel=1e-9)
    assert np.isnan(linalg.inv_logdet(np.diag([1.0, -1.0, 1.0]), 3, np.empty((3, 3))))
