// Run a Python file inside MicroPython (the WebAssembly build from npm) under node.
//
//   node tests/mpy/run.mjs [options] ENTRY.py [ARGS...]
//   node tests/mpy/run.mjs [options] -c "python code" [ARGS...]
//
// Options:
//   --put VM_PATH=HOST_PATH   copy a file, or a folder recursively, into the VM's filesystem
//   --tree HOST_DIR           copy HOST_DIR's contents to the VM's root (/)
//   --no-cosem                do not copy src/lib/cosem/*.py to /lib/cosem/ (e.g. to test a .mpy build)
//   --heap BYTES              initial MicroPython heap (it grows on demand in this build)
//   --repeat CODE             after the entry, run CODE again and again while the Python
//                             global `_more` is true. Each run is a fresh call into the VM,
//                             and this build frees garbage only there, between calls
//                             (gc.collect() inside a call only asks for it): a long job
//                             split this way can measure the heap it really keeps.
//
// Our pure decoder must run on MicroPython as well as CPython; this is how CI checks that.
// Output goes to stdout; a Python exception prints its traceback to stderr and exits 1;
// sys.exit(n) exits n. Inside the VM `import vmclock; vmclock.ms()` gives node's
// high-resolution clock in milliseconds (time.ticks_us only has millisecond steps here).

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "..", "..");
const COSEM = path.join(REPO, "src", "lib", "cosem");

function usage(msg) {
  process.stderr.write((msg ? msg + "\n" : "") +
    "usage: node run.mjs [--put VM=HOST]... [--tree DIR] [--no-cosem] [--heap N] [--repeat CODE] (ENTRY.py | -c CODE) [ARGS...]\n");
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { puts: [], trees: [], cosem: true, heap: 1024 * 1024, repeat: null, code: null, entry: null, args: [] };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--put") {
      const spec = argv[++i] || usage("--put needs VM=HOST");
      const eq = spec.indexOf("=");
      if (eq < 1) usage("--put needs VM=HOST, got " + spec);
      opts.puts.push([spec.slice(0, eq), spec.slice(eq + 1)]);
    } else if (a === "--tree") {
      opts.trees.push(argv[++i] || usage("--tree needs a folder"));
    } else if (a === "--no-cosem") {
      opts.cosem = false;
    } else if (a === "--heap") {
      opts.heap = parseInt(argv[++i], 10) || usage("--heap needs a number");
    } else if (a === "--repeat") {
      opts.repeat = argv[++i];
      if (opts.repeat === undefined) usage("--repeat needs code");
    } else if (a === "-c") {
      opts.code = argv[++i];
      if (opts.code === undefined) usage("-c needs code");
      i++;
      break;
    } else if (a.startsWith("-")) {
      usage("unknown option " + a);
    } else {
      opts.entry = a;
      i++;
      break;
    }
  }
  if (opts.code === null && opts.entry === null) usage("no entry file");
  opts.args = argv.slice(i);
  return opts;
}

function mkdirs(FS, dir) {
  let cur = "";
  for (const part of dir.split("/").filter(Boolean)) {
    cur += "/" + part;
    try {
      FS.mkdir(cur);
    } catch (e) {
      // exists already
    }
  }
}

function put(FS, vmPath, hostPath) {
  const st = fs.statSync(hostPath);
  if (st.isDirectory()) {
    mkdirs(FS, vmPath);
    for (const name of fs.readdirSync(hostPath)) {
      if (name === "__pycache__" || name === "node_modules") continue;
      put(FS, vmPath.replace(/\/$/, "") + "/" + name, path.join(hostPath, name));
    }
  } else {
    mkdirs(FS, path.posix.dirname(vmPath));
    FS.writeFile(vmPath, fs.readFileSync(hostPath));
  }
}

function byteSink(stream) {
  // Collect bytes and write whole lines, so multi-byte UTF-8 and long output stay intact.
  let buf = [];
  const flush = () => {
    if (buf.length) {
      stream.write(Buffer.from(buf));
      buf = [];
    }
  };
  const sink = (bytes) => {
    for (const b of bytes) {
      buf.push(b);
      if (b === 10) flush();
    }
  };
  sink.flush = flush;
  return sink;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const out = byteSink(process.stdout);
  const err = byteSink(process.stderr);
  const mp = await loadMicroPython({ heapsize: opts.heap, stdout: out, stderr: err, linebuffer: false });
  mp.registerJsModule("vmclock", { ms: () => performance.now() });
  mkdirs(mp.FS, "/lib");
  if (opts.cosem) put(mp.FS, "/lib/cosem", COSEM);
  for (const dir of opts.trees) put(mp.FS, "/", dir);
  for (const [vm, host] of opts.puts) put(mp.FS, vm, host);

  let code = opts.code;
  let name = "-c";
  if (code === null) {
    code = fs.readFileSync(opts.entry, "utf8");
    name = opts.entry;
  }
  const argv = [name].concat(opts.args);
  let status = 0;
  try {
    mp.runPython("import sys\nsys.argv.clear()\nsys.argv.extend(" + JSON.stringify(argv) + ")\n");
    mp.runPython(code);
    if (opts.repeat !== null) {
      while (mp.globals.get("_more")) mp.runPython(opts.repeat);
    }
  } catch (e) {
    if (e.name !== "PythonError") throw e;
    if (e.type === "SystemExit") {
      const m = /SystemExit: ?(.*)\n?$/.exec(e.message);
      const arg = m ? m[1].trim() : "";
      if (/^-?\d+$/.test(arg)) status = parseInt(arg, 10);
      else if (arg === "" || arg === "None") status = 0;
      else {
        err(Buffer.from(arg + "\n"));
        status = 1;
      }
    } else {
      out.flush();
      err(Buffer.from(e.message.endsWith("\n") ? e.message : e.message + "\n"));
      status = 1;
    }
  }
  out.flush();
  err.flush();
  process.exitCode = status;
}

await main();
