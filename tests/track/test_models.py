"""Motion models (the oracle and the compiled motion.py kernels) against hand-computed CV steps."""

from __future__ import annotations

import numpy as np
import oracle_models as models
import pytest

from airpicture.track import motion


def _F(dt: float) -> np.ndarray:
    """The 6x6 constant-velocity transition, written out."""
    return np.block([[np.eye(3), dt * np.eye(3)], [np.zeros((3, 3)), np.eye(3)]])


def _Q(dt: float, a_h: float, a_v: float) -> np.ndarray:
    """Piecewise-constant white-acceleration noise, one 2x2 block per axis (e, n horizontal; u vertical)."""
    Q = np.zeros((6, 6))
    for axis, a in enumerate((a_h, a_h, a_v)):
        q = a * a * np.array([[dt**4 / 4, dt**3 / 2], [dt**3 / 2, dt**2]])
        i = [axis, axis + 3]
        Q[np.ix_(i, i)] = q
    return Q


def _states(rng: np.random.Generator, K: int) -> tuple[np.ndarray, np.ndarray]:
    """K random states (K, 6) and positive-definite covariances (K, 6, 6)."""
    A = rng.normal(size=(K, 6, 6))
    return rng.normal(size=(K, 6)) * 100, A @ A.transpose(0, 2, 1) + np.eye(6)


def test_predict_unit_covariance_by_hand() -> None:
    # P = I, dt = 2 s, a = 0.5 m/s^2 (e, n) and 0.3 m/s^2 (u):
    #   Ppp = 1 + dt^2 + a^2 dt^4/4,  Ppv = dt + a^2 dt^3/2,  Pvv = 1 + a^2 dt^2
    x = np.array([[100.0, -50.0, 3000.0, 10.0, -5.0, 2.0]])
    xo, Po = models.predict(x, np.eye(6)[None], np.array([2.0]), np.array([[0.5, 0.3]]))
    np.testing.assert_allclose(xo[0], [120.0, -60.0, 3004.0, 10.0, -5.0, 2.0])
    P = Po[0]
    np.testing.assert_allclose(np.diag(P), [6.0, 6.0, 5.36, 2.0, 2.0, 1.36])
    np.testing.assert_allclose([P[0, 3], P[1, 4], P[2, 5]], [3.0, 3.0, 2.36])
    np.testing.assert_allclose([P[3, 0], P[4, 1], P[5, 2]], [3.0, 3.0, 2.36])
    # no coupling between axes
    mask = np.ones((6, 6), bool)
    for i in range(3):
        mask[np.ix_([i, i + 3], [i, i + 3])] = False
    assert np.all(P[mask] == 0.0)


def test_predict_matches_F_P_Ft_plus_Q_on_a_batch() -> None:
    K = 5
    rng = np.random.default_rng(1)
    x, P = _states(rng, K)
    dt = np.array([0.0, 0.5, 4.0, 12.5, 1.0])
    accel = rng.uniform(0.1, 6.0, size=(K, 2))
    xo, Po = models.predict(x, P, dt, accel)
    for k in range(K):
        F = _F(dt[k])
        np.testing.assert_allclose(xo[k], F @ x[k], rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(Po[k], F @ P[k] @ F.T + _Q(dt[k], *accel[k]), rtol=1e-12, atol=1e-9)
    # inputs untouched
    assert np.all(np.isfinite(P))


def test_predict_negative_dt_retrodicts_with_noise_on_abs_dt() -> None:
    x = np.array([[0.0, 0.0, 0.0, 10.0, 20.0, -1.0]])
    xo, Po = models.predict(x, np.eye(6)[None], np.array([-2.0]), np.array([[0.5, 0.3]]))
    np.testing.assert_allclose(xo[0, :3], [-20.0, -40.0, 2.0])
    # Ppv = -dt_abs + a^2 |dt|^3 / 2 = -2 + 1;  Ppp and Pvv as for +2 s: the noise only grows
    assert Po[0, 0, 3] == pytest.approx(-1.0)
    assert Po[0, 0, 0] == pytest.approx(6.0)
    assert Po[0, 3, 3] == pytest.approx(2.0)
    F = _F(-2.0)
    np.testing.assert_allclose(Po[0], F @ np.eye(6) @ F.T + _Q(2.0, 0.5, 0.3))


def test_transition_probs_rows_sum_to_one_and_follow_sojourn_times() -> None:
    dt = np.array([0.0, 1.0, 4.0, 30.0, -4.0])
    T = models.transition_probs(dt)
    M = models.N_MODES
    assert T.shape == (5, M, M)
    np.testing.assert_allclose(T.sum(axis=2), 1.0)
    stay = np.exp(-np.abs(dt)[:, None] / models.MODE_SOJOURN_S[None, :])
    np.testing.assert_allclose(T[:, np.arange(M), np.arange(M)], stay)
    np.testing.assert_allclose(T[0], np.eye(M))
    np.testing.assert_allclose(T[4], T[2])  # a backward gap switches as often as a forward one
    assert np.all((T >= 0) & (T <= 1))
    # the longer the gap, the likelier a switch
    assert np.all(np.diff(T[:4, np.arange(M), np.arange(M)], axis=0) < 0)


def test_mixed_accel_is_the_mixture_of_a_squared() -> None:
    M = models.N_MODES
    acc = models.mixed_accel(np.eye(M))
    np.testing.assert_allclose(acc, models.MODE_ACCEL)  # a pure mode keeps its own sigmas
    np.testing.assert_allclose(acc[0], [0.5, 0.3])  # the quiet mode of the docstring
    uniform = np.full((1, M), 1.0 / M)
    np.testing.assert_allclose(models.mixed_accel(uniform)[0], np.sqrt((models.MODE_ACCEL**2).mean(axis=0)))
    # the predicted covariance with the mixed sigma is the mu-weighted covariance of the modes
    mu = np.linspace(1.0, 2.0, M)
    mu /= mu.sum()
    P0 = np.eye(6)[None]
    x0 = np.zeros((1, 6))
    dt = np.array([5.0])
    _, Pmix = models.predict(x0, P0, dt, models.mixed_accel(mu[None]))
    Pmodes = [models.predict(x0, P0, dt, models.MODE_ACCEL[j : j + 1])[1][0] for j in range(M)]
    np.testing.assert_allclose(Pmix[0], sum(m * Pj for m, Pj in zip(mu, Pmodes, strict=True)))


# ---------------------------------------------------------------------- the compiled kernels


def test_the_modes_switch_and_start_as_probabilities() -> None:
    """Each mode's switches go somewhere else with probability 1; a new track's modes sum to 1; the
    turns come in a left and a right of one lateral acceleration."""
    np.testing.assert_allclose(motion.MODE_SWITCH.sum(axis=1), 1.0)
    assert (np.diag(motion.MODE_SWITCH) == 0).all() and (motion.MODE_SWITCH >= 0).all()
    assert motion.MODE_PRIOR.sum() == pytest.approx(1.0)
    turns = motion.MODE_TURN[motion.MODE_TURN != 0.0]
    assert sorted(turns) == [-turns.max(), turns.max()]


@pytest.mark.parametrize("dt", [0.0, 0.5, 4.0, 30.0, -4.0])
def test_kernel_transition_equals_the_oracle(dt: float) -> None:
    M = models.N_MODES
    out = np.empty((M, M))
    m = motion.motion(300.0, 30.0)
    motion.transition(dt, m.sojourn, m.switch, out)
    np.testing.assert_allclose(out, models.transition_probs(np.array([dt]))[0], rtol=1e-14)


def test_kernel_prediction_of_each_mode_is_F_P_Ft_plus_Q() -> None:
    """predict_rows with a certain mode: F P F^T + Q of that mode's sigmas (noise on |dt|)."""
    K = 5
    x, P = _states(np.random.default_rng(11), K)
    dt = np.array([0.0, 0.5, 4.0, 12.5, -3.0])
    accel2 = motion.motion(300.0, 30.0).accel2
    for j in range(models.N_MODES):
        mu = np.zeros((K, models.N_MODES))
        mu[:, j] = 1.0
        xo, Po = motion.predict_rows(x, P, mu, dt, accel2)
        for k in range(K):
            F = _F(dt[k])
            np.testing.assert_allclose(xo[k], F @ x[k], rtol=1e-12, atol=1e-9)
            Q = _Q(abs(dt[k]), *models.MODE_ACCEL[j])
            np.testing.assert_allclose(Po[k], F @ P[k] @ F.T + Q, rtol=1e-12, atol=1e-9)


def test_a_turn_mode_flies_the_arc_of_its_lateral_acceleration() -> None:
    """A coordinated turn at 4 m/s^2 of a 40 m/s state: rate 0.1 rad/s, radius 400 m; after a
    quarter circle (15.7 s) heading north turns to heading west (the left turn) 400 m west and
    400 m north; the oracle and the kernel agree with that and with each other on any state."""
    x = np.array([[0.0, 0.0, 100.0, 0.0, 40.0, 1.0]])
    dt = np.array([np.pi / 2 / 0.1])
    xo, Po = models.predict_turn(x, np.eye(6)[None], dt, np.array([4.0]), np.array([[1.5, 0.3]]))
    np.testing.assert_allclose(xo[0], [-400.0, 400.0, 100.0 + dt[0], -40.0, 0.0, 1.0], atol=1e-9)
    xk, Pk = np.empty(6), np.empty((6, 6))
    motion.ct_predict(x[0], np.eye(6), dt[0], 4.0, 1.5**2, 0.3**2, xk, Pk)
    np.testing.assert_allclose(xk, xo[0], atol=1e-9)
    np.testing.assert_allclose(Pk, Po[0], rtol=1e-12, atol=1e-9)
    rng = np.random.default_rng(13)
    xs, Ps = _states(rng, 8)
    ts = rng.uniform(-3.0, 12.0, 8)
    lat = rng.choice([4.0, -4.0], 8)
    xr, Pr = models.predict_turn(xs, Ps, ts, lat, np.tile([1.5, 0.3], (8, 1)))
    for k in range(8):
        motion.ct_predict(xs[k], Ps[k], ts[k], lat[k], 1.5**2, 0.3**2, xk, Pk)
        np.testing.assert_allclose(xk, xr[k], rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(Pk, Pr[k], rtol=1e-11, atol=1e-8)
    # at rest a turn has no rate: it predicts as the straight model
    still = np.array([[5.0, 5.0, 50.0, 0.1, 0.0, 0.0]])
    one, t3, acc = np.eye(6)[None], np.array([3.0]), np.array([[1.5, 0.3]])
    xr, Pr = models.predict_turn(still, one, t3, np.array([4.0]), acc)
    xc, Pc = models.predict(still, one, t3, acc)
    np.testing.assert_allclose(xr, xc)
    np.testing.assert_allclose(Pr, Pc)


def test_kernel_prediction_of_a_mixture_equals_the_oracle() -> None:
    rng = np.random.default_rng(12)
    K = 20
    A = rng.normal(size=(K, 6, 6))
    P = A @ A.transpose(0, 2, 1) * 100 + np.eye(6)
    x = rng.normal(size=(K, 6)) * [2e4, 2e4, 1e3, 100, 100, 5]
    mu = rng.dirichlet(np.ones(models.N_MODES), size=K)
    dt = rng.uniform(-2.0, 10.0, K)
    xo, Po = motion.predict_rows(x, P, mu, dt, motion.motion(300.0, 30.0).accel2)
    xr, Pr = models.predict(x, P, dt, models.mixed_accel(mu))
    np.testing.assert_allclose(xo, xr, rtol=1e-13, atol=1e-9)
    np.testing.assert_allclose(Po, Pr, rtol=1e-12, atol=1e-9)
