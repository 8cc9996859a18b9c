// Copyright (c) 2026 the libkorutin authors.  MIT licence, see COPYING.
// em-env.js - linked into the Emscripten test programs (--pre-js).  Under
// node, getenv() sees only Emscripten's few defaults (USER, PATH, HOME,
// ...), not the process's environment.  Copy that in before main() runs,
// so that CK_RUN_CASE, CK_VERBOSITY and KORO_MODEL_SEEDS work as they do
// natively.
Module['preRun'] = Module['preRun'] || [];
Module['preRun'].push(function () {
  if (typeof process == 'object' && process.env && typeof ENV == 'object') {
    for (var name in process.env) ENV[name] = process.env[name];
  }
});
