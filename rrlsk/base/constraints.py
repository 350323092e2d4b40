"""scikit-learn's parameter-constraint language, imported in this one place.

``sklearn.utils._param_validation`` is private to scikit-learn: it may
change without a deprecation cycle. Every module of rrlsk takes the
constraint classes from here, so that a change in scikit-learn is met by a
change of this file alone.
"""

from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
    validate_parameter_constraints,
    validate_params,
)

__all__ = [
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "Options",
    "StrOptions",
    "validate_parameter_constraints",
    "validate_params",
]
