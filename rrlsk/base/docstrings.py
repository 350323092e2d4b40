"""Numpydoc pieces that several docstrings share, written once.

A piece is a module-level string, written flush left, that holds one or
more numpydoc entries or sections (e.g. :data:`rrlsk.base.predict.INTERVAL_DOC`).
A docstring names it as ``%(name)s`` on a line of its own, and
:func:`fill_doc` puts the piece there, indented as the placeholder is, so
that one piece serves a function (four spaces) and a method (eight): the
mechanism of matplotlib's ``_docstring.interpd`` and MNE's ``fill_doc``.
Only whole-line placeholders are replaced; any other ``%`` in a docstring
is left as written.

Examples
--------
>>> from rrlsk.base.docstrings import fill_doc
>>> X_DOC = "X : pandas.DataFrame\\n    Light-curve table."
>>> @fill_doc(X=X_DOC)
... def count(X):
...     '''How many stars.
...
...     Parameters
...     ----------
...     %(X)s
...     '''
>>> print(count.__doc__.rstrip())
How many stars.
<BLANKLINE>
    Parameters
    ----------
    X : pandas.DataFrame
        Light-curve table.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from typing import TypeVar

__all__ = ["fill_doc"]

_Documented = TypeVar("_Documented")

# "%(name)s" alone on its line, its indentation captured
_PLACEHOLDER = re.compile(r"^([ \t]*)%\((\w+)\)s[ \t]*$", re.MULTILINE)


def fill_doc(**pieces: str) -> Callable[[_Documented], _Documented]:
    """Decorator: replace each ``%(name)s`` line of a docstring by the piece ``name``.

    Parameters
    ----------
    **pieces : str
        The pieces by name, written flush left (their common indentation is
        removed first).

    Returns
    -------
    callable
        The decorator; it returns the function or class it is given, with
        its ``__doc__`` filled (a ``None`` docstring, as under
        ``python -OO``, is left alone).

    Raises
    ------
    KeyError
        When a docstring names a piece that was not given.
    """

    def fill(match: re.Match) -> str:
        indent, name = match.groups()
        return textwrap.indent(textwrap.dedent(pieces[name]).strip(), indent)

    def decorate(documented: _Documented) -> _Documented:
        if documented.__doc__:
            documented.__doc__ = _PLACEHOLDER.sub(fill, documented.__doc__)
        return documented

    return decorate
