"""Former home of the ragged-array helpers, now :mod:`rrlsk.base.ragged`
(kept so that code importing ``rrlsk._ragged`` keeps working)."""

from .base.ragged import ARRAY_COLUMNS, CHUNK_STARS, MASK_VALUE, flatten, split

__all__ = ["ARRAY_COLUMNS", "CHUNK_STARS", "MASK_VALUE", "flatten", "split"]
