// Lint: typescript-eslint's recommended rules, no `any`, and the usual correctness checks.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'coverage/**', 'test/.artifacts/**', 'bench/.artifacts/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
    },
  },
  {
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', process: 'readonly', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The playground page runs in the browser (its own tsconfig has the DOM library): no Node
    // modules, nothing from the server's side of src/.
    files: ['src/playground/page/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', '../*'], message: 'The page is browser code bundled on its own: import only from src/playground/page/.' }] }],
    },
  },
  {
    // The Block Kit renderer stays DOM-free, so that Node tests can run it (dom.ts draws its output).
    files: ['src/playground/page/vnode.ts', 'src/playground/page/emoji.ts', 'src/playground/page/mrkdwn.ts', 'src/playground/page/blocks.ts'],
    rules: {
      'no-restricted-globals': ['error', ...['document', 'window', 'HTMLElement', 'Node', 'Element'].map((name) => ({ name, message: 'The renderer is pure: build a tree with vnode.ts; dom.ts turns it into elements.' }))],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
