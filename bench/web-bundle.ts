import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

/** The part of .vite/manifest.json we read (https://vite.dev/guide/backend-integration). */
type ManifestChunk = { file: string; name?: string; src?: string; isEntry?: boolean; isDynamicEntry?: boolean; imports?: string[]; dynamicImports?: string[] };
type Manifest = Record<string, ManifestChunk>;

const REPO = fileURLToPath(new URL('..', import.meta.url));
/** KB are 1024 bytes, as in the Lambda bundle figures (Vite's own build log counts 1000). */
const TARGET_KB = 80;

/** Output files of `key` and of everything it imports statically, transitively: what the browser loads with it. */
function staticClosure(manifest: Manifest, key: string, seen = new Set<string>()): Set<string> {
  if (seen.has(key)) return seen;
  seen.add(key);
  for (const imported of manifest[key]?.imports ?? []) staticClosure(manifest, imported, seen);
  return seen;
}

/**
 * The production web build as `vite build` makes it, and the gzipped JS a visitor of the signup
 * route (/) downloads before the page works: the entry chunk and its static imports (the
 * modulepreloads), not the pages loaded on demand. Lazy pages are reported by what they add.
 */
export async function webBundleBench(): Promise<{ signupRouteGzipKb: number }> {
  const outDir = mkdtempSync(join(tmpdir(), 'launchpad-web-bundle-'));
  try {
    await build({
      configFile: join(REPO, 'vite.config.ts'),
      // The config's root is relative to the working directory; pin it so the bench runs from anywhere.
      root: join(REPO, 'web'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true, manifest: true },
    });
    const manifest = JSON.parse(readFileSync(join(outDir, '.vite', 'manifest.json'), 'utf8')) as Manifest;
    const gzipBytes = new Map<string, number>();
    const gzipped = (file: string) => {
      let bytes = gzipBytes.get(file);
      if (bytes === undefined) gzipBytes.set(file, (bytes = gzipSync(readFileSync(join(outDir, file)), { level: 9 }).length));
      return bytes;
    };
    const kb = (files: Iterable<string>) => [...files].reduce((sum, file) => sum + gzipped(file), 0) / 1024;

    const entryKey = Object.keys(manifest).find((key) => manifest[key]?.isEntry && key.endsWith('index.html'));
    if (!entryKey) throw new Error('no index.html entry in the Vite manifest');
    const signupFiles = new Set([...staticClosure(manifest, entryKey)].map((key) => manifest[key]!.file));
    // index.html is what the browser actually reads: count every script and modulepreload it names too.
    const html = readFileSync(join(outDir, 'index.html'), 'utf8');
    for (const [, ref] of html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/?([^"]+\.js)"/g)) if (ref) signupFiles.add(ref);
    const signupRouteGzipKb = kb(signupFiles);

    const lazy = Object.entries(manifest)
      .filter(([, chunk]) => chunk.isDynamicEntry)
      .map(([key, chunk]) => {
        const added = [...staticClosure(manifest, key)].map((k) => manifest[k]!.file).filter((file) => !signupFiles.has(file));
        return { name: (chunk.name ?? key).replace(/Page$/, '').toLowerCase(), kb: kb(new Set(added)) };
      })
      .sort((a, b) => b.kb - a.kb);

    console.log(
      `\nsignup route JS (entry + static imports)   ${signupRouteGzipKb.toFixed(1)} KB gzipped   (target <= ${TARGET_KB} KB); ` +
        `lazy pages: ${lazy.map((page) => `${page.name} ${page.kb.toFixed(1)} KB`).join(', ')}`,
    );
    return { signupRouteGzipKb };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
