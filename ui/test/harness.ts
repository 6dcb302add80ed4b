// Test entry: installs the fake backend with @tauri-apps/api/mocks, then loads the real app.
// The scenario comes from `window.__TANDEM_SCENARIO__`, which a test sets with
// page.addInitScript before the page loads; the backend is `window.__fakeBackend`.
import { mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import { FakeBackend, type Scenario } from './fake-backend';

declare global {
  interface Window {
    __TANDEM_SCENARIO__?: Scenario;
    __fakeBackend: FakeBackend;
    __harnessReady: boolean;
  }
}

const backend = new FakeBackend(window.__TANDEM_SCENARIO__ ?? {});
window.__fakeBackend = backend;
mockWindows('main');
mockIPC((cmd, args) => backend.handle(cmd, args as Record<string, unknown> | undefined), {
  shouldMockEvents: true,
});

await import('../src/main');
window.__harnessReady = true;
