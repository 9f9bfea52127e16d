export * from './backend.ts';
export * from './provider.ts';
export * from './run-id.ts';
export * from './pipeline-stack.ts';
export * from './experiment-stack.ts';
export * from './synthesize.ts';
export * from './source-maps.ts';
