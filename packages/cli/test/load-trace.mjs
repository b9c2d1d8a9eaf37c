// Preload (`node --import`) for bundle.test.ts: appends every file this process loads to the
// file named by SALVAGE_LOAD_TRACE, one line each: `require <path>` for CommonJS modules and
// native addons (any thread), `dlopen <path>` for addons opened with process.dlopen directly,
// `import <url>` for ES modules (any thread, through a loader hook).
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';

const out = process.env.SALVAGE_LOAD_TRACE;
if (out) {
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    let file = request;
    try {
      file = Module._resolveFilename(request, parent, isMain);
    } catch {
      // unresolvable: the real load reports it
    }
    appendFileSync(out, `require ${file}\n`);
    return load.call(this, request, parent, isMain);
  };
  const dlopen = process.dlopen;
  process.dlopen = function (module, filename, ...rest) {
    appendFileSync(out, `dlopen ${filename}\n`);
    return dlopen.call(this, module, filename, ...rest);
  };
  const hook = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(${JSON.stringify(out)}, 'import ' + url + '\\n');
  return next(url, context);
}`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}
