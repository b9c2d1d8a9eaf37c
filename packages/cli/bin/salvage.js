#!/usr/bin/env node
// More libuv threads than the default 4: restore keeps many files and ranged reads in flight,
// and every fs call of Node's promise API goes through that pool. Set before anything uses it.
process.env.UV_THREADPOOL_SIZE ??= '16';
// The AWS SDK prints a notice on every S3 use that its 2027 releases need Node 22; not actionable
// for someone restoring a backup. Set AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = await import('../dist/main.js');

process.exitCode = await main(process.argv.slice(2));
