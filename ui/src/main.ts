import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { visible } from './lib/api';

// The webview must never navigate away from the app: links are opened through `open_link`
// (http/https) or in-app (xmpp:), by their own handlers. This guard catches anything else,
// including middle clicks and dropped files.
for (const type of ['click', 'auxclick'] as const) {
  document.addEventListener(
    type,
    (e) => {
      const a = (e.target as Element | null)?.closest?.('a[href]');
      if (a) e.preventDefault();
    },
    true,
  );
}
for (const type of ['dragover', 'drop'] as const) {
  document.addEventListener(type, (e) => e.preventDefault());
}

// Hidden or minimised counts as the background (the shell debounces it with focus changes).
document.addEventListener('visibilitychange', () => {
  visible(document.visibilityState === 'visible').catch(() => {});
});

const target = document.getElementById('app');
if (!target) throw new Error('#app is missing from index.html');

export default mount(App, { target });
