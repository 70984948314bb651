"""CI smoke run: a few training steps of every model on four tiny generated images, then the
ONNX export with a reference input/output pair per model. No wallpapers, no manifest.

`python3 training/smoke.py --out DIR` leaves DIR/models/<id>.onnx + builtin.json and
DIR/reference/<model>/{input,output}.bin + reference.json (checked by test/training.e2e.test.ts).
"""
import argparse
import os

import data
import export
import train


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--out', required=True)
    ap.add_argument('--steps', type=int, default=3)
    a = ap.parse_args(argv)
    images = data.write_smoke_images(os.path.join(a.out, 'images'))
    for model in ('clean', 'x2', 'x4'):  # x2-fidelity is the x2 net with other data
        ckpt_dir = os.path.join(a.out, 'checkpoints')
        train.main(['--model', model, '--steps', str(a.steps), '--batch', '4', '--log-every', '1',
                    '--out', ckpt_dir, '--images', *images])
        export.main(['--model', model, '--ckpt', os.path.join(ckpt_dir, f'{model}.pt'),
                     '--models-dir', os.path.join(a.out, 'models'),
                     '--reference', os.path.join(a.out, 'reference', model)])


if __name__ == '__main__':
    main()
