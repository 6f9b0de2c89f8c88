#!/usr/bin/python3
"""PyTorch eager f32 on CPU doing the work of `nativetv bench forward` and `bench steer-grad`.

A measurement tool (issue 13's ratio targets), not a test: random Gemma-shape weights (head_dim 256,
d/256 heads, one KV head, d_mlp 8 d, tied lm_head), RMSNorm (1 + w), RoPE, causal GQA attention,
GeLU-tanh gated MLP. `forward` is `bench forward` (one sequence, logits at the last row);
`steer-grad` is `bench steer-grad` (a batch, steering at position T-3 of each prompt, nll of the next
two tokens, forward alone and forward + backward to resid_pre[L] with frozen weights). Prints the
median seconds of --reps calls after one warm-up, like the C# benches.
"""
import argparse
import math
import statistics
import time

import torch
import torch.nn.functional as F


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("bench", choices=["forward", "steer-grad"])
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--d-model", type=int, default=2048)
    p.add_argument("--vocab", type=int, default=32000)
    p.add_argument("--batch", type=int, default=24, help="steer-grad only")
    p.add_argument("--tokens", type=int, default=None, help="forward: 1024; steer-grad: 40 per prompt")
    p.add_argument("--layer", type=int, default=0, help="steer-grad: steered layer")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--config", action="store_true", help="print torch.__config__.show()")
    return p.parse_args()


class Gemma:
    """Random weights of Gemma shape held as f32 tensors, no autograd on them."""

    def __init__(self, layers, d, vocab, gen):
        self.d, self.heads, self.hd = d, max(1, d // 256), 256
        self.eps, std = 1e-6, 0.08
        a = std * math.sqrt(3)

        def mat(rows, cols):
            return (torch.rand(rows, cols, generator=gen) * 2 - 1) * a

        def norm():
            return (torch.rand(d, generator=gen) * 2 - 1) * 0.2 * math.sqrt(3)

        self.embed = mat(vocab, d)
        self.blocks = []
        for _ in range(layers):
            self.blocks.append(dict(
                ln1=norm(), q=mat(self.heads * self.hd, d), k=mat(self.hd, d), v=mat(self.hd, d),
                o=mat(d, self.heads * self.hd), ln2=norm(), gate=mat(8 * d, d), up=mat(8 * d, d), down=mat(d, 8 * d)))
        self.final = norm()

    def rms(self, x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * (1 + w)

    def rope(self, T):
        inv = 1.0 / (10000 ** (torch.arange(0, self.hd, 2, dtype=torch.float32) / self.hd))
        ang = torch.outer(torch.arange(T, dtype=torch.float32), inv)
        return torch.cat([ang, ang], -1).cos(), torch.cat([ang, ang], -1).sin()

    @staticmethod
    def rotate(x, cos, sin):
        h = x.shape[-1] // 2
        return x * cos + torch.cat([-x[..., h:], x[..., :h]], -1) * sin

    def block(self, x, w, cos, sin, mask):
        B, T, _ = x.shape
        h = self.rms(x, w["ln1"])
        q = F.linear(h, w["q"]).view(B, T, self.heads, self.hd).transpose(1, 2)
        k = F.linear(h, w["k"]).view(B, T, 1, self.hd).transpose(1, 2)
        v = F.linear(h, w["v"]).view(B, T, 1, self.hd).transpose(1, 2)
        q, k = self.rotate(q, cos, sin), self.rotate(k, cos, sin)
        # One KV head: broadcast it over the query heads (no copy).
        s = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd)
        p = torch.softmax(s.masked_fill(mask, float("-inf")), -1)
        a = (p @ v).transpose(1, 2).reshape(B, T, self.heads * self.hd)
        x = x + F.linear(a, w["o"])
        h = self.rms(x, w["ln2"])
        return x + F.linear(F.gelu(F.linear(h, w["gate"]), approximate="tanh") * F.linear(h, w["up"]), w["down"])

    def resid_pre0(self, ids):
        return self.embed[ids] * math.sqrt(self.d)

    def logits_from(self, x, start, rows):
        """Blocks start.. on resid_pre[start] x ([B, T, d]), logits at flat rows."""
        T = x.shape[1]
        cos, sin = self.rope(T)
        mask = torch.ones(T, T, dtype=torch.bool).triu(1)
        for w in self.blocks[start:]:
            x = self.block(x, w, cos, sin, mask)
        h = self.rms(x.reshape(-1, self.d)[rows], self.final)
        return F.linear(h, self.embed)


def median(reps, run):
    run()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    a = parse()
    torch.set_num_threads(a.threads)
    if a.config:
        print(torch.__config__.show())
    torch.set_grad_enabled(False)
    m = Gemma(a.layers, a.d_model, a.vocab, torch.Generator().manual_seed(1))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; {a.layers} layers, d {m.d}, "
          f"{m.heads} heads x {m.hd}, 1 kv head, d_mlp {8 * m.d}, vocab {a.vocab}, f32")
    if a.bench == "forward":
        T = a.tokens or 1024
        ids = torch.tensor([(i * 7919) % a.vocab for i in range(T)]).view(1, T)
        t = median(a.reps, lambda: m.logits_from(m.resid_pre0(ids), 0, torch.tensor([T - 1])))
        print(f"forward (1 x {T} tokens): {t:.3f} s")
        return
    B, T, L = a.batch, a.tokens or 40, a.layer
    ids = torch.tensor([(i * 7919 + 13) % a.vocab for i in range(B * T)]).view(B, T)
    steer_rows = torch.tensor([b * T + T - 3 for b in range(B)])
    rows = torch.tensor([b * T + T - 3 + i for b in range(B) for i in range(2)])
    targets = ids.view(-1)[rows + 1]
    v = torch.zeros(m.d)

    def resid_pre(x0):
        # Blocks below L need no gradient: run them outside autograd, steer at resid_pre[L].
        cos, sin = m.rope(T)
        mask = torch.ones(T, T, dtype=torch.bool).triu(1)
        for w in m.blocks[:L]:
            x0 = m.block(x0, w, cos, sin, mask)
        return x0

    def loss(x):
        return F.cross_entropy(m.logits_from(x, L, rows), targets, reduction="sum") / B

    def steered(x):
        return x.reshape(-1, m.d).index_add(0, steer_rows, v.expand(B, m.d)).view(B, T, m.d)

    def fwd():
        return loss(steered(resid_pre(m.resid_pre0(ids))))

    def both():
        x = resid_pre(m.resid_pre0(ids))
        with torch.enable_grad():
            x = x.requires_grad_()
            l = loss(steered(x))
            (dx,) = torch.autograd.grad(l, x)
        return dx.reshape(-1, m.d)[steer_rows].sum(0)

    tf, tb = median(a.reps, fwd), median(a.reps, both)
    print(f"forward ({B} x {T} tokens): {tf:.3f} s")
    print(f"forward + backward to resid_pre[{L}]: {tb:.3f} s")
    print(f"ratio: {tb / tf:.2f}")


if __name__ == "__main__":
    main()
