import { esbuildPlugin } from '@web/dev-server-esbuild';
import { defaultReporter, type TestRunnerConfig } from '@web/test-runner';
import { chromeLauncher } from '@web/test-runner-chrome';
import { createAppServer, type AppServer } from './server/app-server';
import { appPagesPlugin } from './test/browser/support/app-pages-plugin';
import { failureSummaryReporter } from './test/browser/support/failure-summary-reporter';
import { CHROME_ARGS, chromiumPath } from './scripts/chromium';

// The app tests drive the BUILT app (npm run build) served by the real server, as users meet it.
let app: AppServer | undefined;
const appServerPlugin = {
  name: 'app-server',
  async serverStart() {
    app = await createAppServer({ distDir: 'dist', port: 0, host: '127.0.0.1' });
    console.log(`app under test at ${app.url}`);
  },
  async serverStop() {
    await app?.close();
  },
};

const config: TestRunnerConfig = {
  files: 'test/browser/**/*.test.ts',
  nodeResolve: true,
  // One browser page at a time: the machine has 2 cores and IndexedDB timings are part of what we observe.
  concurrency: 1,
  testsFinishTimeout: 180_000,
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: chromiumPath(),
        headless: true,
        // The background-networking flags stop Chromium flooding the closed network with refused connections.
        args: [...CHROME_ARGS],
      },
    }),
  ],
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2022' }),
    appServerPlugin,
    appPagesPlugin(() => {
      if (app === undefined) throw new Error('the app server has not started');
      return app.url;
    }),
  ],
  testFramework: { config: { timeout: 20_000 } },
  reporters: [defaultReporter(), failureSummaryReporter()],
  // Lit's one-line dev-mode notice, printed by every test page, is not a finding.
  filterBrowserLogs: ({ args }) => !(typeof args[0] === 'string' && args[0].startsWith('Lit is in dev mode')),
};

export default config;
