// Fails fast when a script runs on anything but Node 24 (the Lambda runtime, nodejs24.x).
// npm scripts and npx put node_modules/.bin first on PATH, where the `node@24` devDependency lives.
const major = Number(process.versions.node.split('.')[0]);
if (major !== 24) {
  console.error(
    `okta-phone-mfa needs Node 24 (Lambda nodejs24.x); this is ${process.version}. ` +
      'Run it through npm scripts or npx so the node@24 devDependency is used.',
  );
  process.exit(1);
}
