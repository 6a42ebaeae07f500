// After `vite build`: writes brotli (.br) and gzip (.gz) copies beside every text asset in
// dist/, which `nexus serve` sends to browsers that accept them (no compression per request).
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dist = new URL('../dist/', import.meta.url).pathname;
const TEXT = /\.(js|mjs|css|html|svg|json|map)$/;
let before = 0;
let after = 0;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (TEXT.test(name) && !name.endsWith('.map')) {
      const bytes = readFileSync(path);
      if (bytes.length < 1024) continue;
      const br = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
      writeFileSync(`${path}.br`, br);
      writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
      before += bytes.length;
      after += br.length;
    }
  }
}
walk(dist);
console.log(`compressed web/dist: ${(before / 1024).toFixed(0)} KiB of text, ${(after / 1024).toFixed(0)} KiB as brotli`);
