// The version --version shows: package.json's, put in by the bundler (build.mjs),
// so no command reads a file to know it.
declare const __YOLOVM_VERSION__: string | undefined;

export const VERSION = typeof __YOLOVM_VERSION__ === 'string' ? __YOLOVM_VERSION__ : '0.0.0-dev';
