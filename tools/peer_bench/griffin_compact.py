"""GRIFFIN for transformers Llama-style models, written for speed and torch.compile.

Follows the shared GRIFFIN.md (mode `gen`, selection `topk`):

- prompt phase (a forward of more than one token, or the first forward after `reset`):
  the full FF block runs; Z (S x d_ff, after act and gating) is row-normalised over d_ff,
  s_j is the L2 norm of column j over the S prompt tokens, k = int(d_ff * density),
  the experts E are the k largest s_j (ties: the lower index), kept ascending;
- generation phase (one-token forwards after that): y = (act(x W_gate[E]^T) * x W_up[E]^T) W_down[:, E]^T.

Unlike tools/reference/griffin_torch.py (which slices the full weights on every generated
token and ranks on the CPU in float64), this module gathers W_gate[E], W_up[E] and
W_down[:, E] once per prompt into buffers allocated once per density, so the generation
step has fixed shapes and fixed tensor addresses: torch.compile (and CUDA graphs) compile
it once per density and replay it for every later prompt. Scores are computed on the
model's device in float32. Batch size 1 only, as in the paper.
"""

from __future__ import annotations

import time

import torch
from torch import nn


def num_experts(d_ff: int, density: float) -> int:
    """k = int(d_ff * density), as GRIFFIN.md states (Python int of the product)."""
    return int(d_ff * density)


def neuron_scores(z: torch.Tensor) -> torch.Tensor:
    """s_j from Z (S x d_ff): normalise each row to unit L2 norm, then the L2 norm of each
    column. float32 on Z's device; a zero row stays zero."""
    z32 = z.reshape(-1, z.shape[-1]).to(torch.float32)
    norms = torch.linalg.vector_norm(z32, dim=1, keepdim=True)
    zhat = z32 / norms.clamp_min(torch.finfo(torch.float32).tiny)
    return torch.linalg.vector_norm(zhat, dim=0)


def topk_experts(scores: torch.Tensor, k: int) -> torch.Tensor:
    """Indices of the k largest scores, ties to the lower index (stable sort), ascending."""
    order = torch.sort(scores, descending=True, stable=True).indices
    return torch.sort(order[:k]).values


class SelectionClock:
    """Collects the time each layer spends selecting experts during one prompt forward.

    On CUDA it records event pairs (no synchronisation inside the forward); on the CPU it
    reads the wall clock. `total_ms()` synchronises and sums."""

    def __init__(self, device: torch.device):
        self.cuda = device.type == "cuda"
        self.marks: list[tuple] = []

    def clear(self):
        """Forget the marks of the previous prompt."""
        self.marks = []

    def start(self):
        """A start mark."""
        if self.cuda:
            ev = torch.cuda.Event(enable_timing=True)
            ev.record()
            return ev
        return time.perf_counter()

    def stop(self, start_mark):
        """Close the interval opened by start_mark."""
        self.marks.append((start_mark, self.start()))

    def total_ms(self) -> float:
        """Sum of all intervals in milliseconds."""
        if self.cuda:
            torch.cuda.synchronize()
            return float(sum(a.elapsed_time(b) for a, b in self.marks))
        return float(sum(b - a for a, b in self.marks) * 1000.0)


class CompactGriffinMLP(nn.Module):
    """A gated FF block (gate_proj, up_proj, down_proj, act_fn) with GRIFFIN experts.

    The full projections are shared with the original module (not copied). The compact
    expert weights live in buffers of fixed shape for this density: gate_c, up_c (k x H)
    and down_c (H x k), rewritten in place at every prompt."""

    def __init__(self, mlp: nn.Module, density: float, clock: SelectionClock | None = None):
        super().__init__()
        self.gate_proj, self.up_proj, self.down_proj = mlp.gate_proj, mlp.up_proj, mlp.down_proj
        self.act_fn = mlp.act_fn
        self.original = [mlp]  # a list, so the original is not registered as a submodule
        self.density = float(density)
        self.d_ff = self.up_proj.out_features
        self.k = num_experts(self.d_ff, self.density)
        self.clock = clock
        self.ready = False
        w = self.up_proj.weight
        hidden = w.shape[1]
        self.register_buffer("gate_c", torch.empty(self.k, hidden, dtype=w.dtype, device=w.device),
                             persistent=False)
        self.register_buffer("up_c", torch.empty(self.k, hidden, dtype=w.dtype, device=w.device),
                             persistent=False)
        self.register_buffer("down_c", torch.empty(hidden, self.k, dtype=w.dtype, device=w.device),
                             persistent=False)
        self.register_buffer("experts", torch.zeros(self.k, dtype=torch.long, device=w.device),
                             persistent=False)
        for buf in (self.gate_c, self.up_c, self.down_c):
            mark_static(buf)

    def reset(self):
        """Start a new sequence: the next forward is the prompt phase."""
        self.ready = False

    def select(self, z: torch.Tensor):
        """Score the prompt's Z, choose the experts and gather their weights in place."""
        mark = self.clock.start() if self.clock is not None else None
        idx = topk_experts(neuron_scores(z[0]), self.k)
        self.experts.copy_(idx)
        torch.index_select(self.gate_proj.weight, 0, idx, out=self.gate_c)
        torch.index_select(self.up_proj.weight, 0, idx, out=self.up_c)
        torch.index_select(self.down_proj.weight, 1, idx, out=self.down_c)
        if self.clock is not None:
            self.clock.stop(mark)
        self.ready = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Prompt phase: full block and selection. Generation phase: the experts only."""
        if x.shape[0] != 1:
            raise ValueError("GRIFFIN supports batch size 1 only")
        if self.ready and x.shape[1] == 1:
            z = self.act_fn(nn.functional.linear(x, self.gate_c)) * nn.functional.linear(x, self.up_c)
            return nn.functional.linear(z, self.down_c)
        z = self.act_fn(self.gate_proj(x)) * self.up_proj(x)
        y = self.down_proj(z)
        self.select(z)
        return y


def mark_static(t: torch.Tensor):
    """Tell torch.compile / CUDA graphs that this tensor keeps its address."""
    try:
        torch._dynamo.mark_static_address(t)
    except Exception:  # older or newer torch without it: harmless to skip
        pass


def install(model: nn.Module, density: float, clock: SelectionClock | None = None) -> list:
    """Replace each decoder layer's mlp with a CompactGriffinMLP (density < 1).

    density 1 leaves the model untouched (GRIFFIN.md: the full model, no selection).
    Returns the new modules."""
    if density >= 1.0:
        return []
    blocks = []
    for layer in model.model.layers:
        mlp = layer.mlp
        if isinstance(mlp, CompactGriffinMLP):
            mlp = mlp.original[0]
        block = CompactGriffinMLP(mlp, density, clock)
        layer.mlp = block
        blocks.append(block)
    return blocks


def uninstall(model: nn.Module):
    """Put the original FF modules back (frees the compact buffers)."""
    for layer in model.model.layers:
        if isinstance(layer.mlp, CompactGriffinMLP):
            layer.mlp = layer.mlp.original[0]


def reset(model: nn.Module):
    """Before every new sequence: the next forward selects new experts."""
    for layer in model.model.layers:
        if isinstance(layer.mlp, CompactGriffinMLP):
            layer.mlp.reset()


def experts(model: nn.Module) -> list[list[int] | None]:
    """Per layer: the chosen experts (ascending), or None for an untouched layer."""
    out = []
    for layer in model.model.layers:
        mlp = layer.mlp
        out.append([int(i) for i in mlp.experts.cpu()] if isinstance(mlp, CompactGriffinMLP)
                   and mlp.ready else None)
    return out
