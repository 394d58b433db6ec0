// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'
import prettier from 'eslint-config-prettier'
import globals from 'globals'

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'data/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
    },
  },
  {
    // Contracts are read by the api, the console, the worker and the generated mini-program types, so they
    // may not drag server code (mongoose, platform, services) into any of them: zod and other contracts only.
    files: ['api/src/modules/**/*.contract.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!zod$)(?!.*\\.contract(\\.js)?$)',
              message: 'A contract imports only zod and other *.contract.ts files.',
            },
          ],
        },
      ],
    },
  },
  {
    // One spelling for dates in responses: `iso()` from platform/time.ts (null for an absent date).
    files: ['api/src/modules/**/*.presenter.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='toISOString']",
          message: 'Format dates with iso() from platform/time.ts.',
        },
      ],
    },
  },
  {
    // The worker enters the api through its public entry only; the console through contracts and the few
    // data modules it shows. `@zct/api/internal/*` is white-box access for tests and scripts.
    files: ['jobs/**/*.ts', 'admin/src/**/*.{ts,vue}', 'miniprogram-types/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@zct/api/internal/*', '@zct/api/modules/*', '@zct/api/platform/*'],
              message:
                'Import the api through its public entries: contracts, tasks, types, taxonomy, permissions.',
            },
          ],
        },
      ],
    },
  },
  prettier,
)
