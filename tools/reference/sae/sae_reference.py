#!/usr/bin/env python3
"""Independent float64 reference for sparse autoencoders (SAEs) in the community's public on-disk formats.

Written from scratch (no `sae_lens`, no `dictionary_learning`, no `safetensors` package) to produce the
fixtures in tests/fixtures/sae/ that NativeTV's C# SAE code is checked against.  Needs only torch (Debian's
python3-torch 1.13 was used), numpy and the standard library.  See tests/fixtures/sae/README.md for the source
files this mirrors and the conventions found there.

Formats
-------
* SAELens folder: cfg.json + sae_weights.safetensors (+ optional activation_scaler.json).
    weights: W_enc [d_in,d_sae], W_dec [d_sae,d_in], b_dec [d_in], and per architecture
      standard / topk : b_enc [d_sae]
      jumprelu        : b_enc [d_sae], threshold [d_sae]     (training checkpoints may hold log_threshold)
      gated           : b_gate, b_mag, r_mag [d_sae]          (no b_enc)
    cfg.json, SAELens >= 6: {"architecture", "d_in", "d_sae", "dtype", "device", "apply_b_dec_to_input",
      "normalize_activations", "reshape_activations", "metadata": {"hook_name", "model_name",
      "sae_lens_version", ...}, "k" (topk)}.
    cfg.json, SAELens < 6 (no sae_lens_version, or < 6.0.0): flat; hook_name/hook_layer/hook_head_index (or the
      1.x/2.x names hook_point/hook_point_layer/hook_point_head_index), activation_fn_str (or activation_fn),
      activation_fn_kwargs {"k": K} for topk (architecture stays "standard"), normalize_activations may be a
      bool (False -> "none", True -> "expected_average_only_in"), "architecture" may be missing (standard),
      apply_b_dec_to_input may be missing (True).
* saprmarks/dictionary_learning GatedAutoEncoder state dict (saved here as ae.safetensors; upstream saves
  ae.pt with torch.save): encoder.weight [d_sae,d_in] (nn.Linear, bias=False -> no encoder.bias),
  decoder.weight [d_in,d_sae] (nn.Linear, no bias), decoder_bias [d_in], r_mag, gate_bias, mag_bias [d_sae].
* Gemma Scope params.npz: W_enc [d_in,d_sae], W_dec [d_sae,d_in], b_enc [d_sae], b_dec [d_in], threshold
  [d_sae]; JumpReLU, input NOT centred by b_dec.

Maths (float64 throughout)
--------------------------
  norm in : expected_average_only_in: x <- x * s  (s = norm scaling factor; identity if s is unknown)
            constant_norm_rescale   : c = sqrt(d_in) / ||x||  (per row), x <- x * c
  sae_in  = x - b_dec  if apply_b_dec_to_input else x
  standard: f = relu(sae_in W_enc + b_enc)
  topk    : pre = sae_in W_enc + b_enc; keep the k largest pre (torch.topk), relu them, 0 elsewhere
  jumprelu: pre = sae_in W_enc + b_enc; f = relu(pre) * 1[pre > threshold]   (= pre * 1[pre > threshold] when
            threshold >= 0, which is true for every fixture)
  gated   : pi_gate = sae_in W_enc + b_gate; pi_mag = sae_in (W_enc * exp(r_mag)) + b_mag
            f = 1[pi_gate > 0] * relu(pi_mag)
  decode  : x_hat = f W_dec + b_dec, then norm out: / s (expected_average_only_in), / c (constant_norm_rescale)

Gradient pursuit: see gradient_pursuit() (NativeTV's spec, implemented literally).
"""
import json
import math
import os
import sys

import numpy as np
import torch

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.abspath(os.path.join(_HERE, "..")))
from hf_reference import load_safetensors, save_safetensors  # noqa: E402,F401

F64 = torch.float64

ARCHITECTURES = ("standard", "gated", "jumprelu", "topk")
NORMALIZATIONS = ("none", "expected_average_only_in", "constant_norm_rescale")

_DTYPE_NAMES = {  # SAELens DTYPE_MAP keys (both spellings appear in cfg.json files)
    "float32": torch.float32, "float64": torch.float64, "float16": torch.float16, "bfloat16": torch.bfloat16,
    "torch.float32": torch.float32, "torch.float64": torch.float64, "torch.float16": torch.float16,
    "torch.bfloat16": torch.bfloat16,
}


def _version_tuple(v):
    out = []
    for part in str(v).split("."):
        digits = ""
        for ch in part:
            if ch.isdigit():
                digits += ch
            else:
                break
        out.append(int(digits) if digits else 0)
        if len(out) == 3:
            break
    while len(out) < 3:
        out.append(0)
    return tuple(out)


class SAE:
    """A loaded SAE, all parameters in float64, in SAELens orientation (W_enc [d_in,d_sae], W_dec [d_sae,d_in])."""

    def __init__(self, arch, W_enc, W_dec, b_dec, b_enc=None, threshold=None, b_gate=None, b_mag=None,
                 r_mag=None, k=None, apply_b_dec_to_input=True, normalize_activations="none",
                 norm_scaling_factor=None, finetuning_scaling_factor=None, meta=None):
        assert arch in ARCHITECTURES, arch
        assert normalize_activations in NORMALIZATIONS, normalize_activations
        c = lambda t: None if t is None else torch.as_tensor(t).to(F64).clone()  # noqa: E731
        self.arch = arch
        self.W_enc, self.W_dec, self.b_dec = c(W_enc), c(W_dec), c(b_dec)
        self.b_enc, self.threshold = c(b_enc), c(threshold)
        self.b_gate, self.b_mag, self.r_mag = c(b_gate), c(b_mag), c(r_mag)
        self.finetuning_scaling_factor = c(finetuning_scaling_factor)
        self.k = None if k is None else int(k)
        self.apply_b_dec_to_input = bool(apply_b_dec_to_input)
        self.normalize_activations = normalize_activations
        self.norm_scaling_factor = None if norm_scaling_factor is None else float(norm_scaling_factor)
        self.meta = dict(meta or {})
        self.d_in, self.d_sae = self.W_enc.shape
        assert self.W_dec.shape == (self.d_sae, self.d_in), (self.W_dec.shape, self.W_enc.shape)
        assert self.b_dec.shape == (self.d_in,)
        if arch == "gated":
            assert self.b_gate is not None and self.b_mag is not None and self.r_mag is not None
        else:
            assert self.b_enc is not None and self.b_enc.shape == (self.d_sae,)
        if arch == "jumprelu":
            assert self.threshold is not None and self.threshold.shape == (self.d_sae,)
        if arch == "topk":
            assert self.k is not None and 0 < self.k <= self.d_sae

    # ---- normalisation -------------------------------------------------------------------------------
    def _norm_in(self, x):
        """Returns (scaled x, per-row factor [N,1] to divide the output by)."""
        one = torch.ones(x.shape[0], 1, dtype=F64)
        if self.normalize_activations == "expected_average_only_in":
            if self.norm_scaling_factor is None:
                return x, one  # SAELens warns and skips when it cannot find the factor
            s = self.norm_scaling_factor
            return x * s, one * s
        if self.normalize_activations == "constant_norm_rescale":
            cf = math.sqrt(self.d_in) / x.norm(dim=-1, keepdim=True)
            return x * cf, cf
        return x, one

    # ---- encode / decode -----------------------------------------------------------------------------
    def hidden_pre(self, x):
        """Pre-activations [N,d_sae] (for gated: pi_gate, pi_mag), after normalisation and b_dec centring."""
        x = torch.as_tensor(x).to(F64)
        xs, _ = self._norm_in(x)
        sae_in = xs - self.b_dec if self.apply_b_dec_to_input else xs
        if self.arch == "gated":
            pi_gate = sae_in @ self.W_enc + self.b_gate
            pi_mag = sae_in @ (self.W_enc * torch.exp(self.r_mag)) + self.b_mag
            return pi_gate, pi_mag
        return sae_in @ self.W_enc + self.b_enc

    def encode(self, x):
        if self.arch == "gated":
            pi_gate, pi_mag = self.hidden_pre(x)
            return (pi_gate > 0).to(F64) * torch.relu(pi_mag)
        pre = self.hidden_pre(x)
        if self.arch == "standard":
            return torch.relu(pre)
        if self.arch == "jumprelu":
            return torch.relu(pre) * (pre > self.threshold).to(F64)
        if self.arch == "topk":
            top = torch.topk(pre, k=self.k, dim=-1)
            out = torch.zeros_like(pre)
            out.scatter_(-1, top.indices, torch.relu(top.values))
            return out
        raise ValueError(self.arch)

    def decode(self, f, x=None):
        """x_hat = f W_dec + b_dec, then undo the input normalisation (constant_norm_rescale needs x)."""
        f = torch.as_tensor(f).to(F64)
        if self.finetuning_scaling_factor is not None:
            f = f * self.finetuning_scaling_factor
        out = f @ self.W_dec + self.b_dec
        if self.normalize_activations == "expected_average_only_in" and self.norm_scaling_factor is not None:
            out = out / self.norm_scaling_factor
        elif self.normalize_activations == "constant_norm_rescale":
            assert x is not None, "constant_norm_rescale: decode needs the input rows"
            _, cf = self._norm_in(torch.as_tensor(x).to(F64))
            out = out / cf
        return out

    def forward(self, x):
        f = self.encode(x)
        return f, self.decode(f, x)

    def folded(self):
        """SAELens >= 6 fold_activation_norm_scaling_factor: W_enc*s, W_dec/s, b_dec/s, normalize -> none."""
        if self.normalize_activations != "expected_average_only_in" or self.norm_scaling_factor is None:
            return self
        s = self.norm_scaling_factor
        kw = dict(b_enc=self.b_enc, threshold=self.threshold, b_gate=self.b_gate, b_mag=self.b_mag,
                  r_mag=self.r_mag, k=self.k, apply_b_dec_to_input=self.apply_b_dec_to_input,
                  normalize_activations="none", finetuning_scaling_factor=self.finetuning_scaling_factor,
                  meta=self.meta)
        return SAE(self.arch, self.W_enc * s, self.W_dec / s, self.b_dec / s, **kw)


# --------------------------------------------------------------------------------------------
# loaders
# --------------------------------------------------------------------------------------------
_PRE6_RENAMES = {  # old -> canonical (what NativeTV should accept)
    "hook_point": "hook_name",
    "hook_point_layer": "hook_layer",
    "hook_point_head_index": "hook_head_index",
    "activation_fn_str": "activation_fn",
}


def normalize_saelens_cfg(cfg):
    """Flattens a SAELens cfg.json (any version) into one canonical dict:
    architecture, d_in, d_sae, dtype, apply_b_dec_to_input, normalize_activations, k, activation_fn,
    hook_name, hook_layer, hook_head_index, model_name, sae_lens_version, is_pre6."""
    cfg = dict(cfg)
    meta = dict(cfg.pop("metadata", None) or cfg.pop("meta", None) or {})
    version = cfg.get("sae_lens_version") or meta.get("sae_lens_version")
    is_pre6 = (not version) or _version_tuple(version) < (6, 0, 0)
    flat = {**meta, **cfg}
    flat = {_PRE6_RENAMES.get(k, k): v for k, v in flat.items()}
    if "activation_fn" not in flat:
        flat["activation_fn"] = "relu"
    flat.setdefault("architecture", "standard")
    flat.setdefault("apply_b_dec_to_input", True)
    na = flat.get("normalize_activations", "none")
    if isinstance(na, bool):
        na = "expected_average_only_in" if na else "none"
    if na is None:
        na = "none"
    flat["normalize_activations"] = na
    # pre-6 TopK: architecture "standard" + activation_fn "topk" + activation_fn_kwargs {"k": K}
    kwargs = flat.get("activation_fn_kwargs") or {}
    if flat["activation_fn"] == "topk" and flat["architecture"] == "standard":
        flat["architecture"] = "topk"
    if flat["architecture"] == "topk" and flat.get("k") is None:
        flat["k"] = kwargs.get("k")
    if flat.get("hook_layer") is None and isinstance(flat.get("hook_name"), str):
        import re
        m = re.match(r"blocks\.(\d+)\.", flat["hook_name"])
        if m:
            flat["hook_layer"] = int(m.group(1))
    flat["sae_lens_version"] = version
    flat["is_pre6"] = is_pre6
    return flat


def load_saelens(folder):
    with open(os.path.join(folder, "cfg.json")) as fh:
        raw_cfg = json.load(fh)
    cfg = normalize_saelens_cfg(raw_cfg)
    w, _ = load_safetensors(os.path.join(folder, "sae_weights.safetensors"))
    if "log_threshold" in w and "threshold" not in w:
        w["threshold"] = torch.exp(w.pop("log_threshold").to(F64))
    fsf = None
    if "scaling_factor" in w:  # pre-6 finetuning scaling factor (renamed); all-ones means "absent"
        sf = w.pop("scaling_factor")
        if not torch.allclose(sf.to(F64), torch.ones_like(sf, dtype=F64)):
            fsf = sf
    if "finetuning_scaling_factor" in w:
        fsf = w.pop("finetuning_scaling_factor")
    s = None
    scaler = os.path.join(folder, "activation_scaler.json")
    if os.path.exists(scaler):
        with open(scaler) as fh:
            s = json.load(fh).get("scaling_factor")
    arch = cfg["architecture"]
    sae = SAE(arch, w["W_enc"], w["W_dec"], w["b_dec"], b_enc=w.get("b_enc"), threshold=w.get("threshold"),
              b_gate=w.get("b_gate"), b_mag=w.get("b_mag"), r_mag=w.get("r_mag"), k=cfg.get("k"),
              apply_b_dec_to_input=cfg["apply_b_dec_to_input"],
              normalize_activations=cfg["normalize_activations"], norm_scaling_factor=s,
              finetuning_scaling_factor=fsf, meta=cfg)
    assert sae.d_in == cfg["d_in"] and sae.d_sae == cfg["d_sae"], "cfg.json d_in/d_sae disagree with weights"
    return sae


def load_dictlearn_gated(folder):
    path = os.path.join(folder, "ae.safetensors")
    w, _ = load_safetensors(path)
    assert "encoder.bias" not in w, "GatedAutoEncoder has no encoder bias"
    meta = {}
    cfg_path = os.path.join(folder, "config.json")
    if os.path.exists(cfg_path):
        with open(cfg_path) as fh:
            meta = json.load(fh)
    return SAE("gated", w["encoder.weight"].T, w["decoder.weight"].T, w["decoder_bias"],
               b_gate=w["gate_bias"], b_mag=w["mag_bias"], r_mag=w["r_mag"], apply_b_dec_to_input=True,
               meta=meta)


def load_gemmascope(folder_or_file):
    path = folder_or_file
    if os.path.isdir(path):
        path = os.path.join(path, "params.npz")
    with np.load(path) as data:
        p = {("W_" + k[2:] if k.startswith("w_") else k): torch.from_numpy(np.array(data[k])) for k in data.files}
    return SAE("jumprelu", p["W_enc"], p["W_dec"], p["b_dec"], b_enc=p["b_enc"], threshold=p["threshold"],
               apply_b_dec_to_input=False)


def load(path):
    """Autodetects the format of a folder (or a params.npz / ae.safetensors file)."""
    if os.path.isfile(path):
        if path.endswith(".npz"):
            return load_gemmascope(path)
        return load_dictlearn_gated(os.path.dirname(path))
    if os.path.exists(os.path.join(path, "cfg.json")):
        return load_saelens(path)
    if os.path.exists(os.path.join(path, "ae.safetensors")):
        return load_dictlearn_gated(path)
    if os.path.exists(os.path.join(path, "params.npz")):
        return load_gemmascope(path)
    raise FileNotFoundError(f"no known SAE format in {path}")


# --------------------------------------------------------------------------------------------
# gradient pursuit (NativeTV spec)
# --------------------------------------------------------------------------------------------
def gradient_pursuit(y, D, k, nonneg=True, normalize_rows=False, b_dec=None, subtract_b_dec=False,
                     return_trace=False):
    """y [M,d_in], D [d_sae,d_in] decoder rows.  Returns (coeffs [M,d_sae], recon [M,d_in]) in float64
    (+ a per-row trace of (selected index, top-2 gap of the selection criterion, max|c|) per iteration
    when return_trace).

    rows: D as stored, or each row / ||row|| when normalize_rows (coefficients then multiply the normalised rows).
    target y' = y - b_dec when subtract_b_dec, else y.  w = 0, r = y'.  Repeat k times:
      c = D r; add argmax c (nonneg) / argmax |c| (signed) to the support (no-op if already there);
      g = c on the support, 0 elsewhere; Dg = D^T g; if ||Dg|| == 0 stop;
      alpha = <Dg, r> / ||Dg||^2; w += alpha g; nonneg: w = max(w, 0); r = y' - D^T w.
    recon = D^T w (+ b_dec when subtract_b_dec)."""
    Y = np.asarray(torch.as_tensor(y).to(F64).numpy(), dtype=np.float64)
    Dm = np.asarray(torch.as_tensor(D).to(F64).numpy(), dtype=np.float64)
    if normalize_rows:
        Dm = Dm / np.linalg.norm(Dm, axis=1, keepdims=True)
    bd = None
    if subtract_b_dec:
        bd = np.asarray(torch.as_tensor(b_dec).to(F64).numpy(), dtype=np.float64)
    M = Y.shape[0]
    d_sae = Dm.shape[0]
    W = np.zeros((M, d_sae))
    R = np.zeros_like(Y)
    traces = []
    for m in range(M):
        yt = Y[m] - bd if subtract_b_dec else Y[m].copy()
        w = np.zeros(d_sae)
        r = yt.copy()
        support = np.zeros(d_sae, dtype=bool)
        trace = []
        for _ in range(k):
            c = Dm @ r
            crit = c if nonneg else np.abs(c)
            idx = int(np.argmax(crit))  # first index on exact ties
            srt = np.sort(crit)
            trace.append((idx, float(srt[-1] - srt[-2]), float(np.abs(c).max()) + 1e-300))
            support[idx] = True
            g = np.where(support, c, 0.0)
            Dg = Dm.T @ g
            nn_ = float(Dg @ Dg)
            if nn_ == 0.0:
                break
            alpha = float(Dg @ r) / nn_
            w = w + alpha * g
            if nonneg:
                w = np.maximum(w, 0.0)
            r = yt - Dm.T @ w
        W[m] = w
        R[m] = Dm.T @ w + (bd if subtract_b_dec else 0.0)
        traces.append(trace)
    out = (torch.from_numpy(W), torch.from_numpy(R))
    return out + (traces,) if return_trace else out


def pursuit_for_sae(sae, y, k, nonneg=True, normalize_rows=False, subtract_b_dec=False, return_trace=False):
    """Pursuit over an SAE's decoder rows exactly as stored (W_dec, b_dec; no norm-scaling-factor folding)."""
    return gradient_pursuit(y, sae.W_dec, k, nonneg=nonneg, normalize_rows=normalize_rows, b_dec=sae.b_dec,
                            subtract_b_dec=subtract_b_dec, return_trace=return_trace)


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description="Run an SAE fixture folder on its expected.safetensors inputs")
    ap.add_argument("folder")
    a = ap.parse_args()
    s = load(a.folder)
    exp, _ = load_safetensors(os.path.join(a.folder, "expected.safetensors"))
    f, xh = s.forward(exp["x"])
    print(f"arch={s.arch} d_in={s.d_in} d_sae={s.d_sae} apply_b_dec_to_input={s.apply_b_dec_to_input} "
          f"normalize={s.normalize_activations} s={s.norm_scaling_factor}")
    rel = lambda a, b: float(((a - b.to(F64)).abs().max(-1).values / b.to(F64).abs().max(-1).values.clamp_min(1e-30)).max())  # noqa: E731
    print("max row-relative |f - expected f|         =", rel(f, exp["f"]))
    print("max row-relative |x_hat - expected x_hat| =", rel(xh, exp["x_hat"]))
    print("L0 per row:", (f > 0).sum(-1).tolist())
