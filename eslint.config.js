// ESLint (flat config): typescript-eslint's recommended type-aware rules over every TypeScript file.
// Formatting is Prettier's (`npm run lint` runs both); nothing here is about layout.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '**/*.mjs', '**/*.js'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // The core and shell, the window (DOM, no Node), and the browser tests (both): the first project holding a file checks it.
        project: ['./tsconfig.json', './renderer/tsconfig.json', './e2e/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // An async function that does not await still promises a promise and turns a throw into a rejection;
      // handler maps and fakes of async interfaces rely on exactly that.
      '@typescript-eslint/require-await': 'off',
      // node:test tracks the promises its describe/test calls return.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'suite', 'it', 'test'] }] },
      ],
    },
  },
  {
    // Tests read JSON answers (`any` by nature) and poke at them: the unsafe-any rules would only add casts.
    // They also take methods off objects on purpose, to call them the way a hostile caller would.
    files: ['**/*.test.ts', 'main/test/**/*.ts', 'e2e/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
