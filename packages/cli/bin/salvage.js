#!/usr/bin/env node
// More libuv threads than the default 4: restore keeps many files and ranged reads in flight,
// and every fs call of Node's promise API goes through that pool. Set before anything uses it.
process.env.UV_THREADPOOL_SIZE ??= '16';
const { main } = await import('../dist/main.js');

process.exitCode = await main(process.argv.slice(2));
