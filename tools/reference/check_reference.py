"""Re-derive testdata/stories260K/reference.json by a second, independent route.

The reference script replaces each FF block with griffin_torch.GriffinFF (sliced weights).
This check leaves the transformers model untouched and instead hooks the input of each
layer's down_proj (that is z): it records Z in the prompt phase, scores and ranks neurons
in plain Python (float64, sort key (-s, j)), and multiplies z by a 0/1 mask where GRIFFIN
keeps only the experts. It then compares experts, greedy ids and log-likelihoods.

    python3 tools/reference/check_reference.py [--model DIR] [--ref FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, SHARED_DATA  # noqa: E402


class MaskHooks:
    """Forward pre-hooks on every down_proj that implement GRIFFIN by masking z."""

    def __init__(self, model):
        self.layers = model.model.layers
        self.mlps = [layer.mlp for layer in self.layers]
        self.d_ff = self.mlps[0].down_proj.in_features
        self.density, self.method, self.mode = 1.0, "topk", "gen"
        self.masks: list[torch.Tensor | None] = [None] * len(self.mlps)
        self.experts: list[list[int] | None] = [None] * len(self.mlps)
        for i, mlp in enumerate(self.mlps):
            mlp.down_proj.register_forward_pre_hook(self._hook(i))

    def start(self, density: float, method: str, mode: str):
        """Begin a new sequence."""
        self.density, self.method, self.mode = density, method, mode
        self.masks = [None] * len(self.mlps)
        self.experts = [None] * len(self.mlps)

    def _hook(self, i: int):
        """The pre-hook of layer i."""
        def hook(module, args):
            (z,) = args
            if self.density >= 1.0:
                return None
            if self.mode == "class":
                self._choose(i, z[0, :-1])
                z = z.clone()
                z[0, -1] = z[0, -1] * self.masks[i]
                return (z,)
            if self.masks[i] is None:
                self._choose(i, z[0])
                return None
            return (z * self.masks[i],)
        return hook

    def _choose(self, i: int, z: torch.Tensor):
        """Score with plain Python floats and choose the top k (lower index on ties)."""
        k = int(self.d_ff * self.density)
        if self.method == "magnitude":
            s = self._magnitude(i)
        else:
            rows = z.detach().double().cpu().tolist()
            s = [0.0] * self.d_ff
            for row in rows:
                norm = math.sqrt(math.fsum(v * v for v in row))
                for j, v in enumerate(row):
                    s[j] += (v / norm) ** 2 if norm > 0 else 0.0
            s = [math.sqrt(v) for v in s]
        chosen = sorted(sorted(range(self.d_ff), key=lambda j: (-s[j], j))[:k])
        mask = torch.zeros(self.d_ff, dtype=z.dtype, device=z.device)
        mask[chosen] = 1.0
        self.masks[i], self.experts[i] = mask, chosen

    def _magnitude(self, i: int) -> list[float]:
        """||W_gate[j,:]|| * ||W_up[j,:]|| in float64."""
        g = self.mlps[i].gate_proj.weight.double().norm(dim=1)
        u = self.mlps[i].up_proj.weight.double().norm(dim=1)
        return (g * u).tolist()


@torch.no_grad()
def step(model, ids, cache):
    """Forward ids with the cache; logits of the last position (float64)."""
    out = model(input_ids=torch.tensor([ids]), past_key_values=cache, use_cache=True)
    return out.logits[0, -1].double()


@torch.no_grad()
def check_gen(model, hooks: MaskHooks, case: dict) -> list[str]:
    """Greedy ids and experts of one gen case."""
    from transformers import DynamicCache

    hooks.start(case["density"], case["method"], "gen")
    cache = DynamicCache()
    logits = step(model, case["prompt_ids"], cache)
    last = logits.clone()
    new = []
    for _ in range(len(case["greedy_ids"])):
        new.append(int(torch.argmax(logits)))
        logits = step(model, [new[-1]], cache)
    errs = []
    if case["experts"] is not None and hooks.experts != case["experts"]:
        errs.append("experts differ")
    if new != case["greedy_ids"]:
        errs.append(f"greedy differs: {new} vs {case['greedy_ids']}")
    diff = (last - torch.tensor(case["last_prompt_logits"], dtype=torch.float64)).abs().max()
    if diff > 1e-4:
        errs.append(f"last prompt logits differ by {diff}")
    return errs


@torch.no_grad()
def check_score(model, hooks: MaskHooks, case: dict) -> list[str]:
    """Log-probs of one class or gen scoring case."""
    from transformers import DynamicCache

    ctx, cont = case["context_ids"], case["continuation_ids"]
    hooks.start(case["density"], case["method"], case["mode"])
    if case["mode"] == "class":
        out = model(input_ids=torch.tensor([ctx + cont[:-1]]), use_cache=False)
        rows = out.logits[0, len(ctx) - 1:].double()
    else:
        cache = DynamicCache()
        rows = [step(model, ctx, cache)]
        rows += [step(model, [t], cache) for t in cont[:-1]]
        rows = torch.stack(rows)
    lp = torch.log_softmax(rows, dim=-1)
    got = [float(lp[i, t]) for i, t in enumerate(cont)]
    errs = []
    if case["experts"] is not None and hooks.experts != case["experts"]:
        errs.append("experts differ")
    worst = max(abs(a - b) for a, b in zip(got, case["logprobs"]))
    if worst > 1e-4:
        errs.append(f"logprobs differ by {worst}")
    return errs


def main():
    """Run every deterministic case through the hook route and report mismatches."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=str(SHARED_DATA / "models" / "stories260K" / "hf"))
    p.add_argument("--ref", default=str(REPO / "testdata" / "stories260K" / "reference.json"))
    args = p.parse_args()
    from transformers import LlamaForCausalLM

    model = LlamaForCausalLM.from_pretrained(args.model, dtype=torch.float32,
                                             attn_implementation="eager").eval()
    hooks = MaskHooks(model)
    ref = json.loads(Path(args.ref).read_text())
    failures = 0
    for case in ref["gen_cases"]:
        errs = check_gen(model, hooks, case)
        failures += bool(errs)
        print("gen", len(case["prompt_ids"]), case["density"], case["method"], errs or "ok")
    for case in ref["class_cases"] + ref["gen_score_cases"]:
        errs = check_score(model, hooks, case)
        failures += bool(errs)
        print(case["mode"], case["continuation_ids"][:3], case["density"], case["method"],
              errs or "ok")
    print(f"{failures} case(s) differ")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
