// Builds the panel twice from one source: dist/cep (CEP: After Effects, Premiere before 25.6)
// and dist/uxp (UXP: Premiere 25.6+). Each gets its manifest, the page, the styles and, for
// CEP, the ExtendScript host scripts.
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

/** Copies [from, to] pairs (relative to the repo and the output folder) after each build. */
class CopyFiles {
  constructor(pairs) {
    this.pairs = pairs;
  }
  apply(compiler) {
    compiler.hooks.afterEmit.tap('CopyFiles', () => {
      for (const [from, to] of this.pairs) {
        const target = join(compiler.options.output.path, to);
        mkdirSync(dirname(target), { recursive: true });
        copyFileSync(join(root, from), target);
      }
    });
  }
}

const hostScripts = existsSync(join(root, 'host-scripts'))
  ? readdirSync(join(root, 'host-scripts')).filter((f) => f.endsWith('.jsx')).map((f) => [`host-scripts/${f}`, `host/${f}`])
  : [];

function panel(name, entry, files, externals = {}) {
  return {
    name,
    mode: 'production',
    target: 'web',
    devtool: 'source-map',
    entry: resolve(root, entry),
    output: { path: resolve(root, 'dist', name), filename: 'panel.js', clean: true },
    resolve: { extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } },
    module: { rules: [{ test: /\.ts$/, loader: 'ts-loader', options: { configFile: resolve(root, 'tsconfig.panel.json'), onlyCompileBundledFiles: true } }] },
    externals,
    performance: { hints: false },
    plugins: [new CopyFiles([['src/panel/index.html', 'index.html'], ['src/panel/panel.css', 'panel.css'], ...files])],
  };
}

export default [
  panel('cep', 'src/panel/cep/main.ts', [['src/panel/cep/manifest.xml', 'CSXS/manifest.xml'], ...hostScripts]),
  // UXP resolves these modules itself at run time.
  panel('uxp', 'src/panel/uxp/main.ts', [['manifest.json', 'manifest.json']], { premierepro: 'commonjs premierepro', uxp: 'commonjs uxp', fs: 'commonjs fs', os: 'commonjs os' }),
];
