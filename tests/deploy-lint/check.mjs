// Lints deploy/Dockerfile with dockerfile-utils and validates every object in deploy/k8s/*.yaml
// against the Kubernetes API schemas (kubernetes-models). Prints one line per problem and a summary;
// exits 1 on any problem. Run: npm ci --prefix tests/deploy-lint && node tests/deploy-lint/check.mjs
import { readFileSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { validate as lintDockerfile } from "dockerfile-utils";
import { parseAllDocuments } from "yaml";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Service } from "kubernetes-models/v1/Service";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const models = {
  "apps/v1/Deployment": Deployment,
  "v1/Service": Service,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
};
const problems = [];
let checked = 0;

for (const file of process.argv.slice(2).length ? process.argv.slice(2) : ["deploy/Dockerfile"]) {
  if (!file.endsWith("Dockerfile")) continue;
  const text = readFileSync(join(root, file), "utf8");
  for (const d of lintDockerfile(text)) {
    problems.push(`${file}:${d.range.start.line + 1}: ${d.message}`);
  }
  checked++;
}

const k8s = join(root, "deploy", "k8s");
for (const name of readdirSync(k8s).filter((n) => n.endsWith(".yaml")).sort()) {
  for (const doc of parseAllDocuments(readFileSync(join(k8s, name), "utf8"))) {
    if (doc.errors.length) {
      problems.push(`deploy/k8s/${name}: ${doc.errors[0].message}`);
      continue;
    }
    const object = doc.toJS();
    if (!object) continue;
    const Model = models[`${object.apiVersion}/${object.kind}`];
    if (!Model) {
      problems.push(`deploy/k8s/${name}: no schema here for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    try {
      new Model(object).validate();
    } catch (error) {
      problems.push(`deploy/k8s/${name}: ${object.kind} ${object.metadata?.name}: ${error.message}`);
    }
    checked++;
  }
}

for (const p of problems) console.log(p);
console.log(`deploy-lint: ${checked} checked, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
