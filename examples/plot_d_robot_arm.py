"""
D. Inverse kinematics of a two-link robot arm
=============================================

Reference experiment D (a blog post on MDNs in PyTorch).

**1-D part.** The inverted sinusoid with n = 3000, an MLP of three hidden
layers of 128 ReLU units, K = 20, Adam with learning rate 1e-4, batches of
128, 100 epochs; samples drawn per input (choose a component by its weight,
then draw from it).

**2-D part.** Bishop's robot arm: links L1 = 0.8 and L2 = 0.2, joint angles
``theta1 ~ U(0.3, 1.2)`` and ``theta2 ~ U(pi/2, 3 pi/2)``. Given the end
effector's position, the MDN predicts the joint angles, which are two-valued
(elbow up or elbow down): n = 5000, K = 2, spherical Gaussians. The post
samples joint angles for 5000 fresh positions, maps them forward, and
reports a mean squared error of **0.00029** against the targets. The arm's
network here is the one of the 1-D part, trained for the post's 200 epochs.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from skmdn import MDNRegressor
from skmdn.datasets import make_inverted_sinusoid, make_robot_arm, robot_arm_forward
from skmdn.plotting import plot_error_quiver, plot_samples

net = dict(hidden_layer_sizes=(128, 128, 128), activation="relu", learning_rate_init=1e-4,
           batch_size=128, early_stopping=False, lr_schedule="constant", random_state=0)

# %%
# The inverted sinusoid, sampled
# ------------------------------
X, y = make_inverted_sinusoid(3000, random_state=0)
X_test, y_test = make_inverted_sinusoid(20000, random_state=1)
mdn_1d = MDNRegressor(n_components=20, max_iter=100, n_iter_no_change=100, **net).fit(X, y)
print(f"held-out NLL on 20000 fresh points: {-mdn_1d.score_samples(X_test, y_test).mean():.3f}"
      "   (ground truth: 1.288)")

fig, ax = plt.subplots(figsize=(6, 4))
plot_samples(mdn_1d, X_test[:3000], data=(X, y), random_state=0, ax=ax)
ax.set_xlabel("input s")
ax.set_ylabel("target t")
ax.set_title("one sample per test input, over the training data")
fig.tight_layout()

# %%
# The robot arm
# -------------
# The input is the end-effector position (x1, x2), the target the two joint
# angles; ``covariance_type="spherical"`` gives each component one standard
# deviation, as in the post.
positions, angles = make_robot_arm(5000, random_state=0)
arm = MDNRegressor(n_components=2, covariance_type="spherical", max_iter=200,
                   n_iter_no_change=200, **net).fit(positions, angles)

targets, _ = make_robot_arm(5000, random_state=1)
sampled_angles = arm.sample(targets, n_samples=1, random_state=0)[:, 0, :]
reached = robot_arm_forward(sampled_angles)
mse = np.mean((reached - targets) ** 2)
print(f"forward MSE of sampled joint angles, 5000 fresh targets: {mse:.6f}   "
      "(post: 0.00029)")

mode_angles = arm.set_params(point_estimate="mode").predict(targets)
mse_mode = np.mean((robot_arm_forward(mode_angles) - targets) ** 2)
print(f"forward MSE of the conditional mode: {mse_mode:.6f}")
mean_angles = arm.set_params(point_estimate="mean").predict(targets)
mse_mean = np.mean((robot_arm_forward(mean_angles) - targets) ** 2)
print(f"forward MSE of the conditional mean (between elbow up and down): {mse_mean:.6f}")

# %%
# The errors, magnified ten times, as arrows from each target to where the
# sampled angles put the hand. On the right, 40 sampled arm poses for each of
# three targets: the samples split between elbow up and elbow down, and every
# pose reaches its target.
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
plot_error_quiver(targets, reached, magnify=10, max_arrows=300, ax=axes[0])
axes[0].set_title("errors of sampled angles (x10)")

ax = axes[1]
for target, color in zip([[0.55, 0.55], [0.75, 0.3], [0.3, 0.8]],
                         ["tab:blue", "tab:orange", "tab:green"]):
    poses = arm.sample(np.array([target]), n_samples=40, random_state=0)[0]
    elbows = 0.8 * np.column_stack([np.cos(poses[:, 0]), np.sin(poses[:, 0])])
    hands = robot_arm_forward(poses)
    for elbow, hand in zip(elbows, hands):
        ax.plot([0, elbow[0], hand[0]], [0, elbow[1], hand[1]], c=color, lw=0.5, alpha=0.5)
    ax.plot(*target, "k*", ms=10)
ax.set_aspect("equal")
ax.set_xlabel("$x_1$")
ax.set_ylabel("$x_2$")
ax.set_title("sampled arm poses for three targets (stars)")
fig.tight_layout()
