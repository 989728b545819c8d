"""The toy problems of the reference experiments.

Every generator takes ``random_state`` and returns ``(X, y)`` with X of shape
(n, n_features) ready for :class:`skmdn.MDNRegressor`.
"""

import numpy as np
from sklearn.utils import check_random_state

__all__ = [
    "make_inverted_sinusoid",
    "sinusoid_branches",
    "make_bishop_toy",
    "make_robot_arm",
    "robot_arm_forward",
]


def make_inverted_sinusoid(n_samples=1000, *, noise=1.0, random_state=None):
    """The inverted sinusoid: a multi-valued inverse problem with up to five branches.

    Forward: ``t ~ U(-10.5, 10.5)``, ``s = 7 sin(0.75 t) + 0.5 t + N(0, noise^2)``.
    Returned inverted: the input is ``s`` and the target is ``t``.

    Parameters
    ----------
    n_samples : int, default=1000
    noise : float, default=1.0
        Standard deviation of the forward noise.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 1)
        The forward outputs ``s``.
    y : ndarray of shape (n_samples,)
        The forward inputs ``t``.

    Examples
    --------
    >>> from skmdn.datasets import make_inverted_sinusoid
    >>> X, y = make_inverted_sinusoid(100, random_state=0)
    >>> X.shape, y.shape
    ((100, 1), (100,))
    """
    rng = check_random_state(random_state)
    t = rng.uniform(-10.5, 10.5, n_samples)
    s = 7.0 * np.sin(0.75 * t) + 0.5 * t + noise * rng.normal(size=n_samples)
    return s.reshape(-1, 1), t


def sinusoid_branches(s, grid_size=20001):
    """All noise-free solutions t in [-10.5, 10.5] of ``7 sin(0.75 t) + 0.5 t = s``.

    Parameters
    ----------
    s : array-like of shape (n,)
        Forward outputs (inputs of the inverse problem).
    grid_size : int, default=20001
        Resolution of the sign-change search, refined by linear interpolation.

    Returns
    -------
    list of ndarray of shape (n_roots,)
        For each ``s``, the sorted roots (between 0 and 5 of them; an ``s``
        outside the noise-free range has none).

    Examples
    --------
    >>> from skmdn.datasets import sinusoid_branches
    >>> [len(r) for r in sinusoid_branches([0.0, 20.0])]
    [5, 0]
    """
    grid = np.linspace(-10.5, 10.5, grid_size)
    f = 7.0 * np.sin(0.75 * grid) + 0.5 * grid
    out = []
    for value in np.ravel(np.asarray(s, dtype=np.float64)):
        g = f - value
        idx = np.flatnonzero(np.sign(g[:-1]) * np.sign(g[1:]) <= 0)
        roots = grid[idx] - g[idx] * (grid[idx + 1] - grid[idx]) / (g[idx + 1] - g[idx] + 1e-300)
        out.append(np.unique(np.round(roots, 6)))
    return out


def make_bishop_toy(n_samples=300, *, random_state=None):
    """Bishop's (1994) toy inverse problem.

    Forward: ``x ~ U(0, 1)``, ``t = x + 0.3 sin(2 pi x) + U(-0.1, 0.1)``.
    Returned inverted: the input is ``t`` and the target is ``x``.

    Parameters
    ----------
    n_samples : int, default=300
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 1)
        The forward outputs ``t``.
    y : ndarray of shape (n_samples,)
        The forward inputs ``x``.

    Examples
    --------
    >>> from skmdn.datasets import make_bishop_toy
    >>> X, y = make_bishop_toy(50, random_state=0)
    >>> X.shape, y.shape
    ((50, 1), (50,))
    """
    rng = check_random_state(random_state)
    x = rng.uniform(0.0, 1.0, n_samples)
    t = x + 0.3 * np.sin(2.0 * np.pi * x) + rng.uniform(-0.1, 0.1, n_samples)
    return t.reshape(-1, 1), x


ARM_LENGTHS = (0.8, 0.2)


def robot_arm_forward(angles, lengths=ARM_LENGTHS):
    """End-effector position of the two-link arm for joint angles.

    ``x1 = L1 cos(a1) - L2 cos(a1 + a2)``, ``x2 = L1 sin(a1) - L2 sin(a1 + a2)``.

    Parameters
    ----------
    angles : array-like of shape (..., 2)
        Joint angles (theta1, theta2) in radians.
    lengths : tuple of float, default=(0.8, 0.2)
        Link lengths (L1, L2).

    Returns
    -------
    ndarray of shape (..., 2)
        End-effector coordinates (x1, x2).

    Examples
    --------
    >>> import numpy as np
    >>> from skmdn.datasets import robot_arm_forward
    >>> robot_arm_forward(np.array([0.0, np.pi])).round(3) + 0.0  # + 0.0 turns -0. into 0.
    array([1., 0.])
    """
    angles = np.asarray(angles, dtype=np.float64)
    a1, a2 = angles[..., 0], angles[..., 1]
    l1, l2 = lengths
    return np.stack(
        [l1 * np.cos(a1) - l2 * np.cos(a1 + a2), l1 * np.sin(a1) - l2 * np.sin(a1 + a2)],
        axis=-1,
    )


def make_robot_arm(n_samples=5000, *, random_state=None):
    """Bishop's two-link robot arm, inverse kinematics.

    ``theta1 ~ U(0.3, 1.2)``, ``theta2 ~ U(pi/2, 3 pi/2)``; the input is the
    end-effector position and the target the joint angles, which are
    two-valued (elbow up or down) for most positions.

    Parameters
    ----------
    n_samples : int, default=5000
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        End-effector positions.
    y : ndarray of shape (n_samples, 2)
        Joint angles.

    Examples
    --------
    >>> from skmdn.datasets import make_robot_arm
    >>> X, y = make_robot_arm(10, random_state=0)
    >>> X.shape, y.shape
    ((10, 2), (10, 2))
    """
    rng = check_random_state(random_state)
    angles = np.column_stack(
        [rng.uniform(0.3, 1.2, n_samples), rng.uniform(np.pi / 2, 3 * np.pi / 2, n_samples)]
    )
    return robot_arm_forward(angles), angles
