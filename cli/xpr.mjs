#!/usr/bin/env node
// The `xpr` executable: registers the TypeScript loader (tsx), then runs the CLI.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
