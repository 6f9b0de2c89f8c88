#!/usr/bin/env python3
"""Independent float64 reference forward pass for Hugging Face Gemma-1 and Phi-3 checkpoints.

Written from scratch (no `transformers`, no `safetensors` package) to produce the fixtures in
tests/fixtures/hf/ that the C# NativeTV implementation is checked against.  Requires only torch
(tested with Debian's python3-torch 1.13) and the Python standard library.

Semantics mirrored (EAGER attention path, read from huggingface/transformers sources):
  * src/transformers/models/gemma/modeling_gemma.py   (huggingface/transformers @ 0125ac68, ~v4.46/4.47)
  * src/transformers/models/phi3/modeling_phi3.py     (huggingface/transformers @ 00d4b3d2, ~v4.57 dev)
  * src/transformers/modeling_rope_utils.py           (_compute_longrope_parameters @ 0044e3b3 ~v4.44 and
                                                        the v5-dev version with `dynamic_rope_update` /
                                                        `longrope_frequency_update`; identical results for
                                                        the configs used here)
  * src/transformers/masking_utils.py                 (sliding_window_overlay: kv_idx > q_idx - sliding_window)

Gemma-1:
  h0 = embed[ids] * normalizer, normalizer = torch.tensor(hidden_size**0.5, dtype=<checkpoint dtype>)
       (i.e. sqrt(hidden) rounded to the checkpoint dtype, e.g. bf16; everything else in compute dtype)
  RMSNorm(x) = x * rsqrt(mean(x^2) + eps) * (1 + w)
  MLP(x) = down(gelu_tanh(gate(x)) * up(x))     (tanh approximation: HF uses config.hidden_activation,
                                                 default gelu_pytorch_tanh; hidden_act is ignored)
  attention: q/k/v/o projections, head_dim from config, GQA/MQA, rotate-half RoPE over full head_dim,
             scale head_dim**-0.5, no biases.  lm_head tied to (unscaled) embed_tokens.
Phi-3:
  fused qkv_proj (rows: q | k | v), fused gate_up_proj (rows: gate | up), MLP = down(up * silu(gate)),
  RMSNorm(x) = w * (x * rsqrt(mean(x^2) + eps)), untied lm_head unless tie_word_embeddings,
  partial_rotary_factor: rotary_dim = int(head_dim * factor), rotate-half applied to the first
  rotary_dim channels of each head, the rest passes through.
  rope_scaling longrope: seq_len = max(position_ids over the whole batch) + 1;
     ext = long_factor if seq_len > original_max_position_embeddings else short_factor
     inv_freq[i] = 1 / (ext[i] * theta^(2i/rotary_dim))
     cos, sin multiplied by attention_factor = rope_scaling["attention_factor"] if present, else
       factor = rope_scaling["factor"] if present (v5) else max_position_embeddings / original_max
       (v4.4x always uses the ratio when original_max_position_embeddings exists -- identical here because
       our configs carry no "factor"), attention_factor = 1 if factor <= 1 else
       sqrt(1 + ln(factor) / ln(original_max_position_embeddings)).
  sliding_window W: key index k visible to query index q iff k <= q and q - k < W (indices are array
     indices / cache positions, not position_ids).  This is the convention of masking_utils.py
     (v4.53+), and of Phi3's `_prepare_4d_causal_attention_mask_with_cache_position` (v4.42-4.52);
     NOTE the older AttentionMaskConverter._make_causal_mask (v4.38-4.52, used by Phi3 eager in
     v4.40/4.41) used diagonal = -W-1, i.e. q - k <= W (a window one larger).

Batches / padding: attention_mask [B,T] of 0/1; position_ids = cumsum(mask)-1 with padded positions set
to 1 (as GenerationMixin does); attention mask = causal & key-not-padded (& sliding window).  Masked
scores are set to finfo(float32).min like HF eager, so a query row whose keys are all masked (a
left-padding position) attends uniformly over all keys -- values at padded positions are meaningless
and must not be compared.

Everything is computed in float64 by default (weights upcast from their storage dtype).
"""
import json
import math
import os
import struct

import torch

# --------------------------------------------------------------------------------------------
# safetensors IO
# --------------------------------------------------------------------------------------------
_ST_DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}
_ST_NAMES = {v: k for k, v in _ST_DTYPES.items()}


def load_safetensors(path):
    """Returns (dict name -> tensor, metadata dict or None)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", None)
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        dt = _ST_DTYPES[info["dtype"]]
        b, e = info["data_offsets"]
        shape = info["shape"]
        buf = bytearray(data[b:e])
        if len(buf) == 0:
            t = torch.empty(shape, dtype=dt)
        else:
            t = torch.frombuffer(buf, dtype=dt).reshape(shape).clone()
        assert t.numel() * t.element_size() == e - b, name
        out[name] = t
    return out, meta


def save_safetensors(path, tensors, metadata=None):
    """Writes a safetensors file.  tensors: dict name -> tensor (written in sorted-name order)."""
    header = {}
    blobs = []
    off = 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        b = _tensor_bytes(t)
        header[name] = {"dtype": _ST_NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    if metadata is not None:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for b in blobs:
            f.write(b)


def _tensor_bytes(t):
    if t.numel() == 0:
        return b""
    # reinterpret as bytes (little-endian host assumed, as on x86/arm64)
    return t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.dtype != torch.bool else t.numpy().tobytes()


# --------------------------------------------------------------------------------------------
# checkpoint loading
# --------------------------------------------------------------------------------------------
_TORCH_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def load_checkpoint(ckpt_dir):
    """Returns (config dict, dict name -> tensor in storage dtype).  Handles single and sharded layouts."""
    with open(os.path.join(ckpt_dir, "config.json")) as f:
        cfg = json.load(f)
    single = os.path.join(ckpt_dir, "model.safetensors")
    index = os.path.join(ckpt_dir, "model.safetensors.index.json")
    weights = {}
    if os.path.exists(single):
        weights, _ = load_safetensors(single)
    else:
        with open(index) as f:
            idx = json.load(f)
        for shard in sorted(set(idx["weight_map"].values())):
            w, _ = load_safetensors(os.path.join(ckpt_dir, shard))
            for k, v in w.items():
                assert idx["weight_map"][k] == shard, k
                weights[k] = v
        assert set(weights) == set(idx["weight_map"]), "index/weights mismatch"
    return cfg, weights


# --------------------------------------------------------------------------------------------
# model
# --------------------------------------------------------------------------------------------
def position_ids_from_mask(mask):
    """HF generate convention: cumsum(mask)-1, padded positions set to 1."""
    mask = mask.long()
    pos = mask.cumsum(-1) - 1
    return pos.masked_fill(mask == 0, 1)


def _rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class RefModel:
    def __init__(self, cfg, weights, dtype=torch.float64):
        self.cfg = cfg
        self.dtype = dtype
        self.arch = cfg["model_type"]
        assert self.arch in ("gemma", "phi3"), self.arch
        self.w = {k: v.to(dtype) for k, v in weights.items()}
        self.d = cfg["hidden_size"]
        self.nh = cfg["num_attention_heads"]
        self.nkv = cfg.get("num_key_value_heads") or self.nh
        hd = cfg.get("head_dim")
        self.hd = hd if hd else self.d // self.nh
        self.L = cfg["num_hidden_layers"]
        self.eps = cfg["rms_norm_eps"]
        self.theta = float(cfg.get("rope_theta", 10000.0))
        if self.arch == "phi3":
            prf = cfg.get("partial_rotary_factor")
            prf = 1.0 if prf is None else float(prf)
        else:
            prf = 1.0
        self.rot = int(self.hd * prf)
        self.sliding_window = cfg.get("sliding_window") if self.arch == "phi3" else None
        self.tied = cfg.get("tie_word_embeddings", self.arch == "gemma") or "lm_head.weight" not in self.w
        storage = _TORCH_DTYPES[cfg.get("torch_dtype", "float32")]
        # Gemma: torch.tensor(hidden_size**0.5, dtype=model dtype) -> rounded to the checkpoint dtype
        self.normalizer = torch.tensor(self.d ** 0.5, dtype=storage).to(dtype)

    # ---- rope ----
    def rope_params(self, position_ids):
        """Returns (inv_freq [rot/2] in self.dtype, attention_factor float, regime str)."""
        rs = self.cfg.get("rope_scaling")
        expo = torch.arange(0, self.rot, 2, dtype=torch.int64).to(self.dtype) / self.rot
        base = torch.tensor(self.theta, dtype=self.dtype) ** expo
        if not rs:
            return 1.0 / base, 1.0, "default"
        rtype = rs.get("rope_type", rs.get("type"))
        if rtype != "longrope":
            raise NotImplementedError("rope_scaling type %r" % rtype)
        orig = self.cfg.get("original_max_position_embeddings") or rs.get("original_max_position_embeddings") \
            or self.cfg["max_position_embeddings"]
        seq_len = int(position_ids.max().item()) + 1
        regime = "long" if seq_len > orig else "short"
        ext = torch.tensor(rs["long_factor"] if regime == "long" else rs["short_factor"], dtype=self.dtype)
        assert ext.numel() == self.rot // 2
        af = rs.get("attention_factor")
        if af is None:
            factor = rs.get("factor")
            if factor is None:
                factor = self.cfg["max_position_embeddings"] / orig
            af = 1.0 if factor <= 1.0 else math.sqrt(1 + math.log(factor) / math.log(orig))
        return 1.0 / (ext * base), float(af), regime

    def cos_sin(self, position_ids):
        inv_freq, af, regime = self.rope_params(position_ids)
        freqs = position_ids.to(self.dtype)[:, :, None] * inv_freq[None, None, :]  # [B,T,rot/2]
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos() * af, emb.sin() * af, regime

    def apply_rope(self, x, cos, sin):
        # x [B,H,T,hd]; cos/sin [B,T,rot]
        c, s = cos[:, None], sin[:, None]
        xr, xp = x[..., :self.rot], x[..., self.rot:]
        return torch.cat((xr * c + _rotate_half(xr) * s, xp), dim=-1)

    # ---- blocks ----
    def rmsnorm(self, x, w):
        y = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return y * (1.0 + w) if self.arch == "gemma" else w * y

    def attention(self, i, x, cos, sin, allowed):
        B, T, _ = x.shape
        p = "model.layers.%d.self_attn." % i
        if self.arch == "gemma":
            q = x @ self.w[p + "q_proj.weight"].T
            k = x @ self.w[p + "k_proj.weight"].T
            v = x @ self.w[p + "v_proj.weight"].T
        else:
            qkv = x @ self.w[p + "qkv_proj.weight"].T
            nq, nk = self.nh * self.hd, self.nkv * self.hd
            q, k, v = qkv[..., :nq], qkv[..., nq:nq + nk], qkv[..., nq + nk:]
        q = q.view(B, T, self.nh, self.hd).transpose(1, 2)
        k = k.view(B, T, self.nkv, self.hd).transpose(1, 2)
        v = v.view(B, T, self.nkv, self.hd).transpose(1, 2)
        q = self.apply_rope(q, cos, sin)
        k = self.apply_rope(k, cos, sin)
        rep = self.nh // self.nkv
        k = k.repeat_interleave(rep, dim=1)  # query head h uses kv head h // rep
        v = v.repeat_interleave(rep, dim=1)
        scores = (q @ k.transpose(-1, -2)) * (self.hd ** -0.5)
        scores = scores.masked_fill(~allowed[:, None], torch.finfo(torch.float32).min)
        probs = torch.softmax(scores, dim=-1)
        o = (probs @ v).transpose(1, 2).reshape(B, T, self.nh * self.hd)
        return o @ self.w[p + "o_proj.weight"].T

    def mlp(self, i, x):
        p = "model.layers.%d.mlp." % i
        if self.arch == "gemma":
            g = x @ self.w[p + "gate_proj.weight"].T
            u = x @ self.w[p + "up_proj.weight"].T
            act = 0.5 * g * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (g + 0.044715 * g.pow(3))))
            return (act * u) @ self.w[p + "down_proj.weight"].T
        gu = x @ self.w[p + "gate_up_proj.weight"].T
        I = gu.shape[-1] // 2
        g, u = gu[..., :I], gu[..., I:]
        return (u * (g * torch.sigmoid(g))) @ self.w[p + "down_proj.weight"].T

    def build_allowed(self, mask):
        B, T = mask.shape
        qi = torch.arange(T)[:, None]
        ki = torch.arange(T)[None, :]
        allowed = ki <= qi
        if self.sliding_window is not None:
            allowed = allowed & (qi - ki < int(self.sliding_window))
        return allowed[None] & mask.bool()[:, None, :]  # [B,T,T]

    def forward(self, ids, mask=None, steer=None, position_ids=None):
        """ids [B,T] long.  steer: None or dict(layer=int, vector=[d] tensor, scale=float,
        positions=list of (row, pos)).  Returns dict(logits [B,T,V], resid_pre [L+1,B,T,d], regime).
        resid_pre[l] is the input of block l (after any steering addition at layer l);
        resid_pre[L] is the output of the last block (after steering at layer L), before the final norm."""
        ids = ids.long()
        B, T = ids.shape
        if mask is None:
            mask = torch.ones(B, T, dtype=torch.long)
        if position_ids is None:
            position_ids = position_ids_from_mask(mask)
        cos, sin, regime = self.cos_sin(position_ids)
        allowed = self.build_allowed(mask)
        E = self.w["model.embed_tokens.weight"]
        h = E[ids]
        if self.arch == "gemma":
            h = h * self.normalizer
        steer_add = None
        if steer is not None:
            sel = torch.zeros(B, T, 1, dtype=self.dtype)
            for (r, t) in steer["positions"]:
                sel[r, t, 0] += 1.0
            steer_add = sel * (float(steer["scale"]) * steer["vector"].to(self.dtype))[None, None, :]
        resid = []
        for i in range(self.L + 1):
            if steer is not None and steer["layer"] == i:
                h = h + steer_add
            resid.append(h)
            if i == self.L:
                break
            pfx = "model.layers.%d." % i
            h = h + self.attention(i, self.rmsnorm(h, self.w[pfx + "input_layernorm.weight"]), cos, sin, allowed)
            h = h + self.mlp(i, self.rmsnorm(h, self.w[pfx + "post_attention_layernorm.weight"]))
        hn = self.rmsnorm(h, self.w["model.norm.weight"])
        head = E if self.tied else self.w["lm_head.weight"]
        logits = hn @ head.T
        return {"logits": logits, "resid_pre": torch.stack(resid, 0), "regime": regime}

    def steered_nll(self, ids_row, layer, positions, vector, scale, targets):
        """Row-alone (batch of one, no padding) steered forward.  nll = mean_t -log softmax(logits[t])[ids[t+1]].
        Returns (nll scalar tensor, grad wrt vector, forward dict)."""
        v = vector.detach().to(self.dtype).clone().requires_grad_(True)
        out = self.forward(ids_row[None], steer=dict(layer=layer, vector=v, scale=scale,
                                                     positions=[(0, p) for p in positions]))
        lp = torch.log_softmax(out["logits"][0], dim=-1)
        nll = torch.stack([-lp[t, int(ids_row[t + 1])] for t in targets]).mean()
        (g,) = torch.autograd.grad(nll, v)
        return nll.detach(), g.detach(), {k: (x.detach() if torch.is_tensor(x) else x) for k, x in out.items()}


def load_model(ckpt_dir, dtype=torch.float64):
    cfg, w = load_checkpoint(ckpt_dir)
    return RefModel(cfg, w, dtype)


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="Run the reference forward on a checkpoint directory.")
    ap.add_argument("ckpt")
    ap.add_argument("ids", nargs="+", type=int)
    a = ap.parse_args()
    m = load_model(a.ckpt)
    out = m.forward(torch.tensor([a.ids]))
    torch.set_printoptions(precision=6, linewidth=160)
    print("regime:", out["regime"])
    print("last-position logits:", out["logits"][0, -1])
