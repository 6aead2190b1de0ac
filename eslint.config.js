// Lint: mostly the architecture's one hard rule (see ../shared/ARCHITECTURE.md):
// protocol folders and core never import a storage backend or a database driver.
import tseslint from 'typescript-eslint';

const backendImports = {
  paths: [
    { name: 'better-sqlite3', message: 'Only storage/sqlite may use the SQLite driver.' },
    { name: 'mongodb', message: 'Only storage/mongo may use the MongoDB driver.' },
  ],
  patterns: [
    { group: ['**/storage/sqlite', '**/storage/sqlite/**', '**/storage/mongo', '**/storage/mongo/**'],
      message: 'Choose a backend only in server.ts or scripts/; elsewhere use storage/types via core.' },
  ],
};
const protocolFolders = ['smtp', 'imap', 'dav', 'webmail', 'admin', 'scripts'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'webmail/ui/dist/**', '**/*.js', '!eslint.config.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['core/**/*.ts', 'smtp/**/*.ts', 'imap/**/*.ts', 'dav/**/*.ts', 'webmail/**/*.ts', 'admin/**/*.ts', 'config/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', backendImports] },
  },
  // Protocol folders never talk to each other: what two share belongs in core/.
  ...protocolFolders.map((folder) => ({
    files: [`${folder}/**/*.ts`],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: folder === 'scripts' ? [] : backendImports.paths,
        patterns: [
          ...(folder === 'scripts' ? [] : backendImports.patterns),
          { group: protocolFolders.filter((f) => f !== folder && f !== 'scripts').flatMap((f) => [`**/${f}`, `**/${f}/**`]),
            message: 'Protocol folders do not import each other; share through core/.' },
        ],
      }],
    },
  })),
);
