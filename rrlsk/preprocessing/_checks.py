"""Former home of the table checks and :class:`TableTransformer`, now
:mod:`rrlsk.base.table` (kept so that code importing
``rrlsk.preprocessing._checks`` and models pickled with it keep working)."""

from ..base.table import (
    ARRAY_COLUMNS,
    DEFAULT_MIN_POINTS,
    TableTransformer,
    check_light_curves,
    check_target_index,
    validate_table,
)

__all__ = [
    "ARRAY_COLUMNS",
    "DEFAULT_MIN_POINTS",
    "TableTransformer",
    "check_light_curves",
    "check_target_index",
    "validate_table",
]
