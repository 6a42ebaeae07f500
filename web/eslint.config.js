// Lint for the web map's TypeScript: the recommended rules of ESLint and typescript-eslint,
// plus the habits this code keeps (no stray console output, strict equality).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'src/vocab.gen.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts'],
    rules: {
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['tests/**/*.mjs', 'bench/**/*.mjs', 'scripts/**/*.mjs'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', console: 'readonly', process: 'readonly', fetch: 'readonly', location: 'readonly', URL: 'readonly', setTimeout: 'readonly', Buffer: 'readonly', Image: 'readonly' } },
  },
);
