#!/usr/bin/env node
// validate-openapi.mjs - validates docs/openapi.yaml against the OpenAPI
// schema of its version (3.1), with @seriousme/openapi-schema-validator:
//
//   node tests/api/validate-openapi.mjs docs/openapi.yaml
//
// Installs the validator from the committed lock file when node_modules
// lacks it (npm ci; nothing is fetched when it is there), as
// tests/web/run.mjs does. Every $ref must resolve, too.
//
// First it proves that it can fail: broken copies of the document, written
// into a temporary directory, must each be rejected (a response without
// its description, a parameter without `in`, a $ref to nothing, a wrong
// openapi version). A validator that accepted them would pass anything.
// Prints "openapi: valid (N paths, M operations)"; exits 1 otherwise.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SOURCE = process.env.GARANT_SOURCE_DIR || path.resolve(HERE, '..', '..');
const SPEC = path.resolve(process.argv[2] || path.join(SOURCE, 'docs', 'openapi.yaml'));
const VALIDATOR = '@seriousme/openapi-schema-validator';

function fail(msg) {
  console.error('openapi: ' + msg);
  process.exit(1);
}

if (!existsSync(path.join(HERE, 'node_modules', ...VALIDATOR.split('/'), 'package.json'))) {
  console.log(`openapi: installing ${VALIDATOR} (npm ci)`);
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: HERE, stdio: 'inherit' });
  if (r.status !== 0) fail('npm ci failed');
}
const { Validator } = await import(VALIDATOR);
const YAML = await import('yaml');

/** {valid, errors} for the document at file: the schema of its version,
 *  then every $ref resolved. */
async function check(file) {
  const v = new Validator();
  const res = await v.validate(file);
  if (!res.valid) return { valid: false, errors: res.errors };
  if (v.version !== '3.1') return { valid: false, errors: `version ${v.version}, expected 3.1` };
  try {
    v.resolveRefs();
  } catch (e) {
    return { valid: false, errors: String(e.message || e) };
  }
  return { valid: true, spec: v.specification };
}

// ---- it can fail --------------------------------------------------------
const text = readFileSync(SPEC, 'utf8');
const doc = () => YAML.parse(text);
const breakages = {
  'a response without its description': (d) => { delete d.paths['/healthz'].get.responses['200'].description; },
  'a query parameter without "in"': (d) => { delete d.paths['/api/v1/users'].get.parameters[0].in; },
  'a $ref to nothing': (d) => { d.paths['/healthz'].get.responses['200'] = { $ref: '#/components/responses/Nothing' }; },
  'an openapi version that does not exist': (d) => { d.openapi = '3.1.7x'; },
  'an operation that is not an object': (d) => { d.paths['/healthz'].get = 'liveness'; },
};
const tmp = mkdtempSync(path.join(os.tmpdir(), 'garant-openapi-'));
try {
  for (const [what, spoil] of Object.entries(breakages)) {
    const d = doc();
    spoil(d);
    const file = path.join(tmp, 'broken.yaml');
    writeFileSync(file, YAML.stringify(d));
    const res = await check(file);
    if (res.valid) fail(`the validator accepted a broken copy (${what}): it would pass anything`);
    console.log(`openapi: rejected as it should, a copy with ${what}`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

// ---- the document itself ------------------------------------------------
const res = await check(SPEC);
if (!res.valid) fail(`${SPEC} is not a valid OpenAPI 3.1 document:\n${JSON.stringify(res.errors, null, 2)}`);
const paths = Object.keys(res.spec.paths);
const ops = paths.flatMap((p) => Object.keys(res.spec.paths[p]).filter((k) => k !== 'parameters'));
console.log(`openapi: valid (${paths.length} paths, ${ops.length} operations)`);
