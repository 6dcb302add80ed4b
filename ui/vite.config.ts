import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { resolve } from 'node:path';

// `vite build` makes the app (dist/, loaded by Tauri). `vite build --mode harness` makes the
// test harness (dist-test/): the same app behind a fake backend installed with
// @tauri-apps/api/mocks. The harness never ends up in dist/.
export default defineConfig(({ mode }) => {
  const harness = mode === 'harness';
  const input: Record<string, string> = harness
    ? { harness: resolve(import.meta.dirname, 'test/harness.html') }
    : { main: resolve(import.meta.dirname, 'index.html') };
  return {
    plugins: [svelte()],
    clearScreen: false,
    base: './',
    server: { port: 1420, strictPort: true, host: '127.0.0.1' },
    envPrefix: ['VITE_', 'TAURI_ENV_'],
    build: {
      outDir: harness ? 'dist-test' : 'dist',
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: harness,
      rolldownOptions: { input },
    },
  };
});
