"""Exports a checkpoint to ONNX and records it in models/builtin.json.

`python3 training/export.py --model x2` writes models/refinery-x2.onnx (opset 13, input
"input" [N,3,H,W] float32 RGB 0..1, output "output" [N,3,H*s,W*s]) and its manifest entry
(sha256, size, inputs/outputs as onnxruntime reports them). The bytes depend only on the
weights, so exporting the same checkpoint twice gives the same sha256. --reference DIR also
writes a fixed input and the PyTorch output on it (float32 .bin + .json) for the ONNX check.
"""
import argparse
import hashlib
import io
import json
import os
import sys

import numpy as np
import onnx
import torch

import nets

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(os.path.dirname(HERE), 'models')
TASK = {'x2': 'upscale-x2', 'x4': 'upscale-x4', 'clean': 'clean', 'x2-fidelity': 'upscale-x2'}
OPSET = 13


def onnx_bytes(net: torch.nn.Module) -> bytes:
    buf = io.BytesIO()
    torch.onnx.export(net.eval(), torch.rand(1, 3, 32, 32), buf, opset_version=OPSET,
                      input_names=['input'], output_names=['output'],
                      dynamic_axes={'input': {0: 'N', 2: 'H', 3: 'W'}, 'output': {0: 'N', 2: 'H_out', 3: 'W_out'}})
    return buf.getvalue()


def signature(model_bytes: bytes) -> tuple[list, list]:
    """Inputs and outputs as onnxruntime-node lists them: symbolic dims as names."""
    g = onnx.load_from_string(model_bytes).graph
    inits = {i.name for i in g.initializer}
    types = {onnx.TensorProto.FLOAT: 'float32'}

    def info(v):
        dims = [d.dim_param if d.HasField('dim_param') else d.dim_value for d in v.type.tensor_type.shape.dim]
        return {'name': v.name, 'shape': dims, 'type': types[v.type.tensor_type.elem_type]}
    return [info(v) for v in g.input if v.name not in inits], [info(v) for v in g.output]


def write_reference(net: torch.nn.Module, out_dir: str, size: tuple[int, int] = (37, 53)) -> None:
    """A fixed input (odd sizes: the graph must really be dynamic) and the PyTorch output."""
    os.makedirs(out_dir, exist_ok=True)
    x = torch.rand(1, 3, *size, generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        y = net.eval()(x)
    x.numpy().astype('<f4').tofile(os.path.join(out_dir, 'input.bin'))
    y.numpy().astype('<f4').tofile(os.path.join(out_dir, 'output.bin'))
    with open(os.path.join(out_dir, 'reference.json'), 'w') as f:
        json.dump({'input': list(x.shape), 'output': list(y.shape)}, f)


def update_manifest(models_dir: str, entry: dict) -> None:
    path = os.path.join(models_dir, 'builtin.json')
    manifest = {'version': 1, 'models': []}
    if os.path.exists(path):
        with open(path) as f:
            manifest = json.load(f)
    old = next((m for m in manifest['models'] if m['id'] == entry['id']), None)
    # `default` is decided by card.py from the evaluation; keep it across re-exports of the same bytes.
    entry['default'] = bool(old and old.get('default') and old.get('sha256') == entry['sha256'])
    manifest['models'] = sorted([m for m in manifest['models'] if m['id'] != entry['id']] + [entry], key=lambda m: m['id'])
    with open(path, 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--model', required=True, choices=sorted(nets.ARCHS))
    ap.add_argument('--ckpt', help='default: <--ckpt-dir>/<model>.pt')
    ap.add_argument('--ckpt-dir', default=os.path.expanduser('~/.cache/refinery-training'))
    ap.add_argument('--id', help='model id (default refinery-<model>)')
    ap.add_argument('--models-dir', default=MODELS)
    ap.add_argument('--reference', help='also write a reference input/output pair here')
    a = ap.parse_args(argv)
    ck = torch.load(a.ckpt or os.path.join(a.ckpt_dir, f'{a.model}.pt'))
    net = nets.build(ck['model'])
    net.load_state_dict(ck['net'])
    model_id = a.id or f'refinery-{a.model}'
    blob = onnx_bytes(net)
    os.makedirs(a.models_dir, exist_ok=True)
    with open(os.path.join(a.models_dir, f'{model_id}.onnx'), 'wb') as f:
        f.write(blob)
    inputs, outputs = signature(blob)
    update_manifest(a.models_dir, {
        'id': model_id, 'task': TASK[a.model], 'file': f'{model_id}.onnx',
        'sha256': hashlib.sha256(blob).hexdigest(), 'size': len(blob),
        'source': f"training/train.py --model {a.model} (seed {ck['seed']}, {ck['step']} steps); card: models/{model_id}.md",
        'licence': 'MIT', 'addedAt': ck.get('date', ''), 'inputs': inputs, 'outputs': outputs})
    if a.reference:
        write_reference(net, a.reference)
    print(f'{model_id}: {len(blob)} bytes, {nets.param_count(net)} parameters, {nets.macs_per_pixel(net)} MACs/pixel',
          file=sys.stderr)


if __name__ == '__main__':
    main()
