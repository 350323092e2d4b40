"""``rrlsk simulate`` and ``rrlsk select``: write a simulated sample, or the paper's selection of Gaia DR3 tables."""

from __future__ import annotations

from pathlib import Path

from .common import print_table, say, with_labels

__all__ = ["cmd_select", "cmd_simulate"]


def cmd_simulate(args) -> int:
    """Run ``rrlsk simulate``."""
    from ..datasets import make_gaia_rrab, make_gaia_rrc, to_gaia_files
    from ..io import write_parquet

    make = make_gaia_rrc if args.type == "RRc" else make_gaia_rrab
    X, y, info = make(args.n_stars, labels=args.labels, random_state=args.random_state)
    out = Path(args.out)
    if args.format == "parquet":
        if out.suffix.lower() != ".parquet":
            raise ValueError(f"{out}: Parquet output must end in .parquet (or choose --format csv|ecsv|votable|fits)")
        out.parent.mkdir(parents=True, exist_ok=True)
        write_parquet(with_labels(X, info), out)
        say(f"wrote {len(X)} simulated {args.type} stars with feh and feh_error (dex) to {out}")
        return 0
    paths = to_gaia_files(X, info, out, format=args.format, per_star=args.per_star)
    say(f"wrote {len(X)} simulated {args.type} stars as Gaia DR3 {args.format} tables:")
    for name, path in paths.items():
        say(f"  {name:<17} {path}")
    return 0


def cmd_select(args) -> int:
    """Run ``rrlsk select``."""
    from ..io import read_gaia_dr3, select_paper_sample, write_parquet

    X, y, info = read_gaia_dr3(args.source, args.rrlyrae, args.labels, feh_column=args.feh_column,
                               feh_error_column=args.feh_error_column)
    selected, cuts = select_paper_sample(
        info, feh_error_column="feh_error", classification=args.type, max_feh_error=args.max_feh_error,
        max_amplitude=args.max_amplitude, min_epochs=args.min_epochs,
        max_phi31_error=args.max_phi31_error,
    )
    say(f"the paper's selection (Monti et al. 2024, Sect. 3) on the {len(X)} stars with "
        "light curves, period, epoch and label:")
    print_table(cuts.set_index("cut"))
    if selected.empty:
        raise ValueError("no star passes the selection cuts")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_parquet(with_labels(X.loc[selected.index], info.loc[selected.index]), out)
    say(f"wrote {len(selected)} selected light curves with feh, feh_error (dex) to {out}")
    return 0
