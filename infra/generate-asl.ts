import { writeFileSync } from 'node:fs';
import { aslFileNames, aslFromCatalogue, aslPath, readAsl } from './asl-catalogue';

// npm run asl: rewrites each Task's Resource, TimeoutSeconds, Retry and Catch from the step catalogue.
for (const workflow of aslFileNames()) {
  const before = readAsl(workflow);
  const after = aslFromCatalogue(workflow, before);
  if (after !== before) writeFileSync(aslPath(workflow), after);
  console.log(`${aslPath(workflow)}: ${after === before ? 'up to date' : 'updated'}`);
}
