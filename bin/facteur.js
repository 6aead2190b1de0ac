#!/usr/bin/env node
// Entry point for `facteur` and `npm start`: runs the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../scripts/facteur.ts');
