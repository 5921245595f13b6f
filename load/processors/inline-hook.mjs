// Entry point Artillery loads. Artillery bundles a `.ts` processor into CommonJS, which breaks `import.meta.url`
// (the fixtures loader finds its folder with it); loading the TypeScript through tsx keeps it ESM, as it runs
// everywhere else in the project.
import { tsImport } from 'tsx/esm/api';

const hooks = await tsImport('./hooks.ts', import.meta.url);

export const { oktaRequest, oktaRetry, attackRequest, oktaJudges, transportError } = hooks;
