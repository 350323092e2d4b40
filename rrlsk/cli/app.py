"""The ``rrlsk`` entry point: parse the command line, run the command, turn failures into exit statuses."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

from .errors import reason
from .native_logs import without_native_logs
from .parser import build_parser

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``rrlsk`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 success, 1 failure (one-line reason on stderr), 2
        malformed command line.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # TensorFlow's Python-side chatter (retracing notices) is not for command-line users
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        with without_native_logs(not args.verbose):
            return args.func(args)
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print(f"rrlsk {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # one line for users, traceback with --debug
        if args.debug:
            raise
        print(f"rrlsk {args.command}: error: {reason(err)}", file=sys.stderr)
        return 1
