#!/usr/bin/env node
// The installed `xpr` executable (compiled to dist/cli/bin.js): runs the CLI with no TypeScript loader.
import './main.ts';
