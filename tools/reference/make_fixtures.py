#!/usr/bin/env python3
"""Generate the Hugging Face-layout test fixtures in tests/fixtures/hf/ (see tests/fixtures/hf/README.md).

    /usr/bin/python3 tools/reference/make_fixtures.py            # (re)generate + sanity checks
    /usr/bin/python3 tools/reference/make_fixtures.py --check    # only re-verify existing fixtures

Deterministic: every case uses its own torch.manual_seed; outputs are computed in float64 by
hf_reference.py from the weights as re-read from the written checkpoint files, and stored as float32.
"""
import argparse
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_reference as ref  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(REPO, "tests", "fixtures", "hf")
TRANSFORMERS_VERSION = "4.49.0"  # first release with Phi3 partial_rotary_factor; semantics unchanged since

CASES = {
    "gemma_f32": dict(arch="gemma", seed=1001, dtype="float32", hidden=64, heads=4, kv=1, head_dim=24,
                      inter=96, layers=3, vocab=101, T=[12], steer_layer=1),
    "gemma_bf16": dict(arch="gemma", seed=2002, dtype="bfloat16", hidden=64, heads=4, kv=1, head_dim=24,
                       inter=96, layers=3, vocab=101, T=[12], steer_layer=1),
    "phi3_longrope": dict(arch="phi3", seed=3003, dtype="float32", hidden=48, heads=4, kv=2, inter=80, layers=2,
                          vocab=97, partial=0.5, longrope=True, orig_max=8, max_pos=64, sliding_window=6,
                          tie=False, sharded=True, T=[7, 14], steer_layer=1),
    "phi3_f16_tied": dict(arch="phi3", seed=4004, dtype="float16", hidden=32, heads=2, kv=2, inter=64, layers=2,
                          vocab=53, partial=None, longrope=False, max_pos=64, sliding_window=None, tie=True,
                          sharded=False, T=[12], steer_layer=2, targets=[3, 5, 7]),
    # Extra case (not in the original brief): hidden=40 so that sqrt(hidden)=6.3246 rounds to 6.3125 in bf16,
    # which actually exercises the Gemma bf16 normalizer rule (sqrt(64)=8 is exact in every dtype).
    "gemma_bf16_h40": dict(arch="gemma", seed=5005, dtype="bfloat16", hidden=40, heads=2, kv=1, head_dim=16,
                           inter=72, layers=2, vocab=61, T=[12], steer_layer=1),
}

DT = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def r(*shape, std):
    return torch.randn(*shape, dtype=torch.float64) * std


def make_config(c):
    if c["arch"] == "gemma":
        return {
            "architectures": ["GemmaForCausalLM"],
            "attention_bias": False,
            "attention_dropout": 0.0,
            "bos_token_id": 2,
            "eos_token_id": 1,
            "head_dim": c["head_dim"],
            "hidden_act": "gelu",
            "hidden_activation": "gelu_pytorch_tanh",
            "hidden_size": c["hidden"],
            "initializer_range": 0.02,
            "intermediate_size": c["inter"],
            "max_position_embeddings": 8192,
            "model_type": "gemma",
            "num_attention_heads": c["heads"],
            "num_hidden_layers": c["layers"],
            "num_key_value_heads": c["kv"],
            "pad_token_id": 0,
            "rms_norm_eps": 1e-06,
            "rope_scaling": None,
            "rope_theta": 10000.0,
            "tie_word_embeddings": True,
            "torch_dtype": c["dtype"],
            "transformers_version": TRANSFORMERS_VERSION,
            "use_cache": True,
            "vocab_size": c["vocab"],
        }
    hd = c["hidden"] // c["heads"]
    cfg = {
        "architectures": ["Phi3ForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": 1,
        "embd_pdrop": 0.0,
        "eos_token_id": 32000 if c["vocab"] > 32000 else c["vocab"] - 1,
        "hidden_act": "silu",
        "hidden_size": c["hidden"],
        "initializer_range": 0.02,
        "intermediate_size": c["inter"],
        "max_position_embeddings": c["max_pos"],
        "model_type": "phi3",
        "num_attention_heads": c["heads"],
        "num_hidden_layers": c["layers"],
        "num_key_value_heads": c["kv"],
        "original_max_position_embeddings": c.get("orig_max", c["max_pos"]),
        "pad_token_id": 0,
        "resid_pdrop": 0.0,
        "rms_norm_eps": 1e-05,
        "rope_scaling": None,
        "rope_theta": 10000.0,
        "sliding_window": c["sliding_window"],
        "tie_word_embeddings": c["tie"],
        "torch_dtype": c["dtype"],
        "transformers_version": TRANSFORMERS_VERSION,
        "use_cache": True,
        "vocab_size": c["vocab"],
    }
    if c.get("partial") is not None:
        cfg["partial_rotary_factor"] = c["partial"]
        rot = int(hd * c["partial"])
    else:
        rot = hd
    if c.get("longrope"):
        # factors in [1,4], rounded to 4 decimals so the JSON text is the exact value used
        sf = [round(1.0 + 3.0 * float(x), 4) for x in torch.rand(rot // 2, dtype=torch.float64)]
        lf = [round(1.0 + 3.0 * float(x), 4) for x in torch.rand(rot // 2, dtype=torch.float64)]
        cfg["rope_scaling"] = {"long_factor": lf, "short_factor": sf, "type": "longrope"}
    return dict(sorted(cfg.items()))


def make_weights(c):
    d, L, V, I = c["hidden"], c["layers"], c["vocab"], c["inter"]
    w = {"model.embed_tokens.weight": r(V, d, std=0.25 if c["arch"] == "gemma" else 0.5)}
    if c["arch"] == "gemma":
        hd, nh, nkv = c["head_dim"], c["heads"], c["kv"]
        for i in range(L):
            p = "model.layers.%d." % i
            w[p + "input_layernorm.weight"] = r(d, std=0.25)            # used as (1 + w)
            w[p + "post_attention_layernorm.weight"] = r(d, std=0.25)
            w[p + "self_attn.q_proj.weight"] = r(nh * hd, d, std=0.2)
            w[p + "self_attn.k_proj.weight"] = r(nkv * hd, d, std=0.2)
            w[p + "self_attn.v_proj.weight"] = r(nkv * hd, d, std=0.15)
            w[p + "self_attn.o_proj.weight"] = r(d, nh * hd, std=0.15)
            w[p + "mlp.gate_proj.weight"] = r(I, d, std=0.15)
            w[p + "mlp.up_proj.weight"] = r(I, d, std=0.15)
            w[p + "mlp.down_proj.weight"] = r(d, I, std=0.15)
        w["model.norm.weight"] = r(d, std=0.25)
    else:
        nh, nkv = c["heads"], c["kv"]
        hd = d // nh
        for i in range(L):
            p = "model.layers.%d." % i
            w[p + "input_layernorm.weight"] = 1.0 + r(d, std=0.25)      # used as w
            w[p + "post_attention_layernorm.weight"] = 1.0 + r(d, std=0.25)
            w[p + "self_attn.qkv_proj.weight"] = r((nh + 2 * nkv) * hd, d, std=0.25)
            w[p + "self_attn.o_proj.weight"] = r(d, nh * hd, std=0.15)
            w[p + "mlp.gate_up_proj.weight"] = r(2 * I, d, std=0.15)
            w[p + "mlp.down_proj.weight"] = r(d, I, std=0.15)
        w["model.norm.weight"] = 1.0 + r(d, std=0.25)
        if not c["tie"]:
            w["lm_head.weight"] = r(V, d, std=0.3)
    dt = DT[c["dtype"]]
    return {k: v.to(dt) for k, v in w.items()}


def write_checkpoint(dirpath, c, cfg, w):
    os.makedirs(dirpath, exist_ok=True)
    for f in os.listdir(dirpath):
        if f.startswith("model") and (f.endswith(".safetensors") or f.endswith(".json")):
            os.remove(os.path.join(dirpath, f))
    with open(os.path.join(dirpath, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    meta = {"format": "pt"}
    if not c.get("sharded"):
        ref.save_safetensors(os.path.join(dirpath, "model.safetensors"), w, meta)
        return
    names = list(w)
    first = [n for n in names if n == "model.embed_tokens.weight" or n.startswith("model.layers.0.")]
    second = [n for n in names if n not in first]
    shards = {"model-00001-of-00002.safetensors": first, "model-00002-of-00002.safetensors": second}
    weight_map = {}
    for fn, ns in shards.items():
        ref.save_safetensors(os.path.join(dirpath, fn), {n: w[n] for n in ns}, meta)
        for n in ns:
            weight_map[n] = fn
    total = sum(t.numel() * t.element_size() for t in w.values())
    with open(os.path.join(dirpath, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}, f, indent=2)
        f.write("\n")


def make_batch(c, T, gen):
    V = c["vocab"]
    ids = torch.randint(3, V, (3, T), generator=gen)
    mask = torch.ones(3, T, dtype=torch.long)
    ids[1, :3] = 0
    mask[1, :3] = 0
    ids[2, T - 2:] = 0
    mask[2, T - 2:] = 0
    return ids, mask


def steer_spec(c, T):
    if T >= 9:
        return [3, 5], c.get("targets", [5, 6, 7])
    return [2, 4], [3, 4, 5]


def expected_name(c, T):
    if len(c["T"]) == 1:
        return "expected.safetensors"
    return "expected_short.safetensors" if T <= c["orig_max"] else "expected_long.safetensors"


def compute_expected(model, c, T, ids, mask, vec):
    out = model.forward(ids, mask)
    positions, targets = steer_spec(c, T)
    scale = 1.5
    nll, grad, sout = model.steered_nll(ids[0], c["steer_layer"], positions, vec, scale, targets)
    tensors = {
        "ids": ids.to(torch.int32),
        "mask": mask.to(torch.int32),
        "logits": out["logits"].float(),
        "resid_pre": out["resid_pre"].float(),
        "steer_layer": torch.tensor([c["steer_layer"]], dtype=torch.int32),
        "steer_positions": torch.tensor(positions, dtype=torch.int32),
        "steer_vector": vec.float(),
        "steer_scale": torch.tensor([scale], dtype=torch.float32),
        "steered_logits": sout["logits"][0].float(),
        "steered_resid_pre": sout["resid_pre"][:, 0].float(),
        "targets": torch.tensor(targets, dtype=torch.int32),
        "nll": nll.reshape(1).float(),
        "steer_grad": grad.float(),
    }
    meta = {
        "generator": "tools/reference/make_fixtures.py",
        "compute_dtype": "float64 (stored as float32)",
        "rope_regime": out["regime"],
        "steered_rope_regime": sout["regime"],
        "note": "values at mask==0 positions are meaningless (HF-eager garbage); compare mask==1 positions only",
    }
    return tensors, meta, out, (nll, grad, sout)


def sanity(model, c, T, ids, mask, out, vec, nll, grad, log):
    ok = True
    # 1. padded rows == the same tokens run alone without padding, at valid positions
    for row in (1, 2):
        valid = mask[row].bool()
        alone = model.forward(ids[row][valid][None])
        a_l = alone["logits"][0]
        b_l = out["logits"][row][valid]
        a_r = alone["resid_pre"][:, 0]
        b_r = out["resid_pre"][:, row][:, valid]
        dl = (a_l - b_l).abs().max().item()
        dr = (a_r - b_r).abs().max().item()
        same_regime = alone["regime"] == out["regime"]
        log("   row %d padded-vs-alone: max|dlogits|=%.2e max|dresid|=%.2e regime %s/%s" %
            (row, dl, dr, out["regime"], alone["regime"]))
        ok &= dl < 1e-6 and dr < 1e-6 and same_regime
    # row 0 of the batch vs alone (sanity that batching itself is row-independent)
    alone0 = model.forward(ids[0][None])
    d0 = (alone0["logits"][0] - out["logits"][0]).abs().max().item()
    log("   row 0 batch-vs-alone: max|dlogits|=%.2e" % d0)
    ok &= d0 < 1e-6
    # 2. gradient vs central finite differences (float64)
    positions, targets = steer_spec(c, T)
    eps = 1e-5
    fd = torch.zeros_like(grad)
    base = vec.to(torch.float64)
    for j in range(base.numel()):
        e = torch.zeros_like(base)
        e[j] = eps
        lp = model.steered_nll(ids[0], c["steer_layer"], positions, base + e, 1.5, targets)[0]
        lm = model.steered_nll(ids[0], c["steer_layer"], positions, base - e, 1.5, targets)[0]
        fd[j] = (lp - lm) / (2 * eps)
    rel = ((fd - grad).norm() / grad.norm()).item()
    log("   grad vs central FD: rel err %.2e  (|grad|=%.3e)" % (rel, grad.norm().item()))
    ok &= rel < 1e-6
    # 3. plausibility
    V = c["vocab"]
    lstd = out["logits"][0].std().item()
    lmax = out["logits"][0].abs().max().item()
    unsteered = model.steered_nll(ids[0], c["steer_layer"], positions, torch.zeros_like(base), 1.5, targets)[0]
    log("   nll steered=%.4f unsteered=%.4f  log(V)=%.4f  logits std=%.2f max|.|=%.2f" %
        (nll.item(), unsteered.item(), math.log(V), lstd, lmax))
    ok &= math.isfinite(nll.item()) and 0.0 < nll.item() < 30.0 and 0.3 < lstd < 30.0
    return ok


def check_existing(name, c, log):
    """Recompute every expected file from the checkpoint on disk and compare with what is stored."""
    d = os.path.join(OUT, name)
    model = ref.load_model(d)
    ok = True
    for T in c["T"]:
        fn = os.path.join(d, expected_name(c, T))
        exp, _ = ref.load_safetensors(fn)
        ids, mask = exp["ids"].long(), exp["mask"].long()
        tensors, _, _, _ = compute_expected(model, c, T, ids, mask, exp["steer_vector"].double())
        for k, v in tensors.items():
            dv = (v.double() - exp[k].double()).abs().max().item()
            ok &= dv == 0.0
            if dv != 0.0:
                log("   MISMATCH %s/%s: %g" % (os.path.basename(fn), k, dv))
        log("   %s: %s" % (os.path.basename(fn), "reproduced bit-exactly" if ok else "MISMATCH"))
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true", help="only verify existing fixtures reproduce")
    ap.add_argument("--only", nargs="*", help="case names to process")
    a = ap.parse_args()
    torch.set_num_threads(1)  # deterministic reductions
    cases = dict(CASES)
    if a.only:
        cases = {k: v for k, v in CASES.items() if k in a.only}
    log = print
    all_ok = True
    for name, c in cases.items():
        log("== %s" % name)
        if a.check:
            all_ok &= check_existing(name, c, log)
            continue
        torch.manual_seed(c["seed"])
        cfg = make_config(c)
        w = make_weights(c)
        d = os.path.join(OUT, name)
        write_checkpoint(d, c, cfg, w)
        model = ref.load_model(d)  # re-read from disk: the fixture is computed from exactly the stored values
        for k, v in w.items():
            assert torch.equal(model.w[k], v.to(torch.float64)), k
        gen = torch.Generator().manual_seed(c["seed"] + 17)
        vec = torch.randn(c["hidden"], generator=gen, dtype=torch.float64)
        vec = (vec / vec.norm() * 3.0).float().double()  # norm 3, exactly representable in float32
        for f in os.listdir(d):
            if f.startswith("expected"):
                os.remove(os.path.join(d, f))
        for T in c["T"]:
            ids, mask = make_batch(c, T, gen)
            tensors, meta, out, (nll, grad, sout) = compute_expected(model, c, T, ids, mask, vec)
            fn = expected_name(c, T)
            ref.save_safetensors(os.path.join(d, fn), tensors, meta)
            log(" %s T=%d regime=%s" % (fn, T, out["regime"]))
            all_ok &= sanity(model, c, T, ids, mask, out, vec, nll, grad, log)
        size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
        log(" total size %.1f KB" % (size / 1024))
    log("ALL OK" if all_ok else "SOME CHECKS FAILED")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
