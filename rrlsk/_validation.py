"""Former home of the label, weight and parameter checks, now
:mod:`rrlsk.base.validation` (kept so that code importing
``rrlsk._validation`` keeps working)."""

from .base.validation import MAX_LISTED, check_labels, check_params, check_weights, index_of, name_rows

__all__ = ["MAX_LISTED", "check_labels", "check_params", "check_weights", "index_of", "name_rows"]
