// tests/package/k8s-validate.cjs: validate Kubernetes manifests against the
// Kubernetes OpenAPI schema, as compiled by the npm package kubernetes-models
// (its classes' validate(): types, enums, required fields, formats). Those
// schemas do not forbid unknown fields: tests/package/k8s-strict.py does.
// Usage: node k8s-validate.cjs FILE...
// Prints "ok (values) FILE: KIND NAME" per document, or the errors; exits 1 on any.
'use strict';
const fs = require('fs');
const yaml = require('js-yaml');

// apiVersion "apps/v1" -> module "kubernetes-models/apps/v1/DaemonSet"
function modelFor(apiVersion, kind) {
  if (!/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion) || !/^[A-Za-z]+$/.test(kind))
    throw new Error(`bad apiVersion/kind ${apiVersion} ${kind}`);
  return require(`kubernetes-models/${apiVersion}/${kind}`)[kind];
}

// One rule of the API server's validation that no schema can say
// (validateMountPropagation in pkg/apis/core/validation): "Bidirectional
// mount propagation is available only to privileged containers".
function podSpecOf(doc) {
  if (doc.kind === 'Pod') return doc.spec;
  return doc.spec && doc.spec.template && doc.spec.template.spec;
}
function checkPropagation(doc) {
  const spec = podSpecOf(doc);
  const errs = [];
  for (const c of (spec && spec.containers) || []) {
    const priv = !!(c.securityContext && c.securityContext.privileged);
    for (const m of c.volumeMounts || [])
      if (m.mountPropagation === 'Bidirectional' && !priv)
        errs.push(`container ${c.name}: volumeMount ${m.name}: Bidirectional mount propagation is available only to privileged containers`);
  }
  if (errs.length) throw new Error(errs.join('; '));
}

let failed = false;
for (const file of process.argv.slice(2)) {
  let docs;
  try {
    docs = yaml.loadAll(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    console.log(`FAIL ${file}: ${e.message}`);
    failed = true;
    continue;
  }
  for (const doc of docs.filter((d) => d !== null)) {
    const what = `${doc.kind} ${doc.metadata && doc.metadata.name}`;
    try {
      const Model = modelFor(doc.apiVersion, doc.kind);
      new Model(doc).validate();
      checkPropagation(doc);
      console.log(`ok (values) ${file}: ${what}`);
    } catch (e) {
      console.log(`FAIL (values) ${file}: ${what}: ${e.message}`);
      failed = true;
    }
  }
}
process.exit(failed ? 1 : 0);
