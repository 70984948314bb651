"""The training photographs: which files, their licences, the fixed train/holdout split.

Only photographs shipped in Debian wallpaper packages are used (installed with apt-get; see
PACKAGES). `python3 training/data.py` writes training/data/manifest.json. The split is by the
image's sha256 within the first set of packages (SPLIT_PACKAGES), so it never changes while
those files do not; later packages only add training images. Images are not committed.
"""
import argparse
import fnmatch
import hashlib
import json
import os
import re
import subprocess
import sys

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFEST = os.path.join(HERE, 'data', 'manifest.json')

# Photographs only (the abstract renders and logos in the same packages would teach the nets
# flat colours and hard vector edges, not what cameras and video generators produce).
PHOTOS = {
    'mate-backgrounds': [
        '/usr/share/backgrounds/mate/nature/' + n + '.jpg' for n in
        ['Aqua', 'Blinds', 'Dune', 'FreshFlower', 'Garden', 'GreenMeadow', 'LadyBird', 'RainDrops',
         'Storm', 'TwoWings', 'Wood', 'YellowFlower']
    ],
    # Plasma ships each wallpaper at many sizes: the largest is the original.
    'plasma-workspace-wallpapers': [
        '/usr/share/wallpapers/' + n + '/contents/images/2560x1600.jpg' for n in
        ['BytheWater', 'ColdRipple', 'ColorfulCups', 'DarkestHour', 'EveningGlow', 'FallenLeaf',
         'Grey', 'Kite', 'OneStandsOut', 'Path', 'summer_1am']
    ],
    # Ubuntu Touch community wallpapers (not umang, a render, nor analogpattern, a texture).
    'lomiri-wallpapers-16.04': [
        '/usr/share/backgrounds/' + n + '.jpg' for n in
        ['Bridge_by_Sander_Klootwijk', 'Dragonfly_by_Bolly', 'Picture_0B_by_freespace',
         'Picture_1A_by_freespace', 'Wine_by_Jakkub_Mede', 'aitzgorri_by_Aitzol_Berasategi',
         'free_by_Peter_Nerlich', 'friends_by_Aitzol_Berasategi', 'greentock_by_Peter_Nerlich',
         'life_by_Aitzol_Berasategi', 'picosdeeuropa_by_Aitzol_Berasategi',
         'seeding_by_Clements_Engelhardt', 'sunset_by_Aitzol_Berasategi']
    ],
    'lomiri-wallpapers-20.04': ['/usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg'],
    # LXQt's landscape and macro photographs (not the origami, logo, triangle and wave renders).
    'lxqt-themes': [
        '/usr/share/lxqt/wallpapers/' + n for n in
        ['Butterfly-Kenneth-Wimer.jpg', 'Valendas.png', 'after-the-rain.jpg', 'appleflower.png',
         'beam.png', 'butterfly.png', 'cloud.png', 'drop.png', 'flowers.png', 'fog.jpg',
         'this-is-not-windows.jpg']
    ],
}
PACKAGES = sorted(PHOTOS)
# Where debian/copyright names a file by its path in the upstream source, not where it is
# installed: installed directory -> source directory.
SOURCE_DIRS = {
    'lomiri-wallpapers-16.04': {'/usr/share/backgrounds/': '16.04/'},
    'lomiri-wallpapers-20.04': {'/usr/share/backgrounds/': '20.04/'},
    'lxqt-themes': {'/usr/share/lxqt/wallpapers/': 'wallpapers/'},
}
# The split: among the first set of photographs (SPLIT_PACKAGES, 23 images) those whose sha256
# sorts first are held out, as before, so the holdout (and every evaluation) stays the same 5
# photos; the packages added later only add training images.
SPLIT_PACKAGES = ('mate-backgrounds', 'plasma-workspace-wallpapers')
HOLDOUT_FRACTION = 0.2
MIN_HOLDOUT = 5


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def dep5_paragraphs(text: str) -> list[dict]:
    """Parses a machine-readable debian/copyright into {field: value} paragraphs."""
    paragraphs = []
    for block in re.split(r'\n\s*\n', text):
        fields, key = {}, None
        for line in block.splitlines():
            if line[:1] in (' ', '\t') and key:
                fields[key] += '\n' + line.strip()
            elif ':' in line:
                key, value = line.split(':', 1)
                fields[key] = value.strip()
        paragraphs.append(fields)
    return paragraphs


def source_path(package: str, path: str) -> str:
    """The file's path in the upstream source where SOURCE_DIRS knows it, else the installed path."""
    for installed, source in SOURCE_DIRS.get(package, {}).items():
        if path.startswith(installed):
            return source + path[len(installed):]
    return path


def licence_for(package: str, path: str) -> dict:
    """The Files: paragraph that matches the file (DEP-5: the last match wins)."""
    with open(f'/usr/share/doc/{package}/copyright', encoding='utf-8', errors='replace') as f:
        paragraphs = dep5_paragraphs(f.read())
    src = source_path(package, path)
    found = None
    for p in paragraphs:
        patterns = p.get('Files', '').split()
        if any(pat == '*' or fnmatch.fnmatch(path, '*/' + pat) or fnmatch.fnmatch(src, pat) for pat in patterns):
            found = p
    if not found or 'License' not in found:
        raise SystemExit(f'no licence for {path} in /usr/share/doc/{package}/copyright')
    return {'licence': found['License'].splitlines()[0].strip(),
            'copyright': found.get('Copyright', '').splitlines()[0].strip()}


def package_version(package: str) -> str:
    return subprocess.run(['dpkg-query', '-W', '-f=${Version}', package], capture_output=True,
                          text=True, check=True).stdout


def build_manifest() -> dict:
    missing = [p for p in PACKAGES for f in PHOTOS[p] if not os.path.exists(f)]
    if missing:
        raise SystemExit('missing wallpaper packages; run: apt-get install -y ' + ' '.join(sorted(set(missing))))
    images = []
    for package in PACKAGES:
        for path in PHOTOS[package]:
            with Image.open(path) as im:
                width, height = im.size
            images.append({'package': package, 'version': package_version(package), 'path': path,
                           'sha256': sha256_file(path), 'width': width, 'height': height,
                           **licence_for(package, path)})
    # Fixed split: of the first set, the images whose sha256 sorts first are held out.
    first = [im for im in images if im['package'] in SPLIT_PACKAGES]
    n_hold = max(MIN_HOLDOUT, round(HOLDOUT_FRACTION * len(first)))
    hold = {im['sha256'] for im in sorted(first, key=lambda im: im['sha256'])[:n_hold]}
    for im in images:
        im['split'] = 'holdout' if im['sha256'] in hold else 'train'
    return {'version': 1,
            'note': 'Photographs from Debian wallpaper packages (apt-get install ' + ' '.join(PACKAGES) +
                    '); split by sha256 among the ' + ' and '.join(SPLIT_PACKAGES) + ' images (the other '
                    'packages only add training images): holdout images are for evaluation only.',
            'images': images}


def load_manifest(path: str = MANIFEST) -> dict:
    with open(path) as f:
        return json.load(f)


def split_paths(split: str, manifest: dict | None = None) -> list[str]:
    m = manifest or load_manifest()
    paths = [im['path'] for im in m['images'] if im['split'] == split]
    for im in m['images']:
        if im['split'] == split and not os.path.exists(im['path']):
            raise SystemExit(f"{im['path']} is missing; run: apt-get install -y {im['package']}")
    return paths


def load_rgb(path: str) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert('RGB'))


def write_smoke_images(out_dir: str, size: int = 96) -> list[str]:
    """Four small synthetic 'photos' (smooth gradients, edges and noise texture) for CI smoke runs."""
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:size, 0:size] / size
    paths = []
    for i in range(4):
        base = np.stack([np.sin(6 * x + i) * 0.5 + 0.5, y, (x * y + 0.25 * i) % 1], -1)
        base[(x - 0.5) ** 2 + (y - 0.5) ** 2 < 0.05 + 0.02 * i] *= 0.3
        img = np.clip(base + rng.normal(0, 0.03, base.shape), 0, 1)
        p = os.path.join(out_dir, f'smoke{i}.png')
        Image.fromarray((img * 255).astype(np.uint8)).save(p)
        paths.append(p)
    return paths


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--out', default=MANIFEST)
    a = ap.parse_args()
    manifest = build_manifest()
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')
    n = {s: sum(im['split'] == s for im in manifest['images']) for s in ('train', 'holdout')}
    print(f"{a.out}: {len(manifest['images'])} images, train {n['train']}, holdout {n['holdout']}", file=sys.stderr)
