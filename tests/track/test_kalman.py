"""Batched Kalman update against hand-computed steps."""

from __future__ import annotations

import numpy as np
import pytest

from airpicture.track import kalman


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
