# %% [markdown]
# # adameps for practitioners: from a model's gradients to its eta*(B, eps)
#
# The paper's digits MLP (one hidden layer of 32 tanh units, `adameps.digits.MLP`) written as a
# `torch.nn.Module`, and the three steps a reader would take with their own model:
#
# 1. **statistics**: `adameps.torch_stats.collect_stats` gives per coordinate the mean gradient g,
#    the per-example noise sigma (per-example gradients by `torch.func.vmap`) and a Hutchinson
#    estimate of diag H;
# 2. **prediction**: `adameps.predict` turns them into eta*(B) per eps, B_noise, the surge and
#    where eps starts to matter; `adameps.eps_switch` gives the learning-rate factor for an eps
#    change;
# 3. **check**: the learning rate that minimises the training loss after one Adam step, measured
#    by training (`adameps.training.train_digits`), against the prediction.
#
# The command line does steps 1-2 as `adameps stats`, `adameps predict`, `adameps eps-switch`.

# %%
import numpy as np
import torch

import adameps
from adameps import digits as D
from adameps import theory_inputs as ti
from adameps import torch_stats as ts
from adameps import training as T
from adameps.lr_fit import fit_optimal_lr

data = D.load_digits_data()
net = D.MLP(data.d_in, data.n_classes, hidden=32, activation="tanh")
theta0 = net.init(0)


class DigitsMLP(torch.nn.Module):
    """adameps.digits.MLP in torch: W1 (d_in, 32), tanh, W2 (33, 10) on [a, 1]; same parameters."""

    def __init__(self, theta):
        super().__init__()
        W1, W2 = net._split(theta)
        self.W1 = torch.nn.Parameter(torch.tensor(W1))
        self.W2 = torch.nn.Parameter(torch.tensor(W2))

    def forward(self, x):
        a = torch.tanh(x @ self.W1)
        return torch.cat([a, torch.ones(len(x), 1, dtype=a.dtype)], 1) @ self.W2


model = DigitsMLP(theta0)


def loss_fn(m, batch):
    return torch.nn.functional.cross_entropy(m(batch[0]), batch[1])


X, y = torch.tensor(data.X_train), torch.tensor(data.y_train)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=256)

# %% [markdown]
# ## 1. Statistics, checked against the hand-written backprop of `adameps.digits`

# %%
st = ts.collect_stats(model, loss_fn, loader, n_probes=64, hessian_batches=len(loader))
g_ref, sigma_ref, live, _ = ti.gradient_stats(net, theta0, data.X_train, data.Y_train)
print(f"{st['n_params']} parameters, {st['n_examples']} examples ({st['method']}), "
      f"diag H from {st['n_probes']} Hutchinson probes on {st['hessian_examples']} examples")
print("max |g_torch - g_numpy| / max |g|:", np.max(np.abs(st["g"] - g_ref)) / np.max(np.abs(g_ref)))
print("max |sigma_torch - sigma_numpy| / max sigma:", np.max(np.abs(st["sigma"] - sigma_ref)) / sigma_ref.max())
print("diag H estimate: min", st["hdiag"].min(), "max", st["hdiag"].max(),
      "(negative entries: the Hessian at initialisation is indefinite)")

# %% [markdown]
# ## 2. Prediction
#
# Adam's first step is exactly g/(|g| + eps) whatever beta1, beta2 are (bias correction), so
# `kind="adam"` is the one-step theory of Adam at step 1.  The MLP Hessian at initialisation is
# indefinite; `prepare_inputs` floors the diagonal at 1e-6 of its maximum and drops coordinates
# without noise (weights of always-blank pixels).  Two forms of H: the diagonal alone (what the
# .npz of `adameps stats` holds), and the operator: exact Hessian-vector products
# (`ts.hvp_operator`) for m1^T H m1, with the same floored diagonal for the variance term.

# %%
g, H, sigma, info = adameps.prepare_inputs(st["g"], st["sigma"], st["hdiag"])
print(info)
keep = st["sigma"] > 0  # the coordinates prepare_inputs kept
hvp_full = ts.hvp_operator(model, loss_fn, loader)


def hvp_kept(V):
    W = np.zeros((V.shape[0], keep.size))
    W[:, keep] = V
    return hvp_full(W)[:, keep]


H_op = adameps.Hessian.operator(hvp_kept, H.diag)
B = np.array([4.0, 16.0, 64.0, 256.0, 1024.0])
pred = adameps.predict(g, H, sigma, [1e-8, 1e-3], B, kind="adam")
print(f"B_noise = {pred['b_noise']:.4g}")
for c in pred["curves"]:
    print(f"eps = {c['eps']:g}: eta*(B)/eta*(4) =", np.round(c["eta_rel"], 3), " surge:", c["surge"],
          " eps matters from B =", c["eps_matters_B"])
sw = adameps.eps_switch(g, H, sigma, 1e-3, 1e-8, 64, kind="adam")
print("eps 1e-3 -> 1e-8 at B = 64: lr factor", sw["factor_progress"], "; with the lr unchanged the expected "
      f"progress is x {sw['progress_ratio_unchanged_lr']:.3g}")

# %% [markdown]
# ## 3. Check against the measured one-step optimum
#
# For each B, 31 learning rates around the prediction, 24 seeds (minibatches drawn with
# replacement, as the noise model assumes), one Adam step, training loss; `fit_optimal_lr` refines
# the minimum of the seed-averaged loss and bootstraps its standard error.

# %%
rows = []
for eps in (1e-8, 1e-3):
    eta_diag = adameps.eta_star(g, H, sigma, eps, B, kind="adam")
    eta_op = adameps.eta_star(g, H_op, sigma, eps, B, kind="adam")
    for j, b in enumerate(B):
        lrs = eta_op[j] * np.geomspace(0.05, 20.0, 31)
        r = T.train_digits(lrs, model="mlp", B=int(b), eps=eps, steps=1, seeds=range(24))
        fit = fit_optimal_lr(lrs, r.final_loss, n_boot=50)
        rows.append((eps, b, eta_diag[j], eta_op[j], fit.eta, fit.log_eta_se, fit.flag))
print(f"{'eps':>8} {'B':>6} {'diag H':>10} {'operator':>10} {'measured':>10} {'meas/diag':>9} {'meas/op':>8} "
      f"{'se(log)':>8} flag")
for eps, b, pd, po, m, se, flag in rows:
    print(f"{eps:8.0e} {b:6.0f} {pd:10.4g} {po:10.4g} {m:10.4g} {m / pd:9.3f} {m / po:8.3f} {se:8.3f} {flag}")

# %%
ratio_diag = np.array([m / pd for _, _, pd, _, m, _, _ in rows])
ratio_op = np.array([m / po for _, _, _, po, m, _, _ in rows])
print(f"measured / diagonal-H prediction: {ratio_diag.min():.3f} to {ratio_diag.max():.3f}")
print("measured / operator prediction at B = 256, 1024:", np.round(ratio_op[[3, 4, 8, 9]], 3))

# %% [markdown]
# How to read it (the ratios are printed above; `tests/test_practitioners.py` asserts them):
#
# * the diagonal of H alone overestimates the one-step optimum several-fold on this network:
#   m1^T H m1 lives mostly off the diagonal (the hidden units' weights are coupled). The .npz of
#   `adameps stats` holds only the diagonal, so its *absolute* eta* is an upper estimate; the
#   ratios eta*(B)/eta*(B_ref) of `adameps predict` are what to read from it;
# * with exact Hessian-vector products (the operator form: one HVP per batch size) the theory
#   meets the measured optimum within a few per cent at large B; at small B, where the sign-like
#   step moves every coordinate by about eta, the measured optimum is smaller than the quadratic
#   model's: the loss is not quadratic over such steps.
