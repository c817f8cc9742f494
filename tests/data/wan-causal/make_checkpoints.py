#!/usr/bin/python3
"""Writes the torch.save archives of tests/unit/test_wan_checkpoint_layout.cpp.

Reads the diffusers-layout tiny Wan transformer of the shared goldens (wan-tiny-a, 2 layers) and
saves it the way the real-time causal repos ship their generators (reference/wan-causal-
streaming.md §1.3, §6.5): original Wan2.1 key names, wrapped in `generator` / `generator_ema`
dicts with the `model.` (and FSDP) prefixes, and LongLive's base + PEFT LoRA pair.

usage: make_checkpoints.py [GOLDEN_TRANSFORMER_DIR] [OUT_DIR]
Needs PyTorch (Debian's python3-torch 1.13 is enough); parses the safetensors file by hand.
"""
import collections
import json
import pathlib
import struct
import sys

import torch

HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_GOLDEN = HERE.parents[2] / ".." / "shared" / "golden" / "wan-tiny-a" / "transformer"
LORA_RANK = 2
LORA_SCALE = 1.0  # alpha / r, LongLive's 256 / 256
LORA_TARGETS = ["self_attn.q", "self_attn.k", "self_attn.v", "self_attn.o", "cross_attn.q",
                "cross_attn.k", "cross_attn.v", "cross_attn.o", "ffn.0", "ffn.2"]

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
          "F64": torch.float64, "I64": torch.int64}

# Diffusers stems -> original Wan2.1 stems (the inverse of §1.3's table); leaves are kept.
TOP_LEVEL = {
    "condition_embedder.time_embedder.linear_1": "time_embedding.0",
    "condition_embedder.time_embedder.linear_2": "time_embedding.2",
    "condition_embedder.time_proj": "time_projection.1",
    "condition_embedder.text_embedder.linear_1": "text_embedding.0",
    "condition_embedder.text_embedder.linear_2": "text_embedding.2",
    "proj_out": "head.head",
    "patch_embedding": "patch_embedding",
}
BLOCK = {
    "attn1.to_q": "self_attn.q", "attn1.to_k": "self_attn.k", "attn1.to_v": "self_attn.v",
    "attn1.to_out.0": "self_attn.o", "attn1.norm_q": "self_attn.norm_q",
    "attn1.norm_k": "self_attn.norm_k",
    "attn2.to_q": "cross_attn.q", "attn2.to_k": "cross_attn.k", "attn2.to_v": "cross_attn.v",
    "attn2.to_out.0": "cross_attn.o", "attn2.norm_q": "cross_attn.norm_q",
    "attn2.norm_k": "cross_attn.norm_k",
    "norm2": "norm3",  # the cross-attention LayerNorm: diffusers norm2 is the original norm3
    "ffn.net.0.proj": "ffn.0", "ffn.net.2": "ffn.2",
}


def read_safetensors(path):
    data = path.read_bytes()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_len])
    body = data[8 + header_len:]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        flat = torch.frombuffer(bytearray(body[begin:end]), dtype=DTYPES[entry["dtype"]])
        out[name] = flat.reshape(entry["shape"]).clone()
    return out


def original_name(name):
    if name == "scale_shift_table":
        return "head.modulation"
    parts = name.split(".")
    if parts[0] == "blocks":
        rest = ".".join(parts[2:])
        if rest == "scale_shift_table":
            return f"blocks.{parts[1]}.modulation"
        stem, leaf = rest.rsplit(".", 1)
        return f"blocks.{parts[1]}.{BLOCK[stem]}.{leaf}"
    stem, leaf = name.rsplit(".", 1)
    return f"{TOP_LEVEL[stem]}.{leaf}"


def state_dict(tensors, prefix=""):
    """An OrderedDict with `_metadata`, as nn.Module.state_dict() returns it."""
    out = collections.OrderedDict((prefix + k, v) for k, v in sorted(tensors.items()))
    out._metadata = collections.OrderedDict([("", {"version": 1})])
    return out


def lora_pairs(original, num_blocks):
    generator = torch.Generator().manual_seed(2024)
    pairs = {}
    for block in range(num_blocks):
        for target in LORA_TARGETS:
            out_dim, in_dim = original[f"blocks.{block}.{target}.weight"].shape
            a = torch.randn(LORA_RANK, in_dim, generator=generator) * 0.1
            b = torch.randn(out_dim, LORA_RANK, generator=generator) * 0.1
            pairs[f"blocks.{block}.{target}"] = (a, b)
    return pairs


def longlive_files(original, out_dir):
    num_blocks = 1 + max(int(k.split(".")[1]) for k in original if k.startswith("blocks."))
    pairs = lora_pairs(original, num_blocks)
    base = dict(original)
    lora = {}
    for target, (a, b) in pairs.items():
        base[target + ".weight"] = original[target + ".weight"] - LORA_SCALE * (b @ a)
        lora[f"base_model.model.{target}.lora_A.weight"] = a
        lora[f"base_model.model.{target}.lora_B.weight"] = b
    torch.save({"generator": state_dict(base, "model.")}, out_dir / "longlive_base.pt")
    torch.save({"generator_lora": lora, "critic_lora": {}, "step": 1000},
               out_dir / "longlive_lora.pt")


def archive_features(out_dir):
    """Storage sharing, views, dtypes, nesting and non-tensor values for TorchArchive's tests."""
    x = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    tensors = collections.OrderedDict([
        ("f32", x), ("view", x[1:, ::2]), ("transposed", x.t()),
        ("bf16", torch.tensor([1.5, -2.0], dtype=torch.bfloat16)),
        ("f16", torch.tensor([0.25], dtype=torch.float16)),
        ("i64", torch.tensor([7, -8], dtype=torch.int64)),
        ("flag", torch.tensor([True, False])), ("scalar", torch.tensor(3.0)),
    ])
    junk = {"step": 12, "lr": 1e-4, "name": "tiny", "flags": [True, None], "pair": (1, 2)}
    torch.save({"outer": {"inner": tensors}, "meta": junk, "weights": tensors},
               out_dir / "archive_features.pt")


def main():
    golden = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_GOLDEN
    out_dir = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else HERE
    diffusers = read_safetensors(golden / "diffusion_pytorch_model.safetensors")
    original = {original_name(k): v for k, v in diffusers.items()}
    assert len(original) == len(diffusers)
    torch.save(state_dict(original), out_dir / "original.pt")
    half = {k: v * 0.5 for k, v in original.items()}  # exact in float32: tells generator apart
    torch.save({"generator": state_dict(half, "model."),
                "generator_ema": state_dict(original, "model._fsdp_wrapped_module."),
                "step": 600}, out_dir / "self_forcing.pt")
    longlive_files(original, out_dir)
    archive_features(out_dir)


if __name__ == "__main__":
    main()
