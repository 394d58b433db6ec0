import { defineConfig } from 'vitest/config'

/**
 * One command runs every suite. The global setup starts what the tests need (embedded MongoDB, Redis when
 * none is running) and hands the addresses to the tests, as production hands them to the api.
 */
export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'compat', include: ['test/compat/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'api',
          include: ['test/**/*.test.ts'],
          exclude: [
            '**/node_modules/**',
            'test/compat/**',
            'test/browser/**',
            'test/fault/**',
            'test/scale/**',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts', 'test/fault/**/*.test.ts', 'test/scale/**/*.test.ts'],
          testTimeout: 120_000,
          // A page waits on the api, its sanitiser and its renders: on two loaded cores that can take
          // seconds, so polled assertions get 10 s instead of vitest's 1 s.
          expect: { poll: { timeout: 10_000 } },
        },
      },
    ],
  },
})
