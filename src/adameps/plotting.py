"""One figure style for the paper, the notebooks and the report, and the figure-drawing functions.

The drawing functions take data arrays and matplotlib axes and return nothing; they do
no file I/O, so the pipeline's figure scripts and the notebooks draw the very same figure.
"""

from __future__ import annotations

import matplotlib as mpl

#: Text width of the paper in inches (article class, 11pt, 1in margins on A4 paper).
TEXT_WIDTH_IN = 6.27

#: Okabe & Ito's colour-blind-safe palette, in the order curves are drawn.
PALETTE = {
    "black": "#000000",
    "orange": "#E69F00",
    "skyblue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}

#: matplotlib rcParams of the shared style: Computer Modern to match the LaTeX body
#: text, sizes matched to an 11pt document, TrueType fonts embedded in PDFs, and no
#: timestamps or version strings that would make two builds differ.
STYLE = {
    "font.family": "serif",
    "font.serif": ["cmr10"],
    "mathtext.fontset": "cm",
    "axes.formatter.use_mathtext": True,
    "axes.unicode_minus": True,
    "font.size": 9,
    "axes.labelsize": 9,
    "axes.titlesize": 9,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "lines.linewidth": 1.3,
    "axes.linewidth": 0.6,
    "axes.grid": True,
    "grid.linewidth": 0.4,
    "grid.alpha": 0.35,
    "legend.frameon": False,
    "figure.dpi": 150,
    "savefig.dpi": 200,
    "savefig.bbox": "standard",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.hashsalt": "adameps",
    "axes.prop_cycle": mpl.cycler(color=list(PALETTE.values())[1:] + [PALETTE["black"]]),
}


def use_style() -> None:
    """Apply :data:`STYLE` to matplotlib's global rcParams."""
    mpl.rcParams.update(STYLE)


def figsize(width_fraction: float = 1.0, aspect: float = 0.4) -> tuple[float, float]:
    """Figure size ``(w, h)`` in inches: a fraction of the text width and ``h = aspect * w``."""
    w = TEXT_WIDTH_IN * width_fraction
    return (w, aspect * w)


def plot_erf_approximations(ax_curves, ax_errors, x, erf, approx: dict) -> None:
    r"""Draw ``erf`` with its approximations (left) and their errors ``approx - erf`` (right).

    ``approx`` maps a name (``"softsign"``, ``"clip"``) to the approximation's values on ``x``.
    """
    labels = {
        "softsign": r"$x/\sqrt{x^2+\pi/4}$",
        "clip": r"$\mathrm{clip}(2x/\sqrt{\pi},-1,1)$",
    }
    colours = {"softsign": PALETTE["blue"], "clip": PALETTE["vermillion"]}
    styles = {"softsign": "--", "clip": ":"}
    ax_curves.plot(x, erf, color=PALETTE["black"], label=r"$\mathrm{erf}(x)$")
    for name, y in approx.items():
        ax_curves.plot(x, y, styles[name], color=colours[name], label=labels[name])
        ax_errors.plot(x, y - erf, styles[name], color=colours[name], label=labels[name])
    ax_curves.set_xlabel(r"$x$")
    ax_curves.set_ylabel(r"$S(x)$")
    ax_curves.legend(loc="upper left")
    ax_errors.axhline(0.0, color=PALETTE["black"], linewidth=0.6)
    ax_errors.set_xlabel(r"$x$")
    ax_errors.set_ylabel(r"approximation $-\ \mathrm{erf}(x)$")
    ax_errors.legend(loc="upper left")
