// ESLint: typescript-eslint's strict type-checked rules for the TypeScript sources (server and web
// app, each against its own tsconfig), the recommended rules for the plain JavaScript files, and
// eslint-config-prettier last so no rule argues with Prettier's formatting.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // Built, installed, run-time and generated files.
    ignores: ['**/node_modules/', '**/dist/', 'data/', 'test-artifacts/', '.cache/', 'web/src/api/schema.d.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // Each file is checked against the tsconfig that includes it (root or web/); the few config
        // files no tsconfig includes get a default project.
        projectService: {
          allowDefaultProject: [
            '*.js',
            '*.cjs',
            '*.mjs',
            'scripts/*.mjs',
            'pipeline/inference/*.mjs',
            'web/vite.config.ts',
          ],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    rules: {
      // noUncheckedIndexedAccess is on: `xs[i]!` after a bounds check or a lookup known to hit is the idiom.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Numbers in messages, ids and paths are interpolated throughout; other non-strings still must not be.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // `(x) => set(x)` shorthand for callbacks (event handlers, draw steps) is the house style.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // Async implementations of async interfaces (route and job handlers, fakes) stay `async` so a throw rejects.
      '@typescript-eslint/require-await': 'off',
      // A leading underscore marks a parameter or binding that is unused on purpose (Express's 4-argument error handler, omitted fields).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
        },
      ],
    },
  },
  {
    // Tests read untyped JSON bodies and fixtures; their assertions are the type check.
    files: ['**/*.test.ts', '**/*.test.tsx', 'test/**'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/restrict-plus-operands': 'off',
      // Teardown hooks guard with `t?.close()` in case setup failed before assigning.
      '@typescript-eslint/no-unnecessary-condition': 'off',
    },
  },
  {
    // Operator scripts (demo, benchmarks, evaluation) print the API's and tools' JSON output, read untyped.
    files: ['cli/demo.ts', 'bench/**', 'models/evaluation/**'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/restrict-plus-operands': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: { ...globals.node } },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
