import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../src/config/config.schema';
import { K8sObject, readYamlDocuments, renderKustomization } from './support/kustomize';
import { ROOT } from './support/processes';

/**
 * Issue #14 (Kubernetes part): the manifests under deploy/k8s — base and the example overlay, each
 * rendered as `kustomize build` would — are valid Kubernetes objects (kubernetes-models' schemas
 * for Kubernetes 1.27: types, required fields and enums; not unknown field names, hence the explicit
 * checks below), and they keep the rules the service depends on. No cluster was run.
 */

const K8S = join(ROOT, 'deploy', 'k8s');
const BASE = join(K8S, 'base');
const OVERLAY = join(K8S, 'overlays', 'example');

type Model = new (data: never) => { validate(): void };
const MODELS: Record<string, Model> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

/** Throws with the object's kind/name and the schema's complaint when it is not a valid object. */
function validate(o: K8sObject): void {
  const model = MODELS[`${o.apiVersion}/${o.kind}`];
  if (!model) throw new Error(`${o.apiVersion} ${o.kind} ${o.metadata?.name}: no schema in this test for that kind`);
  try {
    new model(o as never).validate();
  } catch (err) {
    throw new Error(`${o.kind} ${o.metadata.name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** Kubernetes objects on disk: every YAML file but kustomizations and JSON 6902 patches. */
const objectFiles = () => yamlFiles(K8S).filter((f) => !/kustomization\.yaml$|\.patch\.yaml$/.test(f));

interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  ports?: Array<{ name: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string }>;
  envFrom?: Array<{ configMapRef?: { name: string } }>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: Record<string, unknown>;
  automountServiceAccountToken?: boolean;
  volumes?: Array<{ name: string; secret?: { secretName: string } }>;
}
interface DeploymentSpec {
  replicas?: number;
  selector: { matchLabels: Record<string, string> };
  template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
}

const find = (objects: K8sObject[], kind: string, name: string): K8sObject => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};
const deploymentSpec = (objects: K8sObject[], name: string) => find(objects, 'Deployment', name).spec as DeploymentSpec;
const env = (c: Container, name: string) => c.env?.find((e) => e.name === name)?.value;

/** "500m" → 0.5, "1" → 1; "512Mi" → bytes. */
const cpu = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q));
const bytes = (q: string) =>
  Number(/^\d+/.exec(q)![0]) * ({ Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[q.replace(/^\d+/, '')] ?? 1);

describe('Kubernetes manifests (deploy/k8s)', () => {
  it('parses every YAML file, and every object on disk is a valid Kubernetes object', () => {
    const files = objectFiles();
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const file of files) {
      const docs = readYamlDocuments(file) as K8sObject[];
      expect(docs.length, relative(ROOT, file)).toBeGreaterThan(0);
      for (const doc of docs) validate(doc);
    }
    // Patches and kustomizations parse too.
    for (const file of yamlFiles(K8S)) expect(() => readYamlDocuments(file), relative(ROOT, file)).not.toThrow();
  });

  it('refuses an invalid object (the schema check is not vacuous)', () => {
    const api = structuredClone(find(renderKustomization(BASE), 'Deployment', 'kiosk-signin-api'));
    (api.spec as { replicas: unknown }).replicas = 'two';
    expect(() => validate(api)).toThrow(/replicas/);
    const hpa = structuredClone(find(renderKustomization(BASE), 'HorizontalPodAutoscaler', 'kiosk-signin-worker'));
    delete (hpa.spec as { scaleTargetRef?: unknown }).scaleTargetRef;
    expect(() => validate(hpa)).toThrow(/scaleTargetRef/);
  });

  it.each([
    ['base', BASE],
    ['the example overlay', OVERLAY],
  ])('renders %s into valid objects: API and worker Deployments, Service, Ingress, PDBs, HPAs', (_name, dir) => {
    const objects = renderKustomization(dir);
    for (const o of objects) validate(o);
    const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'ConfigMap/kiosk-signin-config',
        'Deployment/kiosk-signin-api',
        'Deployment/kiosk-signin-worker',
        'Service/kiosk-signin-api',
        'Ingress/kiosk-signin',
        'PodDisruptionBudget/kiosk-signin-api',
        'PodDisruptionBudget/kiosk-signin-worker',
        'HorizontalPodAutoscaler/kiosk-signin-worker',
      ]),
    );
    expect(new Set(kinds).size).toBe(kinds.length);
    // No Secret in the manifests: secret values never live in the repository.
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  it('overlay: its own namespace, the registry image, the host and settings patched in', () => {
    const objects = renderKustomization(OVERLAY);
    expect(objects.filter((o) => o.kind !== 'Namespace').every((o) => o.metadata.namespace === 'kiosk-signin')).toBe(true);
    for (const name of ['kiosk-signin-api', 'kiosk-signin-worker']) {
      expect(deploymentSpec(objects, name).template.spec.containers[0].image).toBe('registry.example.com/kiosk-signin:0.1.0');
    }
    expect(deploymentSpec(objects, 'kiosk-signin-worker').replicas).toBe(3);
    const ingress = find(objects, 'Ingress', 'kiosk-signin').spec as {
      rules: Array<{ host: string }>;
      tls: Array<{ hosts: string[] }>;
    };
    expect(ingress.rules[0].host).toBe('kiosks.acme.example');
    expect(ingress.tls[0].hosts).toEqual(['kiosks.acme.example']);
    expect((find(objects, 'ConfigMap', 'kiosk-signin-config').data as Record<string, string>).PUBLIC_URL).toBe(
      'https://kiosks.acme.example',
    );
  });

  describe('what the service relies on', () => {
    const objects = renderKustomization(BASE);
    const config = find(objects, 'ConfigMap', 'kiosk-signin-config').data as Record<string, string>;
    const shutdownS = Number(config.SHUTDOWN_TIMEOUT_MS ?? 15_000) / 1000;

    it('runs ROLE=api and ROLE=worker in production, with only variables the service reads', () => {
      const api = deploymentSpec(objects, 'kiosk-signin-api').template.spec.containers[0];
      const worker = deploymentSpec(objects, 'kiosk-signin-worker').template.spec.containers[0];
      expect(env(api, 'ROLE')).toBe('api');
      expect(env(worker, 'ROLE')).toBe('worker');
      expect(config.NODE_ENV).toBe('production');
      // Contract variables that issue #12 implements (not in this branch's schema yet).
      const contractOnly = new Set(['TRUST_PROXY']);
      const known = (name: string) => name in envSchema.shape || contractOnly.has(name);
      for (const key of Object.keys(config)) expect(known(key), `ConfigMap ${key}`).toBe(true);
      for (const c of [api, worker]) {
        for (const e of c.env ?? []) expect(known(e.name.replace(/_FILE$/, '')), `${c.name} env ${e.name}`).toBe(true);
        expect(c.envFrom).toEqual([{ configMapRef: { name: 'kiosk-signin-config' } }]);
      }
    });

    it('passes secrets only as files (*_FILE) from a read-only mounted Secret', () => {
      for (const name of ['kiosk-signin-api', 'kiosk-signin-worker']) {
        const pod = deploymentSpec(objects, name).template.spec;
        const c = pod.containers[0];
        const secretVolumes = (pod.volumes ?? [])
          .filter((v) => v.secret?.secretName === 'kiosk-signin-secrets')
          .map((v) => v.name);
        const mounts = (c.volumeMounts ?? []).filter((m) => secretVolumes.includes(m.name));
        expect(mounts, name).toHaveLength(1);
        expect(mounts[0].readOnly).toBe(true);
        for (const secret of ['REDIS_URL', 'WEBEX_CLIENT_SECRET', 'TOKEN_ENCRYPTION_KEY', 'DASHBOARD_PASSWORD']) {
          expect(env(c, secret), `${name}: ${secret} in plain env`).toBeUndefined();
          expect(config[secret], `${secret} in the ConfigMap`).toBeUndefined();
          expect(env(c, `${secret}_FILE`), `${name}: ${secret}_FILE`).toMatch(new RegExp(`^${mounts[0].mountPath}/[a-z-]+$`));
        }
      }
    });

    it('probes the API on /readyz and /healthz; workers (no HTTP port) are not probed', () => {
      const api = deploymentSpec(objects, 'kiosk-signin-api').template.spec.containers[0];
      expect(api.ports).toEqual([{ name: 'http', containerPort: 3000 }]);
      expect(api.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(api.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
      const worker = deploymentSpec(objects, 'kiosk-signin-worker').template.spec.containers[0];
      expect(worker.ports).toBeUndefined();
      expect(worker.readinessProbe).toBeUndefined();
      expect(worker.livenessProbe).toBeUndefined();
    });

    it('gives every pod longer to stop than the service takes (SHUTDOWN_TIMEOUT_MS plus the preStop pause)', () => {
      for (const name of ['kiosk-signin-api', 'kiosk-signin-worker']) {
        const pod = deploymentSpec(objects, name).template.spec;
        const preStop = pod.containers[0].lifecycle?.preStop?.exec?.command;
        const pause = preStop?.[0] === 'sleep' ? Number(preStop[1]) : 0;
        expect(pod.terminationGracePeriodSeconds, name).toBeGreaterThan(shutdownS + pause);
      }
    });

    it('runs as a non-root user with no privilege escalation, a read-only root and no capabilities', () => {
      for (const name of ['kiosk-signin-api', 'kiosk-signin-worker']) {
        const pod = deploymentSpec(objects, name).template.spec;
        expect(pod.securityContext).toMatchObject({
          runAsNonRoot: true,
          runAsUser: 1000,
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(pod.automountServiceAccountToken).toBe(false);
        expect(pod.containers[0].securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
      }
      // The image's own user is the same one (Dockerfile: USER node, uid 1000 in node:*-bookworm-slim).
      expect(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).toMatch(/^USER node$/m);
    });

    it('sizes pods from the README capacity plan: an API pod holds 10,000 sockets, a worker a core', () => {
      const api = deploymentSpec(objects, 'kiosk-signin-api').template.spec.containers[0].resources!;
      const worker = deploymentSpec(objects, 'kiosk-signin-worker').template.spec.containers[0].resources!;
      // ≈12 KiB per socket over a ≈130 MiB base ⇒ ≈250 MiB at 10,000, ≈310 MiB at the peak under the
      // 768 MiB limit (README, "Capacity plan"); requests hold that, limits leave headroom.
      expect(bytes(api.requests!.memory)).toBeGreaterThanOrEqual(350 * 1024 ** 2);
      expect(bytes(api.limits!.memory)).toBeGreaterThan(bytes(api.requests!.memory));
      // ≈550–650 polls/s per worker core.
      expect(cpu(worker.requests!.cpu)).toBe(1);
      for (const r of [api, worker]) {
        expect(cpu(r.limits!.cpu)).toBeGreaterThanOrEqual(cpu(r.requests!.cpu));
        expect(bytes(r.limits!.memory)).toBeGreaterThanOrEqual(bytes(r.requests!.memory));
      }
    });

    it('routes the Ingress to the API Service with WebSocket-length timeouts and no stickiness', () => {
      const ingress = find(objects, 'Ingress', 'kiosk-signin');
      const annotations = ingress.metadata.annotations ?? {};
      expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(3600);
      expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-send-timeout'])).toBeGreaterThanOrEqual(3600);
      expect(Object.keys(annotations).filter((a) => /affinity|session-cookie|upstream-hash/.test(a))).toEqual([]);
      const backend = (
        ingress.spec as {
          rules: Array<{ http: { paths: Array<{ backend: { service: { name: string; port: { name: string } } } }> } }>;
        }
      ).rules[0].http.paths[0].backend.service;
      expect(backend).toEqual({ name: 'kiosk-signin-api', port: { name: 'http' } });
      const service = find(objects, 'Service', 'kiosk-signin-api').spec as {
        selector: Record<string, string>;
        ports: Array<{ name: string; targetPort: string }>;
      };
      expect(service.ports).toEqual([expect.objectContaining({ name: 'http', targetPort: 'http' })]);
      // The Service selects API pods, never workers.
      expect(service.selector).toEqual(deploymentSpec(objects, 'kiosk-signin-api').template.metadata.labels);
    });

    it('points every PodDisruptionBudget and autoscaler at a Deployment that exists', () => {
      for (const pdb of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
        const spec = pdb.spec as { selector: { matchLabels: Record<string, string> }; maxUnavailable?: number };
        expect(spec.maxUnavailable).toBe(1);
        const match = objects.filter(
          (o) =>
            o.kind === 'Deployment' &&
            Object.entries(spec.selector.matchLabels).every(
              ([k, v]) => (o.spec as DeploymentSpec).template.metadata.labels[k] === v,
            ),
        );
        expect(
          match.map((o) => o.metadata.name),
          pdb.metadata.name,
        ).toEqual([pdb.metadata.name]);
      }
      for (const hpa of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
        const spec = hpa.spec as { scaleTargetRef: { kind: string; name: string }; minReplicas: number; maxReplicas: number };
        expect(find(objects, spec.scaleTargetRef.kind, spec.scaleTargetRef.name)).toBeDefined();
        // At least two of each role: one can be drained while the other serves.
        expect(spec.minReplicas).toBeGreaterThanOrEqual(2);
        expect(spec.maxReplicas).toBeGreaterThan(spec.minReplicas);
      }
    });
  });
});
