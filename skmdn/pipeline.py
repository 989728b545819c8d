"""Pipelines that end in an :class:`~skmdn.MDNRegressor`.

scikit-learn's :class:`~sklearn.pipeline.Pipeline` forwards only
scikit-learn's own methods to its last step. :class:`Pipeline` here is a
subclass that also forwards the distribution API (``predict_dist``,
``predict_interval``, ``predict_quantiles``, ``predict_var``, ``sample``) and
``score_samples(X, y)``, after transforming X with the steps before the last;
:func:`make_pipeline` builds one, as scikit-learn's does.

:func:`final_mdn` is the one helper through which every skmdn function that
takes an estimator (the metrics and the plots) accepts either a fitted
:class:`~skmdn.MDNRegressor` or a Pipeline (scikit-learn's or this one)
ending in one.
"""

from sklearn import pipeline as sk_pipeline
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ._regressor import MDNRegressor

__all__ = ["Pipeline", "make_pipeline", "final_mdn"]


def _final_has(method):
    """Whether the last step has ``method`` (for ``available_if``)."""
    def check(pipe):
        getattr(pipe._final_estimator, method)
        return True
    return check


class Pipeline(sk_pipeline.Pipeline):
    """A scikit-learn Pipeline that also forwards the distribution API of its last step.

    Everything :class:`sklearn.pipeline.Pipeline` does works unchanged
    (``set_output``, ``get_feature_names_out``, slicing, metadata routing,
    ``GridSearchCV`` parameter names). The methods below transform X with the
    steps before the last and call the last step's method of the same name;
    they exist when the last step has it.

    Parameters
    ----------
    steps : list of (str, estimator) tuples
        As for :class:`sklearn.pipeline.Pipeline`.
    transform_input : list of str, default=None
        As for :class:`sklearn.pipeline.Pipeline`.
    memory : str or object with the joblib.Memory interface, default=None
        As for :class:`sklearn.pipeline.Pipeline`.
    verbose : bool, default=False
        As for :class:`sklearn.pipeline.Pipeline`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmdn import MDNRegressor
    >>> from skmdn.pipeline import make_pipeline
    >>> X = np.linspace(0, 10, 60).reshape(-1, 1); y = np.sin(X).ravel()
    >>> pipe = make_pipeline(StandardScaler(), MDNRegressor(max_iter=3, random_state=0))
    >>> pipe.fit(X, y).predict_interval(X[:2], coverage=0.8).shape
    (2, 2)
    >>> pipe.score_samples(X[:2], y[:2]).shape
    (2,)
    """

    def _transform_to_final(self, X):
        check_is_fitted(self)
        for _, _, step in self._iter(with_final=False):
            X = step.transform(X)
        return X

    @available_if(_final_has("predict_dist"))
    def predict_dist(self, X):
        """The last step's ``predict_dist`` on transformed X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        MixtureDistribution
            The predicted mixtures, one per row.
        """
        return self._final_estimator.predict_dist(self._transform_to_final(X))

    @available_if(_final_has("predict_interval"))
    def predict_interval(self, X, coverage=0.9):
        """The last step's ``predict_interval`` on transformed X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        coverage : float, default=0.9

        Returns
        -------
        ndarray of shape (n_samples, 2) or (n_samples, 2, n_targets)
        """
        return self._final_estimator.predict_interval(self._transform_to_final(X), coverage)

    @available_if(_final_has("predict_quantiles"))
    def predict_quantiles(self, X, quantiles):
        """The last step's ``predict_quantiles`` on transformed X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        quantiles : float or array-like of shape (n_quantiles,)

        Returns
        -------
        ndarray of shape (n_samples, n_quantiles) or (n_samples, n_quantiles, n_targets)
        """
        return self._final_estimator.predict_quantiles(self._transform_to_final(X), quantiles)

    @available_if(_final_has("predict_var"))
    def predict_var(self, X):
        """The last step's ``predict_var`` on transformed X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        return self._final_estimator.predict_var(self._transform_to_final(X))

    @available_if(_final_has("sample"))
    def sample(self, X, n_samples=1, random_state=None, **kwargs):
        """The last step's ``sample`` on transformed X.

        Parameters
        ----------
        X : array-like of shape (n_samples_X, n_features)
        n_samples : int, default=1
        random_state : int, RandomState instance or None, default=None
        **kwargs : dict
            Passed on (``pi_bias``, ``std_bias``).

        Returns
        -------
        ndarray of shape (n_samples_X, n_samples) or (n_samples_X, n_samples, n_targets)
        """
        return self._final_estimator.sample(
            self._transform_to_final(X), n_samples, random_state, **kwargs)

    @available_if(_final_has("score_samples"))
    def score_samples(self, X, y=None):
        """The last step's ``score_samples(X, y)`` on transformed X.

        Unlike scikit-learn's Pipeline, this passes ``y`` on: for an
        MDNRegressor that is log p(y | x), in the units of y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets), default=None

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        Xt = self._transform_to_final(X)
        if y is None:
            return self._final_estimator.score_samples(Xt)
        return self._final_estimator.score_samples(Xt, y)


def make_pipeline(*steps, memory=None, transform_input=None, verbose=False):
    """Build a :class:`Pipeline` from estimators, naming the steps after their classes.

    As :func:`sklearn.pipeline.make_pipeline`, but the result forwards the
    distribution API of its last step.

    Parameters
    ----------
    *steps : list of estimators
    memory : str or object with the joblib.Memory interface, default=None
    transform_input : list of str, default=None
    verbose : bool, default=False

    Returns
    -------
    Pipeline

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmdn import MDNRegressor
    >>> from skmdn.pipeline import make_pipeline
    >>> make_pipeline(StandardScaler(), MDNRegressor()).steps[1][0]
    'mdnregressor'
    """
    return Pipeline(sk_pipeline._name_estimators(steps), memory=memory,
                    transform_input=transform_input, verbose=verbose)


def final_mdn(estimator, X=None):
    """The MDNRegressor at the end of ``estimator``, and X as it reaches it.

    Parameters
    ----------
    estimator : MDNRegressor or Pipeline ending in one
        Pipelines may be nested; the steps before the last transform X.
    X : array-like of shape (n_samples, n_features), default=None
        Input to transform; None to unwrap the estimator only.

    Returns
    -------
    mdn : MDNRegressor
    Xt : array-like of shape (n_samples, n_features_out) or None
        X after the preceding steps (X itself for a bare MDNRegressor).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmdn import MDNRegressor
    >>> from skmdn.pipeline import final_mdn
    >>> X = np.linspace(0, 10, 40).reshape(-1, 1); y = X.ravel()
    >>> pipe = make_pipeline(StandardScaler(), MDNRegressor(max_iter=2, random_state=0)).fit(X, y)
    >>> mdn, Xt = final_mdn(pipe, X)
    >>> type(mdn).__name__, bool(abs(Xt.mean()) < 1e-12)
    ('MDNRegressor', True)
    """
    model = estimator
    while isinstance(model, sk_pipeline.Pipeline):
        if X is not None and len(model.steps) > 1:
            X = model[:-1].transform(X)
        model = model[-1]
    if not isinstance(model, MDNRegressor):
        raise TypeError(
            "Expected an MDNRegressor or a Pipeline whose last step is one, got "
            f"{type(estimator).__name__}"
            + (f" ending in {type(model).__name__}" if model is not estimator else "") + "."
        )
    return model, X
