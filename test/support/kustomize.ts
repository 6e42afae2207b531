import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { applyPatch, type Operation } from 'rfc6902';
import { parseAllDocuments } from 'yaml';

/**
 * Renders a kustomization the way `kustomize build` does, for exactly the features this project's
 * manifests use — no cluster and no kustomize binary needed (neither exists on this machine, and
 * Debian does not package kustomize). Anything else in a kustomization.yaml is refused loudly, so a
 * manifest change that this renderer does not understand fails the test instead of being ignored.
 *
 * Supported: `resources` (files and directories), `namespace`, `images` (name → newName/newTag),
 * `replicas`, and `patches` given as JSON 6902 operations with a kind/name `target`.
 */

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

const KNOWN_KEYS = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'images', 'replicas', 'patches']);

/** Kinds that live outside namespaces, of those this project uses. */
const CLUSTER_SCOPED = new Set(['Namespace']);

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  resources?: string[];
  namespace?: string;
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
  replicas?: Array<{ name: string; count: number }>;
  patches?: Array<{ path: string; target: { kind: string; name: string } }>;
}

/** Every YAML document of a file, parsed (YAML errors throw, naming the file). */
export function readYamlDocuments(file: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  return docs
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return doc.toJS() as unknown;
    })
    .filter((value) => value !== null);
}

export function renderKustomization(dir: string): K8sObject[] {
  const file = join(dir, 'kustomization.yaml');
  const [k] = readYamlDocuments(file) as [Kustomization];
  const unknown = Object.keys(k).filter((key) => !KNOWN_KEYS.has(key));
  if (unknown.length > 0) throw new Error(`${file}: this test's renderer does not support ${unknown.join(', ')}`);
  if (k.apiVersion !== 'kustomize.config.k8s.io/v1beta1' || k.kind !== 'Kustomization') {
    throw new Error(`${file}: not a kustomize.config.k8s.io/v1beta1 Kustomization`);
  }

  const objects: K8sObject[] = [];
  for (const entry of k.resources ?? []) {
    const path = resolve(dir, entry);
    if (!existsSync(path)) throw new Error(`${file}: resource ${entry} does not exist`);
    if (statSync(path).isDirectory()) objects.push(...renderKustomization(path));
    else objects.push(...(readYamlDocuments(path) as K8sObject[]));
  }

  for (const patch of k.patches ?? []) {
    const targets = objects.filter((o) => o.kind === patch.target.kind && o.metadata.name === patch.target.name);
    if (targets.length !== 1) throw new Error(`${file}: patch ${patch.path} matches ${targets.length} objects`);
    const ops = readYamlDocuments(join(dir, patch.path))[0] as Operation[];
    const failures = applyPatch(targets[0], ops).filter((r) => r !== null);
    if (failures.length > 0) throw new Error(`${file}: patch ${patch.path} failed: ${failures.map(String).join('; ')}`);
  }

  for (const r of k.replicas ?? []) {
    const target = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === r.name);
    if (!target) throw new Error(`${file}: replicas for unknown Deployment ${r.name}`);
    (target.spec as { replicas: number }).replicas = r.count;
  }

  for (const image of k.images ?? []) {
    let used = false;
    for (const container of containers(objects)) {
      const [name, tag] = splitImage(container.image);
      if (name !== image.name) continue;
      used = true;
      container.image = `${image.newName ?? name}${(image.newTag ?? tag) ? `:${image.newTag ?? tag}` : ''}`;
    }
    if (!used) throw new Error(`${file}: image ${image.name} is used by no container`);
  }

  if (k.namespace !== undefined) {
    for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
  }
  return objects;
}

/** The containers of every workload among `objects`. */
export function containers(objects: K8sObject[]): Array<{ name: string; image: string; [field: string]: unknown }> {
  return objects
    .filter((o) => o.kind === 'Deployment')
    .flatMap(
      (o) => (o.spec as { template: { spec: { containers: Array<{ name: string; image: string }> } } }).template.spec.containers,
    );
}

function splitImage(image: string): [string, string | undefined] {
  const slash = image.lastIndexOf('/');
  const colon = image.indexOf(':', slash + 1);
  return colon === -1 ? [image, undefined] : [image.slice(0, colon), image.slice(colon + 1)];
}
