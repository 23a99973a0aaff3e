"""One figure style for the paper, the notebooks and the report, and the figure-drawing functions.

The drawing functions take data arrays and matplotlib axes and return nothing; they do
no file I/O, so the pipeline's figure scripts and the notebooks draw the very same figure.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np

__all__ = [
    "TEXT_WIDTH_IN",
    "PALETTE",
    "STYLE",
    "MOMENT_LINES",
    "EPS_CYCLE",
    "EPS_MARKERS",
    "use_style",
    "figsize",
    "plot_erf_approximations",
    "plot_moment_curves",
    "plot_error_maps",
    "plot_eta_curves",
    "plot_eta_peaks",
    "eps_colours",
    "eps_markers",
    "plot_train_eta",
    "scatter_styles",
    "plot_train_scatter",
    "plot_train_budget",
    "plot_lr_curves",
    "plot_large_eps_convergence",
    "plot_log_ratio_map",
    "plot_sqrt_rule",
]

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
    """Apply :data:`STYLE` to matplotlib's global rcParams.

    Examples
    --------
    >>> with mpl.rc_context():  # here only inside the block; the figure scripts call it once
    ...     use_style()
    ...     print(mpl.rcParams["font.size"] == STYLE["font.size"], mpl.rcParams["pdf.fonttype"])
    True 42
    """
    mpl.rcParams.update(STYLE)


def figsize(width_fraction: float = 1.0, aspect: float = 0.4) -> tuple[float, float]:
    """Figure size ``(w, h)`` in inches: a fraction of the text width and ``h = aspect * w``.

    Examples
    --------
    >>> figsize(0.5, aspect=1.0)
    (3.135, 3.135)
    """
    w = TEXT_WIDTH_IN * width_fraction
    return (w, aspect * w)


def plot_erf_approximations(ax_curves, ax_errors, x, erf, approx: dict) -> None:
    r"""Draw ``erf`` with its approximations (left) and their errors ``approx - erf`` (right).

    ``approx`` maps a name (``"softsign"``, ``"clip"``) to the approximation's values on ``x``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from scipy.special import erf
    >>> left, right = Figure().subplots(1, 2)
    >>> x = np.linspace(-3.0, 3.0, 61)
    >>> plot_erf_approximations(left, right, x, erf(x), {"softsign": x / np.sqrt(x**2 + np.pi / 4)})
    >>> len(left.lines), len(right.lines)  # erf and softsign; softsign's error and the zero line
    (2, 2)
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


#: How each update kind / approximation is drawn in the moment figures.
MOMENT_LINES = {
    "softsign": dict(color=PALETTE["black"], ls="-", label="softsign (exact)"),
    "clip": dict(color=PALETTE["vermillion"], ls="--", label="clip (exact)"),
    "erf_slope": dict(color=PALETTE["blue"], ls="-.", label=r"S-curve, slope $\mathrm{erf}(b/\sqrt{2})/b$"),
    "post": dict(color=PALETTE["green"], ls=":", label=r"post: $b^2+\pi/2$"),
    "sign": dict(color=PALETTE["orange"], ls="-", lw=0.8, label="sign"),
    "adam": dict(color=PALETTE["purple"], ls=(0, (5, 1, 1, 1, 1, 1)), label=r"adam $x/(|x|+b)$"),
}


def plot_moment_curves(axes, a, b_values, curves: dict, moment: str) -> None:
    r"""One panel per ``b``: ``m1`` or ``m2`` (``moment``) against ``a`` for each curve.

    ``curves`` maps a key of :data:`MOMENT_LINES` to an array of shape ``(len(b_values), len(a))``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> axes = Figure().subplots(1, 2)
    >>> a = np.linspace(0.0, 4.0, 9)
    >>> plot_moment_curves(axes, a, [0.1, 1.0], {"sign": np.tanh(a) * np.ones((2, 1))}, "m1")
    >>> [ax.get_title() for ax in axes], axes[0].get_ylabel()
    (['$b = 0.1$', '$b = 1$'], '$m_1(a, b)$')
    """
    symbol = {"m1": r"$m_1(a, b)$", "m2": r"$m_2(a, b)$"}[moment]
    for j, (ax, b) in enumerate(zip(axes, b_values)):
        for name, y in curves.items():
            style = dict(MOMENT_LINES[name])
            ax.plot(a, y[j], **style)
        ax.set_title(rf"$b = {b:g}$")
        ax.set_xlabel(r"$a = g\sqrt{B}/\sigma$")
    axes[0].set_ylabel(symbol)
    axes[0].figure.legend(*axes[0].get_legend_handles_labels(), loc="outside right center", fontsize=7)


def plot_error_maps(fig, axes, a, b, errors: dict, titles: dict, floor: float = 1e-6) -> None:
    r"""Maps of :math:`\log_{10}|\text{approx} - \text{exact}|` over the :math:`(a, \log b)` plane.

    ``errors`` maps a name to an array of shape ``(len(b), len(a))``; values below ``floor``
    are shown at the floor so one colour scale serves every panel.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure()
    >>> axes = fig.subplots(1, 2)
    >>> a, b = np.linspace(0.0, 5.0, 6), np.logspace(-1, 1, 3)
    >>> err = {"clip": np.full((3, 6), 1e-3), "post": np.full((3, 6), 1e-8)}
    >>> plot_error_maps(fig, axes, a, b, err, {"clip": "clip", "post": "post"})
    >>> len(fig.axes), axes[1].get_yscale()  # two maps and one shared colour bar
    (3, 'log')
    """
    vmax = max(float(np.max(np.abs(e))) for e in errors.values())
    levels_hi = np.ceil(np.log10(vmax))
    mesh = None
    for ax, (name, err) in zip(axes, errors.items()):
        z = np.log10(np.maximum(np.abs(err), floor))
        mesh = ax.pcolormesh(a, b, z, shading="nearest", vmin=np.log10(floor), vmax=levels_hi,
                             cmap="viridis", rasterized=True)
        ax.set_yscale("log")
        # Linear near the origin where the structure is, logarithmic out to a_max.
        ax.set_xscale("symlog", linthresh=1.0, linscale=0.5)
        ax.set_title(titles[name])
        ax.set_xlabel(r"$a$")
        ax.grid(False)
    axes[0].set_ylabel(r"$b = \epsilon\sqrt{B}/\sigma$")
    fig.colorbar(mesh, ax=list(axes), label=r"$\log_{10}|\mathrm{approx} - \mathrm{exact}|$", shrink=0.9)


def plot_eta_curves(ax, B, eps, exact, mean_field, sign, which, title, sgd=None, b_noise=None) -> None:
    r"""Exact :math:`\eta^*(B)` (solid) and the 2024 mean field (dashed) for the ``eps`` indices ``which``,
    with SignSGD's :math:`\eta^*(B)` (wide grey band underneath, so that an exact curve lying on it
    stays visible); log--log axes over the physical batch size.

    ``sgd``, if given, is SGD's optimum :math:`\eta^*_{\mathrm{SGD}}(B)`; it is drawn as
    :math:`\epsilon\,\eta^*_{\mathrm{SGD}}(B)` (black dotted) for the largest drawn ``eps``, the
    :math:`\epsilon\to\infty` asymptote of the exact curve of that :math:`\epsilon`.  ``b_noise``,
    if given, is marked by a thin vertical line.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> B, eps = np.logspace(0, 4, 5), np.array([1e-3, 1.0])
    >>> exact, mf = np.array([np.sqrt(B), B / (1 + B)]), np.array([np.sqrt(B), B / (2 + B)])
    >>> plot_eta_curves(ax, B, eps, exact, mf, np.sqrt(B), [0, 1], "nqm", sgd=B / (1 + B), b_noise=100.0)
    >>> len(ax.lines), ax.get_xscale(), ax.get_title()  # sign, B_noise, two exact + two mean field, SGD
    (7, 'log', 'nqm')
    """
    colours = [PALETTE[c] for c in ("blue", "vermillion", "green", "purple", "orange", "skyblue")]
    ax.plot(B, sign, color="#BBBBBB", lw=4.0, solid_capstyle="butt", zorder=1, label="SignSGD")
    if b_noise is not None:
        ax.axvline(float(b_noise), color=PALETTE["black"], lw=0.6, ls="-.", zorder=1,
                   label=r"$B_{\mathrm{noise}}$")
    for colour, i in zip(colours, which):
        ax.plot(B, exact[i], color=colour, label=rf"$\epsilon = 10^{{{np.log10(eps[i]):.0f}}}$")
        ax.plot(B, mean_field[i], color=colour, ls="--")
    if sgd is not None:
        i = max(which, key=lambda j: eps[j])
        ax.plot(B, eps[i] * sgd, color=PALETTE["black"], ls=":", lw=1.4, zorder=3,
                label=r"$\epsilon\,\eta^*_{\mathrm{SGD}}$, largest $\epsilon$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"batch size $B$")
    ax.set_title(title)


def plot_eta_peaks(ax, eps, peaks: dict, mf_peaks: dict) -> None:
    r"""Batch size of the surge peak against :math:`\epsilon`: exact (solid, markers) and mean field (dashed).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> eps = np.logspace(-3, 0, 4)
    >>> plot_eta_peaks(ax, eps, {"dense": [10.0, 20.0, np.nan, np.nan], "nqm": [np.nan] * 4},
    ...                {"dense": [8.0, 15.0, np.nan, np.nan], "nqm": [np.nan] * 4})
    >>> [line.get_label() for line in ax.lines]  # a family without a finite peak is not drawn
    ['dense, exact', 'dense, mean field']
    """
    colours = [PALETTE[c] for c in ("blue", "vermillion", "green", "purple")]
    # A curve without a single finite point is not drawn and gets no legend entry.
    for colour, (name, p) in zip(colours, peaks.items()):
        if np.any(np.isfinite(p)):
            ax.plot(eps, p, "o-", ms=3, color=colour, label=f"{name}, exact")
        if np.any(np.isfinite(mf_peaks[name])):
            ax.plot(eps, mf_peaks[name], "--", color=colour, label=f"{name}, mean field")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$\epsilon$")
    ax.set_ylabel(r"$B_{\mathrm{peak}}$")
    # Outside the axes, so that it covers no data.
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)


#: Okabe-Ito colours (colour-blind safe) in an order whose neighbours differ in hue and lightness,
#: and one marker shape each, so that a curve is told apart by its marker alone in greyscale too.
EPS_CYCLE = ("blue", "orange", "green", "vermillion", "skyblue", "purple", "black")
EPS_MARKERS = ("o", "s", "^", "D", "v", "P", "X")


def eps_colours(log10_eps) -> dict:
    """One colour per log10(eps) value (sorted), shared by every panel of the training figures.

    Examples
    --------
    >>> eps_colours([-3.0, -8.0]) == {-8.0: PALETTE["blue"], -3.0: PALETTE["orange"]}
    True
    """
    cycle = [PALETTE[c] for c in EPS_CYCLE]
    vals = sorted({float(x) for x in log10_eps})
    return {x: cycle[k % len(cycle)] for k, x in enumerate(vals)}


def eps_markers(log10_eps) -> dict:
    """One marker per log10(eps) value (sorted), paired with :func:`eps_colours`.

    Examples
    --------
    >>> eps_markers([-3.0, -8.0, 0.0])
    {-8.0: 'o', -3.0: 's', 0.0: '^'}
    """
    vals = sorted({float(x) for x in log10_eps})
    return {x: EPS_MARKERS[k % len(EPS_MARKERS)] for k, x in enumerate(vals)}


def _log_errorbar(ax, x, y, log_se, **kw):
    s = np.where(np.isfinite(log_se), log_se, 0.0)
    ax.errorbar(x, y, yerr=[y - y * np.exp(-s), y * np.exp(s) - y], capsize=1.5, **kw)


def plot_train_eta(ax, B, eps, eta, log_se, theory, title, colours=None, ok=None, labels=None,
                   theory2=None, markers=None, multistep=None) -> None:
    r"""Measured :math:`\eta^*(B)` per :math:`\epsilon` (markers, bars = :math:`\pm` one bootstrap s.e. in log)
    with the one-step theory's prediction (solid lines, same colour), if given a second theory
    ``theory2`` (dashed, same colour) and the multi-step theory ``multistep`` (dash-dotted, same
    colour; NaN rows are skipped); log--log axes.

    ``eps`` may hold NaN for optimisers without one (then ``labels`` names the row); ``colours`` /
    ``markers`` map ``log10(eps)`` to a colour / marker (default :func:`eps_colours`,
    :func:`eps_markers`); ``ok`` (same shape as ``eta``) marks bracketed, refined minima: the others
    are drawn as open markers (a bound, not an estimate).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> B = np.array([1.0, 4.0, 16.0])
    >>> eta, se = np.array([[0.1, 0.2, 0.3]]), np.full((1, 3), 0.05)
    >>> plot_train_eta(ax, B, [1e-3], eta, se, 1.1 * eta, "nqm, adam", ok=np.array([[True, True, False]]))
    >>> ax.get_legend_handles_labels()[1], ax.get_yscale()
    (['$\\epsilon = 10^{-3}$'], 'log')
    """
    eps = np.asarray(eps, float)
    colours = colours or eps_colours(np.log10(eps[np.isfinite(eps)]))
    markers = markers or eps_markers(np.log10(eps[np.isfinite(eps)]))
    # arms without eps: black and grey, told apart by marker, so as not to repeat an eps colour
    others = iter(zip([PALETTE["black"], "#8C8C8C", PALETTE["black"], "#8C8C8C"], ["o", "s", "^", "D"]))
    for r, (e, y, s, t) in enumerate(zip(eps, eta, log_se, theory)):
        colour, marker = (colours[float(np.log10(e))], markers[float(np.log10(e))]) if np.isfinite(e) else next(others)
        label = labels[r] if labels else rf"$\epsilon = 10^{{{np.log10(e):.0f}}}$"
        _log_errorbar(ax, B, y, s, fmt=marker, ms=3, color=colour, label=label)
        if ok is not None and not np.all(ok[r]):
            bad = ~np.asarray(ok[r], bool)
            ax.plot(np.asarray(B)[bad], np.asarray(y)[bad], marker, ms=5, mfc="white", color=colour, zorder=3)
        ax.plot(B, t, "-", color=colour, lw=0.9)
        if theory2 is not None:
            ax.plot(B, theory2[r], "--", color=colour, lw=0.8)
        if multistep is not None and np.isfinite(multistep[r]).any():
            ax.plot(B, multistep[r], "-.", color=colour, lw=1.1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"batch size $B$")
    ax.set_title(title)


def scatter_styles(labels) -> dict:
    """One ``(marker, colour)`` per label, in order, so that every panel draws a group alike.

    Examples
    --------
    >>> scatter_styles(["adam", "sign"]) == {"adam": ("o", PALETTE["blue"]), "sign": ("s", PALETTE["vermillion"])}
    True
    """
    markers = "osD^vP<>"
    colours = [PALETTE[c] for c in ("blue", "vermillion", "green", "purple", "orange", "skyblue", "black")]
    return {lab: (markers[k % len(markers)], colours[k % len(colours)]) for k, lab in enumerate(labels)}


def plot_train_scatter(ax, groups: dict, title, styles=None) -> None:
    r"""Measured against predicted :math:`\eta^*` (log--log) with the diagonal and a factor-2 band.

    ``groups`` maps a label to ``(pred, meas, ok)`` flat arrays; unbracketed minima (``ok`` False)
    are open markers.  ``styles`` (default :func:`scatter_styles` of the labels) maps a label to its
    ``(marker, colour)``: pass one mapping to every panel of a figure.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> pred, meas = np.array([0.1, 0.2, 0.4]), np.array([0.12, 0.15, 0.5])
    >>> plot_train_scatter(ax, {"adam": (pred, meas, np.array([True, True, False]))}, "one step")
    >>> ax.get_xlim() == ax.get_ylim() == (0.05, 1.0)  # square, a factor 2 beyond the data
    True
    """
    styles = styles or scatter_styles(list(groups))
    lo, hi = np.inf, -np.inf
    for label, (pred, meas, ok) in groups.items():
        pred, meas, ok = (np.asarray(x).ravel() for x in (pred, meas, ok))
        m, c = styles[label]
        ax.plot(pred[ok], meas[ok], m, ms=3, color=c, label=label, ls="none")
        ax.plot(pred[~ok], meas[~ok], m, ms=3, mfc="white", color=c, ls="none")
        lo, hi = min(lo, np.nanmin(pred), np.nanmin(meas)), max(hi, np.nanmax(pred), np.nanmax(meas))
    x = np.array([lo / 2, hi * 2])
    ax.plot(x, x, "-", color=PALETTE["black"], lw=0.7)
    ax.fill_between(x, x / 2, x * 2, color="#999999", alpha=0.15, lw=0)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(x)
    ax.set_ylim(x)
    ax.set_aspect("equal")
    ax.set_xlabel(r"predicted $\eta^*$")
    ax.set_title(title)


def plot_train_budget(ax, B, steps, eta, log_se, theory_adam, theory_softsign, title, multistep=None) -> None:
    r"""Measured :math:`\eta^*(B)` after each step budget (markers, one colour per budget) with the exact
    theory of Adam's first step, :math:`x/(|x|+\epsilon)` (solid), of softsign (dashed) and, if given,
    the multi-step theory at each budget (``multistep``, one curve per budget, dash-dotted in its colour).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> B = np.array([1.0, 4.0, 16.0])
    >>> eta = np.array([[0.1, 0.2, 0.3], [0.05, 0.06, 0.07]])
    >>> plot_train_budget(ax, B, [1, 100], eta, np.zeros_like(eta), [0.1, 0.2, 0.3], [0.1, 0.2, 0.28], "nqm")
    >>> ax.get_legend_handles_labels()[1]
    ['theory, $x/(|x|+\\epsilon)$', 'theory, softsign', '1 step', '100 steps']
    """
    colours = [PALETTE[c] for c in ("vermillion", "blue", "green", "purple", "orange", "skyblue")]
    for k, (c, s, y, se) in enumerate(zip(colours, steps, eta, log_se)):
        _log_errorbar(ax, B, y, se, fmt="o", ms=3, color=c, label=f"{s} step" + ("s" if s != 1 else ""))
        if multistep is not None:
            ax.plot(B, multistep[k], "-.", color=c, lw=1.1)
    if multistep is not None:  # one legend entry for the budgets' multi-step curves
        ax.plot([], [], "-.", color="#777777", lw=1.1, label="multi-step theory")
    ax.plot(B, theory_adam, "-", color=PALETTE["black"], lw=0.9, label=r"theory, $x/(|x|+\epsilon)$")
    ax.plot(B, theory_softsign, "--", color="#777777", lw=0.9, label=r"theory, softsign")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"batch size $B$")
    ax.set_title(title)


def plot_lr_curves(ax, lrs: dict, mean: dict, lo: dict, hi: dict, eta: dict, f_eta: dict) -> None:
    r"""Seed-mean final loss against the learning rate per batch size (lines), the seeds' range
    (band with its edges) and the fitted minimum (marker); log--log, the loss axis cut at three times
    the largest loss of the three smallest learning rates (the diverging side is not the point).
    Every argument is a dict keyed by ``B``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> lrs = {4.0: np.logspace(-3, 0, 7)}
    >>> loss = {4.0: 1.0 + (np.log10(lrs[4.0]) + 1.5) ** 2}
    >>> plot_lr_curves(ax, lrs, loss, {4.0: 0.9 * loss[4.0]}, {4.0: 1.1 * loss[4.0]}, {4.0: 10**-1.5}, {4.0: 1.0})
    >>> ax.get_legend_handles_labels()[1], ax.get_xlabel()
    (['$B = 4$'], 'learning rate $\\eta$')
    """
    cycle = [PALETTE[c] for c in EPS_CYCLE]
    for c, B in zip(cycle, lrs):
        # the band (range over seeds) opaque enough to see, with its edges drawn
        ax.fill_between(lrs[B], lo[B], hi[B], color=c, alpha=0.3, lw=0)
        ax.plot(lrs[B], lo[B], "-", color=c, lw=0.4)
        ax.plot(lrs[B], hi[B], "-", color=c, lw=0.4)
        ax.plot(lrs[B], mean[B], "-", color=c, lw=1.1, label=f"$B = {B:g}$")
        ax.plot([eta[B]], [f_eta[B]], "v", color=c, ms=5, mec=PALETTE["black"], mew=0.4)
    ax.set_xscale("log")
    ax.set_yscale("log")
    # The diverging side climbs by decades; stop a little above the starting loss (the curves'
    # plateau at small eta) so that the minima and the seed bands fill the axes.
    top = max(float(np.max(mean[B][:3])) for B in lrs)
    ax.set_ylim(top=3.0 * top)
    ax.set_xlabel(r"learning rate $\eta$")
    ax.set_ylabel("final loss")


def plot_large_eps_convergence(ax, eps, gaps: dict, post_gaps: dict) -> None:
    r""":math:`\max_B |\eta^*/\epsilon \,/\, \eta^*_{\mathrm{SGD}} - 1|` against :math:`\epsilon` per family
    (solid), and the post's :math:`\pi/2` limit's gap from the exact limit (dashed, constant).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> eps = np.logspace(0, 4, 5)
    >>> plot_large_eps_convergence(ax, eps, {"nqm": 1.0 / eps**2}, {"nqm": 0.36})
    >>> len(ax.lines), ax.get_yscale()  # the gap and the post's constant gap
    (2, 'log')
    """
    colours = [PALETTE[c] for c in ("blue", "vermillion", "green", "purple")]
    for colour, (name, gap) in zip(colours, gaps.items()):
        ax.plot(eps, gap, "o-", ms=2.5, color=colour, label=name)
        ax.axhline(post_gaps[name], color=colour, ls="--", lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$\epsilon$")
    ax.set_ylabel("gap to the SGD limit")
    # The curves fall from upper left to lower right: the upper right corner is free.
    ax.legend(fontsize=7, loc="upper right", handlelength=1.2)


def plot_log_ratio_map(ax, B, eps, ratio, title, vmax, vmin=None):
    r"""Map of :math:`|\log(\text{approx}/\text{exact})|` over the :math:`(B, \epsilon)` plane.

    Logarithmic colour scale from ``vmin`` (default ``vmax/1e4``) to ``vmax``; pass the largest value
    of every map sharing the colour bar as ``vmax`` so that none saturates at the top (values below
    ``vmin`` take the lowest colour: give the colour bar ``extend="min"``).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> B, eps = np.logspace(0, 3, 4), np.logspace(-2, 2, 5)
    >>> mesh = plot_log_ratio_map(ax, B, eps, np.exp(np.full((5, 4), 0.1)), "nqm", vmax=1.0)
    >>> mesh.norm.vmin, mesh.norm.vmax
    (0.0001, 1.0)
    """
    vmin = vmax * 1e-4 if vmin is None else vmin
    err = np.maximum(np.abs(np.log(ratio)), vmin)
    mesh = ax.pcolormesh(B, eps, err, shading="nearest", cmap="viridis", rasterized=True,
                         norm=mpl.colors.LogNorm(vmin=vmin, vmax=vmax))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$B$")
    ax.set_title(title)
    ax.grid(False)
    return mesh


def plot_sqrt_rule(ax, x, b, sqrt_dev, fixed_dev, title) -> None:
    r"""Log deviation from the square-root rule :math:`\eta^*\propto\sqrt B` against :math:`B/B_{\mathrm{noise}}`.

    One colour per reference ``b`` (rows of ``sqrt_dev`` / ``fixed_dev``, shape ``(len(b), len(x))``):
    :math:`\epsilon\propto B^{-1/2}` (solid) and fixed :math:`\epsilon` (dashed); zero is a perfect collapse.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> x = np.logspace(-4, 0, 5)
    >>> plot_sqrt_rule(ax, x, [0.1, 10.0], -np.array([x, x]), -np.array([3 * x, 5 * x]), "dense")
    >>> len(ax.lines), ax.get_xlabel()  # the zero line and two curves per b
    (5, '$B / B_{\\mathrm{noise}}$')
    """
    colours = [PALETTE[c] for c in ("blue", "vermillion", "green", "purple", "orange", "skyblue")]
    ax.axhline(0.0, color=PALETTE["black"], lw=0.6)
    for colour, bk, ds, df in zip(colours, b, sqrt_dev, fixed_dev):
        ax.plot(x, ds, color=colour, label=rf"$b = {bk:g}$, $\epsilon\propto B^{{-1/2}}$")
        ax.plot(x, df, color=colour, ls="--", label=rf"$b = {bk:g}$, fixed $\epsilon$")
    ax.set_xscale("log")
    ax.set_xlabel(r"$B / B_{\mathrm{noise}}$")
    ax.set_title(title)
