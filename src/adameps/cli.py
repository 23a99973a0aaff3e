"""``adameps``: the command line (argparse).  The library's only file I/O lives here.

    adameps predict STATS.npz --eps 1e-8 1e-5 --batch 32:4096 [--plot OUT.png] [--json]
    adameps eps-switch STATS.npz --from 1e-5 --to 1e-8 --batch 512 [--json]
    adameps stats module:function --out STATS.npz [--batches 20] [--probes 20]

Exit codes: 0 success; 2 bad command-line arguments (argparse's convention, the message names
the argument); 1 bad input (a missing or malformed STATS file, a model factory that fails,
statistics the theory cannot use), with a one-line ``adameps <command>: error: ...`` message.

A STATS file is an .npz with arrays ``g``, ``sigma``, ``hdiag`` (N,) float64, the per-tensor
layout ``layout_name``, ``layout_start``, ``layout_stop`` and ``meta`` (a JSON string: sample
counts, methods, versions); ``adameps stats`` writes it (atomically: a failed run leaves no file).
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import math
import os
import sys
import tempfile
import time

import numpy as np

STATS_FORMAT = "adameps-stats-1"
_REQUIRED = ("g", "sigma", "hdiag")


class InputError(Exception):
    """Bad input that is not a command-line syntax error (exit code 1)."""


# ------------------------------------------------------------------ argument types
def _number(text, minimum=0.0, strict=True):
    """A finite float above ``minimum`` (``>= minimum`` unless ``strict``), else ArgumentTypeError."""
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(x) and (x > minimum if strict else x >= minimum)):
        raise argparse.ArgumentTypeError(f"must be finite and {'>' if strict else '>='} {minimum:g}, got {text!r}")
    return x


_positive_float = functools.partial(_number, minimum=0.0, strict=True)  # batch sizes, ratios, tolerances
_eps = functools.partial(_number, minimum=0.0, strict=False)  # eps and strengths: 0 allowed


def _positive_int(text):
    try:
        x = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if x < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text!r}")
    return x


def parse_batch(text, points=None):
    """``"512"`` -> [512]; ``"32,64,128"`` -> that list; ``"32:4096"`` -> a geometric grid.

    The grid ``lo:hi`` has ``points`` values (default: the powers of 2 from lo to hi when both
    are powers of 2, else 13), ends included.
    """
    text = str(text).strip()
    try:
        if ":" in text:
            lo, hi = (float(t) for t in text.split(":"))
            if not (0 < lo < hi and math.isfinite(hi)):
                raise ValueError
            if points is None:
                l2, h2 = math.log2(lo), math.log2(hi)
                points = int(round(h2 - l2)) + 1 if l2.is_integer() and h2.is_integer() else 13
            return np.geomspace(lo, hi, max(int(points), 2))
        vals = np.array([float(t) for t in text.split(",")])
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--batch must be a batch size (512), a list (32,64,128) or a range lo:hi with 0 < lo < hi, got {text!r}"
        ) from None
    if not np.all(np.isfinite(vals) & (vals > 0)):
        raise argparse.ArgumentTypeError(f"--batch sizes must be finite and > 0, got {text!r}")
    return vals


# ------------------------------------------------------------------ STATS files
def load_stats(path):
    """Read a STATS .npz: ``dict(g, sigma, hdiag, meta, layout)``; InputError naming the problem."""
    if not os.path.isfile(path):
        raise InputError(f"STATS file {path!r} does not exist")
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except Exception as exc:  # noqa: BLE001 -- zipfile/pickle/ValueError: all mean "not a STATS file"
        raise InputError(f"{path!r} is not a readable .npz STATS file ({type(exc).__name__}: {exc})") from None
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise InputError(f"{path!r} lacks the arrays {missing} (a STATS file has g, sigma, hdiag; "
                         "write one with `adameps stats`)")
    out = {k: np.asarray(data[k], float) for k in _REQUIRED}
    n = out["g"].size
    for k in _REQUIRED:
        if out[k].ndim != 1 or out[k].size != n or n == 0:
            raise InputError(f"{path!r}: array {k!r} must be 1-D of the length of g ({n}), got shape {out[k].shape}")
        if not np.all(np.isfinite(out[k])):
            raise InputError(f"{path!r}: array {k!r} has NaN or inf entries")
    try:
        out["meta"] = json.loads(str(data["meta"])) if "meta" in data else {}
    except json.JSONDecodeError:
        raise InputError(f"{path!r}: 'meta' is not valid JSON") from None
    if "layout_name" in data:
        out["layout"] = [dict(name=str(nm), start=int(a), stop=int(b)) for nm, a, b in
                         zip(data["layout_name"], data["layout_start"], data["layout_stop"])]
    return out


def save_stats(path, stats, extra_meta=None):
    """Write ``stats`` (the dict of :func:`adameps.torch_stats.collect_stats`) to ``path`` atomically."""
    layout = stats.get("layout", [])
    meta = {k: v for k, v in stats.items() if k not in ("g", "sigma", "hdiag", "layout")}
    meta.update(format=STATS_FORMAT, **(extra_meta or {}))
    arrays = dict(g=np.asarray(stats["g"], float), sigma=np.asarray(stats["sigma"], float),
                  hdiag=np.asarray(stats["hdiag"], float),
                  layout_name=np.array([d["name"] for d in layout], dtype=str),
                  layout_start=np.array([d["start"] for d in layout], dtype=np.int64),
                  layout_stop=np.array([d["stop"] for d in layout], dtype=np.int64),
                  meta=np.array(json.dumps(meta, sort_keys=True, default=str)))
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, suffix=".npz.tmp")
    os.close(fd)
    try:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


# ------------------------------------------------------------------ commands
def _fmt(x, spec=".4g"):
    return "-" if x is None else format(x, spec)


def cmd_predict(args):
    from adameps import practical

    st = load_stats(args.stats)
    B = args.batch
    try:
        g, H, sigma, info = practical.prepare_inputs(st["g"], st["sigma"], st["hdiag"], args.floor_rel)
        out = practical.predict(g, H, sigma, args.eps, B, B_ref=args.ref_batch, kind=args.kind,
                                min_strength=args.min_strength, matter_rtol=args.matter_tol,
                                method=args.method)
    except ValueError as exc:
        raise InputError(f"{args.stats}: {exc}") from None
    out["inputs"] = info
    out["stats_meta"] = st["meta"]
    if args.plot:
        _plot(out, args.plot)
    if args.json:
        json.dump(out, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    p = print
    p(f"{info['n']} coordinates ({info['n_dead']} without noise dropped, {info['n_floored']} Hessian "
      f"diagonal entries floored at {info['floor_rel']:g} x max); kind = {out['kind']}")
    p(f"B_noise (McCandlish, SGD) = {_fmt(out['b_noise'])}")
    p(f"eta*(B) / eta*(B_ref = {out['B_ref']:g}), the factor for a learning rate tuned at B_ref:")
    head = "B".rjust(10) + "".join(f"eps={c['eps']:.3g}".rjust(14) for c in out["curves"])
    p(head)
    for j, b in enumerate(out["B"]):
        p(f"{b:10.4g}" + "".join(f"{c['eta_rel'][j]:14.4g}" for c in out["curves"]))
    for c in out["curves"]:
        s = c["surge"]
        surge = (f"surge peak at B = {s['B_peak']:.4g}, strength {s['strength']:.3g}" if s else
                 f"no surge peak in range (none above strength {out['min_strength']:g})")
        m = c["eps_matters_B"]
        matters = (f"eps changes eta* by > {100 * out['matter_rtol']:g}% vs eps = 0 from B = {m:.4g}" if m else
                   f"eps changes eta* by < {100 * out['matter_rtol']:g}% vs eps = 0 over the whole range")
        p(f"eps = {c['eps']:.3g}: {surge}; {matters}")
    return 0


def _plot(out, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
    for c in out["curves"]:
        ax.loglog(out["B"], c["eta_rel"], marker="o", ms=3, label=f"eps = {c['eps']:.3g}")
        if c["surge"]:
            ax.axvline(c["surge"]["B_peak"], ls=":", lw=0.8)
    if out["b_noise"]:
        ax.axvline(out["b_noise"], color="k", ls="--", lw=0.8, label="B_noise")
    ax.set_xlabel("batch size B")
    ax.set_ylabel(f"eta*(B) / eta*({out['B_ref']:g})")
    ax.legend(fontsize=8)
    try:
        fig.savefig(path)
    except (OSError, ValueError) as exc:
        raise InputError(f"--plot {path!r}: cannot write ({exc})") from None
    finally:
        plt.close(fig)


def cmd_eps_switch(args):
    from adameps import practical

    if not args.lr_ratio < 2:
        args.parser.error(f"argument --lr-ratio: must be < 2 (at 2 x eta* the expected progress is 0), "
                          f"got {args.lr_ratio:g}")
    st = load_stats(args.stats)
    try:
        g, H, sigma, info = practical.prepare_inputs(st["g"], st["sigma"], st["hdiag"], args.floor_rel)
        out = practical.eps_switch(g, H, sigma, args.eps_from, args.eps_to, args.batch,
                                   lr_ratio=args.lr_ratio, kind=args.kind, method=args.method)
    except ValueError as exc:
        raise InputError(f"{args.stats}: {exc}") from None
    out["inputs"] = info
    if args.json:
        json.dump(out, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    print(f"eps {out['eps_from']:.3g} -> {out['eps_to']:.3g} at B = {out['B']:g}, "
          f"learning rate at {out['lr_ratio']:g} x the one-step optimum:")
    if out["factor_progress"] is None:
        print("  no learning rate keeps the expected one-step progress (it exceeds the best at the new eps)")
    else:
        print(f"  multiply the learning rate by {out['factor_progress']:.4g} to keep the expected one-step progress")
    print(f"  ratio of one-step optima eta*(new)/eta*(old): {out['factor_optimum']:.4g}")
    print(f"  factor keeping the mean squared update: {out['factor_rms_step']:.4g}")
    print(f"  with the learning rate unchanged, expected progress x {out['progress_ratio_unchanged_lr']:.4g}"
          + ("  (the loss rises)" if out["progress_ratio_unchanged_lr"] < 0 else ""))
    return 0


class _Bar:
    """One-line progress bar on stderr: ``stage: done/total``, elapsed and remaining time."""

    def __init__(self, stream=sys.stderr, every_s=0.5):
        self.stream, self.every_s = stream, every_s
        self.t0, self.last, self.stage = time.perf_counter(), -1.0, None

    def __call__(self, stage, done, total):
        now = time.perf_counter()
        if stage != self.stage:
            self.stage, self.t0 = stage, now
        if total is not None and done < total and now - self.last < self.every_s:
            return
        self.last = now
        el = now - self.t0
        if total:
            w = 30
            k = int(w * done / total)
            rest = el * (total - done) / max(done, 1)
            msg = f"\r{stage:9s} [{'#' * k}{'.' * (w - k)}] {done}/{total} {el:.0f}s, ~{rest:.0f}s left"
        else:
            msg = f"\r{stage:9s} {done} done, {el:.0f}s"
        self.stream.write(msg + ("\n" if total and done >= total else ""))
        self.stream.flush()


def _model_spec(text):
    mod, _, fn = text.partition(":")
    if not mod or not fn or not all(part.isidentifier() for part in mod.split(".")) or not fn.isidentifier():
        raise argparse.ArgumentTypeError(f"must be module:function (e.g. mymodels:make), got {text!r}")
    return text


def _load_factory(spec):
    mod, _, fn = spec.partition(":")
    sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(mod)
    except Exception as exc:  # noqa: BLE001
        raise InputError(f"model {spec!r}: cannot import module {mod!r} ({type(exc).__name__}: {exc})") from None
    factory = getattr(module, fn, None)
    if not callable(factory):
        raise InputError(f"model {spec!r}: module {mod!r} has no callable {fn!r}")
    try:
        made = factory()
    except Exception as exc:  # noqa: BLE001
        raise InputError(f"model {spec!r}: {fn}() failed ({type(exc).__name__}: {exc})") from None
    if not (isinstance(made, tuple) and len(made) == 3):
        raise InputError(f"model {spec!r}: {fn}() must return (model, loss_fn, loader), got {type(made).__name__}")
    return made


def cmd_stats(args):
    try:
        from adameps import torch_stats
    except ImportError as exc:
        raise InputError(f"adameps stats needs PyTorch ({exc}); install the CPU build: "
                         "pip install -r requirements-torch.lock") from None
    model, loss_fn, loader = _load_factory(args.model)
    d = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(d):
        raise InputError(f"--out {args.out!r}: directory {d!r} does not exist")
    try:
        st = torch_stats.collect_stats(model, loss_fn, loader, n_batches=args.batches, per_example=args.per_example,
                                       micro_batch=args.micro_batch, hessian=args.hessian, n_probes=args.probes,
                                       hessian_batches=args.hessian_batches, seed=args.seed,
                                       progress=None if args.quiet else _Bar())
    except ValueError as exc:
        raise InputError(f"model {args.model!r}: {exc}") from None
    save_stats(args.out, st, extra_meta=dict(model_spec=args.model))
    summary = dict(out=args.out, n_params=st["n_params"], n_examples=st["n_examples"], method=st["method"],
                   hessian=st["hessian_method"], n_probes=st["n_probes"], hessian_examples=st["hessian_examples"])
    if args.json:
        json.dump(summary, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print(f"wrote {args.out}: {st['n_params']} parameters, g and sigma from {st['n_examples']} examples "
              f"({st['method']}), diag H by {st['hessian_method']}"
              + (f" ({st['n_probes']} probes)" if st["n_probes"] else "") + f" on {st['hessian_examples']} examples")
    return 0


# ------------------------------------------------------------------ parser
def build_parser():
    ap = argparse.ArgumentParser(prog="adameps", description="How Adam's eps changes the optimal learning rate "
                                 "as the batch size changes: predictions from a model's gradient statistics.")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p):
        p.add_argument("stats", metavar="STATS.npz", help="statistics file written by `adameps stats`")
        p.add_argument("--kind", default="softsign", choices=["softsign", "adam", "clip", "sign"],
                       help="update map: softsign (the post's model of Adam, default), adam = x/(|x|+eps)")
        p.add_argument("--floor-rel", type=_positive_float, default=1e-6,
                       help="floor of the Hessian diagonal, relative to its maximum (default 1e-6)")
        p.add_argument("--json", action="store_true", help="print the result as JSON")
        p.add_argument("--method", default="auto", choices=["auto", "exact", "fast"],
                       help="moments: exact, fast (small-eps series, relative error < 1e-10) or auto "
                            "(fast at model scale, default)")

    p = sub.add_parser("predict",
                       help="eta*(B) per eps relative to a reference batch, B_noise, surge, where eps matters",
                       description="Predict how the optimal learning rate eta*(B) scales with the batch size "
                                   "for each eps.")
    common(p)
    p.add_argument("--eps", type=_eps, nargs="+", required=True, help="one or more eps values (e.g. 1e-8 1e-5)")
    p.add_argument("--batch", required=True, help="batch sizes: 512, 32,64,128 or a range 32:4096")
    p.add_argument("--points", type=_positive_int, default=None, help="points of a lo:hi range (default: powers of 2)")
    p.add_argument("--ref-batch", type=_positive_float, default=None,
                   help="reference batch size (default: the smallest)")
    p.add_argument("--min-strength", type=_eps, default=1e-3,
                   help="smallest relative rise above the large-B plateau reported as a surge (default 1e-3)")
    p.add_argument("--matter-tol", type=_positive_float, default=0.01,
                   help="eps 'matters' where it changes eta* by more than this fraction vs eps = 0 (default 0.01)")
    p.add_argument("--plot", metavar="OUT.png", help="also plot eta*(B)/eta*(B_ref) to this file")
    p.set_defaults(func=cmd_predict, parser=p)

    p = sub.add_parser("eps-switch", help="learning-rate factor when eps is changed mid-training",
                       description="The learning-rate factor that keeps the expected one-step progress unchanged "
                                   "when eps is changed from --from to --to at batch size --batch.")
    common(p)
    p.add_argument("--from", dest="eps_from", type=_eps, required=True, help="eps before the switch")
    p.add_argument("--to", dest="eps_to", type=_eps, required=True, help="eps after the switch")
    p.add_argument("--batch", type=_positive_float, required=True, help="batch size")
    p.add_argument("--lr-ratio", type=_positive_float, default=1.0,
                   help="current learning rate as a multiple of the one-step optimum (default 1; must be < 2)")
    p.set_defaults(func=cmd_eps_switch, parser=p)

    p = sub.add_parser("stats", help="collect g, sigma and diag H of a PyTorch model into STATS.npz",
                       description="Collect gradient statistics of a PyTorch model. MODEL is module:function; "
                                   "function() returns (model, loss_fn, loader) with loss_fn(model, batch) -> "
                                   "mean loss of the batch.")
    p.add_argument("model", metavar="MODULE:FUNCTION", type=_model_spec,
                   help="importable factory returning (model, loss_fn, loader)")
    p.add_argument("--out", "-o", required=True, help="STATS.npz to write")
    p.add_argument("--batches", type=_positive_int, default=None, help="batches for g and sigma (default: all)")
    p.add_argument("--per-example", default="auto", choices=["auto", "vmap", "microbatch"],
                   help="per-example gradients by torch.func.vmap, or micro-batch variance (auto: vmap, else micro)")
    p.add_argument("--micro-batch", type=_positive_int, default=8, help="micro-batch size for the fallback (default 8)")
    p.add_argument("--hessian", default="hutchinson", choices=["hutchinson", "exact"],
                   help="diag H by Hutchinson probes or exactly (N Hessian-vector products)")
    p.add_argument("--probes", type=_positive_int, default=20, help="Hutchinson probes (default 20)")
    p.add_argument("--hessian-batches", type=_positive_int, default=4, help="batches for the Hessian (default 4)")
    p.add_argument("--seed", type=int, default=0, help="seed of the Hutchinson probes")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(func=cmd_stats, parser=p)
    return ap


def main(argv=None):
    ap = build_parser()
    args = ap.parse_args(argv)
    if args.command == "predict":
        try:
            args.batch = parse_batch(args.batch, args.points)
        except argparse.ArgumentTypeError as exc:
            args.parser.error(str(exc))  # exit code 2, usage of `adameps predict`
    try:
        return args.func(args)
    except InputError as exc:
        print(f"adameps {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
