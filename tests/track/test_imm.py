"""IMM moment matching and one IMM step with a linear measurement."""

from __future__ import annotations

import numpy as np
import oracle_imm as imm
import oracle_models as models
import pytest
from scipy.stats import multivariate_normal

NO_ANGLES = np.zeros(3, bool)


def _position_measure(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    H = np.zeros((len(x), 3, 6))
    H[:, [0, 1, 2], [0, 1, 2]] = 1.0
    return x[:, :3].copy(), H


def _F(dt: float) -> np.ndarray:
    return np.block([[np.eye(3), dt * np.eye(3)], [np.zeros((3, 3)), np.eye(3)]])


def _Q(dt: float, a_h: float, a_v: float) -> np.ndarray:
    Q = np.zeros((6, 6))
    for axis, a in enumerate((a_h, a_h, a_v)):
        i = [axis, axis + 3]
        Q[np.ix_(i, i)] = a * a * np.array([[dt**4 / 4, dt**3 / 2], [dt**3 / 2, dt**2]])
    return Q


def test_combine_two_modes_by_hand() -> None:
    # mode 1: e = 0, ve = 10, P = I, mu 0.25;  mode 2: e = 2, ve = 14, P = 2 I, mu 0.75
    # mean: e = 1.5, ve = 13;  deviations: mode 1 (-1.5, -3), mode 2 (0.5, 1)
    # Pee = 0.25 (1 + 2.25) + 0.75 (2 + 0.25) = 2.5;  Pvv = 0.25 (1 + 9) + 0.75 (2 + 1) = 4.75
    # Pev = 0.25 * 4.5 + 0.75 * 0.5 = 1.5;  untouched axes 0.25 + 1.5 = 1.75
    x = np.zeros((1, 2, 6))
    x[0, 0, 3], x[0, 1, 0], x[0, 1, 3] = 10.0, 2.0, 14.0
    P = np.stack([np.eye(6), 2 * np.eye(6)])[None]
    xc, Pc = imm.combine(x, P, np.array([[0.25, 0.75]]))
    np.testing.assert_allclose(xc[0], [1.5, 0, 0, 13.0, 0, 0])
    expect = np.diag([2.5, 1.75, 1.75, 4.75, 1.75, 1.75])
    expect[0, 3] = expect[3, 0] = 1.5
    np.testing.assert_allclose(Pc[0], expect)


def test_combine_of_identical_modes_is_that_mode() -> None:
    rng = np.random.default_rng(2)
    A = rng.normal(size=(6, 6))
    P1 = A @ A.T + np.eye(6)
    x1 = rng.normal(size=6)
    M = 3
    xc, Pc = imm.combine(np.tile(x1, (1, M, 1)), np.tile(P1, (1, M, 1, 1)), np.full((1, M), 1 / M))
    np.testing.assert_allclose(xc[0], x1)
    np.testing.assert_allclose(Pc[0], P1)


def test_predicted_mode_probs() -> None:
    M = models.N_MODES
    mu = np.vstack([np.full(M, 1 / M), np.eye(M)[0]])
    dt = np.array([6.0, 6.0])
    c = imm.predicted_mode_probs(mu, dt)
    T = models.transition_probs(dt)
    np.testing.assert_allclose(c[0], T[0].mean(axis=0))  # uniform mixture of the rows
    np.testing.assert_allclose(c[1], T[1][0])  # certain mode 0: its row
    np.testing.assert_allclose(c.sum(axis=1), 1.0)


def _one_track(v: float = 100.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One track whose modes all hold the same state, mode probabilities uniform."""
    M = models.N_MODES
    x1 = np.array([0.0, 0.0, 1000.0, v, 0.0, 0.0])
    P1 = np.diag([50.0**2] * 3 + [5.0**2] * 3)
    x = np.broadcast_to(x1, (1, M, 6)).copy()
    P = np.broadcast_to(P1, (1, M, 6, 6)).copy()
    return x, P, np.full((1, M), 1 / M)


@pytest.mark.parametrize("miss_m", [0.0, 2000.0])
def test_step_moves_mode_probabilities_toward_the_likelier_mode(miss_m: float) -> None:
    """All modes start from the same state, so the straight modes' likelihoods differ only
    through Q (the turn modes' through their arc too): a measurement where predicted favours the
    quiet mode, one 2 km off a manoeuvre mode."""
    x, P, mu = _one_track()
    dt = 4.0
    R = np.diag([30.0**2] * 3)[None]
    F = _F(dt)
    z = (F @ x[0, 0])[:3][None] + np.array([[0.0, miss_m, 0.0]])
    xo, Po, mu_new, ll = imm.step(x, P, mu, np.array([dt]), z, R, _position_measure, NO_ANGLES)
    c = imm.predicted_mode_probs(mu, np.array([dt]))[0]
    # independent likelihoods: N(z; H F x, H (F P F^T + Q_j) H^T + R) per straight mode; a turn
    # mode's mean and covariance are its arc's (oracle_models.predict_turn)
    L = []
    for accel, lat in zip(models.MODE_ACCEL, models.MODE_TURN, strict=True):
        if lat == 0.0:
            mean, cov = F @ x[0, 0], F @ P[0, 0] @ F.T + _Q(dt, *accel)
        else:
            xt, Pt = models.predict_turn(x[0, :1], P[0, :1], np.array([dt]), np.array([lat]), accel[None])
            mean, cov = xt[0], Pt[0]
        L.append(multivariate_normal.pdf(z[0], mean[:3], cov[:3, :3] + R[0]))
    L = np.array(L)
    best = int(np.argmax(L))
    assert (best == 0) == (miss_m == 0.0)  # the quiet mode explains a measurement on the prediction
    assert mu_new[0, best] > c[best]
    assert mu_new[0, best] > mu[0, best]
    post = c * L / (c * L).sum()
    floors = 1e-6 * models.N_MODES  # each mode floored at 1e-6, then renormalised
    np.testing.assert_allclose(mu_new[0], post, rtol=1e-6, atol=floors)
    assert ll[0] == pytest.approx(np.log((c * L).sum()), rel=1e-9)
    np.testing.assert_allclose(mu_new.sum(axis=1), 1.0)
    assert xo.shape == x.shape and Po.shape == P.shape


def test_step_with_zero_gap_is_one_kalman_update() -> None:
    """dt = 0: no process noise, no switching, so every mode sees the same prior and the step is one
    Kalman update of it (mode probabilities unchanged)."""
    x, P, mu = _one_track()
    mu = np.linspace(1.0, 3.0, models.N_MODES)[None]
    mu /= mu.sum()
    R = np.diag([30.0**2, 30.0**2, 10.0**2])[None]
    z = np.array([[40.0, -25.0, 1010.0]])
    xo, Po, mu_new, _ = imm.step(x, P, mu, np.zeros(1), z, R, _position_measure, NO_ANGLES)
    H = np.hstack([np.eye(3), np.zeros((3, 3))])
    S = H @ P[0, 0] @ H.T + R[0]
    G = P[0, 0] @ H.T @ np.linalg.inv(S)
    for j in range(models.N_MODES):
        np.testing.assert_allclose(xo[0, j], x[0, 0] + G @ (z[0] - x[0, 0, :3]), rtol=1e-10)
        np.testing.assert_allclose(Po[0, j], (np.eye(6) - G @ H) @ P[0, 0], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(mu_new, mu, rtol=1e-9)


def test_step_with_identical_modes_is_one_kalman_filter_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """Copies of one model: the IMM is a single KF (predict with F, Q; update)."""
    M = models.N_MODES
    monkeypatch.setattr(models, "MODE_ACCEL", np.tile([2.0, 1.0], (M, 1)))
    monkeypatch.setattr(models, "MODE_TURN", np.zeros(M))  # every mode straight
    rng = np.random.default_rng(3)
    K, dt = 3, np.array([1.0, 4.0, 9.5])
    x1 = rng.normal(size=(K, 6)) * [1000, 1000, 100, 50, 50, 5]
    A = rng.normal(size=(K, 6, 6))
    P1 = A @ A.transpose(0, 2, 1) * 10 + np.eye(6)
    x = np.repeat(x1[:, None], M, axis=1)
    P = np.repeat(P1[:, None], M, axis=1)
    mu = rng.dirichlet(np.ones(M), size=K)
    z = x1[:, :3] + rng.normal(size=(K, 3)) * 100
    R = np.repeat(np.diag([900.0, 900.0, 100.0])[None], K, axis=0)
    xo, Po, mu_new, _ = imm.step(x, P, mu, dt, z, R, _position_measure, NO_ANGLES)
    H = np.hstack([np.eye(3), np.zeros((3, 3))])
    for k in range(K):
        F = _F(dt[k])
        xp = F @ x1[k]
        Pp = F @ P1[k] @ F.T + _Q(dt[k], 2.0, 1.0)
        S = H @ Pp @ H.T + R[k]
        G = Pp @ H.T @ np.linalg.inv(S)
        for j in range(M):
            np.testing.assert_allclose(xo[k, j], xp + G @ (z[k] - xp[:3]), rtol=1e-8, atol=1e-6)
            np.testing.assert_allclose(Po[k, j], (np.eye(6) - G @ H) @ Pp, rtol=1e-7, atol=1e-6)
        # equal likelihoods: the mode probabilities only follow the Markov switching
        np.testing.assert_allclose(mu_new[k], imm.predicted_mode_probs(mu[k : k + 1], dt[k : k + 1])[0])
