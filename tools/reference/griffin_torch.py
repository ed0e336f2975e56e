"""GRIFFIN in PyTorch, written from docs/GRIFFIN.md (shared docs), for reference outputs.

GRIFFIN turns each feed-forward (FF) block of a language model into a mixture of experts
chosen at the prompt: one expert is one FF neuron (one entry of z, before W_down).

Use:
    model = LlamaForCausalLM.from_pretrained(...)
    ctl = griffinize(model, density=0.5, method="topk", mode="gen")
    reset(model)                      # before every new sequence
    ... forward the prompt (full FF, experts chosen) ...
    ... forward generated tokens one at a time (only the experts) ...
    experts(model), scores(model)     # per layer

The controller decides the phase from the module's own state: in mode "gen" the first
forward after `reset` is the prompt phase, every later forward is the generation phase.
Scores are computed in float64 from the fp32 activations so that rankings are robust.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

import torch
from torch import nn

METHODS = ("topk", "sample", "topk_sample", "random", "magnitude")
MODES = ("gen", "class")


@dataclass
class GriffinConfig:
    """Settings shared by all GRIFFIN blocks of one model."""

    densities: list[float]
    method: str = "topk"
    mode: str = "gen"
    seed: int = 0
    generator: torch.Generator | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r}")
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}")
        for d in self.densities:
            if not 0.0 <= d <= 1.0:
                raise ValueError(f"density {d} outside [0, 1]")

    def reseed(self):
        """Restart the random stream (sampled methods) from the seed."""
        self.generator = torch.Generator(device="cpu")
        self.generator.manual_seed(self.seed)


# ---------------------------------------------------------------------------------------
# Scoring and selection (pure functions on tensors)
# ---------------------------------------------------------------------------------------


def num_experts(d_ff: int, density: float) -> int:
    """k = int(d_ff * density), as Python computes it."""
    return int(d_ff * density)


def neuron_scores(z: torch.Tensor) -> torch.Tensor:
    """GRIFFIN scores s_j from Z (S x d_ff): row-normalise, then column L2 norm. float64.

    A row whose norm is zero stays zero (it carries no direction).
    """
    z64 = z.reshape(-1, z.shape[-1]).to(torch.float64)
    if z64.shape[0] == 0:
        return torch.zeros(z.shape[-1], dtype=torch.float64)  # no positions to score
    norms = torch.linalg.vector_norm(z64, dim=1, keepdim=True)
    zhat = torch.where(norms > 0, z64 / torch.where(norms > 0, norms, 1.0), 0.0)
    return torch.linalg.vector_norm(zhat, dim=0).cpu()


def topk_stable(scores: torch.Tensor, k: int) -> torch.Tensor:
    """Indices of the k largest scores; ties: the lower index wins. Ascending order."""
    order = torch.sort(-scores.detach().to(torch.float64).cpu(), stable=True).indices
    return torch.sort(order[:k]).values


def sample_weighted(weights: torch.Tensor, k: int, gen: torch.Generator) -> torch.Tensor:
    """k indices without replacement, probability proportional to weights. Ascending."""
    if k == 0:
        return torch.zeros(0, dtype=torch.long)
    w = weights.to(torch.float64).cpu()
    picked = torch.multinomial(w, k, replacement=False, generator=gen)
    return torch.sort(picked).values


def select_experts(scores: torch.Tensor, k: int, method: str,
                   gen: torch.Generator | None) -> torch.Tensor:
    """The experts (ascending indices) chosen from the scores by the method."""
    if method in ("topk", "magnitude"):
        return topk_stable(scores, k)
    if method == "sample":
        return sample_weighted(scores, k, gen)
    if method == "topk_sample":
        half = k // 2
        top = topk_stable(scores, half)
        rest = scores.to(torch.float64).clone()
        rest[top] = 0.0
        drawn = sample_weighted(rest, half, gen)
        return torch.sort(torch.cat([top, drawn])).values
    if method == "random":
        perm = torch.randperm(scores.numel(), generator=gen)
        return torch.sort(perm[:k]).values
    raise ValueError(method)


# ---------------------------------------------------------------------------------------
# The FF block
# ---------------------------------------------------------------------------------------


class GriffinFF(nn.Module):
    """A feed-forward block that can run whole or with a subset of its neurons.

    Gated: z = act(x W_gate^T) * (x W_up^T), y = z W_down^T.
    Plain: z = act(x W_1^T + b_1),            y = z W_2^T + b_2  (gate=None, up=W_1, down=W_2).
    """

    def __init__(self, gate: nn.Linear | None, up: nn.Linear, down: nn.Linear,
                 act: Callable, layer: int, config: GriffinConfig):
        super().__init__()
        self.gate, self.up, self.down, self.act = gate, up, down, act
        self.layer = layer
        self.config = config
        self.d_ff = up.out_features
        self.experts: torch.Tensor | None = None
        self.scores: torch.Tensor | None = None
        self.selected = False
        self.static_scores = self.magnitude_scores()

    # -- pieces ------------------------------------------------------------------------

    @property
    def density(self) -> float:
        """This layer's density."""
        return self.config.densities[self.layer]

    def magnitude_scores(self) -> torch.Tensor:
        """s_j = ||W_gate[j,:]|| * ||W_up[j,:]|| (plain: ||W_1[j,:]||), float64."""
        up = torch.linalg.vector_norm(self.up.weight.detach().to(torch.float64), dim=1)
        if self.gate is None:
            return up.cpu()
        gate = torch.linalg.vector_norm(self.gate.weight.detach().to(torch.float64), dim=1)
        return (gate * up).cpu()

    def activations(self, x: torch.Tensor, idx: torch.Tensor | None = None) -> torch.Tensor:
        """z for x, over all neurons or only those in idx."""
        w_up, b_up = self.up.weight, self.up.bias
        if idx is not None:
            idx = idx.to(w_up.device)
            w_up = w_up[idx]
            b_up = None if b_up is None else b_up[idx]
        if self.gate is None:
            return self.act(nn.functional.linear(x, w_up, b_up))
        w_g, b_g = self.gate.weight, self.gate.bias
        if idx is not None:
            w_g = w_g[idx]
            b_g = None if b_g is None else b_g[idx]
        return self.act(nn.functional.linear(x, w_g, b_g)) * nn.functional.linear(x, w_up, b_up)

    def project(self, z: torch.Tensor, idx: torch.Tensor | None = None) -> torch.Tensor:
        """y = z W_down[:, idx]^T (+ full bias)."""
        w = self.down.weight
        if idx is not None:
            w = w[:, idx.to(w.device)]
        return nn.functional.linear(z, w, self.down.bias)

    def full(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The whole block: (y, z)."""
        z = self.activations(x)
        return self.project(z), z

    def experts_only(self, x: torch.Tensor) -> torch.Tensor:
        """The block restricted to the experts (density 0: zero, or b_2 for plain)."""
        return self.project(self.activations(x, self.experts), self.experts)

    def choose(self, z_prompt: torch.Tensor):
        """Score the prompt's z and choose this layer's experts (sets experts, scores)."""
        k = num_experts(self.d_ff, self.density)
        if self.config.method == "magnitude":
            self.scores = self.static_scores
        else:
            self.scores = neuron_scores(z_prompt)
        self.experts = select_experts(self.scores, k, self.config.method, self.config.generator)
        self.selected = True

    def reset(self):
        """Forget the experts of the last sequence."""
        self.experts, self.scores, self.selected = None, None, False

    # -- forward -----------------------------------------------------------------------

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Dispatch on mode and phase. Batch size 1 only, as in the paper."""
        if x.shape[0] != 1:
            raise ValueError("GRIFFIN reference supports batch size 1 only")
        if self.density >= 1.0:
            return self.full(x)[0]
        if self.config.mode == "gen":
            return self.forward_gen(x)
        return self.forward_class(x)

    def forward_gen(self, x: torch.Tensor) -> torch.Tensor:
        """Prompt phase (first call): full block + selection; later calls: experts only."""
        if not self.selected:
            y, z = self.full(x)
            self.choose(z[0])
            return y
        return self.experts_only(x)

    def forward_class(self, x: torch.Tensor) -> torch.Tensor:
        """One pass: experts from positions [:-1]; the last position uses only them."""
        y, z = self.full(x)
        self.choose(z[0, :-1])
        y_last = self.experts_only(x[:, -1:])
        return torch.cat([y[:, :-1], y_last], dim=1)


# ---------------------------------------------------------------------------------------
# Wrapping a model
# ---------------------------------------------------------------------------------------


def ff_parts(mlp: nn.Module) -> tuple[nn.Linear | None, nn.Linear, nn.Linear, Callable]:
    """(gate, up, down, act) of a known FF module. Gated: Llama/Mistral/Gemma/Qwen2 names;
    plain: fc1/fc2 (or c_fc/c_proj) with act_fn/activation_fn/act."""
    act = next((getattr(mlp, n) for n in ("act_fn", "activation_fn", "act") if hasattr(mlp, n)), None)
    if all(hasattr(mlp, n) for n in ("gate_proj", "up_proj", "down_proj")):
        return mlp.gate_proj, mlp.up_proj, mlp.down_proj, act
    for w1, w2 in (("fc1", "fc2"), ("c_fc", "c_proj"), ("up_proj", "down_proj")):
        if hasattr(mlp, w1) and hasattr(mlp, w2):
            return None, getattr(mlp, w1), getattr(mlp, w2), act
    raise TypeError(f"unknown FF module {type(mlp).__name__}")


def decoder_layers(model: nn.Module) -> Sequence[nn.Module]:
    """The list of decoder layers of a causal LM (model.model.layers and common variants)."""
    for path in ("model.layers", "model.decoder.layers", "transformer.h", "layers"):
        obj = model
        for name in path.split("."):
            obj = getattr(obj, name, None)
            if obj is None:
                break
        if obj is not None:
            return obj
    raise TypeError("cannot find decoder layers")


def as_densities(density: float | Sequence[float], n_layers: int) -> list[float]:
    """A schedule: one density per layer (a scalar applies to all)."""
    if isinstance(density, (int, float)):
        return [float(density)] * n_layers
    densities = [float(d) for d in density]
    if len(densities) != n_layers:
        raise ValueError(f"schedule has {len(densities)} densities for {n_layers} layers")
    return densities


def griffinize(model: nn.Module, density: float | Sequence[float] = 0.5, method: str = "topk",
               mode: str = "gen", seed: int = 0, mlp_attr: str = "mlp") -> GriffinConfig:
    """Replace each layer's FF module (attribute mlp_attr) with a GriffinFF holding the
    original projections. Returns the shared config; change its fields to reconfigure."""
    layers = decoder_layers(model)
    config = GriffinConfig(as_densities(density, len(layers)), method, mode, seed)
    config.reseed()
    for i, layer in enumerate(layers):
        mlp = getattr(layer, mlp_attr)
        if isinstance(mlp, GriffinFF):
            mlp.config = config
            continue
        gate, up, down, act = ff_parts(mlp)
        setattr(layer, mlp_attr, GriffinFF(gate, up, down, act, i, config))
    model.griffin_config = config
    return config


def configure(model: nn.Module, density: float | Sequence[float] | None = None,
              method: str | None = None, mode: str | None = None, seed: int | None = None):
    """Change the settings of a griffinized model, then reset it."""
    cfg: GriffinConfig = model.griffin_config
    n = len(cfg.densities)
    new = GriffinConfig(as_densities(density, n) if density is not None else cfg.densities,
                        method or cfg.method, mode or cfg.mode,
                        cfg.seed if seed is None else seed)
    cfg.densities, cfg.method, cfg.mode, cfg.seed = new.densities, new.method, new.mode, new.seed
    reset(model)


def blocks(model: nn.Module) -> list[GriffinFF]:
    """The GriffinFF modules, in layer order."""
    return [m for m in model.modules() if isinstance(m, GriffinFF)]


def reset(model: nn.Module):
    """Start a new sequence: forget experts, restart the random stream."""
    model.griffin_config.reseed()
    for b in blocks(model):
        b.reset()


def experts(model: nn.Module) -> list[list[int] | None]:
    """Per layer: the chosen experts (ascending), or None where nothing was selected."""
    return [None if b.experts is None else [int(i) for i in b.experts] for b in blocks(model)]


def scores(model: nn.Module) -> list[list[float] | None]:
    """Per layer: the neuron scores used for selection (float64), or None."""
    return [None if b.scores is None else [float(s) for s in b.scores] for b in blocks(model)]


# ---------------------------------------------------------------------------------------
# Drivers: prompt + generation, teacher-forced scoring, class-mode scoring
# ---------------------------------------------------------------------------------------


def _forward(model, ids: list[int], cache=None):
    """One forward of token ids (batch 1) with a KV cache; returns (logits[0], cache)."""
    from transformers import DynamicCache

    if cache is None:
        cache = DynamicCache()
    device = next(model.parameters()).device
    inp = torch.tensor([ids], dtype=torch.long, device=device)
    out = model(input_ids=inp, past_key_values=cache, use_cache=True)
    return out.logits[0].float(), out.past_key_values


@torch.no_grad()
def greedy(model, prompt: list[int], n_new: int) -> tuple[list[int], torch.Tensor]:
    """Greedy decoding (argmax, the lowest index on ties) after a prompt phase.

    Returns (new ids, logits of the last prompt position)."""
    reset(model)
    logits, cache = _forward(model, prompt)
    last_prompt = logits[-1].clone()
    out = []
    nxt = int(torch.argmax(logits[-1]))
    for _ in range(n_new):
        out.append(nxt)
        if len(out) == n_new:
            break
        logits, cache = _forward(model, [nxt], cache)
        nxt = int(torch.argmax(logits[-1]))
    return out, last_prompt


def _token_logprobs(logits: torch.Tensor, targets: list[int]) -> tuple[list[float], bool]:
    """log p(target) per row (log-softmax in float64), and whether each was the argmax."""
    lp = torch.log_softmax(logits.to(torch.float64), dim=-1)
    vals = [float(lp[i, t]) for i, t in enumerate(targets)]
    is_greedy = all(int(torch.argmax(logits[i])) == t for i, t in enumerate(targets))
    return vals, is_greedy


@torch.no_grad()
def score_gen(model, context: list[int], continuation: list[int]) -> tuple[list[float], bool]:
    """Mode gen: context = prompt phase; continuation teacher-forced one token at a time."""
    reset(model)
    logits, cache = _forward(model, context)
    rows = [logits[-1]]
    for tok in continuation[:-1]:
        logits, cache = _forward(model, [tok], cache)
        rows.append(logits[-1])
    return _token_logprobs(torch.stack(rows), continuation)


@torch.no_grad()
def score_class(model, context: list[int], continuation: list[int]) -> tuple[list[float], bool]:
    """Mode class (lm-evaluation-harness): input = context + continuation[:-1], one pass."""
    reset(model)
    inp = context + continuation[:-1]
    logits, _ = _forward(model, inp)
    rows = logits[len(context) - 1:]
    return _token_logprobs(rows, continuation)


def loglikelihood(logprobs: list[float]) -> float:
    """Sum of token log-probabilities."""
    return math.fsum(logprobs)
