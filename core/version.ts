// The roomcast version every process reports (register, heartbeat, /health, --version).
// Kept equal to package.json's version by core/version_test.ts.
export const SOFTWARE_VERSION = '0.1.0';
