#!/usr/bin/env node
// The `roomcast` command. Node 20 runs the TypeScript sources through tsx, so the
// shim registers tsx's loader relative to this file (not the caller's cwd) and hands over.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
