#!/usr/bin/env python3
"""Held-out perplexity of a small Llama under GRIFFIN and its baselines (generation phase).

    python3 tools/eval_small_llama_griffin.py --model models/griffin-mini-llama \
        --heldout models/griffin-mini-llama/heldout.txt --out eval.json

Each held-out document (one per line) is encoded without special tokens and cut into
non-overlapping windows of P + G tokens. The first P tokens are the prompt: the full
feed-forward block runs on them, and GRIFFIN's neuron scores are taken from them. The remaining
G tokens are scored teacher-forced as generation-phase tokens: at those positions each layer's
feed-forward block uses only its k = int(d_ff * density) experts. Because attention is causal
and the feed-forward block acts on each position alone, one forward pass over the window with
the experts applied at positions >= P gives the same logits as feeding the G tokens one at a
time after the prompt. Perplexity is over the G continuation tokens (the first is predicted by
the last prompt position, as in generation).

Methods (docs/GRIFFIN.md): full (density 1); griffin = `topk` on
s_j = || Z[:, j] / ||Z_t|| ||_2 over the prompt tokens (ties: lower index); magnitude =
top-k of ||W_gate[j]|| * ||W_up[j]|| once per model; random = k uniform without replacement
(seeded). Dropping neuron j is implemented by zeroing z_j before W_down, which is the same
function as slicing W_gate, W_up and W_down to the experts.
"""

import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class ExpertMLP(nn.Module):
    """Wraps a LlamaMLP: collects the prompt's z, or keeps only the experts from `start` on."""

    def __init__(self, mlp):
        super().__init__()
        self.mlp = mlp
        self.collect = False
        self.z = None
        self.mask = None  # (batch, d_ff) of 0/1 in the compute dtype, or None for the full block
        self.start = 0
        self.kept = None  # sum over generation positions of ||z_E||^2 / ||z||^2 (last pass)

    def forward(self, x):
        m = self.mlp
        z = m.act_fn(m.gate_proj(x)) * m.up_proj(x)
        if self.collect:
            self.z = z.float()
        if self.mask is not None:
            zg = z[:, self.start :].float()
            kept = (zg * self.mask[:, None, :].float()).pow(2).sum(-1)
            self.kept = (kept / zg.pow(2).sum(-1).clamp_min(1e-30)).sum()
            z = torch.cat([z[:, : self.start], z[:, self.start :] * self.mask[:, None, :]], dim=1)
        return m.down_proj(z)


def griffin_scores(z):
    """z: (batch, S, d_ff) prompt activations -> (batch, d_ff) scores s_j."""
    zn = z / z.norm(dim=-1, keepdim=True).clamp_min(1e-30)
    return zn.norm(dim=1)


def topk_mask(scores, k):
    """k largest per row; ties go to the lower index (stable sort)."""
    order = torch.sort(scores, dim=-1, descending=True, stable=True).indices[..., :k]
    mask = torch.zeros_like(scores)
    mask.scatter_(-1, order, 1.0)
    return mask


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--heldout", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--prompt", type=str, default="128,384", help="prompt lengths P")
    p.add_argument("--gen", type=int, default=128, help="continuation length G")
    p.add_argument("--densities", type=str, default="0.75,0.5,0.25")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--max-windows", type=int, default=0)
    a = p.parse_args()

    from tokenizers import Tokenizer
    from transformers import LlamaForCausalLM

    t0 = time.time()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.float16 if device == "cuda" else torch.float32
    try:
        model = LlamaForCausalLM.from_pretrained(a.model, dtype=dtype)
    except TypeError:
        model = LlamaForCausalLM.from_pretrained(a.model, torch_dtype=dtype)
    model.to(device).eval()
    tok = Tokenizer.from_file(f"{a.model}/tokenizer.json")
    layers = model.model.layers
    wrappers = []
    for layer in layers:
        w = ExpertMLP(layer.mlp)
        layer.mlp = w
        wrappers.append(w)
    d_ff = wrappers[0].mlp.gate_proj.out_features
    densities = [float(d) for d in a.densities.split(",")]

    # Static magnitude scores, once per model.
    mag_scores = [
        (w.mlp.gate_proj.weight.float().norm(dim=1) * w.mlp.up_proj.weight.float().norm(dim=1))
        for w in wrappers
    ]

    with open(a.heldout, encoding="utf-8") as f:
        docs = [line.rstrip("\n") for line in f if line.strip()]
    encs = tok.encode_batch(docs, add_special_tokens=False)
    results_tokens = [len(e.ids) for e in encs]

    gen = torch.Generator(device="cpu")
    gen.manual_seed(a.seed)
    results = {
        "model": a.model,
        "d_ff": d_ff,
        "layers": len(layers),
        "densities": densities,
        "seed": a.seed,
        "heldout_tokens_per_line": results_tokens,
        "settings": [],
    }

    def set_masks(masks, start):
        for w, m in zip(wrappers, masks):
            w.mask = None if m is None else m.to(dtype)
            w.start = start

    @torch.no_grad()
    def nll(x, P):
        """Summed NLL of tokens P..end of x, and the count."""
        logits = model(input_ids=x[:, :-1], use_cache=False).logits
        tgt = x[:, P:]
        lg = logits[:, P - 1 :].float()
        return F.cross_entropy(lg.reshape(-1, lg.shape[-1]), tgt.reshape(-1), reduction="sum")

    for P in [int(s) for s in a.prompt.split(",")]:
        W = P + a.gen
        rows = []
        for e in encs:
            for s in range(0, len(e.ids) - W + 1, W):
                rows.append(e.ids[s : s + W])
        if a.max_windows:
            rows = rows[: a.max_windows]
        X = torch.tensor(rows, dtype=torch.long)
        n = X.shape[0]
        names = ["full"] + [f"{m}@{d}" for d in densities for m in ("griffin", "magnitude", "random")]
        sums = {k: 0.0 for k in names}
        prompt_sum = 0.0
        count = 0
        prompt_count = 0
        overlap = {d: [] for d in densities}  # griffin vs magnitude expert overlap
        # Share of the generation tokens' ||z||^2 that the kept neurons carry, per layer.
        kept = {k: [0.0] * len(wrappers) for k in names if k != "full"}
        for i in range(0, n, a.batch):
            x = X[i : i + a.batch].to(device)
            B = x.shape[0]
            # Prompt phase: full block, collect z.
            set_masks([None] * len(wrappers), P)
            for w in wrappers:
                w.collect = True
            with torch.no_grad():
                logits = model(input_ids=x[:, :P], use_cache=False).logits
                prompt_sum += F.cross_entropy(
                    logits[:, :-1].float().reshape(-1, logits.shape[-1]),
                    x[:, 1:P].reshape(-1),
                    reduction="sum",
                ).item()
                prompt_count += B * (P - 1)
            scores = [griffin_scores(w.z) for w in wrappers]
            for w in wrappers:
                w.collect = False
                w.z = None
            # Generation phase, teacher-forced.
            sums["full"] += nll(x, P).item()
            count += B * a.gen
            for d in densities:
                k = int(d_ff * d)
                g_masks = [topk_mask(s, k) for s in scores]
                m_masks = [topk_mask(s[None, :], k).expand(B, -1) for s in mag_scores]
                r_masks = [
                    topk_mask(torch.rand(B, d_ff, generator=gen).to(device), k) for _ in wrappers
                ]
                for name, masks in (("griffin", g_masks), ("magnitude", m_masks), ("random", r_masks)):
                    set_masks(masks, P)
                    sums[f"{name}@{d}"] += nll(x, P).item()
                    for li, w in enumerate(wrappers):
                        kept[f"{name}@{d}"][li] += w.kept.item()
                ov = torch.stack([(g * m).sum(-1) / k for g, m in zip(g_masks, m_masks)])
                overlap[d].append(ov.mean().item() * B)
            set_masks([None] * len(wrappers), P)
        ppl = {k: math.exp(v / count) for k, v in sums.items()}
        setting = {
            "prompt_tokens": P,
            "gen_tokens": a.gen,
            "windows": n,
            "scored_tokens": count,
            "prompt_ppl_full": math.exp(prompt_sum / prompt_count),
            "gen_ppl": ppl,
            "griffin_magnitude_overlap": {str(d): sum(v) / n for d, v in overlap.items()},
            "kept_energy_per_layer": {
                k: [round(v / count, 4) for v in vals] for k, vals in kept.items()
            },
        }
        results["settings"].append(setting)
        print(f"\nprompt {P} tokens, then {a.gen} teacher-forced generation tokens; {n} windows")
        print(f"prompt-phase ppl (full): {setting['prompt_ppl_full']:.3f}")
        print("| density | full | GRIFFIN | magnitude | random | GRIFFIN/magnitude overlap |")
        print("|---|---|---|---|---|---|")
        for d in densities:
            print(
                f"| {d} | {ppl['full']:.3f} | {ppl[f'griffin@{d}']:.3f} | "
                f"{ppl[f'magnitude@{d}']:.3f} | {ppl[f'random@{d}']:.3f} | "
                f"{setting['griffin_magnitude_overlap'][str(d)]:.3f} |",
                flush=True,
            )
        print("share of ||z||^2 kept at generation tokens, mean over layers:")
        for k, vals in setting["kept_energy_per_layer"].items():
            print(f"  {k:16s} {sum(vals) / len(vals):.3f}  per layer {vals}")
    results["seconds"] = time.time() - t0
    with open(a.out, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
