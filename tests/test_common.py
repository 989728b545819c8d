"""scikit-learn's estimator checks, with no expected failures."""

import torch
from sklearn.linear_model import Ridge
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmdn import MDNRegressor

INSTANCES = [
    MDNRegressor(covariance_type=cov, point_estimate=point)
    for cov in ("full", "diag", "spherical")
    for point in ("mean", "mode")
] + [MDNRegressor(covariance_type="full", point_estimate="median"),
      MDNRegressor(input_transform="quantile", input_embedding="periodic", n_members=2),
      # A point model that treats weights as repetition (HGBR's min_samples_leaf does not).
      MDNRegressor(point_regressor=Ridge())]
# On a machine with CUDA, every check (pickling included) also runs on the GPU.
if torch.cuda.is_available():
    INSTANCES.append(MDNRegressor(device="cuda"))


@parametrize_with_checks(INSTANCES)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
