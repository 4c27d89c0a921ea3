#!/usr/bin/env node
// The `roomcast` command. Node 20 runs the TypeScript sources through tsx, so the
// shim registers tsx's loader relative to this file (not the caller's cwd) and hands over.
// `roomcast box …` (run by `roomcast push` on every box) takes a lighter entry.
import { register } from 'tsx/esm/api';

register();
const entry = process.argv[2] === 'box' ? '../cli/box_main.ts' : '../cli/main.ts';
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
